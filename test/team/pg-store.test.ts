/**
 * The PostgreSQL store on its own, against a real server: migrations run once when instances start together and a
 * newer schema is refused; secrets are sealed at rest and refused without INFINIPROXY_SECRET_KEY; the request log
 * stays bounded; a retried usage batch is not counted twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrate } from '../../main/core/store/pg/migrations';
import { openPgStore } from '../../main/core/store/pg/pg-store';
import { createPool } from '../../main/core/store/pg/pool';
import { StoreError, type UsageEvent } from '../../main/core/store/store';
import { usageEvent } from '../support/usage-event';
import { createDatabase, pgAvailable, SECRET_KEY, SKIP_REASON, sql, startPgCluster, type PgCluster } from './team-harness';

const event = (key_id: number, tokens: number): UsageEvent => usageEvent(key_id, tokens);

describe('PostgreSQL store', { skip: SKIP_REASON }, () => {
  let cluster: PgCluster;
  before(async () => {
    if (pgAvailable) cluster = await startPgCluster();
  });
  after(async () => {
    await cluster?.stop();
  });

  test('instances starting together migrate once', async () => {
    const url = await createDatabase(cluster);
    const pools = Array.from({ length: 4 }, () => createPool(url));
    try {
      const applied = await Promise.all(pools.map((p) => migrate(p)));
      assert.deepEqual(applied.flat(), [1], 'version 1 applied by exactly one of the four');
      const rows = await sql<{ version: number }>(url, 'SELECT version FROM ip_schema_migrations');
      assert.deepEqual(rows.map((r) => r.version), [1]);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  test('a schema newer than this build is refused with a clear message', async () => {
    const url = await createDatabase(cluster);
    await (await openPgStore(url, { secretKeyHex: SECRET_KEY })).close();
    await sql(url, "INSERT INTO ip_schema_migrations (version, name) VALUES (99, 'future')");
    await assert.rejects(openPgStore(url), /schema is version 99, newer than this InfiniProxy knows \(1\)/);
  });

  test('secrets are sealed at rest; without INFINIPROXY_SECRET_KEY they are refused', async () => {
    const url = await createDatabase(cluster);
    const plain = await openPgStore(url);
    try {
      await assert.rejects(plain.settings.update({ backend_api_key: 'sk-live-123456' }), (err: unknown) => {
        assert.ok(err instanceof StoreError && err.code === 'invalid');
        assert.match(err.message, /INFINIPROXY_SECRET_KEY \(64 hex characters/);
        return true;
      });
      await assert.rejects(plain.adminToken(), /INFINIPROXY_SECRET_KEY.*Or set ADMIN_TOKEN/s);
      assert.deepEqual(await plain.settings.get(), {}, 'nothing was saved');
    } finally {
      await plain.close();
    }
    await assert.rejects(openPgStore(url, { secretKeyHex: 'abc' }), /64 hex characters/);
    const store = await openPgStore(url, { secretKeyHex: SECRET_KEY });
    try {
      await store.settings.update({
        backend_api_key: 'sk-live-123456',
        providers: [{ name: 'deepseek', base_url: 'https://api.example', api_key: 'sk-ds-987654', models: [] } as never],
      });
      const token = await store.adminToken();
      const raw = JSON.stringify(await sql(url, 'SELECT doc FROM ip_settings')) + JSON.stringify(await sql(url, 'SELECT value FROM ip_meta'));
      for (const secret of ['sk-live-123456', 'sk-ds-987654', token]) assert.ok(!raw.includes(secret), `${secret.slice(0, 6)}… not in the database`);
      const saved = await store.settings.get();
      assert.equal(saved.backend_api_key, 'sk-live-123456');
      assert.equal(saved.providers?.[0]?.api_key, 'sk-ds-987654');
    } finally {
      await store.close();
    }
    const again = await openPgStore(url, { secretKeyHex: SECRET_KEY });
    try {
      assert.equal((await again.settings.get()).backend_api_key, 'sk-live-123456', 'another instance reads it back');
    } finally {
      await again.close();
    }
  });

  test('the request log is bounded by count; usage aggregates and the log are written by flush', async () => {
    const url = await createDatabase(cluster);
    const store = await openPgStore(url, { secretKeyHex: SECRET_KEY, requestLogSize: 5 });
    try {
      for (let i = 1; i <= 12; i++) store.usage.record(event(7, i));
      assert.equal((await sql(url, 'SELECT * FROM ip_requests')).length, 0, 'nothing written before the flush');
      await store.flush();
      assert.equal((await sql(url, 'SELECT * FROM ip_requests')).length, 12);
      await store.trim();
      const log = await store.requests.list({ limit: 100 });
      assert.deepEqual(log.map((e) => e.input_tokens), [12, 11, 10, 9, 8], 'the newest five kept');
      const report = await store.usage.report({});
      assert.equal(report.totals.requests, 12);
      assert.equal(report.totals.total_tokens, 2 * 78);
    } finally {
      await store.close();
    }
  });
});
