/**
 * Failures of `POST /v1/messages` as an Anthropic client sees them: the SDK's typed errors (status, `error.type`,
 * message, headers), client mistakes answered 400 in Anthropic's format, a backend dying mid-stream as an SSE
 * `error` event, and a proxy with no backend configured.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { checkAnthropicStream } from '../support/anthropic-stream-check';
import { startFaultBackend } from '../support/fault-backend';
import type { FaultBackend } from '../support/fault-backend';
import { anthropicClient, postAnthropic as post, startAnthropicHarness } from '../support/anthropic-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { openaiError } from '../support/scripted-backend';

const params: Anthropic.MessageCreateParamsNonStreaming = {
  model: 'claude-sonnet-4-6',
  max_tokens: 1000,
  messages: [{ role: 'user', content: 'Hi' }],
};

/** Anthropic's error body, as the proxy sends it. */
interface ErrorBody {
  type: string;
  error: { type: string; message: string };
  request_id?: string;
}

/** Asserts that `promise` rejects with an instance of `type` and returns the error for more checks. */
async function rejection<T extends APIError>(promise: Promise<unknown>, type: abstract new (...args: never[]) => T): Promise<T> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof type, `expected ${type.name}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${type.name}, but the call succeeded`);
}

describe('POST /v1/messages errors through the Anthropic SDK', () => {
  let h: ProxyHarness;
  let client: Anthropic;

  before(async () => ({ h, client } = await startAnthropicHarness()));
  after(() => h.close());
  beforeEach(async () => {
    h.backend.reset();
    await h.runtime.admin.updateSettings({ retries: 0 });
  });

  test('an unknown client key: AuthenticationError naming InfiniProxy\'s key; the backend is not called', async () => {
    const stranger = anthropicClient(h, 'sk-ip-not-a-key');
    const err = await rejection(stranger.messages.create(params), Anthropic.AuthenticationError);
    assert.equal(err.type, 'authentication_error');
    assert.match(err.message, /InfiniProxy API key/);
    assert.match(err.requestID ?? '', /^req_/);
    assert.equal(h.backend.requests.length, 0);
  });

  test('the backend refuses its key: AuthenticationError that blames the backend key, not the client\'s', async () => {
    h.backend.reply({ error: { status: 401, body: openaiError('Incorrect API key provided: sk-bad.', 'invalid_request_error', null, 'invalid_api_key') } });
    const err = await rejection(client.messages.create(params), Anthropic.AuthenticationError);
    assert.equal(err.type, 'authentication_error');
    assert.match(err.message, /backend/i);
    assert.match(err.message, /Incorrect API key provided/);
  });

  test('backend 429 with retry-after: RateLimitError with the header forwarded', async () => {
    h.backend.reply({ error: { status: 429, body: openaiError('Rate limit reached.', 'requests', null, 'rate_limit_exceeded'), headers: { 'retry-after': '7' } } });
    const err = await rejection(client.messages.create(params), Anthropic.RateLimitError);
    assert.equal(err.type, 'rate_limit_error');
    assert.equal(err.headers.get('retry-after'), '7');
  });

  test('a streamed request failing before the first byte gets the HTTP error, not a stream', async () => {
    h.backend.reply({ error: { status: 429, body: openaiError('Slow down.', 'requests'), headers: { 'retry-after': '3' } } });
    const err = await rejection(client.messages.stream(params).finalMessage(), Anthropic.RateLimitError);
    assert.equal(err.headers.get('retry-after'), '3');
  });

  test('context overflow is reworded the way Claude Code acts on it', async () => {
    const tooLong = "This model's maximum context length is 8192 tokens. However, your messages resulted in 9100 tokens. Please reduce the length of the messages.";
    h.backend.reply({ error: { status: 400, body: openaiError(tooLong, 'invalid_request_error', 'messages', 'context_length_exceeded') } });
    const prompt = await rejection(client.messages.create(params), Anthropic.BadRequestError);
    assert.equal(prompt.type, 'invalid_request_error');
    assert.match(prompt.message, /prompt is too long/i);

    const withOutput = "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens (7000 in the messages, 2000 in the completion).";
    h.backend.reply({ error: { status: 400, body: openaiError(withOutput, 'invalid_request_error', 'messages', 'context_length_exceeded') } });
    const sum = await rejection(client.messages.create(params), Anthropic.BadRequestError);
    assert.match(sum.message, /input length and `max_tokens` exceed context limit: 7000 \+ 2000 > 8192/);
  });

  test('backend 500: InternalServerError (api_error)', async () => {
    h.backend.reply({ error: { status: 500, body: openaiError('The server had an error.', 'server_error') } });
    const err = await rejection(client.messages.create(params), Anthropic.InternalServerError);
    assert.equal(err.status, 500);
    assert.equal(err.type, 'api_error');
    assert.match(err.message, /The server had an error/);
  });

  test('backend 503 and 529: overloaded_error', async () => {
    h.backend.reply({ error: { status: 503, body: openaiError('Service unavailable.', 'server_error') } });
    const unavailable = await rejection(client.messages.create(params), Anthropic.InternalServerError);
    assert.equal(unavailable.status, 503);
    assert.equal(unavailable.type, 'overloaded_error');

    h.backend.reply({ error: { status: 529, body: openaiError('Overloaded.', 'server_error') } });
    const overloaded = await rejection(client.messages.create(params), Anthropic.OverloadedError);
    assert.equal(overloaded.type, 'overloaded_error');
  });

  test('backend 403, 404 and 413 keep their meaning', async () => {
    const cases: { status: number; type: string; cls: typeof APIError<number, Headers> }[] = [
      { status: 403, type: 'permission_error', cls: Anthropic.PermissionDeniedError },
      { status: 404, type: 'not_found_error', cls: Anthropic.NotFoundError },
      { status: 413, type: 'request_too_large', cls: Anthropic.ContentTooLargeError },
    ];
    for (const c of cases) {
      h.backend.reply({ error: { status: c.status, body: openaiError(`backend says ${c.status}`, 'invalid_request_error') } });
      const err = await rejection(client.messages.create(params), c.cls);
      assert.equal(err.type, c.type, `status ${c.status}`);
      assert.match(err.message, new RegExp(`backend says ${c.status}`));
    }
  });

  test('an HTML error page from a gateway: a readable api_error, no HTML', async () => {
    const page = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';
    h.backend.reply({ error: { status: 502, body: page } });
    const err = await rejection(client.messages.create(params), Anthropic.InternalServerError);
    assert.equal(err.status, 502);
    assert.equal(err.type, 'api_error');
    assert.match(err.message, /502 Bad Gateway/);
    assert.doesNotMatch(err.message, /<html|<center/);
  });

  test('malformed JSON: 400 invalid_request_error in Anthropic\'s shape', async () => {
    const res = await post(h, '{"model": "claude-sonnet-4-6", "messages": [');
    assert.equal(res.status, 400);
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'invalid_request_error');
    assert.match(body.request_id ?? '', /^req_/);
    assert.equal(h.backend.requests.length, 0);
  });

  test('invalid fields: a 400 naming the field, the backend not called', async () => {
    const document = { ...params, messages: [{ role: 'user', content: [{ type: 'search_result', source: 'x', title: 't', content: [] }] }] };
    const doc = await post(h, JSON.stringify(document));
    assert.equal(doc.status, 400);
    const docBody = (await doc.json()) as ErrorBody;
    assert.equal(docBody.error.type, 'invalid_request_error');
    assert.match(docBody.error.message, /messages\.0\.content\.0/);
    assert.match(docBody.error.message, /search_result/);

    // The message quotes the value as text, whether the client sent it as characters or as \u escapes.
    const named = { ...params, messages: [{ role: 'user', content: [{ type: 'документ', text: 'x' }] }] };
    for (const body of [JSON.stringify(named), JSON.stringify(named).replace('документ', '\\u0434\\u043e\\u043a\\u0443\\u043c\\u0435\\u043d\\u0442')]) {
      const res = await post(h, body);
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as ErrorBody).error.message, /"документ"/);
    }

    const { max_tokens: _omitted, ...noMax } = params;
    const missing = await rejection(client.messages.create(noMax as Anthropic.MessageCreateParamsNonStreaming), Anthropic.BadRequestError);
    assert.equal(missing.type, 'invalid_request_error');
    assert.match(missing.message, /max_tokens/);

    const notObject = await post(h, '[1, 2]');
    assert.equal(notObject.status, 400);
    assert.equal(((await notObject.json()) as ErrorBody).error.type, 'invalid_request_error');
    assert.equal(h.backend.requests.length, 0);
  });

  test('errors are recorded in the request log under /v1/messages', async () => {
    h.backend.reply({ error: { status: 500, body: openaiError('boom', 'server_error') } });
    await rejection(client.messages.create({ ...params, model: 'claude-sonnet-4-6-fails' }), Anthropic.InternalServerError);
    let entry;
    for (let attempt = 0; attempt < 100 && !entry; attempt++) {
      entry = (await h.runtime.admin.requests({ key_id: h.keyId, limit: 20 })).find((e) => e.model === 'claude-sonnet-4-6-fails');
      if (!entry) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(entry, 'logged');
    assert.equal(entry.endpoint, '/v1/messages');
    assert.equal(entry.status, 500);
    assert.ok(entry.error, 'the error is noted');
  });
});

describe('POST /v1/messages with a backend that fails mid-stream', () => {
  let fault: FaultBackend;
  let h: ProxyHarness;
  let client: Anthropic;

  before(async () => {
    fault = await startFaultBackend();
    ({ h, client } = await startAnthropicHarness({ env: { OPENAI_BASE_URL: fault.url, OPENAI_API_KEY: 'fault-key', OPENAI_MODEL: 'fault-model' } }));
    await h.runtime.admin.updateSettings({ retries: 0 });
  });
  after(async () => {
    await h.close();
    await fault.close();
  });

  test('a reset after the stream started: an SSE error event ends it, and the SDK stream throws', async () => {
    fault.enqueue({ kind: 'reset-mid-stream', chunks: 3 });
    const res = await post(h, JSON.stringify({ ...params, stream: true }));
    assert.equal(res.status, 200, 'the headers were already sent');
    const summary = checkAnthropicStream(await res.text());
    assert.equal(summary.errored, true, 'ends with an error event');
    const last = summary.events.at(-1);
    assert.equal(last?.event, 'error');
    assert.ok(!summary.events.some((e) => e.event === 'message_stop'), 'no message_stop after a failure');

    fault.enqueue({ kind: 'reset-mid-stream', chunks: 3 });
    const err = await rejection(client.messages.stream(params).finalMessage(), Anthropic.APIError);
    assert.equal(typeof err.type, 'string');
    await fault.idle();
  });

  test('a healthy stream through the same proxy still works afterwards', async () => {
    fault.enqueue({ kind: 'ok', text: 'all good now' });
    const message = await client.messages.stream(params).finalMessage();
    assert.deepEqual(message.content, [{ type: 'text', text: 'all good now' }]);
  });
});

describe('POST /v1/messages with no backend configured', () => {
  test('503 in Anthropic\'s format, saying what to set', async () => {
    const { h, client } = await startAnthropicHarness({ noBackendEnv: true });
    try {
      const err = await rejection(client.messages.create(params), Anthropic.InternalServerError);
      assert.equal(err.status, 503);
      assert.match(err.message, /OPENAI_BASE_URL/);
      const res = await post(h, JSON.stringify(params));
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.type, 'error');
      assert.equal(typeof body.error.type, 'string');
    } finally {
      await h.close();
    }
  });
});
