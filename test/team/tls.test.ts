/**
 * TLS to a real PostgreSQL serving it (a throwaway CA signed its certificate), with libpq's meaning of sslmode:
 * `require` encrypts the pool's and the change feed's connections without verifying the server; `verify-full` with
 * `sslrootcert` verifies chain and host name, and refuses a server its CA did not sign, saying it is a certificate
 * problem and hiding the password; `disable` connects in plain text; no sslmode prints a SECURITY WARNING; and the
 * real `serve` on `?sslmode=require` answers, while one whose sslrootcert is unreadable stops with a one-line error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { openPgStore, type PgStore } from '../../main/core/store/pg/pg-store';
import { cleanEnv, runCli, startServe } from '../support/cli';
import { ADMIN_TOKEN, createDatabase, makeTestCa, pgAvailable, SECRET_KEY, SKIP_REASON, sql, startPgCluster, type TlsPgCluster } from './team-harness';

/** Sent in every URL here: trust auth never asks for it, so it can only show up in a message that leaks it. */
const PASSWORD = 's3cret-pw';

/** `url` (from createDatabase) with the password, `host` and the query `query`. */
function tlsUrl(url: string, query: string, host = '127.0.0.1'): string {
  const u = new URL(url);
  u.hostname = host;
  u.password = PASSWORD;
  return `${u.toString()}?${query}`;
}

/** Whether this connection of the store's pool is encrypted. */
async function poolSsl(store: PgStore): Promise<boolean> {
  return (await store.pool.query<{ ssl: boolean }>('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows[0]!.ssl;
}

/** Whether each LISTEN connection (the change feed) on the store's database is encrypted. */
async function feedSsl(store: PgStore): Promise<boolean[]> {
  const r = await store.pool.query<{ ssl: boolean }>(
    `SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
     WHERE a.application_name = 'infiniproxy-listen' AND a.datname = current_database()`,
  );
  return r.rows.map((row) => row.ssl);
}

describe('TLS to PostgreSQL', { skip: SKIP_REASON }, () => {
  let cluster: TlsPgCluster;
  /** Every process warning and console.warn line while the tests run (passed on, unless `quiet`). */
  const warnings: string[] = [];
  let quiet = false;
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  const { emitWarning } = process;
  const consoleWarn = console.warn;
  const otherCaDir = mkdtempSync(join(tmpdir(), 'infiniproxy-other-ca-'));
  before(async () => {
    process.on('warning', onWarning);
    process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
      warnings.push(String(warning instanceof Error ? warning.message : warning));
      if (!quiet) (emitWarning as (...a: unknown[]) => void).call(process, warning, ...rest);
    }) as typeof process.emitWarning;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.map(String).join(' '));
      if (!quiet) consoleWarn(...args);
    };
    if (pgAvailable) cluster = await startPgCluster({ tls: true });
  });
  after(async () => {
    process.off('warning', onWarning);
    process.emitWarning = emitWarning;
    console.warn = consoleWarn;
    rmSync(otherCaDir, { recursive: true, force: true });
    await cluster?.stop();
  });

  test('sslmode=require: the pool and the change feed are encrypted, the self-signed chain is not verified', async () => {
    const store = await openPgStore(tlsUrl(await createDatabase(cluster), 'sslmode=require'), { secretKeyHex: SECRET_KEY });
    try {
      const user = await store.users.create({ username: 'over-tls' });
      assert.deepEqual((await store.users.list()).map((u) => u.id), [user.id]);
      assert.equal(await poolSsl(store), true);
      assert.deepEqual(await feedSsl(store), [true]);
    } finally {
      await store.close();
    }
  });

  test('sslmode=verify-full with sslrootcert: our CA connects to localhost; another CA is refused as a certificate problem', async () => {
    const url = await createDatabase(cluster);
    const store = await openPgStore(tlsUrl(url, `sslmode=verify-full&sslrootcert=${cluster.caFile}`, 'localhost'), { secretKeyHex: SECRET_KEY });
    try {
      assert.equal(await poolSsl(store), true);
      assert.deepEqual(await feedSsl(store), [true]);
    } finally {
      await store.close();
    }

    const other = makeTestCa(otherCaDir, 'Unrelated CA');
    await assert.rejects(openPgStore(tlsUrl(url, `sslmode=verify-full&sslrootcert=${other.certFile}`, 'localhost')), (err: Error) => {
      assert.match(err.message, /^Cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@localhost:\d+\/\w+\?sslmode=verify-full/);
      assert.match(err.message, /certificate/);
      assert.ok(!err.message.includes(PASSWORD), err.message);
      return true;
    });
  });

  test('sslmode=disable connects in plain text', async () => {
    const store = await openPgStore(tlsUrl(await createDatabase(cluster), 'sslmode=disable'), { secretKeyHex: SECRET_KEY });
    try {
      assert.equal(await poolSsl(store), false);
      assert.deepEqual(await feedSsl(store), [false]);
    } finally {
      await store.close();
    }
  });

  test('no sslmode printed a SECURITY WARNING or a deprecation', async () => {
    assert.deepEqual(warnings.filter((w) => /ssl|SECURITY|Deprecation/i.test(w)), []);
    // The capture hears it (not passed on) when node-postgres is given sslmode=require without libpq compatibility.
    quiet = true;
    try {
      new pg.Client({ connectionString: tlsUrl(cluster.url(), 'sslmode=require') });
    } finally {
      quiet = false;
    }
    assert.ok(warnings.some((w) => /SECURITY WARNING.*'require'/s.test(w)), 'the capture works');
  });

  test('`serve` on ?sslmode=require answers over TLS; an unreadable sslrootcert stops it with a one-line error', async () => {
    const url = await createDatabase(cluster);
    const dataDir = mkdtempSync(join(tmpdir(), 'infiniproxy-tls-serve-'));
    const env = (databaseUrl: string) => cleanEnv({ HOME: dataDir, DATABASE_URL: databaseUrl, INFINIPROXY_SECRET_KEY: SECRET_KEY, ADMIN_TOKEN });
    const missing = join(dataDir, 'no-such-ca.pem');
    const [child, refused] = await Promise.all([
      startServe({ cwd: dataDir, args: ['--port', '0', '--data-dir', dataDir], env: env(tlsUrl(url, 'sslmode=require')) }),
      runCli(['serve', '--port', '0', '--data-dir', join(dataDir, 'refused')], {
        cwd: dataDir,
        env: env(tlsUrl(url, `sslmode=verify-full&sslrootcert=${missing}`)),
      }),
    ]);
    try {
      assert.equal((await fetch(`${child.url}/ready`)).status, 200);
      const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
      const created = await fetch(`${child.url}/admin/users`, { method: 'POST', headers: admin, body: JSON.stringify({ username: 'served-over-tls' }) });
      assert.equal(created.status, 200, await created.clone().text());
      const users = (await (await fetch(`${child.url}/admin/users`, { headers: admin })).json()) as { username: string }[];
      assert.deepEqual(users.map((u) => u.username), ['served-over-tls']);
      const conns = await sql<{ application_name: string; ssl: boolean }>(
        url,
        `SELECT a.application_name, s.ssl FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
         WHERE a.datname = current_database() AND a.application_name LIKE 'infiniproxy%'`,
      );
      assert.deepEqual([...new Set(conns.map((c) => c.application_name))].sort(), ['infiniproxy', 'infiniproxy-listen']);
      assert.ok(conns.every((c) => c.ssl), JSON.stringify(conns));
      assert.doesNotMatch(child.stderr(), /SECURITY WARNING|DeprecationWarning/);
    } finally {
      await child.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }

    assert.equal(refused.code, 1, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^error: DATABASE_URL postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/\w+\?sslmode=verify-full&sslrootcert=\S+ cannot be used: ENOENT: no such file or directory, open '[^']*no-such-ca\.pem'\n$/);
    assert.ok(!refused.stderr.includes(PASSWORD));
  });
});
