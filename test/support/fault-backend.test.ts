/**
 * The fault backend does what it says, so that proxy tests built on it fail for the proxy's faults, not its own.
 * Clients: the official OpenAI SDK where it applies, node:http where the raw bytes matter.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import OpenAI from 'openai';
import { refusedUrl, startFaultBackend, type FaultBackend } from './fault-backend';

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The error that ended the response early, if any. */
  error?: string;
}

/** A raw request; resolves with whatever arrived, even when the connection breaks half-way. */
function raw(url: string, opts: { method?: string; body?: unknown; signal?: AbortSignal } = {}): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(
      url,
      {
        method: opts.method ?? (payload ? 'POST' : 'GET'),
        headers: payload ? { 'content-type': 'application/json' } : {},
        signal: opts.signal,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        const done = (error?: string) =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8'), error });
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => done());
        res.on('error', (e) => done(e.message));
        res.on('aborted', () => done('aborted'));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const chat = (stream: boolean, extra: object = {}) => ({
  model: 'test-model',
  messages: [{ role: 'user', content: 'hi' }],
  stream,
  ...extra,
});

/** The content deltas of an OpenAI SSE body, joined. */
function sseContent(body: string): string {
  return body
    .split('\n\n')
    .filter((f) => f.startsWith('data: {'))
    .map((f) => (JSON.parse(f.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '')
    .join('');
}

describe('fault backend', () => {
  let backend: FaultBackend;
  let client: OpenAI;
  before(async () => {
    backend = await startFaultBackend();
    client = new OpenAI({ apiKey: 'sk-test', baseURL: backend.url, maxRetries: 0, timeout: 10_000 });
  });
  after(() => backend.close());

  test('ok: a correct completion, streamed or not, as the official SDK reads it', async () => {
    await backend.setMode({ kind: 'ok', text: 'Two words.' });
    const done = await client.chat.completions.create({ model: 'my-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(done.choices[0]?.message.content, 'Two words.');
    assert.equal(done.model, 'my-model', 'answers with the model asked for');
    assert.equal(done.usage?.total_tokens, 14);

    const stream = await client.chat.completions.create({
      model: 'my-model',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let finish: string | null | undefined;
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    assert.equal(text, 'Two words.');
    assert.equal(finish, 'stop');
    assert.deepEqual(usage, { prompt_tokens: 12, completion_tokens: 2, total_tokens: 14 });
    assert.equal(backend.requests.at(-1)?.stream, true);
    assert.equal(backend.requests.at(-1)?.headers.authorization, 'Bearer sk-test', 'requests are recorded with headers');
  });

  test('models are listed; unknown paths answer 404 in OpenAI format', async () => {
    await backend.setMode('ok');
    const models = await client.models.list();
    assert.deepEqual(models.data.map((m) => m.id), ['fault-model', 'fault-model-large']);
    const missing = await raw(`${backend.url}/embeddings`, { body: {} });
    assert.equal(missing.status, 404);
    assert.match((JSON.parse(missing.body) as { error: { message: string } }).error.message, /No route/);
    assert.equal(backend.requests.at(-1)?.mode, null);
  });

  test('the queue answers the next requests, then the mode applies again; counts are per mode', async () => {
    await backend.setMode('ok');
    const before = backend.count();
    const okBefore = backend.count('ok');
    backend.enqueue({ kind: 'status', status: 503 }, 'non-json-error');
    const a = await raw(`${backend.url}/chat/completions`, { body: chat(false) });
    const b = await raw(`${backend.url}/chat/completions`, { body: chat(false) });
    const c = await raw(`${backend.url}/chat/completions`, { body: chat(false) });
    assert.deepEqual([a.status, b.status, c.status], [503, 502, 200]);
    assert.equal(backend.count() - before, 3);
    assert.equal(backend.count('ok') - okBefore, 1);
    assert.ok(backend.count('status') >= 1 && backend.count('non-json-error') >= 1);
  });

  test('status: any status, body and headers', async () => {
    await backend.setMode({ kind: 'status', status: 429, headers: { 'retry-after': '7' }, body: { error: { message: 'slow down' } } });
    const r = await raw(`${backend.url}/chat/completions`, { body: chat(false) });
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '7');
    assert.deepEqual(JSON.parse(r.body), { error: { message: 'slow down' } });
    await backend.setMode({ kind: 'status', status: 400, body: 'plain words' });
    const p = await raw(`${backend.url}/chat/completions`, { body: chat(false) });
    assert.deepEqual([p.status, p.body, p.headers['content-type']], [400, 'plain words', 'text/plain; charset=utf-8']);
  });

  test('non-json-error: a gateway HTML page', async () => {
    await backend.setMode('non-json-error');
    const r = await raw(`${backend.url}/chat/completions`, { body: chat(true) });
    assert.equal(r.status, 502);
    assert.equal(r.headers['content-type'], 'text/html');
    assert.match(r.body, /<h1>502 Bad Gateway<\/h1>/);
  });

  test('garbage-sse: an event stream of broken events, without [DONE]', async () => {
    await backend.setMode('garbage-sse');
    const r = await raw(`${backend.url}/chat/completions`, { body: chat(true) });
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/event-stream/);
    assert.match(r.body, /data: this is not json/);
    assert.ok(!r.body.includes('[DONE]'));
    assert.ok(!r.body.endsWith('\n'), 'the last event lacks its newline');
    await backend.setMode({ kind: 'garbage-sse', body: 'data: {\n\n' });
    assert.equal((await raw(`${backend.url}/chat/completions`, { body: chat(true) })).body, 'data: {\n\n');
  });

  test('reset-before-headers: the connection breaks with no answer', async () => {
    await backend.setMode('reset-before-headers');
    await assert.rejects(raw(`${backend.url}/chat/completions`, { body: chat(true) }), /socket hang up|ECONNRESET/);
    await assert.rejects(client.chat.completions.create(chat(false) as never), OpenAI.APIConnectionError);
    await backend.idle();
    assert.equal(backend.requests.at(-1)?.aborted, true);
  });

  test('reset-mid-stream: some chunks, then the connection breaks', async () => {
    await backend.setMode({ kind: 'reset-mid-stream', chunks: 2 });
    const r = await raw(`${backend.url}/chat/completions`, { body: chat(true) });
    assert.equal(r.status, 200);
    assert.ok(r.error, 'the response ended with an error');
    assert.equal(r.body.split('data: ').length - 1, 3, 'the role chunk and two content chunks');
    assert.ok(!r.body.includes('finish_reason":"stop') && !r.body.includes('[DONE]'));
    const json = await raw(`${backend.url}/chat/completions`, { body: chat(false) });
    assert.ok(json.error && json.body.length > 0, 'not streamed: half a body, then the break');
    assert.throws(() => JSON.parse(json.body));
  });

  test('hang-before-headers: nothing comes until the client gives up; then nothing is left open', async () => {
    await backend.setMode('hang-before-headers');
    const abort = new AbortController();
    const arrived = backend.nextRequest();
    const pending = raw(`${backend.url}/chat/completions`, { body: chat(true), signal: abort.signal });
    const seen = await arrived;
    assert.equal(seen.ended, false);
    assert.equal(backend.activeRequests, 1);
    abort.abort();
    await assert.rejects(pending, /abort/i);
    await backend.idle();
    assert.equal(seen.aborted, true);
    assert.equal(backend.activeRequests, 0);
  });

  test('hang-mid-stream: a chunk, then silence; idle() reports what is still open', async () => {
    await backend.setMode({ kind: 'hang-mid-stream', chunks: 1 });
    const abort = new AbortController();
    const arrived = backend.nextRequest();
    const got: string[] = [];
    const firstChunk = new Promise<void>((resolve, reject) => {
      const req = request(`${backend.url}/chat/completions`, { method: 'POST', signal: abort.signal, agent: false }, (res) => {
        res.on('data', (c: Buffer) => {
          got.push(c.toString());
          if (got.join('').split('data: ').length - 1 >= 2) resolve();
        });
        res.on('error', () => {});
      });
      req.on('error', () => {});
      req.end(JSON.stringify(chat(true)));
      setTimeout(() => reject(new Error('no chunk within 5 s')), 5000).unref();
    });
    await firstChunk;
    await arrived;
    await assert.rejects(backend.idle(50), /1 request\(s\) still open after 50 ms: #\d+ POST \/v1\/chat\/completions \(hang-mid-stream\)/);
    abort.abort();
    await backend.idle();
    assert.equal(backend.requests.at(-1)?.aborted, true);
  });

  test('huge: megabytes of content, streamed in chunks or in one body', async () => {
    const bytes = 3 * 1024 * 1024 + 5;
    await backend.setMode({ kind: 'huge', bytes });
    const done = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(done.choices[0]?.message.content?.length, bytes);
    const r = await raw(`${backend.url}/chat/completions`, { body: chat(true) });
    assert.equal(sseContent(r.body).length, bytes);
    assert.match(r.body, /data: \[DONE\]\n\n$/);
  });

  test('slow-ok: the chunks come one by one', async () => {
    await backend.setMode({ kind: 'slow-ok', chunks: 4, delayMs: 5, text: 'one two three four five six' });
    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    const pieces: string[] = [];
    for await (const chunk of stream) {
      const c = chunk.choices[0]?.delta.content;
      if (c) pieces.push(c);
    }
    assert.equal(pieces.length, 4);
    assert.equal(pieces.join(''), 'one two three four five six');
    const done = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(done.choices[0]?.message.content, 'one two three four five six');
  });

  test('refuse: connections are refused until another mode is set; the port stays the same', async () => {
    await backend.setMode('refuse');
    await assert.rejects(raw(`${backend.url}/models`), /ECONNREFUSED/);
    await assert.rejects(client.models.list(), OpenAI.APIConnectionError);
    assert.equal(backend.openSockets, 0);
    await backend.setMode('ok');
    assert.equal((await raw(`${backend.url}/models`)).status, 200);
    await assert.rejects(raw(`${await refusedUrl()}/models`), /ECONNREFUSED/);
  });
});

test('close() ends hanging answers and destroys every socket', async () => {
  const backend = await startFaultBackend({ mode: 'hang-before-headers' });
  const arrived = backend.nextRequest();
  const pending = raw(`${backend.url}/chat/completions`, { body: chat(true) });
  await arrived;
  assert.equal(backend.openSockets, 1);
  await backend.close();
  await assert.rejects(pending, /socket hang up|ECONNRESET/);
  assert.equal(backend.openSockets, 0);
  assert.equal(backend.activeRequests, 0);
  await backend.close(); // idempotent
});
