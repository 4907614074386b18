/**
 * Issue 11 defect 11: the DNS-rebinding guard must match paths as the router does (case-insensitively), so
 * `/ADMIN/users` or `/Usage/me` with a foreign Host is refused like `/admin/users`, even with valid credentials.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { rawRequest } from '../proxy/raw-request';

let h: ProxyHarness;
before(async () => {
  h = await startProxyHarness();
});
after(() => h.close());

test('every spelling of an admin or usage path that reaches a route is guarded', async () => {
  const port = new URL(h.url).port;
  const cases: [string, string][] = [
    ['/ADMIN/users', h.adminToken],
    ['/Admin/status', h.adminToken],
    ['/admin/USERS', h.adminToken],
    ['/%61dmin/users', h.adminToken],
    ['//admin/users', h.adminToken],
    ['/ADMIN/', h.adminToken],
    ['/Usage/me', h.apiKey],
    ['/USAGE/api-key/1', h.adminToken],
  ];
  for (const [path, token] of cases) {
    const foreign = await rawRequest({ url: h.url, path, headers: { host: `rebound.example:${port}`, authorization: `Bearer ${token}` } });
    assert.equal(foreign.status, 403, `${path} with a foreign Host: ${foreign.status} ${foreign.text.slice(0, 200)}`);
    assert.equal((foreign.json() as { error: { code: string } }).error.code, 'forbidden_host');
  }
  // The same spellings from this machine's own name are answered by the router (the guard only adds the Host check).
  const own = await rawRequest({ url: h.url, path: '/ADMIN/users', headers: { authorization: `Bearer ${h.adminToken}` } });
  assert.equal(own.status, 200, own.text);
  const me = await rawRequest({ url: h.url, path: '/Usage/me', headers: { authorization: `Bearer ${h.apiKey}` } });
  assert.equal(me.status, 200, me.text);
});
