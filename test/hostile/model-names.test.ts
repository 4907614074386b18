/**
 * Hostile clients, issue 11 defect 3 (first part): an over-long `model` is refused with a 400 in the route's
 * format before anything is forwarded, echoed or stored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_MODEL_BYTES } from '../../main/translate/anthropic-schema';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

describe('hostile clients: model names', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  const post = (path: string, model: string, headers: Record<string, string>) =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
  const anthropic = () => ({ 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01' });

  for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
    test(`${path}: a model name over ${MAX_MODEL_BYTES} bytes is a 400 invalid_request_error`, async () => {
      const res = await post(path, 'm'.repeat(1024 * 1024), anthropic());
      assert.equal(res.status, 400);
      const json = (await res.json()) as { type: string; error: { type: string; message: string } };
      assert.equal(json.type, 'error');
      assert.equal(json.error.type, 'invalid_request_error');
      assert.match(json.error.message, /^model: /);
      assert.ok(json.error.message.length < 300, 'the name is not echoed');
    });
  }

  test('/v1/messages: multi-byte characters count as their UTF-8 bytes (86 x 3 bytes is over)', async () => {
    assert.equal((await post('/v1/messages', '漢'.repeat(86), anthropic())).status, 400);
    h.backend.reply({ text: 'ok' });
    assert.equal((await post('/v1/messages', '漢'.repeat(85), anthropic())).status, 200);
  });

  test(`/v1/chat/completions: a model name over ${MAX_MODEL_BYTES} bytes is an OpenAI 400 with param "model"`, async () => {
    const before = h.backend.chatRequests.length;
    const res = await post('/v1/chat/completions', 'm'.repeat(MAX_MODEL_BYTES + 1), { authorization: `Bearer ${h.apiKey}` });
    assert.equal(res.status, 400);
    const json = (await res.json()) as { error: { type: string; param: string } };
    assert.equal(json.error.type, 'invalid_request_error');
    assert.equal(json.error.param, 'model');
    assert.equal(h.backend.chatRequests.length, before, 'nothing forwarded');
  });
});
