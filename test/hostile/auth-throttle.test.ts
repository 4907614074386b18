/**
 * Issue 11 defect 5: the brute-force throttle must never refuse valid credentials. Every local client shares
 * 127.0.0.1 (and every client behind a reverse proxy shares its address), so after 20 wrong keys from there a valid
 * key, the admin token and the CLI must keep working; only the wrong credentials get 429. Behind a trusted proxy
 * (TRUSTED_PROXIES) failures count per client address taken from X-Forwarded-For; from anyone else it is ignored.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientAddress, parseTrustedProxies } from '../../main/proxy/client-address';
import { cleanEnv, runCli } from '../support/cli';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { rawRequest } from '../proxy/raw-request';

const chatBody = JSON.stringify({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] });
const wrongKey = (i: number): string => `sk-ip-wrong-${i}-${'x'.repeat(24)}`;

describe('after 20 wrong keys from the address every local client shares', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
    for (let i = 0; i < 20; i++) {
      const res = await rawRequest({ url: h.url, method: 'POST', path: '/v1/chat/completions', headers: { 'x-api-key': wrongKey(i) }, body: chatBody });
      assert.equal(res.status, 401);
    }
    const blocked = await rawRequest({ url: h.url, method: 'POST', path: '/v1/chat/completions', headers: { 'x-api-key': wrongKey(99) }, body: chatBody });
    assert.equal(blocked.status, 429, 'wrong keys are throttled');
  });
  after(() => h.close());

  test('a valid key works on both API routes', async () => {
    const chat = await rawRequest({ url: h.url, method: 'POST', path: '/v1/chat/completions', headers: { 'x-api-key': h.apiKey }, body: chatBody });
    assert.equal(chat.status, 200, chat.text);
    const messages = await rawRequest({
      url: h.url,
      method: 'POST',
      path: '/v1/messages',
      headers: { authorization: `Bearer ${h.apiKey}`, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(messages.status, 200, messages.text);
  });

  test('the admin token works', async () => {
    const res = await rawRequest({ url: h.url, path: '/admin/users', headers: { authorization: `Bearer ${h.adminToken}` } });
    assert.equal(res.status, 200, res.text);
  });

  test('the CLI works (it goes through the running server from 127.0.0.1)', { timeout: 60_000 }, async () => {
    const res = await runCli(['users', 'list', '--json', '--data-dir', h.dataDir], { cwd: h.dataDir, env: cleanEnv({ HOME: h.dataDir }) });
    assert.equal(res.code, 0, res.stderr + res.stdout);
    assert.deepEqual((JSON.parse(res.stdout) as { username: string }[]).map((u) => u.username), ['tester']);
  });
});

describe('behind a trusted reverse proxy (TRUSTED_PROXIES)', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness({ env: { TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' } });
  });
  after(() => h.close());

  const viaProxy = (forwardedFor: string, key: string, localAddress = '127.0.0.1') =>
    rawRequest({
      url: h.url,
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'x-api-key': key, 'x-forwarded-for': forwardedFor },
      body: chatBody,
      localAddress,
    });

  test('failures count per client address from X-Forwarded-For', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await viaProxy('203.0.113.7', wrongKey(i))).status, 401);
    assert.equal((await viaProxy('203.0.113.7', wrongKey(20))).status, 429, 'that client is throttled');
    assert.equal((await viaProxy('198.51.100.1, 203.0.113.7', wrongKey(21))).status, 429, 'a spoofed left part does not help');
    assert.equal((await viaProxy('203.0.113.8', wrongKey(22))).status, 401, 'another client behind the proxy is not');
    assert.match(h.logs.join('\n'), /from 203\.0\.113\.7/);
  });

  test('X-Forwarded-For from an address that is not a trusted proxy is ignored', async () => {
    for (let i = 0; i < 20; i++) assert.equal((await viaProxy(`192.0.2.${i}`, wrongKey(i), '127.0.0.9')).status, 401);
    assert.equal((await viaProxy('192.0.2.200', wrongKey(30), '127.0.0.9')).status, 429, 'a client cannot rotate its address');
  });
});

test('clientAddress: the right-most untrusted hop when the peer is trusted, else the peer', () => {
  const { list, invalid } = parseTrustedProxies('127.0.0.1, ::1, 10.0.0.0/8, fd00::/8, bogus, 10.0.0.1/40');
  assert.deepEqual(invalid, ['bogus', '10.0.0.1/40']);
  assert.equal(clientAddress('127.0.0.1', '203.0.113.5', list), '203.0.113.5');
  assert.equal(clientAddress('::ffff:127.0.0.1', '203.0.113.5', list), '203.0.113.5', 'an IPv4-mapped peer');
  assert.equal(clientAddress('::1', '1.1.1.1, 203.0.113.5, 10.1.2.3', list), '203.0.113.5', 'trusted hops are skipped');
  assert.equal(clientAddress('127.0.0.1', '10.0.0.2, 10.0.0.3', list), '10.0.0.2', 'all trusted: the left-most');
  assert.equal(clientAddress('127.0.0.1', 'garbage, 203.0.113.5', list), '203.0.113.5');
  assert.equal(clientAddress('127.0.0.1', '203.0.113.5, garbage', list), '127.0.0.1', 'a hop that is no address stops the walk');
  assert.equal(clientAddress('192.0.2.1', '203.0.113.5', list), '192.0.2.1', 'an untrusted peer is the client');
  assert.equal(clientAddress('127.0.0.1', undefined, list), '127.0.0.1');
  assert.equal(clientAddress('127.0.0.1', '203.0.113.5', null), '127.0.0.1', 'no TRUSTED_PROXIES: the header is ignored');
  assert.equal(clientAddress('fd00::5', '[2001:db8::1]', list), '2001:db8::1');
  assert.equal(parseTrustedProxies('').list, null);
});
