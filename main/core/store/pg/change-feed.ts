/**
 * Changes made by any instance, heard by all: one LISTEN connection per instance on the `infiniproxy` channel.
 * Writers `NOTIFY infiniproxy, '<topic>'` in the transaction of their change, so the notice arrives when it commits
 * (milliseconds later on every instance). When the connection drops (a database restart) it reconnects every
 * `retryMs`; each (re)connection starts a new generation, so caches filled before it know they may have missed
 * notices and revalidate. It connects as the pool does (pgConnectionString: TLS as the URL's sslmode says, in
 * libpq's meaning).
 */
import pg from 'pg';
import { pgConnectionString } from './pool';

export const CHANNEL = 'infiniproxy';

/** What changed: keys (created, revoked, limited, a user deleted) or the saved settings. */
export type ChangeTopic = 'keys' | 'settings';

export class ChangeFeed {
  /** The URL as node-postgres takes it (libpq's sslmode, as the pool's: pool.ts). */
  readonly #connectionString: string;
  readonly #retryMs: number;
  readonly #listeners = new Set<(topic: ChangeTopic | 'resync') => void>();
  #client: pg.Client | null = null;
  #generation = 0;
  #connected = false;
  #closed = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(url: string, opts: { retryMs?: number } = {}) {
    this.#connectionString = pgConnectionString(url);
    this.#retryMs = opts.retryMs ?? 500;
  }

  /** Connects (resolves once listening, or after the first failure: it keeps retrying in the background). */
  async start(): Promise<void> {
    await this.#connect();
  }

  /** Whether notices are being heard now. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Bumped on every successful (re)connection. */
  get generation(): number {
    return this.#generation;
  }

  /** Calls `listener` for each change, and with 'resync' after a reconnection (notices may have been missed). */
  onChange(listener: (topic: ChangeTopic | 'resync') => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = null;
    this.#connected = false;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    let client: pg.Client;
    try {
      client = new pg.Client({ connectionString: this.#connectionString, connectionTimeoutMillis: 2000, application_name: 'infiniproxy-listen' });
    } catch {
      // Its sslrootcert (or sslcert, sslkey) became unreadable after startup: retried like a lost connection.
      this.#retry();
      return;
    }
    const lost = (): void => {
      if (this.#client !== client) return;
      this.#client = null;
      this.#connected = false;
      client.end().catch(() => undefined);
      this.#retry();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL) return;
      if (n.payload === 'keys' || n.payload === 'settings') this.#emit(n.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.#retry();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#connected = true;
    const first = this.#generation === 0;
    this.#generation += 1;
    if (!first) this.#emit('resync');
  }

  #retry(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, this.#retryMs);
    this.#timer.unref();
  }

  #emit(topic: ChangeTopic | 'resync'): void {
    for (const listener of this.#listeners) {
      try {
        listener(topic);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }
}
