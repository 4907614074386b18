/**
 * Per-key limits set in the admin: requests per minute, concurrent streams, tokens per UTC day and per UTC month.
 * `admit()` decides on one request before it is forwarded; a refusal carries a message naming the limit and the wait
 * for `retry-after` (the route answers 429 `rate_limit_error`). `remaining()` is what the usage view shows.
 * Plain Node, no I/O: token usage comes from the store through `tokensSince`. Token budgets hold under bursts by
 * reservation (limiter.ts): in-flight requests' estimates count against the budget until they settle.
 */
import { KeyCounts } from './key-counts';
import type { KeyRemaining } from '../../../shared/types';
import { cap, UNSETTLED_GRACE_MS, type Admission, type LimitedKey, type LimitName, type Limiter } from './limiter';
import { SlidingWindowCounter } from './sliding-window';
import { limitWhat, refusal, type RefusalVerb } from './refusal';
import {
  startOfNextUtcDay,
  startOfNextUtcMonth,
  startOfUtcDay,
  startOfUtcMonth,
} from './utc-periods';


export interface KeyLimiterDeps {
  /** Tokens (input + output) the key used since a time; the store's `usage.tokensSince`. */
  tokensSince(keyId: number, since: Date): number;
  /** Clock in ms; Date.now by default. */
  now?: () => number;
}

export type { Admission, LimitedKey, LimitName } from './limiter';

/** What a key has left now; null where it has no limit. Snake case, as it travels to the admin (shared/types). */
export type { KeyRemaining };

/**
 * A request refused for concurrency may go as soon as another of the key's requests ends, which cannot be foreseen;
 * clients retry after this many seconds.
 */
export const CONCURRENCY_RETRY_SECONDS = 1;

/** The token budgets: which limit, and where the period starts and ends. */
const BUDGETS = [
  { limit: 'tokens_per_day', start: startOfUtcDay, next: startOfNextUtcDay },
  { limit: 'tokens_per_month', start: startOfUtcMonth, next: startOfNextUtcMonth },
] as const;

interface Refusal {
  limit: LimitName;
  /** e.g. `60 requests per minute`. */
  what: string;
  verb: RefusalVerb;
  waitMs: number;
}

/** Tokens reserved by a key's requests in flight, and how many requests hold them. */
interface Reserved {
  tokens: number;
  holders: number;
}

export class KeyLimiter implements Limiter {
  readonly #tokensSince: KeyLimiterDeps['tokensSince'];
  readonly #now: () => number;
  readonly #minute = new SlidingWindowCounter();
  /** Requests in flight per key (streamed or not); an entry goes when its count drops to 0. */
  readonly #inFlight = new KeyCounts();
  /** Reservations per key with a token budget (an entry goes when no request holds one). */
  readonly #reserved = new Map<number, Reserved>();

  constructor(deps: KeyLimiterDeps) {
    this.#tokensSince = deps.tokensSince;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Admits a request of `key`, or refuses it naming the limit it hit (the one with the longest wait when several do).
   * A refused request counts against nothing. Every request in flight holds a concurrency slot until `release()`,
   * which frees it once however often it is called.
   */
  admit(key: LimitedKey, estimate = 0): Admission {
    const now = Math.floor(this.#now());
    const { limits } = key;
    const budgets = this.#budgets(key, now);
    const refusals = budgets.refusals;
    const reserved = this.#reserved.get(key.id);
    if (refusals.length === 0 && budgets.left !== null && reserved && reserved.tokens + estimate > budgets.left.tokens) {
      // Fits only alone: the key's other requests hold what is left until they settle.
      refusals.push({
        limit: budgets.left.limit,
        what: budgets.left.what,
        verb: 'has reserved the rest of its budget of',
        waitMs: CONCURRENCY_RETRY_SECONDS * 1000,
      });
    }

    const concurrent = cap(limits.concurrent_streams);
    const active = this.#inFlight.get(key.id);
    if (concurrent !== null && active >= concurrent) {
      refusals.push({
        limit: 'concurrent_streams',
        what: limitWhat('concurrent_streams', concurrent),
        verb: 'is over its limit of',
        waitMs: CONCURRENCY_RETRY_SECONDS * 1000,
      });
    }

    const rpm = cap(limits.requests_per_minute);
    if (rpm !== null) {
      const hit = this.#minute.check(key.id, rpm, now);
      if (!hit.ok) {
        refusals.push({
          limit: 'requests_per_minute',
          what: limitWhat('requests_per_minute', rpm),
          verb: 'is over its limit of',
          waitMs: hit.retryAfterMs,
        });
      }
    }

    const worst = refusals.reduce<Refusal | undefined>((a, r) => (a && a.waitMs >= r.waitMs ? a : r), undefined);
    if (worst) return refusal(key.name, worst.limit, worst.what, worst.verb, worst.waitMs);

    if (rpm !== null) this.#minute.add(key.id, now);
    this.#inFlight.add(key.id);
    const unreserve = budgets.left === null ? () => {} : this.#reserve(key.id, Math.min(estimate, budgets.left.budget));
    let released = false;
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      unreserve();
    };
    return {
      ok: true,
      settle,
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight.remove(key.id);
        // Usage may be recorded just after the response closed: keep the reservation a moment for it.
        if (!settled) setTimeout(settle, UNSETTLED_GRACE_MS).unref();
      },
    };
  }

  /** Tokens reserved by `keyId`'s requests in flight. */
  reserved(keyId: number): number {
    return this.#reserved.get(keyId)?.tokens ?? 0;
  }

  /** Adds a reservation; returns what takes it back. */
  #reserve(keyId: number, tokens: number): () => void {
    const r = this.#reserved.get(keyId) ?? { tokens: 0, holders: 0 };
    r.tokens += tokens;
    r.holders += 1;
    this.#reserved.set(keyId, r);
    return () => {
      r.tokens -= tokens;
      r.holders -= 1;
      if (r.holders <= 0) this.#reserved.delete(keyId);
    };
  }

  /** What `key` has left now under each of its limits (never negative); null where it has none. */
  remaining(key: LimitedKey): KeyRemaining {
    const now = Math.floor(this.#now());
    const { limits } = key;
    const rpm = cap(limits.requests_per_minute);
    const concurrent = cap(limits.concurrent_streams);
    const day = cap(limits.tokens_per_day);
    const month = cap(limits.tokens_per_month);
    return {
      requests_this_minute: rpm === null ? null : this.#minute.remaining(key.id, rpm, now),
      concurrent: concurrent === null ? null : Math.max(0, concurrent - this.#inFlight.get(key.id)),
      tokens_today: day === null ? null : Math.max(0, day - this.#tokensSince(key.id, new Date(startOfUtcDay(now)))),
      tokens_this_month:
        month === null ? null : Math.max(0, month - this.#tokensSince(key.id, new Date(startOfUtcMonth(now)))),
    };
  }

  /** Requests of `key` in flight now. */
  inFlight(keyId: number): number {
    return this.#inFlight.get(keyId);
  }

  /** Entries of state held (a minute window per recently active key, a count per key with requests in flight). */
  get entries(): number {
    return this.#minute.size + this.#inFlight.size + this.#reserved.size;
  }

  /** Budgets already used up, and the tightest one's tokens left (null when the key has no budget). */
  #budgets(key: LimitedKey, now: number): { refusals: Refusal[]; left: BudgetLeft | null } {
    const refusals: Refusal[] = [];
    let left: BudgetLeft | null = null;
    for (const b of BUDGETS) {
      const budget = cap(key.limits[b.limit]);
      if (budget === null) continue;
      const used = this.#tokensSince(key.id, new Date(b.start(now)));
      const what = limitWhat(b.limit, budget);
      if (used >= budget) refusals.push({ limit: b.limit, what, verb: 'has used its budget of', waitMs: b.next(now) - now });
      else if (!left || budget - used < left.tokens) left = { limit: b.limit, what, budget, tokens: budget - used };
    }
    return { refusals, left };
  }
}

/** The budget with the fewest tokens left. */
interface BudgetLeft {
  limit: LimitName;
  what: string;
  budget: number;
  tokens: number;
}
