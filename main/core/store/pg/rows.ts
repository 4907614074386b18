/**
 * The PostgreSQL store's rows as node-postgres returns them, and their conversion to the shared types (timestamps
 * to ISO strings, bigint counts, which arrive as strings, to numbers).
 */
import type { ApiKeyInfo, KeyLimits, RequestLogEntry, User } from '../../../../shared/types';
import type { UsageBucket } from '../store-data';

/** A key with no limit set. */
export const noLimits = (): KeyLimits => ({ requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null });

export interface KeyRow {
  id: number;
  user_id: number;
  username: string | null;
  name: string;
  key_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
  limits: KeyLimits;
}

export const KEY_COLUMNS = 'k.id, k.user_id, u.username, k.name, k.key_prefix, k.created_at, k.last_used_at, k.revoked_at, k.limits';
export const KEY_FROM = 'ip_keys k LEFT JOIN ip_users u ON u.id = k.user_id';

export interface UserRow {
  id: number;
  username: string;
  email: string | null;
  created_at: Date;
}

export const userOf = (r: UserRow): User => ({ id: r.id, username: r.username, email: r.email, created_at: r.created_at.toISOString() });

export function keyInfo(r: KeyRow): ApiKeyInfo {
  return {
    id: r.id,
    user_id: r.user_id,
    username: r.username ?? `(deleted user #${r.user_id})`,
    name: r.name,
    key_prefix: r.key_prefix,
    created_at: r.created_at.toISOString(),
    last_used_at: r.last_used_at?.toISOString() ?? null,
    revoked_at: r.revoked_at?.toISOString() ?? null,
    is_active: r.revoked_at === null,
    limits: { ...noLimits(), ...r.limits },
  };
}

export interface UsageRow {
  key_id: number;
  model: string;
  endpoint: string;
  provider: string;
  bucket: Date;
  requests: string;
  errors: string;
  input_tokens: string;
  output_tokens: string;
  cache_read_input_tokens: string;
}

export function bucketOf(r: UsageRow): UsageBucket {
  const b: UsageBucket = {
    k: r.key_id,
    m: r.model,
    e: r.endpoint,
    t: r.bucket.getTime(),
    r: Number(r.requests),
    x: Number(r.errors),
    i: Number(r.input_tokens),
    o: Number(r.output_tokens),
    c: Number(r.cache_read_input_tokens),
  };
  if (r.provider) b.p = r.provider;
  return b;
}

/** A row of ip_requests: the log entry, with bigint columns as node-postgres reads them (id and tokens as text). */
export type RequestRow = Omit<RequestLogEntry, 'id' | 'time' | 'input_tokens' | 'output_tokens'> & {
  id: string;
  time: Date;
  input_tokens: string;
  output_tokens: string;
};

export function requestOf(r: RequestRow): RequestLogEntry {
  return {
    id: Number(r.id),
    time: r.time.toISOString(),
    key_id: r.key_id,
    user_id: r.user_id,
    endpoint: r.endpoint as RequestLogEntry['endpoint'],
    model: r.model,
    backend_model: r.backend_model,
    provider: r.provider,
    attempts: r.attempts,
    session_id: r.session_id,
    status: r.status,
    latency_ms: r.latency_ms,
    stream: r.stream,
    input_tokens: Number(r.input_tokens),
    output_tokens: Number(r.output_tokens),
    usage_estimated: r.usage_estimated,
    error: r.error,
  };
}
