import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { rawRequest } from './raw-request';

const chatBody = JSON.stringify({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] });

describe('client API key authentication', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  const post = (path: string, headers: Record<string, string>, body = chatBody) =>
    fetch(`${h.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });

  test('accepts x-api-key and Authorization: Bearer', async () => {
    const viaHeader = await post('/v1/chat/completions', { 'x-api-key': h.apiKey });
    assert.equal(viaHeader.status, 200);
    const viaBearer = await post('/v1/chat/completions', { authorization: `Bearer ${h.apiKey}` });
    assert.equal(viaBearer.status, 200);
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(answer.choices[0]?.message.content, 'Hello from the scripted backend.');
    assert.equal(h.backend.chatRequests.at(-1)?.headers.authorization, `Bearer ${h.backend.apiKey}`, 'the backend key is swapped in');
  });

  test('missing or wrong key: 401 in OpenAI format on /v1/chat/completions, naming the proxy key', async () => {
    const before = h.backend.requests.length;
    const cases: Record<string, string>[] = [{}, { 'x-api-key': 'sk-ip-wrong' }, { authorization: 'Bearer nope' }];
    for (const headers of cases) {
      const res = await post('/v1/chat/completions', headers);
      assert.equal(res.status, 401);
      const body = (await res.json()) as { error: { message: string; type: string; code: string } };
      assert.equal(body.error.type, 'authentication_error');
      assert.match(body.error.message, /InfiniProxy API key/);
      assert.ok(['missing_api_key', 'invalid_api_key'].includes(body.error.code));
    }
    assert.equal(h.backend.requests.length, before, 'nothing reaches the backend');
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: 'sk-ip-wrong', maxRetries: 0 });
    await assert.rejects(
      client.chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] }),
      (err: unknown) => err instanceof OpenAI.AuthenticationError && /InfiniProxy/.test(err.message),
    );
  });

  test('401 in Anthropic format on /v1/messages and /v1/messages/count_tokens', async () => {
    for (const path of ['/v1/messages', '/v1/messages/count_tokens']) {
      const res = await post(path, { 'x-api-key': 'wrong', 'anthropic-version': '2023-06-01' }, '{}');
      assert.equal(res.status, 401);
      const body = (await res.json()) as { type: string; error: { type: string; message: string }; request_id: string };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'authentication_error');
      assert.match(body.error.message, /Invalid InfiniProxy API key/);
      assert.equal(body.request_id, res.headers.get('request-id'));
    }
  });

  test('/v1/models: OpenAI format without anthropic-version, Anthropic format with it', async () => {
    const openai = await fetch(`${h.url}/v1/models`, { headers: { 'x-api-key': 'wrong' } });
    assert.equal(openai.status, 401);
    assert.equal(((await openai.json()) as { type?: string }).type, undefined);
    const anthropic = await fetch(`${h.url}/v1/models`, { headers: { 'x-api-key': 'wrong', 'anthropic-version': '2023-06-01' } });
    assert.equal(anthropic.status, 401);
    assert.equal(((await anthropic.json()) as { type?: string }).type, 'error');
  });

  test('a key made or revoked through the admin API takes effect at once', async () => {
    const created = await fetch(`${h.url}/admin/api-keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: h.userId, name: 'fresh' }),
    });
    assert.equal(created.status, 200);
    const key = (await created.json()) as { id: number; api_key: string };
    assert.equal((await post('/v1/chat/completions', { 'x-api-key': key.api_key })).status, 200);
    const revoked = await fetch(`${h.url}/admin/api-keys/${key.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${h.adminToken}` } });
    assert.equal(revoked.status, 200);
    const after = await post('/v1/chat/completions', { 'x-api-key': key.api_key });
    assert.equal(after.status, 401);
    assert.equal(((await after.json()) as { error: { code: string } }).error.code, 'invalid_api_key');
  });
});

describe('throttling of repeated failed authentication', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  /** The default throttle: this many failures within a minute block an address. */
  const MAX_FAILURES = 20;

  const chatFrom = (localAddress: string, key: string) =>
    rawRequest({ url: h.url, method: 'POST', path: '/v1/chat/completions', headers: { 'x-api-key': key }, body: chatBody, localAddress });

  test('an address that keeps sending wrong keys gets 429 with retry-after for them; its good key still works', async () => {
    const guesses = Array.from({ length: MAX_FAILURES }, (_, i) => `sk-ip-guess-${i}-${'x'.repeat(20)}`);
    for (const guess of guesses) assert.equal((await chatFrom('127.0.0.2', guess)).status, 401);

    const blocked = await chatFrom('127.0.0.2', 'sk-ip-one-more-guess-xxxxxxxxxxxxxxxx');
    assert.equal(blocked.status, 429);
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
    const body = blocked.json() as { error: { type: string; code: string; message: string } };
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(body.error.code, 'too_many_failed_authentications');

    const anthropic = await rawRequest({
      url: h.url,
      method: 'POST',
      path: '/v1/messages',
      headers: { 'x-api-key': 'sk-ip-wrong-again-xxxxxxxxxxxxxxxxxxxx', 'anthropic-version': '2023-06-01' },
      body: '{}',
      localAddress: '127.0.0.2',
    });
    assert.equal(anthropic.status, 429);
    assert.equal((anthropic.json() as { type: string; error: { type: string } }).error.type, 'rate_limit_error');

    assert.equal((await chatFrom('127.0.0.2', h.apiKey)).status, 200, 'a valid key is never refused by the throttle');
    const admin = await rawRequest({ url: h.url, path: '/admin/status', headers: { authorization: `Bearer ${h.adminToken}` }, localAddress: '127.0.0.2' });
    assert.equal(admin.status, 200, 'nor is the admin token');
    const wrongAdmin = await rawRequest({ url: h.url, path: '/admin/status', headers: { authorization: 'Bearer wrong' }, localAddress: '127.0.0.2' });
    assert.equal(wrongAdmin.status, 429, 'a wrong admin token from the blocked address is refused with 429');

    const lines = h.logs.filter((l) => /too many failed authentications/.test(l));
    assert.equal(lines.length, 1, 'one log line per block');
    assert.match(lines[0]!, /127\.0\.0\.2/);
    const all = h.logs.join('\n');
    for (const secret of [...guesses, h.apiKey, h.adminToken]) assert.ok(!all.includes(secret), 'no key material in the log');
  });

  test('wrong admin tokens count as failures; requests without credentials do not', async () => {
    for (let i = 0; i < MAX_FAILURES * 2; i++) {
      const res = await rawRequest({ url: h.url, path: '/admin/status', localAddress: '127.0.0.4' });
      assert.equal(res.status, 401, 'a missing token is not a guess');
    }
    for (let i = 0; i < MAX_FAILURES; i++) {
      const res = await rawRequest({ url: h.url, path: '/admin/status', headers: { authorization: `Bearer wrong-${i}` }, localAddress: '127.0.0.4' });
      assert.equal(res.status, 401);
    }
    const blocked = await rawRequest({ url: h.url, path: '/admin/status', headers: { authorization: 'Bearer wrong-again' }, localAddress: '127.0.0.4' });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) >= 1);
    const good = await rawRequest({ url: h.url, path: '/admin/status', headers: { authorization: `Bearer ${h.adminToken}` }, localAddress: '127.0.0.4' });
    assert.equal(good.status, 200);
  });
});
