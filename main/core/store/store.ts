/**
 * The store interface the routes and the admin service use. The lowdb implementation lives beside it
 * (lowdb-store.ts, the embedded default); the PostgreSQL one (pg/pg-store.ts) serves several instances on one
 * database (a team gateway) behind the same interface, so the routes do not change. Methods are async so that it fits.
 */
import type {
  ApiKeyInfo,
  KeyLimits,
  RequestAttempt,
  RequestLogEntry,
  RequestLogQuery,
  Settings,
  UsageEndpoint,
  UsageQuery,
  UsageReport,
  User,
} from '../../../shared/types';
import { AdminError } from '../../../shared/admin-api';

/** A key as the proxy sees it when authenticating: the info plus what limits need. */
export interface AuthenticatedKey {
  id: number;
  user_id: number;
  username: string;
  name: string;
  limits: KeyLimits;
}

/** One finished request, as the routes report it. */
export interface UsageEvent {
  time: Date;
  key_id: number;
  user_id: number;
  endpoint: UsageEndpoint;
  /** The model the client asked for (what usage is grouped by). */
  model: string;
  backend_model: string | null;
  /** The provider that answered (or the last tried); null or absent when none was reached. */
  provider?: string | null;
  /** Targets that failed before the one that answered (failover), in order; absent = none. */
  attempts?: RequestAttempt[];
  status: number;
  latency_ms: number;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  usage_estimated: boolean;
  error: string | null;
  /** The client's session id (x-claude-code-session-id); null or absent when none. */
  session_id?: string | null;
}

export interface Store {
  readonly users: {
    create(input: { username: string; email?: string | null }): Promise<User>;
    list(): Promise<User[]>;
    /** By numeric id (a string of digits) or username. */
    find(ref: string | number): Promise<User | undefined>;
    /** Deletes the user and revokes their keys; false when there was no such user. */
    delete(ref: string | number): Promise<boolean>;
  };
  readonly keys: {
    /** Creates a key; returns its info and the whole secret (never stored). */
    create(input: { user_id: number; name?: string; limits?: Partial<KeyLimits> }): Promise<{ info: ApiKeyInfo; secret: string }>;
    list(filter?: { user_id?: number }): Promise<ApiKeyInfo[]>;
    get(id: number): Promise<ApiKeyInfo | undefined>;
    /** The active key with this secret, or undefined (unknown or revoked). Looks up by hash. */
    authenticate(secret: string): Promise<AuthenticatedKey | undefined>;
    revoke(id: number): Promise<ApiKeyInfo | undefined>;
    setLimits(id: number, limits: Partial<KeyLimits>): Promise<ApiKeyInfo | undefined>;
  };
  readonly usage: {
    /** Adds to the aggregates and the request log in memory; persisted by the next coalesced flush. */
    record(event: UsageEvent): void;
    report(query: UsageQuery): Promise<UsageReport>;
    /** Tokens used by a key since a time (for budgets). */
    tokensSince(key_id: number, since: Date): number;
  };
  readonly requests: {
    list(query: RequestLogQuery): Promise<RequestLogEntry[]>;
  };
  readonly settings: {
    /** Saved settings only (what the admin changed); config.ts layers flags/env/.env over them. */
    get(): Promise<Partial<Settings>>;
    update(patch: Partial<Settings>): Promise<Partial<Settings>>;
  };
  /** The admin token kept in the data dir (generated at first open). */
  adminToken(): Promise<string>;
  /** Writes pending changes now. */
  flush(): Promise<void>;
  /** Changes made elsewhere (another instance on the same database); absent when nothing else can write. */
  onChange?(listener: (topic: 'keys' | 'settings') => void): () => void;
  /** Whether the store can serve now (database reachable, schema current); absent = always ready. */
  health?(): Promise<StoreHealth>;
  /** How long the oldest unwritten usage has waited, in seconds (0 when all is written); absent = not tracked. */
  flushLagSeconds?(): number;
  /** Flushes and releases the data dir. */
  close(): Promise<void>;
}

/** What `Store.health()` reports (`GET /ready`). */
export interface StoreHealth {
  ready: boolean;
  /** A sentence for operators: what is wrong, or what is connected. */
  detail: string;
}

/**
 * Why a store operation was refused; {@link StoreError.toAdminError} maps it to an HTTP status (409, 404, 400, and 503 for
 * `unavailable`: a database that cannot be reached now).
 */
export type StoreErrorCode = 'conflict' | 'not_found' | 'invalid' | 'unavailable';

/** Thrown by Store methods for a caller's mistake (duplicate username, unknown user, bad name). */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }

  /**
   * The one mapping to the admin error every transport answers with: conflict 409, not_found 404, invalid 400,
   * unavailable 503.
   */
  toAdminError(): AdminError {
    const status = this.code === 'conflict' ? 409 : this.code === 'not_found' ? 404 : this.code === 'unavailable' ? 503 : 400;
    const code = this.code === 'invalid' ? 'invalid_argument' : this.code;
    return new AdminError({ status, code, message: this.message });
  }
}

/** Thrown by openStore when the data file cannot be read as a store; the file is kept and a backup made. */
export class StoreCorruptError extends Error {
  readonly file: string;
  readonly backup: string;
  constructor(file: string, backup: string, reason: string) {
    super(
      `The store file ${file} is corrupt or half-written (${reason}). It was left as it is and copied to ${backup}. ` +
        'Fix or remove it to start; nothing was reset.',
    );
    this.name = 'StoreCorruptError';
    this.file = file;
    this.backup = backup;
  }
}
