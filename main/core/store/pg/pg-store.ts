/**
 * The Store on PostgreSQL, for several stateless instances sharing one database (a team gateway). Admin changes
 * are written before their promise resolves and announced to every instance (change-feed.ts); usage and the request
 * log are batched in memory (usage-buffer.ts) and written once a second and on close, so a request costs no round
 * trip. Keys are cached after their first use and the cache is dropped by every change notice.
 *
 * While the database is unreachable: keys already in the cache keep being served (a revocation made meanwhile
 * cannot be heard until it returns); an unknown key gets a 503 `unavailable` (never a 401: the key may be valid);
 * usage is buffered (bounded) and written when it is back; admin operations fail with 503.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ApiKeyInfo, Settings, UsageQuery, UsageReport } from '../../../../shared/types';
import { findUserByRef, USERNAME_PATTERN, USERNAME_RULE } from '../../../../shared/user-ref';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../../api-key';
import { StoreError, type AuthenticatedKey, type Store, type StoreHealth, type UsageEvent } from '../store';
import { emptyTotals, HOUR_MS, UsageAggregates } from '../usage-aggregates';
import { ChangeFeed, CHANNEL, type ChangeTopic } from './change-feed';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations';
import { createPool, inTransaction, isConnectionError, safeDatabaseUrl, type Pool, type PoolClient } from './pool';
import { missingSecretKey, openSettings, sealSettings, SECRET_KEY_VAR, secretBoxFromHex, type SecretBox } from './secret-box';
import { bucketOf, keyInfo, KEY_COLUMNS, KEY_FROM, noLimits, requestOf, userOf, type KeyRow, type RequestRow, type UsageRow, type UserRow } from './rows';
import { UsageBuffer } from './usage-buffer';

export interface OpenPgStoreOptions {
  /** INFINIPROXY_SECRET_KEY (64 hex characters); without it no secret can be stored. */
  secretKeyHex?: string;
  /** How often usage is written (default 1000 ms). */
  flushIntervalMs?: number;
  /** Request-log entries kept in the database (default 10,000) and their longest age (default 30 days). */
  requestLogSize?: number;
  requestLogMaxAgeDays?: number;
  /** Connections per instance (default 10). */
  poolSize?: number;
  /** Operator warnings (an outage starting and ending, entries dropped); default process.emitWarning. */
  warn?: (message: string) => void;
}

/** What the PostgreSQL limiter needs from the store (pg-limiter.ts). */
export interface PgLeaseLedger {
  readonly pool: Pool;
  /** This instance's id (its leases die with its heartbeat). */
  readonly instanceId: string;
  /** The lease goes with the flush that writes its request's usage (in the same transaction). */
  dropLeaseWithFlush(id: number): void;
  /**
   * Changes a lease now, in one statement off the client's path: `release` frees its concurrency slot (retried with
   * the next flush when the database is unreachable); `tokens` makes it hold what its request really used instead
   * of the estimate (if that fails it keeps the estimate, more than was used, until the flush drops it).
   */
  updateLease(id: number, change: { release: boolean; tokens: number | null }): void;
  /** Tokens of `keyId` recorded here and not yet written, from `since` on. */
  pendingTokens(keyId: number, since: number): number;
}

const UNAVAILABLE = 'InfiniProxy cannot reach its database (PostgreSQL) right now; retry shortly.';

/** Connects, migrates (under a lock) and opens the store. Throws a clear message when it cannot. */
export async function openPgStore(url: string, opts: OpenPgStoreOptions = {}): Promise<PgStore> {
  const box = opts.secretKeyHex?.trim() ? secretBoxFromHex(opts.secretKeyHex) : null;
  const pool = createPool(url, { max: opts.poolSize });
  try {
    try {
      await migrate(pool);
    } catch (err) {
      if (isConnectionError(err)) throw new Error(`Cannot reach PostgreSQL at ${safeDatabaseUrl(url)}: ${(err as Error).message}`);
      throw err;
    }
    const feed = new ChangeFeed(url);
    await feed.start();
    const store = new PgStore(pool, feed, box, opts);
    await store.heartbeat();
    store.startTimer();
    return store;
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err;
  }
}

export class PgStore implements Store, PgLeaseLedger {
  readonly pool: Pool;
  readonly instanceId = randomUUID();
  readonly #feed: ChangeFeed;
  readonly #box: SecretBox | null;
  readonly #buffer = new UsageBuffer();
  readonly #flushIntervalMs: number;
  readonly #requestLogSize: number;
  readonly #requestLogMaxAgeDays: number;
  readonly #warn: (message: string) => void;
  /** Active keys by hash, with the feed generation they were read in. */
  readonly #keys = new Map<string, { key: AuthenticatedKey; generation: number }>();
  /** Bumped by every key notice: a lookup that started before one does not fill the cache. */
  #keyEpoch = 0;
  #adminToken: string | null = null;
  #timer: NodeJS.Timeout | null = null;
  #flushing: Promise<void> | null = null;
  #ticks = 0;
  #outage = false;
  #closed = false;

  constructor(pool: Pool, feed: ChangeFeed, box: SecretBox | null, opts: OpenPgStoreOptions) {
    this.pool = pool;
    this.#feed = feed;
    this.#box = box;
    this.#flushIntervalMs = opts.flushIntervalMs ?? 1000;
    this.#requestLogSize = opts.requestLogSize ?? 10_000;
    this.#requestLogMaxAgeDays = opts.requestLogMaxAgeDays ?? 30;
    this.#warn = opts.warn ?? ((m) => process.emitWarning(m));
    feed.onChange((topic) => {
      if (topic !== 'settings') {
        this.#keyEpoch++;
        this.#keys.clear();
      }
    });
  }

  readonly users: Store['users'] = {
    create: async ({ username, email }) => {
      const name = username.trim();
      if (!USERNAME_PATTERN.test(name)) throw new StoreError('invalid', USERNAME_RULE);
      try {
        const r = await this.#q<UserRow>('INSERT INTO ip_users (username, email) VALUES ($1, $2) RETURNING *', [name, email?.trim() || null]);
        return userOf(r.rows[0]!);
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new StoreError('conflict', `username: a user named "${name}" already exists`);
        throw err;
      }
    },
    list: async () => (await this.#q<UserRow>('SELECT * FROM ip_users ORDER BY id')).rows.map(userOf),
    find: async (ref) => findUserByRef(await this.users.list(), ref),
    delete: async (ref) => {
      const user = await this.users.find(ref);
      if (!user) return false;
      await this.#tx(async (c) => {
        await c.query('UPDATE ip_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL', [user.id]);
        await c.query('DELETE FROM ip_users WHERE id = $1', [user.id]);
        await c.query(`SELECT pg_notify('${CHANNEL}', 'keys')`);
      });
      return true;
    },
  };

  readonly keys: Store['keys'] = {
    create: async ({ user_id, name, limits }) => {
      const user = await this.users.find(user_id);
      if (!user) throw new StoreError('not_found', `user_id: no user with id ${user_id}`);
      const secret = generateApiKey();
      const info = await this.#tx(async (c) => {
        const id = Number((await c.query<{ id: string }>("SELECT nextval(pg_get_serial_sequence('ip_keys', 'id')) AS id")).rows[0]!.id);
        await c.query('INSERT INTO ip_keys (id, user_id, name, hash, key_prefix, limits) VALUES ($1, $2, $3, $4, $5, $6)', [
          id,
          user.id,
          name?.trim() || `key-${id}`,
          hashApiKey(secret),
          apiKeyPrefix(secret),
          JSON.stringify({ ...noLimits(), ...limits }),
        ]);
        return keyInfo((await c.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.id = $1`, [id])).rows[0]!);
      });
      return { info, secret };
    },
    list: async (filter) => {
      const r =
        filter?.user_id === undefined
          ? await this.#q<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} ORDER BY k.id`)
          : await this.#q<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.user_id = $1 ORDER BY k.id`, [filter.user_id]);
      return r.rows.map(keyInfo);
    },
    get: async (id) => {
      const r = await this.#q<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.id = $1`, [id]);
      return r.rows[0] && keyInfo(r.rows[0]);
    },
    authenticate: async (secret) => {
      const hash = hashApiKey(secret);
      const cached = this.#keys.get(hash);
      if (cached && this.#feed.connected && cached.generation === this.#feed.generation) return this.#used(cached.key);
      const epoch = this.#keyEpoch;
      const generation = this.#feed.generation;
      let row: KeyRow | undefined;
      try {
        row = (await this.pool.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.hash = $1 AND k.revoked_at IS NULL`, [hash])).rows[0];
      } catch (err) {
        // Known keys are served from the cache while the database is away; unknown ones cannot be checked.
        if (cached) return this.#used(cached.key);
        throw this.#mapError(err);
      }
      if (!row) {
        this.#keys.delete(hash);
        return undefined;
      }
      const key: AuthenticatedKey = {
        id: row.id,
        user_id: row.user_id,
        username: row.username ?? `(deleted user #${row.user_id})`,
        name: row.name,
        limits: { ...noLimits(), ...row.limits },
      };
      if (epoch === this.#keyEpoch) this.#keys.set(hash, { key, generation });
      return this.#used(key);
    },
    revoke: async (id) => this.#changeKey('UPDATE ip_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1', [id], id),
    setLimits: async (id, limits) => {
      const current = await this.keys.get(id);
      if (!current) return undefined;
      return this.#changeKey('UPDATE ip_keys SET limits = limits || $2::jsonb WHERE id = $1', [id, JSON.stringify(limits)], id);
    },
  };

  readonly usage: Store['usage'] = {
    record: (e: UsageEvent) => this.#buffer.add(e),
    report: async (q: UsageQuery): Promise<UsageReport> => {
      await this.#flushForRead();
      const keys = await this.keys.list();
      const keyIds =
        q.key_id === undefined && q.user_id === undefined
          ? undefined
          : new Set(keys.filter((k) => (q.key_id === undefined || k.id === q.key_id) && (q.user_id === undefined || k.user_id === q.user_id)).map((k) => k.id));
      const since = q.since ? Date.parse(q.since) : undefined;
      const until = q.until ? Date.parse(q.until) : undefined;
      const r = await this.#q<UsageRow>(
        `SELECT key_id, model, endpoint, provider, bucket, requests, errors, input_tokens, output_tokens, cache_read_input_tokens
         FROM ip_usage WHERE ($1::int[] IS NULL OR key_id = ANY($1)) AND ($2::timestamptz IS NULL OR bucket >= $2) AND ($3::timestamptz IS NULL OR bucket < $3)`,
        [
          keyIds ? [...keyIds] : null,
          since === undefined ? null : new Date(since - (since % HOUR_MS)).toISOString(),
          until === undefined ? null : new Date(until).toISOString(),
        ],
      );
      const { rows, series } = new UsageAggregates(r.rows.map(bucketOf)).report({ keyIds, since, until });
      const totals = emptyTotals();
      const byId = new Map(keys.map((k) => [k.id, k]));
      const out = rows.map((row) => {
        const key = byId.get(row.key_id);
        for (const f of ['requests', 'errors', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'total_tokens'] as const) totals[f] += row[f];
        return {
          ...row,
          endpoint: row.endpoint as UsageReport['rows'][number]['endpoint'],
          user_id: key?.user_id ?? 0,
          username: key?.username ?? '(unknown)',
          key_name: key?.name ?? `#${row.key_id}`,
        };
      });
      return { start_date: q.since ?? null, end_date: q.until ?? null, totals, rows: out, series };
    },
    // Only what this instance has not written yet; budgets across instances are the limiter's (ip_admit).
    tokensSince: (keyId, since) => this.#buffer.pendingTokens(keyId, since.getTime()),
  };

  readonly requests: Store['requests'] = {
    list: async ({ key_id, session_id, limit }) => {
      await this.#flushForRead();
      const n = Math.max(1, Math.min(limit ?? 100, this.#requestLogSize));
      const r = await this.#q<RequestRow>(
        'SELECT * FROM ip_requests WHERE ($1::int IS NULL OR key_id = $1) AND ($3::text IS NULL OR session_id = $3) ORDER BY id DESC LIMIT $2',
        [key_id ?? null, n, session_id ?? null],
      );
      return r.rows.map(requestOf);
    },
  };

  readonly settings: Store['settings'] = {
    get: async () => {
      const r = await this.#q<{ doc: Record<string, unknown> }>('SELECT doc FROM ip_settings WHERE id = 1');
      return r.rows[0] ? openSettings(r.rows[0].doc, this.#box) : {};
    },
    update: async (patch) =>
      this.#tx(async (c) => {
        const r = await c.query<{ doc: Record<string, unknown> }>('SELECT doc FROM ip_settings WHERE id = 1 FOR UPDATE');
        const merged: Partial<Settings> = { ...(r.rows[0] ? openSettings(r.rows[0].doc, this.#box) : {}), ...patch };
        const doc = sealSettings(merged, this.#box);
        await c.query('INSERT INTO ip_settings (id, doc) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc', [JSON.stringify(doc)]);
        await c.query(`SELECT pg_notify('${CHANNEL}', 'settings')`);
        return merged;
      }),
  };

  /** The admin token, generated (and sealed) by the first instance that needs it; the same for every instance. */
  async adminToken(): Promise<string> {
    if (this.#adminToken) return this.#adminToken;
    const read = async (): Promise<string | undefined> =>
      (await this.#q<{ value: string }>("SELECT value FROM ip_meta WHERE name = 'admin_token'")).rows[0]?.value;
    let sealed = await read();
    if (sealed === undefined) {
      if (!this.#box) {
        const err = missingSecretKey('admin token');
        throw new StoreError('invalid', `${err.message} Or set ADMIN_TOKEN instead.`);
      }
      const token = 'ipa-' + randomBytes(32).toString('base64url');
      await this.#q("INSERT INTO ip_meta (name, value) VALUES ('admin_token', $1) ON CONFLICT (name) DO NOTHING", [this.#box.seal(token)]);
      sealed = (await read())!;
    }
    if (!this.#box) throw new Error(`the admin token in the database is encrypted: set ${SECRET_KEY_VAR} (or ADMIN_TOKEN)`);
    this.#adminToken = this.#box.open(sealed);
    return this.#adminToken;
  }

  onChange(listener: (topic: ChangeTopic) => void): () => void {
    // After a reconnection both may have changed unheard.
    return this.#feed.onChange((topic) => {
      if (topic === 'resync') {
        listener('keys');
        listener('settings');
      } else listener(topic);
    });
  }

  async health(): Promise<StoreHealth> {
    try {
      const version = await schemaVersion(this.pool);
      if (version !== SCHEMA_VERSION) return { ready: false, detail: `database schema is version ${version}, this instance needs ${SCHEMA_VERSION}` };
      if (!this.#feed.connected) return { ready: false, detail: 'database reachable, change notifications reconnecting' };
      return { ready: true, detail: `postgresql, schema ${version}` };
    } catch (err) {
      return { ready: false, detail: `database unreachable: ${(err as Error).message}` };
    }
  }

  flushLagSeconds(): number {
    return this.#buffer.lagMs() / 1000;
  }

  /** Entries dropped because the buffer filled during an outage. */
  get droppedEntries(): number {
    return this.#buffer.dropped;
  }

  /** Writes pending usage now (one write at a time; a call during a write waits for it and writes again). */
  async flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => undefined);
    this.#flushing = (async () => {
      await this.#buffer.flush(this.pool, this.instanceId);
      if (this.#buffer.pending) await this.#buffer.flush(this.pool, this.instanceId);
    })();
    try {
      await this.#flushing;
      if (this.#outage) {
        this.#outage = false;
        this.#warn('PostgreSQL is reachable again; buffered usage written.');
      }
    } catch (err) {
      throw this.#mapError(err);
    } finally {
      this.#flushing = null;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    // A few tries: right after a database restart the pool's first connections may be dead ones.
    for (let attempt = 1; ; attempt++) {
      try {
        await this.flush();
        await this.pool.query('DELETE FROM ip_instances WHERE id = $1', [this.instanceId]);
        break;
      } catch (err) {
        if (attempt < 3) {
          await new Promise((r) => setTimeout(r, 250));
          continue;
        }
        this.#warn(`closing with usage not written (the database is unreachable): ${(err as Error).message}`);
        break;
      }
    }
    await this.#feed.close();
    await this.pool.end().catch(() => undefined);
  }

  // PgLeaseLedger
  dropLeaseWithFlush(id: number): void {
    this.#buffer.settle(id);
  }

  updateLease(id: number, { release, tokens }: { release: boolean; tokens: number | null }): void {
    if (!release && tokens === null) return;
    const settled = tokens !== null;
    this.pool
      .query(
        `UPDATE ip_leases SET active = active AND NOT $2::boolean, settled = settled OR $3::boolean,
           reserved = CASE WHEN $3::boolean THEN $4::bigint ELSE reserved END WHERE id = $1`,
        [id, release, settled, settled ? Math.max(0, Math.round(tokens)) : 0],
      )
      .catch(() => {
        if (release) this.#buffer.release(id);
      });
  }

  pendingTokens(keyId: number, since: number): number {
    return this.#buffer.pendingTokens(keyId, since);
  }

  /** Marks this instance alive (its leases count for 5 s after). */
  async heartbeat(): Promise<void> {
    await this.pool.query(
      'INSERT INTO ip_instances (id, seen_at) VALUES ($1, clock_timestamp()) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at',
      [this.instanceId],
    );
  }

  startTimer(): void {
    this.#timer = setInterval(() => void this.#tick(), this.#flushIntervalMs);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    if (this.#flushing || this.#closed) return;
    try {
      if (this.#buffer.pending) await this.flush();
      else await this.heartbeat();
      if (++this.#ticks % 30 === 0) await this.trim();
    } catch (err) {
      if (!this.#outage) {
        this.#outage = true;
        this.#warn(`cannot write usage to PostgreSQL (${(err as Error).message}); buffering it until the database is back`);
      }
    }
  }

  /** Keeps the tables bounded: the request log by count and age, old batch ids and minute-window hits, dead instances and their leases (every 30 s). */
  async trim(): Promise<void> {
    await this.pool.query(
      `DELETE FROM ip_requests WHERE id <= (SELECT max(id) - $1 FROM ip_requests) OR time < now() - make_interval(days => $2)`,
      [this.#requestLogSize, this.#requestLogMaxAgeDays],
    );
    await this.pool.query("DELETE FROM ip_flushes WHERE at < now() - interval '1 day'");
    await this.pool.query("DELETE FROM ip_rpm_hits WHERE at < now() - interval '60 seconds'");
    await this.pool.query(
      "DELETE FROM ip_leases l WHERE NOT EXISTS (SELECT 1 FROM ip_instances i WHERE i.id = l.instance_id AND i.seen_at > now() - interval '1 minute')",
    );
    await this.pool.query("DELETE FROM ip_instances WHERE seen_at < now() - interval '1 hour'");
  }

  /** Views read after this instance's own pending usage is written (best effort: a view still answers in an outage only from the database). */
  async #flushForRead(): Promise<void> {
    await this.flush().catch(() => undefined);
  }

  #used(key: AuthenticatedKey): AuthenticatedKey {
    this.#buffer.used(key.id, Date.now());
    return key;
  }

  async #changeKey(sql: string, params: unknown[], id: number): Promise<ApiKeyInfo | undefined> {
    return this.#tx(async (c) => {
      const r = await c.query(sql, params);
      if (r.rowCount === 0) return undefined;
      await c.query(`SELECT pg_notify('${CHANNEL}', 'keys')`);
      return keyInfo((await c.query<KeyRow>(`SELECT ${KEY_COLUMNS} FROM ${KEY_FROM} WHERE k.id = $1`, [id])).rows[0]!);
    });
  }

  async #q<R extends object>(sql: string, params: unknown[] = []): Promise<{ rows: R[]; rowCount: number | null }> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  async #tx<T>(fn: (c: PoolClient) => Promise<T>): Promise<T> {
    try {
      return await inTransaction(this.pool, fn);
    } catch (err) {
      throw this.#mapError(err);
    }
  }

  #mapError(err: unknown): unknown {
    return isConnectionError(err) ? new StoreError('unavailable', UNAVAILABLE) : err;
  }
}
