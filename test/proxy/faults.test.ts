/**
 * A misbehaving backend never breaks the proxy: for each fault of the fault backend, on each endpoint, streamed and
 * not, the client gets a clear error in its own protocol within a bounded time, the backend request is ended (no
 * hang left behind), and the next request is served. TIMEOUT is set small (flags) so hangs end quickly; a healthy
 * stream longer than TIMEOUT still succeeds. Bounds are generous (a loaded 2-core machine): they catch hangs, they
 * do not measure speed.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_RETRY_AFTER_MS, retryWait } from '../../main/upstream/client';
import { checkAnthropicStream } from '../support/anthropic-stream-check';
import { startFaultBackend } from '../support/fault-backend';
import type { FaultBackend, QueuedModeInput } from '../support/fault-backend';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

/** TIMEOUT for these tests, in seconds (headers, and silence between chunks). */
const TIMEOUT_S = 1.5;
/** No answer may take longer than this: a request still open after it counts as hung. */
const BOUND_MS = 20_000;

/** What the client saw: status, headers, the bytes that arrived, and whether the connection broke before the end. */
interface Outcome {
  status: number;
  headers: Headers;
  text: string;
  /** The body ended in a network error (the proxy cut the connection) instead of a clean end. */
  cut: boolean;
}

/** One API of the proxy: how to call it and how its errors look. */
interface Endpoint {
  name: string;
  path: string;
  headers: (key: string) => Record<string, string>;
  body: (stream: boolean) => Record<string, unknown>;
  /** Asserts a non-streamed error answer is in the endpoint's format; returns its error type. */
  errorType: (o: Outcome) => string;
  /** The text of a successful answer (streamed or not). */
  answerText: (o: Outcome, stream: boolean) => string;
  /** The error types it uses for an unreachable backend (502) and a backend timeout (504). */
  types: { unreachable: string; timeout: string };
}

const chat: Endpoint = {
  name: '/v1/chat/completions',
  path: '/v1/chat/completions',
  headers: (key) => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' }),
  body: (stream) => ({ model: 'fault-model', messages: [{ role: 'user', content: 'hi' }], stream }),
  errorType(o) {
    assert.match(o.headers.get('content-type') ?? '', /application\/json/, `JSON error expected: ${o.text.slice(0, 200)}`);
    const { error } = JSON.parse(o.text) as { error?: { message?: unknown; type?: unknown } };
    assert.ok(typeof error?.message === 'string' && error.message.length > 0, `OpenAI error expected: ${o.text.slice(0, 200)}`);
    assert.equal(typeof error.type, 'string');
    return error.type as string;
  },
  answerText(o, stream) {
    if (!stream) return (JSON.parse(o.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
    return o.text
      .split('\n\n')
      .filter((f) => f.startsWith('data: {'))
      .map((f) => (JSON.parse(f.slice(6)) as { choices: { delta?: { content?: string } }[] }).choices[0]?.delta?.content ?? '')
      .join('');
  },
  types: { unreachable: 'server_error', timeout: 'server_error' },
};

const messages: Endpoint = {
  name: '/v1/messages',
  path: '/v1/messages',
  headers: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }),
  body: (stream) => ({ model: 'claude-sonnet-4-5', max_tokens: 1000, messages: [{ role: 'user', content: 'hi' }], stream }),
  errorType(o) {
    assert.match(o.headers.get('content-type') ?? '', /application\/json/, `JSON error expected: ${o.text.slice(0, 200)}`);
    const body = JSON.parse(o.text) as { type?: unknown; error?: { message?: unknown; type?: unknown } };
    assert.equal(body.type, 'error', `Anthropic error expected: ${o.text.slice(0, 200)}`);
    const { error } = body;
    assert.ok(typeof error?.message === 'string' && error.message.length > 0, `Anthropic error expected: ${o.text.slice(0, 200)}`);
    assert.equal(typeof error.type, 'string');
    return error.type as string;
  },
  answerText(o, stream) {
    if (!stream) return (JSON.parse(o.text) as { content: { text: string }[] }).content.map((b) => b.text).join('');
    const summary = checkAnthropicStream(o.text, { complete: true });
    assert.equal(summary.errored, false, `an error event: ${o.text.slice(-300)}`);
    return summary.events
      .map((e) => (e.data.delta as { type?: string; text?: string } | undefined))
      .filter((d) => d?.type === 'text_delta')
      .map((d) => d?.text ?? '')
      .join('');
  },
  types: { unreachable: 'api_error', timeout: 'timeout_error' },
};

/** POSTs to the proxy and reads the whole answer, or what arrived before the connection broke. Fails on a hang. */
async function send(h: ProxyHarness, ep: Endpoint, stream: boolean): Promise<Outcome> {
  const signal = AbortSignal.timeout(BOUND_MS);
  let res: Response;
  try {
    res = await fetch(`${h.url}${ep.path}`, {
      method: 'POST',
      headers: ep.headers(h.apiKey),
      body: JSON.stringify(ep.body(stream)),
      signal,
    });
  } catch (err) {
    assert.fail(`${ep.name}: no answer (${signal.aborted ? `hung for ${BOUND_MS} ms` : String(err)})`);
  }
  const decoder = new TextDecoder();
  let text = '';
  let cut = false;
  try {
    for await (const chunk of res.body ?? []) text += decoder.decode(chunk as Uint8Array, { stream: true });
  } catch (err) {
    assert.ok(!signal.aborted, `${ep.name}: the answer hung for ${BOUND_MS} ms after ${JSON.stringify(text.slice(0, 200))}`);
    cut = true;
    void err;
  }
  return { status: res.status, headers: res.headers, text: text + decoder.decode(), cut };
}

describe('retryWait (how long a 502/503 waits before its retry)', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  test('the backoff when retry-after is absent or unreadable', () => {
    assert.equal(retryWait(undefined, 300, now), 300);
    assert.equal(retryWait('soon', 300, now), 300);
  });
  test('retry-after in seconds or as an HTTP date, when longer than the backoff', () => {
    assert.equal(retryWait('2', 300, now), 2000);
    assert.equal(retryWait('0', 300, now), 300);
    assert.equal(retryWait(new Date(now + 5000).toUTCString(), 300, now), 5000);
  });
  test('null (hand the answer to the client) past MAX_RETRY_AFTER_MS', () => {
    assert.equal(retryWait(String(MAX_RETRY_AFTER_MS / 1000 + 1), 300, now), null);
    assert.equal(retryWait(new Date(now + 3_600_000).toUTCString(), 300, now), null);
  });
});

describe('backend faults', () => {
  let backend: FaultBackend;
  let h: ProxyHarness;

  before(async () => {
    backend = await startFaultBackend();
    h = await startProxyHarness({
      noBackendEnv: true,
      env: { OPENAI_BASE_URL: backend.url, OPENAI_API_KEY: 'fault-key', OPENAI_MODEL: 'fault-model' },
      flags: { timeout_s: TIMEOUT_S, retries: 2 },
    });
  });
  after(async () => {
    await h.close();
    await backend.close();
  });
  beforeEach(async () => {
    await backend.setMode('ok');
  });

  /** The backend has ended every request (the proxy left none open), and the proxy serves a normal request. */
  async function assertRecovered(ep: Endpoint): Promise<void> {
    await backend.idle(10_000);
    await backend.setMode('ok');
    for (const stream of [false, true]) {
      const o = await send(h, ep, stream);
      assert.equal(o.status, 200, `${ep.name} after the fault: ${o.text.slice(0, 300)}`);
      assert.equal(o.cut, false);
      assert.equal(ep.answerText(o, stream), 'Hello from the fault backend.');
    }
  }

  /** Queues `modes`, sends one request, checks the backend received `attempts` of them. */
  async function faulted(ep: Endpoint, stream: boolean, modes: QueuedModeInput[], attempts = modes.length): Promise<Outcome> {
    const before = backend.count();
    backend.enqueue(...modes);
    const o = await send(h, ep, stream);
    assert.equal(backend.count() - before, attempts, `the backend received ${attempts} attempt(s)`);
    return o;
  }

  for (const ep of [chat, messages]) {
    describe(ep.name, () => {
      test('refused connections: retried, then 502 in the API format; served again once the backend is back', async () => {
        await backend.setMode('refuse');
        for (const stream of [false, true]) {
          const o = await send(h, ep, stream);
          assert.equal(o.status, 502);
          assert.equal(ep.errorType(o), ep.types.unreachable);
          assert.match(o.text, /Cannot reach the backend/);
          assert.ok(!o.text.includes('fault-key'), 'the backend key is never shown');
        }
        await assertRecovered(ep);
      });

      for (const stream of [false, true]) {
        const mode = stream ? 'streamed' : 'not streamed';

        test(`reset before headers (${mode}): retried up to RETRIES, then 502`, async () => {
          const o = await faulted(ep, stream, ['reset-before-headers', 'reset-before-headers', 'reset-before-headers']);
          assert.equal(o.status, 502);
          assert.equal(ep.errorType(o), ep.types.unreachable);
          await assertRecovered(ep);
        });

        test(`reset before headers once (${mode}): the retry answers`, async () => {
          const o = await faulted(ep, stream, ['reset-before-headers', 'ok']);
          assert.equal(o.status, 200, o.text);
          assert.equal(ep.answerText(o, stream), 'Hello from the fault backend.');
          await assertRecovered(ep);
        });

        test(`hang before headers (${mode}): 504 after TIMEOUT, the backend request aborted`, async () => {
          const o = await faulted(ep, stream, ['hang-before-headers']);
          assert.equal(o.status, 504);
          assert.equal(ep.errorType(o), ep.types.timeout);
          assert.match(o.text, /TIMEOUT/);
          await assertRecovered(ep);
          assert.equal(backend.requests.find((r) => r.mode === 'hang-before-headers' && !r.aborted), undefined);
        });

        test(`502 then 503 then ok (${mode}): retried, the client sees only the answer`, async () => {
          const o = await faulted(ep, stream, [{ kind: 'non-json-error', status: 502 }, { kind: 'status', status: 503 }, 'ok']);
          assert.equal(o.status, 200, o.text);
          assert.equal(ep.answerText(o, stream), 'Hello from the fault backend.');
          await assertRecovered(ep);
        });

        test(`429 with retry-after (${mode}): not retried, forwarded with its retry-after`, async () => {
          const body = { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit' } };
          const o = await faulted(ep, stream, [{ kind: 'status', status: 429, body, headers: { 'retry-after': '7' } }]);
          assert.equal(o.status, 429);
          assert.equal(ep.errorType(o), 'rate_limit_error');
          assert.equal(o.headers.get('retry-after'), '7');
          assert.match(o.text, /slow down/);
          await assertRecovered(ep);
        });

        test(`huge answer, 5 MiB (${mode}): arrives whole`, async () => {
          const o = await faulted(ep, stream, [{ kind: 'huge', bytes: 5 * 1024 * 1024 }]);
          assert.equal(o.status, 200);
          assert.equal(o.cut, false);
          assert.equal(ep.answerText(o, stream).length, 5 * 1024 * 1024);
          await assertRecovered(ep);
        });
      }

      test('503 with retry-after: 1 is retried no sooner than a second later', async () => {
        const o = await faulted(ep, false, [{ kind: 'status', status: 503, headers: { 'retry-after': '1' } }, 'ok']);
        assert.equal(o.status, 200, o.text);
        const [first, retry] = backend.requests.slice(-2);
        assert.ok(first && retry);
        const waited = retry.receivedAt - first.receivedAt;
        assert.ok(waited >= 950, `retry-after honoured: waited ${Math.round(waited)} ms`);
        await assertRecovered(ep);
      });

      test('503 with a retry-after far away: not retried, answered at once with its retry-after', async () => {
        const o = await faulted(ep, false, [{ kind: 'status', status: 503, headers: { 'retry-after': '3600' } }]);
        assert.equal(o.status, 503);
        assert.equal(o.headers.get('retry-after'), '3600');
        ep.errorType(o);
        await assertRecovered(ep);
      });

      test('502 with an HTML page, every try: a 502 error in the API format', async () => {
        const html = { kind: 'non-json-error', status: 502 } as const;
        const o = await faulted(ep, false, [html, html, html]);
        assert.equal(o.status, 502);
        assert.equal(ep.errorType(o), ep.types.unreachable);
        assert.match(o.text, /502/);
        await assertRecovered(ep);
      });

      for (const cut of ['hang', 'reset'] as const) {
        test(`a 400 error body cut short (${cut}): an error in the API format, never a 500`, async () => {
          const o = await faulted(ep, false, [{ kind: 'status', status: 400, cut }]);
          assert.notEqual(o.status, 500, o.text);
          if (o.cut) {
            // Pass-through: the status went out with the headers; the broken body shows as a broken connection.
            assert.equal(ep, chat);
            assert.equal(o.status, 400);
          } else {
            assert.ok(o.status === 502 || o.status === 504, `${o.status}: ${o.text}`);
            ep.errorType(o);
          }
          await assertRecovered(ep);
        });
      }

      test('a healthy slow stream longer than TIMEOUT, chunks more often than TIMEOUT: succeeds', async () => {
        const chunks = 10;
        const delayMs = 250; // 2.5 s in all, > TIMEOUT (1.5 s); every gap 1.25 s below it
        const text = 'one two three four five six seven eight nine ten ';
        const o = await faulted(ep, true, [{ kind: 'slow-ok', chunks, delayMs, text }]);
        assert.equal(o.status, 200, o.text);
        assert.equal(o.cut, false);
        assert.equal(ep.answerText(o, true), text);
        await assertRecovered(ep);
      });
    });
  }

  describe('/v1/chat/completions, once the answer has started (pass-through: the connection is cut)', () => {
    test('reset mid-stream: the client sees the first chunks, then a broken connection', async () => {
      const o = await faulted(chat, true, [{ kind: 'reset-mid-stream', chunks: 2 }]);
      assert.equal(o.status, 200);
      assert.ok(o.cut, 'the client must not take a cut stream for a complete one');
      assert.match(o.text, /Hello/);
      assert.ok(!o.text.includes('[DONE]'));
      await assertRecovered(chat);
    });

    test('reset mid-body (not streamed): the client sees a broken body, not a short JSON', async () => {
      const o = await faulted(chat, false, ['reset-mid-stream']);
      assert.equal(o.status, 200);
      assert.ok(o.cut);
      await assertRecovered(chat);
    });

    test('hang mid-stream: cut after TIMEOUT of silence, the backend request aborted', async () => {
      const o = await faulted(chat, true, [{ kind: 'hang-mid-stream', chunks: 1 }]);
      assert.equal(o.status, 200);
      assert.ok(o.cut);
      await assertRecovered(chat);
      assert.equal(backend.requests.find((r) => r.mode === 'hang-mid-stream' && !r.aborted), undefined);
    });

    test('hang mid-body (not streamed): cut after TIMEOUT of silence', async () => {
      const o = await faulted(chat, false, ['hang-mid-stream']);
      assert.equal(o.status, 200);
      assert.ok(o.cut);
      await assertRecovered(chat);
    });

    test('garbage SSE: passed through as sent and ended; the proxy is unharmed', async () => {
      const o = await faulted(chat, true, ['garbage-sse']);
      assert.equal(o.status, 200);
      assert.match(o.text, /this is not json/);
      await assertRecovered(chat);
    });
  });
  describe('/v1/messages, once the answer has started: an `error` event ends the stream', () => {
    /** The events of a streamed answer that must end in an `error` event (and end cleanly, not cut). */
    function erroredStream(o: Outcome): { type: string; message: string } {
      assert.equal(o.status, 200);
      assert.equal(o.cut, false, 'the stream ends after its error event');
      const summary = checkAnthropicStream(o.text, { complete: false });
      assert.ok(summary.errored, `an error event expected: ${o.text.slice(-300)}`);
      const last = summary.events.at(-1)!.data.error as { type: string; message: string };
      return last;
    }

    test('reset mid-stream: the first text, then an error event', async () => {
      const o = await faulted(messages, true, [{ kind: 'reset-mid-stream', chunks: 2 }]);
      const error = erroredStream(o);
      assert.equal(error.type, 'api_error');
      assert.match(o.text, /Hello/);
      await assertRecovered(messages);
    });

    test('reset mid-body (not streamed): 502 api_error', async () => {
      const o = await faulted(messages, false, ['reset-mid-stream']);
      assert.equal(o.status, 502);
      assert.equal(messages.errorType(o), 'api_error');
      await assertRecovered(messages);
    });

    test('hang mid-stream: an error event after TIMEOUT of silence, the backend request aborted', async () => {
      const o = await faulted(messages, true, [{ kind: 'hang-mid-stream', chunks: 1 }]);
      const error = erroredStream(o);
      assert.match(error.message, /TIMEOUT/);
      await assertRecovered(messages);
      assert.equal(backend.requests.find((r) => r.mode === 'hang-mid-stream' && !r.aborted), undefined);
    });

    test('hang mid-body (not streamed): 504 timeout_error', async () => {
      const o = await faulted(messages, false, ['hang-mid-stream']);
      assert.equal(o.status, 504);
      assert.equal(messages.errorType(o), 'timeout_error');
      await assertRecovered(messages);
    });

    test('garbage SSE: a well-formed Anthropic stream that ends in an error event', async () => {
      const o = await faulted(messages, true, ['garbage-sse']);
      erroredStream(o);
      await assertRecovered(messages);
    });

    test('garbage instead of JSON (not streamed): 502 api_error', async () => {
      const o = await faulted(messages, false, [{ kind: 'status', status: 200, body: 'not json at all' }]);
      assert.equal(o.status, 502);
      assert.equal(messages.errorType(o), 'api_error');
      await assertRecovered(messages);
    });
  });
});
