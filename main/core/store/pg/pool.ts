/**
 * The connection pool of the PostgreSQL store. TLS follows the URL (`?sslmode=require`, `verify-full`…: node-postgres
 * reads it from the connection string). Connections fail fast (a request must not hang on a dead database) and an
 * idle connection that dies (a database restart) is dropped from the pool instead of crashing the process.
 */
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  /** Connections kept at most (default 10 per instance). */
  max?: number;
  /** How long a query may wait for a connection before it fails (default 2000 ms). */
  connectTimeoutMs?: number;
  /** Where a dropped idle connection is reported (default: nowhere; the next query reconnects). */
  onError?: (err: Error) => void;
}

/** A pool on `url` (postgres://…). */
export function createPool(url: string, opts: PoolOptions = {}): Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 2000,
    idleTimeoutMillis: 30_000,
    // Bounds every statement so a stuck database answers with an error, not a hung request.
    statement_timeout: 10_000,
    query_timeout: 15_000,
    application_name: 'infiniproxy',
  });
  pool.on('error', (err) => opts.onError?.(err));
  return pool;
}

/** Runs `fn` in one transaction on one connection (committed when it resolves, rolled back when it throws). */
export async function inTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const out = await fn(client);
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/**
 * Runs `fn` on one checked-out connection. A connection that dies while checked out (the server stopped) emits
 * 'error' besides failing its query: it is caught here (an unheard 'error' would end the process) and the connection
 * is destroyed instead of returned to the pool.
 */
export async function withClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  const onError = (err: Error): void => {
    broken = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } catch (err) {
    if (isConnectionError(err)) broken ??= err as Error;
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

/** The URL with its password hidden, for messages. */
export function safeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
}

/** True for errors that mean "the database cannot be reached now" rather than a bad query. */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    // Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
    if (/^08|^57P0[123]$/.test(e.code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(e.code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable/i.test(
    e?.message ?? '',
  );
}
