import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAllowedHost, isGuardedPath, parseHost, parsePublicHosts } from '../../main/proxy/host-guard';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { rawRequest } from './raw-request';

const bound = { port: 8000, localAddress: '127.0.0.1', configuredHost: '127.0.0.1' };

test('parseHost: names, IPv4, bracketed IPv6, default port, malformed', () => {
  assert.deepEqual(parseHost('LocalHost:8000'), { name: 'localhost', port: 8000 });
  assert.deepEqual(parseHost('127.0.0.1'), { name: '127.0.0.1', port: 80 });
  assert.deepEqual(parseHost('[::1]:8000'), { name: '::1', port: 8000 });
  assert.deepEqual(parseHost('example.com.:443'), { name: 'example.com', port: 443 });
  for (const bad of ['', '::1:8000', 'a b', 'host:99999', 'user@host:1', 'host:port']) assert.equal(parseHost(bad), undefined, bad);
});

test('isAllowedHost: the loopback names, the arrival address and the configured host, on the bound port only', () => {
  for (const ok of ['127.0.0.1:8000', 'localhost:8000', 'LOCALHOST.:8000', '[::1]:8000']) assert.ok(isAllowedHost(ok, bound), ok);
  for (const no of ['evil.example:8000', 'evil.example', '127.0.0.1:8001', 'localhost', '127.0.0.1.evil.example:8000', undefined]) {
    assert.ok(!isAllowedHost(no, bound), String(no));
  }
  const lan = { port: 8000, localAddress: '::ffff:192.168.1.5', configuredHost: '0.0.0.0' };
  assert.ok(isAllowedHost('192.168.1.5:8000', lan), 'the address the connection came in on (IPv4-mapped)');
  assert.ok(!isAllowedHost('0.0.0.0:8000', lan), 'a wildcard names nothing');
  const named = { port: 80, localAddress: '10.0.0.2', configuredHost: 'Proxy.Lan' };
  assert.ok(isAllowedHost('proxy.lan', named), 'the configured host name');
  assert.ok(!isAllowedHost('other.lan', named));
});

test('PUBLIC_HOSTS: names a reverse proxy passes on are allowed, on any port or the one given; bad entries named', () => {
  const { hosts, invalid } = parsePublicHosts(' Gateway.Example.com , localhost:8080,, bad host, [::1]:9000 ');
  assert.deepEqual(hosts, [{ name: 'gateway.example.com' }, { name: 'localhost', port: 8080 }, { name: '::1', port: 9000 }]);
  assert.deepEqual(invalid, ['bad host']);
  for (const ok of ['gateway.example.com', 'gateway.example.com:443', 'localhost:8080', '[::1]:9000']) assert.ok(isAllowedHost(ok, bound, hosts), ok);
  for (const no of ['localhost:8081', 'evil.example', 'gateway.example.com.evil.example', '[::1]:9001']) assert.ok(!isAllowedHost(no, bound, hosts), no);
  assert.deepEqual(parsePublicHosts(''), { hosts: [], invalid: [] });
});

test('isGuardedPath: the web admin, the admin API and /usage/*, not the API', () => {
  for (const p of ['/admin', '/admin/', '/admin/assets/x.js', '/admin/users', '/usage/me', '/usage/api-key/1']) assert.ok(isGuardedPath(p), p);
  for (const p of ['/', '/health', '/v1/models', '/v1/chat/completions', '/administrator', '/usages']) assert.ok(!isGuardedPath(p), p);
});

describe('Host guard and CORS on a running proxy', () => {
  let h: ProxyHarness;
  let port: number;
  before(async () => {
    h = await startProxyHarness();
    port = Number(new URL(h.url).port);
  });
  after(() => h.close());

  const admin = (host: string, path = '/admin/status') =>
    rawRequest({ url: h.url, path, headers: { host, authorization: `Bearer ${h.adminToken}`, 'x-api-key': h.apiKey } });

  test('admin routes, the web admin and /usage answer 403 in the admin format to a foreign Host (DNS rebinding)', async () => {
    for (const path of ['/admin/status', '/admin/users', '/admin/', '/admin', '/usage/me']) {
      const res = await admin(`evil.example:${port}`, path);
      assert.equal(res.status, 403, path);
      const body = res.json() as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'forbidden_host');
      assert.match(body.error.message, /evil\.example/);
    }
    assert.equal((await admin(`127.0.0.1:${port + 1 === 65536 ? 1 : port + 1}`)).status, 403, 'another port is another origin');
  });

  test('the proxy’s own names pass', async () => {
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]) {
      assert.equal((await admin(host)).status, 200, host);
    }
    assert.equal((await admin(`localhost:${port}`, '/usage/me')).status, 200);
  });

  test('API routes are not guarded: a client behind another name still works', async () => {
    const res = await rawRequest({
      url: h.url,
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { host: 'proxy.example.com', 'x-api-key': h.apiKey },
      body: JSON.stringify({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(res.status, 200);
  });

  test('no CORS headers anywhere, preflights included', async () => {
    const origin = 'https://evil.example';
    const responses = [
      await rawRequest({ url: h.url, method: 'OPTIONS', path: '/admin/status', headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } }),
      await rawRequest({ url: h.url, method: 'OPTIONS', path: '/v1/chat/completions', headers: { origin, 'access-control-request-method': 'POST' } }),
      await rawRequest({ url: h.url, path: '/admin/status', headers: { origin, authorization: `Bearer ${h.adminToken}` } }),
      await rawRequest({ url: h.url, path: '/admin/', headers: { origin } }),
      await rawRequest({ url: h.url, path: '/v1/models', headers: { origin, 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01' } }),
      await rawRequest({ url: h.url, path: '/', headers: { origin } }),
    ];
    for (const res of responses) {
      const cors = Object.keys(res.headers).filter((name) => name.startsWith('access-control-'));
      assert.deepEqual(cors, [], `no CORS header (status ${res.status})`);
    }
  });
});
