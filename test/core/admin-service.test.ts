import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ProxyRuntime } from '../../main/app/runtime';
import { dateBound } from '../../main/core/admin-service';
import { validatedAdmin } from '../../shared/admin-input';
import { startScriptedBackend } from '../support/scripted-backend';
import type { ScriptedBackend } from '../support/scripted-backend';
import { tempDir } from '../support/proxy-harness';
import { adminError } from '../support/admin-error';

describe('admin service over a real store', () => {
  let dir: ReturnType<typeof tempDir>;
  let runtime: ProxyRuntime;
  let backend: ScriptedBackend;

  before(async () => {
    dir = tempDir();
    backend = await startScriptedBackend({ models: ['glm-4.6', 'glm-4.5-air'] });
    runtime = await ProxyRuntime.open({
      dataDir: dir.path,
      cwd: dir.path,
      env: { OPENAI_BASE_URL: backend.url, OPENAI_API_KEY: backend.apiKey, PROXY_PORT: '8123' },
      log: () => {},
    });
  });
  after(async () => {
    await runtime.close();
    await backend.close();
    dir.remove();
  });

  test('users: create, list, duplicate (409), bad input (400 naming the field), delete', async () => {
    const admin = validatedAdmin(runtime.admin); // as the CLI calls it: the edge's schemas, then the service
    const ada = await admin.createUser({ username: 'ada', email: 'ada@example.com' });
    assert.equal(ada.username, 'ada');
    assert.equal(ada.email, 'ada@example.com');
    assert.deepEqual((await admin.listUsers()).map((u) => u.username), ['ada']);

    const dup = await adminError(() => admin.createUser({ username: 'ADA' }));
    assert.equal(dup.status, 409);
    assert.equal(dup.code, 'conflict');

    const missing = await adminError(() => admin.createUser({ username: '' }));
    assert.equal(missing.status, 400);
    assert.match(missing.message, /^username/);
    const badEmail = await adminError(() => admin.createUser({ username: 'bob', email: 'not-an-email' }));
    assert.match(badEmail.message, /^email/);

    const bob = await admin.createUser({ username: 'bob' });
    const key = await admin.createKey({ user_id: bob.id });
    await admin.deleteUser('bob');
    assert.equal((await admin.listKeys({ user_id: bob.id }))[0]?.is_active, false, 'deleting a user revokes their keys');
    assert.equal((await runtime.store.keys.authenticate(key.api_key)), undefined);
    const gone = await adminError(() => admin.deleteUser('bob'));
    assert.equal(gone.status, 404);
  });

  test('keys: create shows the secret once, list never does, revoke and limits', async () => {
    const admin = validatedAdmin(runtime.admin); // as the CLI calls it: the edge's schemas, then the service
    const user = await admin.createUser({ username: 'keyholder' });
    const created = await admin.createKey({ user_id: String(user.id) as unknown as number, name: 'laptop' });
    assert.match(created.api_key, /^sk-ip-/);
    assert.ok(created.api_key.startsWith(created.key_prefix));
    const listed = await admin.listKeys({ user_id: user.id });
    assert.equal(listed.length, 1);
    assert.ok(!JSON.stringify(listed).includes(created.api_key));

    const limited = await admin.setKeyLimits(created.id, { requests_per_minute: 5, tokens_per_day: null });
    assert.equal(limited.limits.requests_per_minute, 5);
    const badLimit = await adminError(() => admin.setKeyLimits(created.id, { requests_per_minute: -1 }));
    assert.match(badLimit.message, /^limits\.requests_per_minute/);
    const unknownLimit = await adminError(() => admin.setKeyLimits(created.id, { colour: 1 } as never));
    assert.equal(unknownLimit.status, 400);

    const revoked = await admin.revokeKey(created.id);
    assert.equal(revoked.is_active, false);
    assert.equal(await runtime.store.keys.authenticate(created.api_key), undefined);
    assert.equal((await adminError(() => admin.revokeKey(99_999))).status, 404);
    assert.equal((await adminError(() => admin.createKey({ user_id: 99_999 }))).status, 404);
    assert.match((await adminError(() => admin.createKey({} as never))).message, /^user_id/);
  });

  test('usage and requests validate their queries', async () => {
    const report = await validatedAdmin(runtime.admin).usage({ since: '2025-01-01', until: '2025-01-31' });
    assert.equal(report.start_date, '2025-01-01T00:00:00.000Z');
    assert.equal(report.end_date, '2025-02-01T00:00:00.000Z', 'an end date includes its whole day');
    assert.match((await adminError(() => validatedAdmin(runtime.admin).usage({ since: 'yesterday' }))).message, /^since/);
    assert.match((await adminError(() => validatedAdmin(runtime.admin).requests({ limit: 0 }))).message, /^limit/);
    assert.deepEqual(await validatedAdmin(runtime.admin).requests({ limit: 5 }), []);
  });

  test('settings: masked key, overridden fields, a saved change applies at once', async () => {
    const admin = validatedAdmin(runtime.admin); // as the CLI calls it: the edge's schemas, then the service
    const view = await admin.getSettings();
    assert.equal(view.backend_api_key_set, true);
    assert.ok(!('backend_api_key' in view));
    assert.ok(!JSON.stringify(view).includes(backend.apiKey));
    assert.deepEqual([...view.overridden].sort(), ['backend_api_key', 'backend_url', 'port']);

    const updated = await admin.updateSettings({ default_model: 'glm-4.6', timeout_s: 30, backend_api_key: '' });
    assert.equal(updated.default_model, 'glm-4.6');
    assert.equal(runtime.settings().default_model, 'glm-4.6');
    assert.equal(runtime.settings().timeout_s, 30);
    assert.equal(runtime.settings().backend_api_key, backend.apiKey, 'an empty key in a patch keeps the key');
    assert.equal((await runtime.store.settings.get()).default_model, 'glm-4.6');

    await admin.updateSettings({ port: 9999 });
    assert.equal(runtime.settings().port, 8123, 'PROXY_PORT from the environment wins over the saved port');

    const bad = await adminError(() => admin.updateSettings({ retries: 'many' } as never));
    assert.equal(bad.status, 400);
    assert.match(bad.message, /^retries/);
  });

  test('status reflects settings; testConnection lists the backend models', async () => {
    const status = await validatedAdmin(runtime.admin).status();
    assert.equal(status.running, false);
    assert.equal(status.backend_url, backend.url);
    assert.equal(status.port, 8123);
    const report = await validatedAdmin(runtime.admin).testConnection();
    assert.equal(report.ok, true, JSON.stringify(report.checks));
    assert.deepEqual(report.models, ['glm-4.6', 'glm-4.5-air']);
  });
});

describe('testConnection failures', () => {
  test('reports a refused backend key and an unreachable backend without throwing', async () => {
    const dir = tempDir();
    const backend = await startScriptedBackend();
    const runtime = await ProxyRuntime.open({
      dataDir: dir.path,
      cwd: dir.path,
      env: { OPENAI_BASE_URL: backend.url, OPENAI_API_KEY: 'wrong-key', OPENAI_MODEL: 'm' },
      log: () => {},
    });
    try {
      const refused = await validatedAdmin(runtime.admin).testConnection();
      assert.equal(refused.ok, false);
      assert.ok(refused.checks.some((c) => c.name === 'backend key' && !c.ok));
      assert.ok(!JSON.stringify(refused).includes('wrong-key'));
      await backend.close();
      const unreachable = await validatedAdmin(runtime.admin).testConnection();
      assert.equal(unreachable.ok, false);
      assert.ok(unreachable.checks.some((c) => c.name === 'reachable' && !c.ok));
    } finally {
      await runtime.close();
      dir.remove();
    }
  });
});

test('dateBound', () => {
  assert.equal(dateBound('2025-06-01', 'since', 'start'), '2025-06-01T00:00:00.000Z');
  assert.equal(dateBound('2025-06-01', 'until', 'end'), '2025-06-02T00:00:00.000Z');
  assert.equal(dateBound('2025-06-01T10:00:00+02:00', 'since', 'start'), '2025-06-01T08:00:00.000Z');
  assert.throws(() => dateBound('soon', 'since', 'start'), /since/);
});
