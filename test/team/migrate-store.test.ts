/**
 * `cli migrate-store --to postgres://…`: a lowdb store (users, keys, usage, request log, settings, admin token) is
 * copied into PostgreSQL by the real CLI, a second run copies nothing twice, and an instance on the database then
 * serves the old keys and shows the old usage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { cleanEnv, runCli } from '../support/cli';
import { startProxyHarness } from '../support/proxy-harness';
import { createDatabase, pgAvailable, SECRET_KEY, SKIP_REASON, sql, startInstance, startPgCluster, type PgCluster } from './team-harness';
import { send } from './team-requests';

describe('lowdb -> PostgreSQL', { skip: SKIP_REASON }, () => {
  let cluster: PgCluster;
  before(async () => {
    if (pgAvailable) cluster = await startPgCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('migrate-store copies everything once; an instance on PostgreSQL then serves the old keys', async () => {
    const h = await startProxyHarness({ backendOptions: { defaultReply: { text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 } } } });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await send(h.url, h.apiKey, i === 1 ? 'messages' : 'chat')).status, 200);
      const other = await h.runtime.admin.createKey({ user_id: h.userId, name: 'revoked' });
      await h.runtime.admin.revokeKey(other.id);
      await h.runtime.admin.updateSettings({ max_tokens_cap: 999, backend_api_key: 'sk-saved-in-lowdb' });
      const lowdbToken = await h.runtime.store.adminToken();
      await h.runtime.close();

      const url = await createDatabase(cluster);
      const env = cleanEnv({ HOME: h.dataDir, INFINIPROXY_SECRET_KEY: SECRET_KEY });
      const run = () => runCli(['migrate-store', '--to', url, '--data-dir', h.dataDir, '--json'], { cwd: h.dataDir, env });
      const first = await run();
      assert.equal(first.code, 0, first.stderr + first.stdout);
      assert.deepEqual(JSON.parse(first.stdout), { users: 1, keys: 2, usage_rows: 2, requests: 3, settings: true, admin_token: true });
      const second = await run();
      assert.equal(second.code, 0, second.stderr);
      assert.deepEqual(JSON.parse(second.stdout), { users: 0, keys: 0, usage_rows: 0, requests: 0, settings: false, admin_token: false });
      assert.ok(!JSON.stringify(await sql(url, 'SELECT doc FROM ip_settings')).includes('sk-saved-in-lowdb'), 'the key is sealed');

      const noKey = await runCli(['migrate-store', '--to', url, '--data-dir', h.dataDir], { cwd: h.dataDir, env: cleanEnv({ HOME: h.dataDir }) });
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /INFINIPROXY_SECRET_KEY/);

      const node = await startInstance(url, h.backend, { ADMIN_TOKEN: '' });
      try {
        assert.equal((await send(node.url, h.apiKey, 'chat')).status, 200, 'the old key works');
        assert.equal((await send(node.url, other.api_key, 'chat')).status, 401, 'the revoked one stays revoked');
        const report = await node.runtime.admin.usage({ key_id: h.keyId });
        assert.equal(report.totals.requests, 4);
        assert.equal(report.totals.total_tokens, 4 * 15);
        assert.equal(node.runtime.settings().max_tokens_cap, 999);
        assert.equal((await node.runtime.store.settings.get()).backend_api_key, 'sk-saved-in-lowdb');
        const admin = await fetch(`${node.url}/admin/users`, { headers: { authorization: `Bearer ${lowdbToken}` } });
        assert.equal(admin.status, 200, "the lowdb admin token is the database's");
        const created = await node.runtime.admin.createUser({ username: 'after-migration' });
        assert.ok(created.id > 1, 'ids continue after the copied ones');
      } finally {
        await node.close();
      }
    } finally {
      await h.close();
    }
  });
});
