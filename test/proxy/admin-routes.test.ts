import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { AdminError, adminRoutes } from '../../shared/admin-api';
import { createHttpAdminClient } from '../../shared/admin-http-client';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('admin HTTP API', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  const call = (method: string, path: string, opts: { token?: string | null; body?: unknown } = {}) =>
    fetch(`${h.url}${path}`, {
      method,
      headers: {
        ...(opts.token === null ? {} : { authorization: `Bearer ${opts.token ?? h.adminToken}` }),
        ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });

  test('every adminRoutes route refuses a missing or wrong token with 401 {"error":{code,message}}', async () => {
    for (const route of Object.values(adminRoutes)) {
      const path = route.path.replace(':ref', 'x').replace(':id', '1');
      for (const token of [null, 'wrong-token']) {
        const res = await call(route.method, path, { token });
        assert.equal(res.status, 401, `${route.method} ${path}`);
        const body = (await res.json()) as { error: { code: string; message: string } };
        assert.equal(body.error.code, 'unauthorized');
        assert.match(body.error.message, /admin token/);
      }
    }
    assert.equal((await call('GET', '/usage/api-key/1', { token: null })).status, 401);
  });

  test('CRUD through the shared HTTP admin client', async () => {
    const admin = createHttpAdminClient({ baseUrl: h.url, token: h.adminToken });
    const status = await admin.status();
    assert.equal(status.running, true);
    assert.equal(status.url, h.url);

    const user = await admin.createUser({ username: 'grace', email: 'grace@example.com' });
    assert.ok((await admin.listUsers()).some((u) => u.id === user.id));
    const dup = await admin.createUser({ username: 'grace' }).catch((e: unknown) => e);
    assert.ok(dup instanceof AdminError);
    assert.equal(dup.status, 409);
    const invalid = await admin.createUser({ username: '' }).catch((e: unknown) => e);
    assert.ok(invalid instanceof AdminError && invalid.status === 400 && /username/.test(invalid.message));

    const key = await admin.createKey({ user_id: user.id, name: 'ci' });
    assert.match(key.api_key, /^sk-ip-/);
    assert.deepEqual((await admin.listKeys({ user_id: user.id })).map((k) => k.id), [key.id]);
    const limited = await admin.setKeyLimits(key.id, { tokens_per_day: 1000 });
    assert.equal(limited.limits.tokens_per_day, 1000);
    const revoked = await admin.revokeKey(key.id);
    assert.equal(revoked.is_active, false);
    const missing = await admin.revokeKey(424242).catch((e: unknown) => e);
    assert.ok(missing instanceof AdminError && missing.status === 404);

    const usage = await admin.usage({ user_id: user.id });
    assert.equal(usage.totals.requests, 0);
    assert.ok(Array.isArray(await admin.requests({ limit: 10 })));

    const settings = await admin.updateSettings({ default_model: 'scripted-model', max_tokens_cap: 4096 });
    assert.equal(settings.max_tokens_cap, 4096);
    assert.equal((await admin.getSettings()).backend_api_key_set, true);
    const badSetting = await admin.updateSettings({ port: -1 }).catch((e: unknown) => e);
    assert.ok(badSetting instanceof AdminError && badSetting.status === 400 && /^port/.test(badSetting.message));

    const report = await admin.testConnection();
    assert.equal(report.ok, true);
    assert.deepEqual(report.models, ['scripted-model']);

    await admin.deleteUser(String(user.id));
    const gone = await admin.deleteUser('grace').catch((e: unknown) => e);
    assert.ok(gone instanceof AdminError && gone.status === 404);
  });

  test('seed forms: query parameters on the POSTs, GET /admin/api-keys?user_id=, DELETE /admin/api-keys/:id', async () => {
    const created = await call('POST', '/admin/users?username=linus&email=linus%40example.com');
    assert.equal(created.status, 200);
    const user = (await created.json()) as { id: number; email: string };
    assert.equal(user.email, 'linus@example.com');

    const keyRes = await call('POST', `/admin/api-keys?user_id=${user.id}&name=seedkey`);
    assert.equal(keyRes.status, 200);
    const key = (await keyRes.json()) as { id: number; api_key: string; name: string };
    assert.equal(key.name, 'seedkey');

    const listed = (await (await call('GET', `/admin/api-keys?user_id=${user.id}`)).json()) as { id: number }[];
    assert.deepEqual(listed.map((k) => k.id), [key.id]);

    const badId = await call('GET', '/admin/api-keys?user_id=abc');
    assert.equal(badId.status, 400);
    assert.match(((await badId.json()) as { error: { message: string } }).error.message, /^user_id/);

    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: key.api_key, maxRetries: 0 });
    h.backend.reply({ text: 'counted', usage: { prompt_tokens: 30, completion_tokens: 10 } });
    await client.chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] });
    await h.runtime.store.flush();
    const usage = (await (await call('GET', `/usage/api-key/${key.id}`)).json()) as Record<string, unknown>;
    assert.deepEqual(usage, {
      user_id: user.id,
      username: 'linus',
      total_requests: 1,
      total_input_tokens: 30,
      total_output_tokens: 10,
      total_tokens: 40,
      usage_by_endpoint: [
        { endpoint: '/v1/chat/completions', model: 'scripted-model', requests: 1, input_tokens: 30, output_tokens: 10, total_tokens: 40 },
      ],
      start_date: null,
      end_date: null,
      // Beyond the seed: the key's limits and what it has left (none set: unlimited).
      key: {
        id: key.id,
        name: 'seedkey',
        limits: { requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null },
        remaining: { requests_this_minute: null, concurrent: null, tokens_today: null, tokens_this_month: null },
      },
    });
    assert.equal((await call('GET', '/usage/api-key/999999')).status, 404);

    const revoked = await call('DELETE', `/admin/api-keys/${key.id}`);
    assert.equal(((await revoked.json()) as { is_active: boolean }).is_active, false);
  });

  test('malformed admin JSON is a 400 in the admin format', async () => {
    const res = await fetch(`${h.url}/admin/users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: '{"username":',
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'invalid_json');
  });

  test('keys are hashed at rest: no secret appears in any data dir file', async () => {
    const res = await call('POST', '/admin/api-keys', { body: { user_id: h.userId, name: 'secret-check' } });
    const { api_key } = (await res.json()) as { api_key: string };
    await h.runtime.store.flush();
    const files = filesUnder(h.dataDir);
    assert.ok(files.length > 0);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      assert.ok(!text.includes(api_key), `${file} holds a key secret`);
      assert.ok(!text.includes(h.apiKey), `${file} holds the harness key secret`);
    }
  });
});

describe('ADMIN_TOKEN', () => {
  test('when set, it is the admin token (the stored one is refused)', async () => {
    const h = await startProxyHarness({ env: { ADMIN_TOKEN: 'env-admin-token-123' } });
    try {
      assert.equal(h.adminToken, 'env-admin-token-123');
      const ok = await fetch(`${h.url}/admin/users`, { headers: { authorization: 'Bearer env-admin-token-123' } });
      assert.equal(ok.status, 200);
      const stored = await h.runtime.store.adminToken();
      const refused = await fetch(`${h.url}/admin/users`, { headers: { authorization: `Bearer ${stored}` } });
      assert.equal(refused.status, 401);
    } finally {
      await h.close();
    }
  });
});
