/**
 * The connection pool of the PostgreSQL store. TLS follows the URL's `sslmode`, with libpq's meaning
 * (connection-url.ts); a URL that cannot work (an unreadable `sslrootcert`, an unknown `sslmode`) fails when the pool
 * is made, with the URL's password hidden. Connections fail fast (a request must not hang on a dead database) and an
 * idle connection that dies (a database restart) is dropped from the pool instead of crashing the process.
 */
import pg from 'pg';
import { libpqUrl } from './connection-url';

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
    connectionString: pgConnectionString(url),
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

/**
 * The connection string node-postgres is given for `url` (libpqUrl), parsed once here as every connection will parse
 * it (reading its sslrootcert, sslcert and sslkey files), so that a URL that cannot work throws now, saying why.
 */
export function pgConnectionString(url: string): string {
  try {
    const connectionString = libpqUrl(url);
    // A client that is never connected: its constructor parses the string (and reads the files) and opens nothing.
    new pg.Client({ connectionString });
    return connectionString;
  } catch (err) {
    throw new Error(`DATABASE_URL ${safeDatabaseUrl(url)} cannot be used: ${(err as Error).message}`);
  }
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

/** The URL with its password hidden (`:pass@` and a `password=` parameter), for messages. */
export function safeDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    u.search = u.search.replace(/([?&](?:ssl)?password=)[^&]*/gi, '$1***');
    return u.toString();
  } catch {
    return '(an unparsable DATABASE_URL)';
  }
}

/**
 * True for errors that mean "the database cannot be reached now" rather than a bad query, a failed TLS handshake
 * included (a certificate that does not verify, a server without TLS when the URL asks for it).
 */
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  if (typeof e?.code === 'string') {
    // Class 08 (connection exception), 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now).
    if (/^08|^57P0[123]$/.test(e.code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(e.code)) return true;
    // Node's certificate checks (UNABLE_TO_VERIFY_LEAF_SIGNATURE, SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED,
    // ERR_TLS_CERT_ALTNAME_INVALID…) and OpenSSL's handshake failures (ERR_SSL_…).
    if (/CERT|SIGNATURE|^ERR_TLS_|^ERR_SSL_/.test(e.code)) return true;
  }
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended|not queryable|server does not support SSL/i.test(
    e?.message ?? '',
  );
}
