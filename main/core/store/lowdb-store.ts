/**
 * The Store on lowdb: one JSON file in the data dir, kept in memory, written atomically (steno: temp file + rename).
 * Admin changes (users, keys, settings) are written before their promise resolves; usage and the request log are
 * coalesced into one write per flush interval, so a request costs no disk write. close() writes what is pending.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Low } from 'lowdb';
import type { Adapter } from 'lowdb';
import type { ApiKeyInfo, KeyLimits, RequestLogEntry, Settings, UsageQuery, UsageReport } from '../../../shared/types';
import { findUserByRef, USERNAME_PATTERN, USERNAME_RULE } from '../../../shared/user-ref';
import { apiKeyPrefix, generateApiKey, hashApiKey } from '../api-key';
import { ensurePrivateDir, tightenFile, writePrivateFile, writePrivateFileSync } from './private-files';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock';
import { emptyStoreData, parseStoreData, type KeyRecord, type StoreData, type UserRecord } from './store-data';
import { StoreCorruptError, StoreError, type AuthenticatedKey, type Store, type UsageEvent } from './store';
import { requestLogEntryOf, storedEvent } from './stored-event';
import { emptyTotals, UsageAggregates } from './usage-aggregates';

export const STORE_FILE = 'infiniproxy.json';
export const ADMIN_TOKEN_FILE = 'admin-token';

export interface OpenStoreOptions {
  /** How long usage may wait in memory before it is written (default 1000 ms). */
  flushIntervalMs?: number;
  /** Entries kept in the recent-request log (default 1000). */
  requestLogSize?: number;
  /** Take the data dir's lock (default true). Tests of the lock itself may open twice. */
  lock?: boolean;
  /** Where a warning about the data dir's permissions goes (default: process.emitWarning). */
  warn?: (message: string) => void;
}

const noLimits = (): KeyLimits => ({
  requests_per_minute: null,
  concurrent_streams: null,
  tokens_per_day: null,
  tokens_per_month: null,
});

/**
 * A lowdb adapter that checks what it reads and keeps a corrupt file (as a 0600 backup) instead of resetting it.
 * Writes are atomic (temp file + rename), the file and its temp file 0600 (private-files.ts).
 */
class CheckedJsonFile implements Adapter<StoreData> {
  readonly #path: string;
  constructor(path: string) {
    this.#path = path;
  }
  async read(): Promise<StoreData | null> {
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    try {
      return parseStoreData(text);
    } catch (err) {
      const backup = `${this.#path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      writeFileSync(backup, text, { mode: 0o600, flag: 'wx' });
      throw new StoreCorruptError(this.#path, backup, (err as Error).message);
    }
  }
  write(data: StoreData): Promise<void> {
    return writePrivateFile(this.#path, JSON.stringify(data));
  }
}

/** Opens (creating if needed) the store in `dataDir`, taking the data dir's lock. */
export async function openStore(dataDir: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const dirWarning = ensurePrivateDir(dataDir);
  if (dirWarning) (opts.warn ?? ((m: string) => process.emitWarning(m)))(dirWarning);
  const lock = opts.lock === false ? null : acquireDataDirLock(dataDir);
  try {
    // Files an older version wrote 0644 (the store may hold a backend key).
    for (const file of [STORE_FILE, ADMIN_TOKEN_FILE]) await tightenFile(join(dataDir, file));
    const db = new Low<StoreData>(new CheckedJsonFile(join(dataDir, STORE_FILE)), emptyStoreData());
    await db.read();
    return new LowdbStore(dataDir, db, lock, opts);
  } catch (err) {
    lock?.release();
    throw err;
  }
}

class LowdbStore implements Store {
  readonly #dataDir: string;
  readonly #db: Low<StoreData>;
  readonly #lock: DataDirLock | null;
  readonly #flushIntervalMs: number;
  readonly #requestLogSize: number;
  readonly #usage: UsageAggregates;
  /** Active keys by hash. */
  readonly #activeKeys = new Map<string, KeyRecord>();
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(dataDir: string, db: Low<StoreData>, lock: DataDirLock | null, opts: OpenStoreOptions) {
    this.#dataDir = dataDir;
    this.#db = db;
    this.#lock = lock;
    this.#flushIntervalMs = opts.flushIntervalMs ?? 1000;
    this.#requestLogSize = opts.requestLogSize ?? 1000;
    this.#usage = new UsageAggregates(db.data.usage.hourly, db.data.usage.daily);
    this.#usage.rollup(Date.now());
    for (const k of db.data.keys) if (!k.revoked_at) this.#activeKeys.set(k.hash, k);
  }

  get #data(): StoreData {
    return this.#db.data;
  }

  readonly users: Store['users'] = {
    create: async ({ username, email }) => {
      const name = username.trim();
      if (!USERNAME_PATTERN.test(name)) throw new StoreError('invalid', USERNAME_RULE);
      if (this.#data.users.some((u) => u.username.toLowerCase() === name.toLowerCase())) {
        throw new StoreError('conflict', `username: a user named "${name}" already exists`);
      }
      const user: UserRecord = {
        id: ++this.#data.seq.user,
        username: name,
        email: email?.trim() || null,
        created_at: new Date().toISOString(),
      };
      this.#data.users.push(user);
      await this.flush();
      return { ...user };
    },
    list: async () => this.#data.users.map((u) => ({ ...u })),
    find: async (ref) => {
      const u = this.#findUser(ref);
      return u && { ...u };
    },
    delete: async (ref) => {
      const user = this.#findUser(ref);
      if (!user) return false;
      const now = new Date().toISOString();
      for (const k of this.#data.keys) if (k.user_id === user.id && !k.revoked_at) this.#revoke(k, now);
      this.#data.users = this.#data.users.filter((u) => u.id !== user.id);
      await this.flush();
      return true;
    },
  };

  readonly keys: Store['keys'] = {
    create: async ({ user_id, name, limits }) => {
      const user = this.#findUser(user_id);
      if (!user) throw new StoreError('not_found', `user_id: no user with id ${user_id}`);
      const secret = generateApiKey();
      const id = ++this.#data.seq.key;
      const record: KeyRecord = {
        id,
        user_id: user.id,
        name: name?.trim() || `key-${id}`,
        hash: hashApiKey(secret),
        key_prefix: apiKeyPrefix(secret),
        created_at: new Date().toISOString(),
        last_used_at: null,
        revoked_at: null,
        limits: { ...noLimits(), ...limits },
      };
      this.#data.keys.push(record);
      this.#activeKeys.set(record.hash, record);
      await this.flush();
      return { info: this.#keyInfo(record), secret };
    },
    list: async (filter) =>
      this.#data.keys.filter((k) => filter?.user_id === undefined || k.user_id === filter.user_id).map((k) => this.#keyInfo(k)),
    get: async (id) => {
      const k = this.#data.keys.find((x) => x.id === id);
      return k && this.#keyInfo(k);
    },
    authenticate: async (secret) => {
      const k = this.#activeKeys.get(hashApiKey(secret));
      if (!k) return undefined;
      k.last_used_at = new Date().toISOString();
      this.#schedule();
      const auth: AuthenticatedKey = {
        id: k.id,
        user_id: k.user_id,
        username: this.#username(k.user_id),
        name: k.name,
        limits: k.limits,
      };
      return auth;
    },
    revoke: async (id) => {
      const k = this.#data.keys.find((x) => x.id === id);
      if (!k) return undefined;
      if (!k.revoked_at) this.#revoke(k, new Date().toISOString());
      await this.flush();
      return this.#keyInfo(k);
    },
    setLimits: async (id, limits) => {
      const k = this.#data.keys.find((x) => x.id === id);
      if (!k) return undefined;
      k.limits = { ...k.limits, ...limits };
      await this.flush();
      return this.#keyInfo(k);
    },
  };

  readonly usage: Store['usage'] = {
    record: (event: UsageEvent) => {
      const e = storedEvent(event);
      const time = e.time.getTime();
      this.#usage.add({
        time,
        key_id: e.key_id,
        model: e.model,
        endpoint: e.endpoint,
        provider: e.provider ?? '',
        error: e.status >= 400,
        input_tokens: e.input_tokens,
        output_tokens: e.output_tokens,
        cache_read_input_tokens: e.cache_read_input_tokens,
      });
      const entry: RequestLogEntry = { id: ++this.#data.seq.request, ...requestLogEntryOf(e) };
      const log = this.#data.requests;
      log.push(entry);
      if (log.length > this.#requestLogSize) log.splice(0, log.length - this.#requestLogSize);
      this.#schedule();
    },
    report: async (q: UsageQuery): Promise<UsageReport> => {
      const since = q.since ? Date.parse(q.since) : undefined;
      const until = q.until ? Date.parse(q.until) : undefined;
      let keyIds: Set<number> | undefined;
      if (q.key_id !== undefined || q.user_id !== undefined) {
        keyIds = new Set(
          this.#data.keys
            .filter((k) => (q.key_id === undefined || k.id === q.key_id) && (q.user_id === undefined || k.user_id === q.user_id))
            .map((k) => k.id),
        );
      }
      const { rows, series } = this.#usage.report({ keyIds, since, until });
      const totals = emptyTotals();
      const keysById = new Map(this.#data.keys.map((k) => [k.id, k]));
      const out = rows.map((r) => {
        const key = keysById.get(r.key_id);
        for (const f of ['requests', 'errors', 'input_tokens', 'output_tokens', 'cache_read_input_tokens', 'total_tokens'] as const) {
          totals[f] += r[f];
        }
        return {
          ...r,
          endpoint: r.endpoint as UsageReport['rows'][number]['endpoint'],
          user_id: key?.user_id ?? 0,
          username: key ? this.#username(key.user_id) : '(unknown)',
          key_name: key?.name ?? `#${r.key_id}`,
        };
      });
      return { start_date: q.since ?? null, end_date: q.until ?? null, totals, rows: out, series };
    },
    tokensSince: (keyId, since) => this.#usage.tokensSince(keyId, since.getTime()),
  };

  readonly requests: Store['requests'] = {
    list: async ({ key_id, session_id, limit }) => {
      const n = Math.max(1, Math.min(limit ?? 100, this.#requestLogSize));
      const out: RequestLogEntry[] = [];
      const log = this.#data.requests;
      for (let i = log.length - 1; i >= 0 && out.length < n; i--) {
        const e = log[i]!;
        if ((key_id === undefined || e.key_id === key_id) && (session_id === undefined || e.session_id === session_id)) out.push({ ...e });
      }
      return out;
    },
  };

  readonly settings: Store['settings'] = {
    get: async () => ({ ...(this.#data.settings as Partial<Settings>) }),
    update: async (patch) => {
      this.#data.settings = { ...this.#data.settings, ...patch };
      await this.flush();
      return { ...(this.#data.settings as Partial<Settings>) };
    },
  };

  async adminToken(): Promise<string> {
    const path = join(this.#dataDir, ADMIN_TOKEN_FILE);
    try {
      const token = readFileSync(path, 'utf8').trim();
      if (token) return token;
    } catch {
      /* first start */
    }
    const token = 'ipa-' + randomBytes(32).toString('base64url');
    writePrivateFileSync(path, token + '\n');
    return token;
  }

  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#writing = this.#writing.then(async () => {
      this.#usage.rollup(Date.now());
      this.#data.usage = this.#usage.toData();
      await this.#db.write();
    });
    return this.#writing;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.flush();
    this.#lock?.release();
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.flush().catch((err: unknown) => process.emitWarning(`InfiniProxy store write failed: ${String(err)}`));
    }, this.#flushIntervalMs);
    this.#timer.unref();
  }

  #findUser(ref: string | number): UserRecord | undefined {
    return findUserByRef(this.#data.users, ref);
  }

  #username(userId: number): string {
    return this.#data.users.find((u) => u.id === userId)?.username ?? `(deleted user #${userId})`;
  }

  #revoke(k: KeyRecord, at: string): void {
    k.revoked_at = at;
    this.#activeKeys.delete(k.hash);
  }

  #keyInfo(k: KeyRecord): ApiKeyInfo {
    return {
      id: k.id,
      user_id: k.user_id,
      username: this.#username(k.user_id),
      name: k.name,
      key_prefix: k.key_prefix,
      created_at: k.created_at,
      last_used_at: k.last_used_at,
      revoked_at: k.revoked_at,
      is_active: !k.revoked_at,
      limits: { ...k.limits },
    };
  }
}

