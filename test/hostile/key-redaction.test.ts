/**
 * Issue 11 defect 8: a backend that echoes the key it was sent (`Incorrect API key provided: Bearer sk-…`) must not
 * get it to clients or records. Both API routes, JSON and HTML/text error pages, a mid-stream error event, the
 * request log and the log lines are checked; and the one redaction function takes any number of keys (providers).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configuredSecrets } from '../../main/core/config';
import { redactSecrets } from '../../shared/redact';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import type { ScriptedReply } from '../support/scripted-backend';
import { rawRequest } from '../proxy/raw-request';

const KEY = 'sk-backend-Secret/0123456789abcdefXYZ';
const MASK = 'sk-…fXYZ';

const echoes: Record<string, ScriptedReply> = {
  json: { error: { status: 401, body: { error: { message: `Incorrect API key provided: Bearer ${KEY}`, type: 'invalid_request_error' } } } },
  html: {
    error: {
      status: 403,
      body: `<html><head><title>Forbidden for key ${KEY}</title></head><body>upstream refused ${KEY}</body></html>`,
      headers: { 'content-type': 'text/html' },
    },
  },
  text: { error: { status: 500, body: `internal error; key=${encodeURIComponent(KEY)}` } },
};

describe('a backend that echoes its key', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness({ backendOptions: { apiKey: KEY }, env: { DEBUG: '1' } });
  });
  after(() => h.close());

  const send = (path: string, body: unknown) =>
    rawRequest({
      url: h.url,
      method: 'POST',
      path,
      headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    });
  const messages = (stream = false) => send('/v1/messages', { model: 'claude-haiku-4-5', max_tokens: 50, stream, messages: [{ role: 'user', content: 'hi' }] });
  const chat = () => send('/v1/chat/completions', { model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] });

  for (const [kind, reply] of Object.entries(echoes)) {
    test(`${kind} error body: masked on /v1/messages and /v1/chat/completions`, async () => {
      h.backend.reply(reply);
      const m = await messages();
      assert.equal(m.status, reply.error!.status);
      assert.ok(!m.text.includes(KEY) && !m.text.includes(encodeURIComponent(KEY)), m.text);
      assert.ok(m.text.includes(MASK), `the mask shows which key: ${m.text}`);
      h.backend.reply(reply);
      const c = await chat();
      assert.equal(c.status, reply.error!.status);
      assert.ok(!c.text.includes(KEY) && !c.text.includes(encodeURIComponent(KEY)) && !c.text.includes(JSON.stringify(KEY).slice(1, -1)), c.text);
    });
  }

  test('a mid-stream error chunk quoting the key is masked in the error event', async () => {
    h.backend.reply({ chunks: [{ chunk: { error: { message: `stream failed for ${KEY}`, code: 401 } } }] });
    const m = await messages(true);
    assert.equal(m.status, 200);
    assert.match(m.text, /event: error/);
    assert.ok(!m.text.includes(KEY) && m.text.includes(MASK), m.text);
  });

  test('the request log and the log lines never hold the key', async () => {
    await h.runtime.store.flush();
    const logged = await h.runtime.admin.requests({ limit: 100 });
    assert.ok(logged.some((r) => r.error?.includes(MASK)), JSON.stringify(logged));
    const all = JSON.stringify(logged) + h.logs.join('\n');
    assert.ok(!all.includes(KEY) && !all.includes(encodeURIComponent(KEY)), 'nothing recorded holds the key');
    h.runtime.logger.error(`a line quoting ${KEY}`);
    assert.ok(!h.logs.join('\n').includes(KEY), 'every log line is masked');
  });
});

test('redactSecrets masks every configured key, in every form, and leaves short placeholders alone', () => {
  const keys = configuredSecrets({
    backend_api_key: 'sk-first-key-1111111111',
    providers: [
      { api_key: 'gsk_second_key_22222222' },
      { api_key: 'ollama' },
      { api_key: '' },
    ] as never,
  });
  assert.deepEqual(keys, ['sk-first-key-1111111111', 'gsk_second_key_22222222', 'ollama']);
  const text = 'a sk-first-key-1111111111 b "gsk_second_key_22222222" c ollama d sk-first-key-1111111111';
  assert.equal(redactSecrets(text, keys), 'a sk-…1111 b "gsk…2222" c ollama d sk-…1111');
  assert.equal(redactSecrets('{"k":"a\\/b-secret-value"}', ['a/b-secret-value']), '{"k":"a/b…alue"}');
  assert.equal(redactSecrets('nothing here', keys), 'nothing here');
});
