/**
 * The limiter contract the proxy talks to, with two implementations: `KeyLimiter` (key-limiter.ts: one process,
 * in memory, the lowdb store's) and `PgLimiter` (pg-limiter.ts: exact across every instance on one PostgreSQL).
 *
 * Token budgets are kept exact under bursts by reservation: a request is admitted with an estimate of what it may
 * cost (its input, by size, plus its `max_tokens`), which counts against the budget while it runs; the request
 * settles with what it really used. A request whose estimate does not fit what the budget has left beside the
 * reservations of the key's other requests in flight is refused, unless none is in flight (then it may overrun by
 * itself). So a burst, however it is spread, passes a budget by at most one request's worth.
 */
import type { KeyLimits, KeyRemaining } from '../../../shared/types';

/** The part of an authenticated key a limiter needs (`AuthenticatedKey` fits). */
export interface LimitedKey {
  id: number;
  /** Named in refusals: `Key 'laptop' is over …`. */
  name: string;
  limits: KeyLimits;
}

/** Which limit refused a request. */
export type LimitName = keyof KeyLimits;

/** An admitted request: `settle()` with the tokens it used, `release()` when its response closes (both idempotent). */
export interface Admitted {
  ok: true;
  /** The request's real cost (input + output tokens); frees its reservation. */
  settle(tokens: number): void;
  /** Frees its concurrency slot (and, if it never settles, its reservation shortly after). */
  release(): void;
}

/** The decision on one request. */
export type Admission = Admitted | { ok: false; limit: LimitName; reason: string; retryAfterSeconds: number };

/** Results may come at once (in memory) or after a database round trip. */
export type MaybePromise<T> = T | Promise<T>;

export interface Limiter {
  /**
   * Admits a request of `key` that may cost up to `estimate` tokens (Infinity when unknown), or refuses it naming
   * the limit it hit. A refused request counts against nothing.
   */
  admit(key: LimitedKey, estimate?: number): MaybePromise<Admission>;
  /** What `key` has left now under each of its limits (never negative); null where it has none. */
  remaining(key: LimitedKey): MaybePromise<KeyRemaining>;
  /** Requests of `key` in flight in this process. */
  inFlight(keyId: number): number;
}

/** Whether any of the key's limits needs a token estimate (a daily or monthly budget). */
export function hasTokenBudget(limits: KeyLimits): boolean {
  return cap(limits.tokens_per_day) !== null || cap(limits.tokens_per_month) !== null;
}

/** Whether the key has any limit at all (a key without one costs a limiter nothing). */
export function hasAnyLimit(limits: KeyLimits): boolean {
  return cap(limits.requests_per_minute) !== null || cap(limits.concurrent_streams) !== null || hasTokenBudget(limits);
}

/** A limit as a whole non-negative number, or null for none (null, or a value that is not a finite number). */
export function cap(limit: number | null | undefined): number | null {
  if (limit === null || limit === undefined || !Number.isFinite(limit)) return null;
  return Math.max(0, Math.floor(limit));
}

/**
 * How long a request whose reservation was never settled (it failed before reaching the backend, or its usage is
 * recorded after its response closed) keeps its reservation after release.
 */
export const UNSETTLED_GRACE_MS = 1000;
