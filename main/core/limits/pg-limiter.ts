/**
 * Per-key limits exact across every instance on one PostgreSQL (the team gateway's limiter).
 *
 * Round trips: a key with no limit costs none. A key with limits costs ONE round trip at admission, the call of
 * `ip_admit` (store/pg/schema-v1.ts), which takes the key's advisory lock, reads what the key has used and
 * reserved in one statement, decides, and records the request (a hit in the minute window; a lease holding its
 * concurrency slot and its token reservation) before the lock goes, so two instances can never both take the
 * last slot. Freeing the slot at the end is one more statement, sent after the response closed (off the client's
 * path); it also makes the lease hold the tokens really used instead of the estimate (settling, one statement of
 * its own for a key without a concurrency limit). The lease is deleted by the usage flush that writes the
 * request's tokens, in the same transaction, so a budget always sees either the lease or the usage, never neither.
 * A lease counts only while its instance heartbeats (every second), so an instance killed with -9 holds nothing
 * after 5 s.
 *
 * While the database is unreachable, requests are admitted by a per-instance `KeyLimiter` (requests per minute
 * and concurrency counted on this instance only; budgets from what the key had used at its last admission here
 * plus what this instance recorded since): limits hold per instance, not across them, until the database is back.
 */
import { KeyCounts } from './key-counts';
import type { KeyRemaining } from '../../../shared/types';
import type { PgLeaseLedger } from '../store/pg/pg-store';
import { isConnectionError } from '../store/pg/pool';
import { KeyLimiter } from './key-limiter';
import { cap, hasAnyLimit, hasTokenBudget, UNSETTLED_GRACE_MS, type Admission, type Admitted, type LimitedKey, type LimitName, type Limiter } from './limiter';
import { limitWhat, refusal, type RefusalVerb } from './refusal';
import { startOfUtcDay, startOfUtcMonth } from './utc-periods';

interface AdmitRow {
  ok: boolean;
  lim: string | null;
  wait_ms: string | null;
  lease_id: string | null;
  used_day: string;
  used_month: string;
}

interface RemainingRow {
  hits: string;
  active: string;
  used_day: string;
  used_month: string;
}

export interface PgLimiterOptions {
  /** Told once when admissions fall back to per-instance limits, and once when they are exact again. */
  warn?: (message: string) => void;
}

export class PgLimiter implements Limiter {
  readonly #ledger: PgLeaseLedger;
  readonly #warn: (message: string) => void;
  /** Requests in flight in this process, per key. */
  readonly #inFlight = new KeyCounts();
  /** Tokens each key had used (day, month) at its last admission here: the fallback's budgets. */
  readonly #lastUsed = new Map<number, { day: number; dayStart: number; month: number; monthStart: number }>();
  readonly #fallback: KeyLimiter;
  #degraded = false;

  constructor(ledger: PgLeaseLedger, opts: PgLimiterOptions = {}) {
    this.#ledger = ledger;
    this.#warn = opts.warn ?? ((m) => process.emitWarning(m));
    this.#fallback = new KeyLimiter({ tokensSince: (keyId, since) => this.#knownTokensSince(keyId, since.getTime()) });
  }

  async admit(key: LimitedKey, estimate = 0): Promise<Admission> {
    if (!hasAnyLimit(key.limits)) return this.#admitted(key, null, false);
    const { limits } = key;
    let row: AdmitRow;
    try {
      const r = await this.#ledger.pool.query<AdmitRow>('SELECT * FROM ip_admit($1, $2, $3, $4, $5, $6, $7)', [
        key.id,
        this.#ledger.instanceId,
        cap(limits.requests_per_minute),
        cap(limits.concurrent_streams),
        cap(limits.tokens_per_day),
        cap(limits.tokens_per_month),
        hasTokenBudget(limits) ? (Number.isFinite(estimate) ? Math.max(0, Math.ceil(estimate)) : 'Infinity') : 0,
      ]);
      row = r.rows[0]!;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      if (!this.#degraded) {
        this.#degraded = true;
        this.#warn('PostgreSQL unreachable: key limits are enforced per instance until it is back');
      }
      const local = this.#fallback.admit(key, estimate);
      if (!local.ok) return local;
      const admitted = this.#admitted(key, null, false);
      return { ok: true, settle: local.settle, release: () => (local.release(), admitted.release()) };
    }
    if (this.#degraded) {
      this.#degraded = false;
      this.#warn('PostgreSQL reachable again: key limits are exact across instances again');
    }
    const now = Date.now();
    this.#lastUsed.set(key.id, { day: Number(row.used_day), dayStart: startOfUtcDay(now), month: Number(row.used_month), monthStart: startOfUtcMonth(now) });
    if (!row.ok) return this.#refusal(key, row.lim ?? '', Number(row.wait_ms ?? 1000));
    return this.#admitted(key, row.lease_id === null ? null : Number(row.lease_id), cap(limits.concurrent_streams) !== null, hasTokenBudget(limits));
  }

  async remaining(key: LimitedKey): Promise<KeyRemaining> {
    const { limits } = key;
    const rpm = cap(limits.requests_per_minute);
    const concurrent = cap(limits.concurrent_streams);
    const day = cap(limits.tokens_per_day);
    const month = cap(limits.tokens_per_month);
    let row: RemainingRow;
    try {
      const r = await this.#ledger.pool.query<RemainingRow>(
        `SELECT
           (SELECT count(*) FROM ip_rpm_hits WHERE key_id = $1 AND at > clock_timestamp() - interval '60 seconds') AS hits,
           (SELECT count(*) FROM ip_leases l JOIN ip_instances i ON i.id = l.instance_id
             WHERE l.key_id = $1 AND l.active AND i.seen_at > clock_timestamp() - interval '5 seconds') AS active,
           (SELECT coalesce(sum(input_tokens + output_tokens), 0) FROM ip_usage WHERE key_id = $1 AND bucket >= date_trunc('day', clock_timestamp(), 'UTC')) AS used_day,
           (SELECT coalesce(sum(input_tokens + output_tokens), 0) FROM ip_usage WHERE key_id = $1 AND bucket >= date_trunc('month', clock_timestamp(), 'UTC')) AS used_month`,
        [key.id],
      );
      row = r.rows[0]!;
    } catch (err) {
      if (!isConnectionError(err)) throw err;
      return this.#fallback.remaining(key);
    }
    const now = Date.now();
    const left = (limit: number | null, used: number): number | null => (limit === null ? null : Math.max(0, limit - used));
    return {
      requests_this_minute: left(rpm, Number(row.hits)),
      concurrent: left(concurrent, Number(row.active)),
      tokens_today: left(day, Number(row.used_day) + this.#ledger.pendingTokens(key.id, startOfUtcDay(now))),
      tokens_this_month: left(month, Number(row.used_month) + this.#ledger.pendingTokens(key.id, startOfUtcMonth(now))),
    };
  }

  inFlight(keyId: number): number {
    return this.#inFlight.get(keyId);
  }

  /** An admission holding `leaseId` (null: none was taken); counts the request in flight here. */
  #admitted(key: LimitedKey, leaseId: number | null, freesSlot: boolean, reserves = false): Admitted {
    this.#inFlight.add(key.id);
    let settled = false;
    let released = false;
    /** Tokens settled while the slot was still held: sent with the release, in one statement. */
    let deferred: number | null = null;
    const settle = (tokens = 0): void => {
      if (settled) return;
      settled = true;
      if (leaseId === null) return;
      this.#ledger.dropLeaseWithFlush(leaseId);
      if (!reserves) return;
      if (freesSlot && !released) deferred = tokens;
      else this.#ledger.updateLease(leaseId, { release: false, tokens });
    };
    return {
      ok: true,
      settle,
      release: () => {
        if (released) return;
        released = true;
        this.#inFlight.remove(key.id);
        if (leaseId !== null && freesSlot) this.#ledger.updateLease(leaseId, { release: true, tokens: deferred });
        if (!settled) setTimeout(() => settle(0), UNSETTLED_GRACE_MS).unref();
      },
    };
  }

  /** The refusal `ip_admit` decided, worded as every limiter words it. */
  #refusal(key: LimitedKey, lim: string, waitMs: number): Admission {
    const [name, how] = lim.split(':') as [LimitName, string | undefined];
    const value = cap(key.limits[name]) ?? 0;
    const verb: RefusalVerb =
      how === 'used' ? 'has used its budget of' : how === 'reserved' ? 'has reserved the rest of its budget of' : 'is over its limit of';
    return refusal(key.name, name, limitWhat(name, value), verb, waitMs);
  }

  /** The fallback's token count: what the key had used at its last admission here, plus what was recorded since. */
  #knownTokensSince(keyId: number, since: number): number {
    const last = this.#lastUsed.get(keyId);
    // The fallback asks from the start of the day or of the month.
    const known = !last ? 0 : since === last.dayStart ? last.day : since === last.monthStart ? last.month : 0;
    return known + this.#ledger.pendingTokens(keyId, since);
  }
}
