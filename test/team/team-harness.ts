/**
 * Real PostgreSQL for the team tests: one throwaway cluster per test file (scripts/pg-cluster.mjs; serving TLS too
 * on request, its certificate signed by a throwaway CA), a fresh database per test, and gateway instances
 * (ProxyRuntime on their own temp data dirs, each with its own store and pool) on loopback in front of one scripted
 * backend. `pgAvailable` is false (and the tests skip, saying why) only when no PostgreSQL server binaries are
 * installed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ProxyRuntime } from '../../main/app/runtime';
import { makeTestCa, pgBinDir, startPgCluster, type PgCluster, type TlsPgCluster } from '../../scripts/pg-cluster.mjs';
import type { ScriptedBackend } from '../support/scripted-backend';

export const pgAvailable = pgBinDir() !== null;
export const SKIP_REASON = pgAvailable
  ? false
  : 'no PostgreSQL server binaries (/usr/lib/postgresql/*/bin or PG_BIN): install Debian\'s postgresql package';

export const SECRET_KEY = 'a'.repeat(64);
export const ADMIN_TOKEN = 'team-admin-token-0123456789abcdef';

let dbSeq = 0;

/** A new empty database on `cluster`; returns its URL. */
export async function createDatabase(cluster: PgCluster): Promise<string> {
  const name = `team_${process.pid}_${++dbSeq}`;
  const client = new pg.Client({ connectionString: cluster.url('postgres') });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return cluster.url(name);
}

/** Runs one query on `url` (for checks of what is really stored). */
export async function sql<R extends object = Record<string, unknown>>(url: string, text: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, params)).rows;
  } finally {
    await client.end();
  }
}

export interface Instance {
  runtime: ProxyRuntime;
  url: string;
  logs: string[];
  close(): Promise<void>;
}

/** A gateway instance on `databaseUrl` in front of `backend`. */
export async function startInstance(databaseUrl: string, backend: ScriptedBackend, env: Record<string, string> = {}): Promise<Instance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'infiniproxy-team-'));
  const logs: string[] = [];
  const runtime = await ProxyRuntime.open({
    dataDir,
    cwd: dataDir,
    env: {
      DATABASE_URL: databaseUrl,
      INFINIPROXY_SECRET_KEY: SECRET_KEY,
      ADMIN_TOKEN,
      OPENAI_BASE_URL: backend.url,
      OPENAI_API_KEY: backend.apiKey,
      OPENAI_MODEL: 'scripted-model',
      ...env,
    },
    flags: { host: '127.0.0.1', port: 0 },
    log: (line) => void logs.push(line),
  });
  const status = await runtime.start();
  if (!status.running || !status.url) throw new Error(`instance did not start: ${status.error}`);
  return {
    runtime,
    url: status.url,
    logs,
    close: async () => {
      await runtime.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export { makeTestCa, startPgCluster, type PgCluster, type TlsPgCluster };

/** Polls `check` every 20 ms until it returns true or `ms` pass; returns how long it took (ms), or throws. */
export async function within(ms: number, what: string, check: () => Promise<boolean> | boolean): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
