/**
 * A circuit breaker per provider, and the health each one shows (Status tab, tray, `GET /admin/status`,
 * `cli providers`).
 *
 * - healthy: the last request it took succeeded (or none failed since start).
 * - degraded: it failed lately, fewer than `failureThreshold` times in a row; it still takes requests.
 * - down: it failed `failureThreshold` times in a row. It is skipped for `cooldownMs`; after that one request probes
 *   it (others keep skipping it): success makes it healthy, failure starts another cool-down. A probe that never
 *   reports (its client went away) lets another one through after `cooldownMs`.
 *
 * In memory, per process: a restart forgets it. Time comes from `now`, so tests move it by hand.
 */
import type { ProviderHealth, ProviderKind, ProviderState } from '../../shared/types';

export interface BreakerOptions {
  /** Consecutive failures that take a provider down (default 3). */
  failureThreshold?: number;
  /** How long a down provider is skipped before a probe (default 30 s). */
  cooldownMs?: number;
  /** Clock (default Date.now). */
  now?: () => number;
}

/** Whether a provider may take a request now: yes, yes as the one probe of a down provider, or no (skip it). */
export type Admission = 'yes' | 'probe' | 'no';

interface Entry {
  failures: number;
  lastError: string | null;
  since: number;
  /** While down: when a probe may go. */
  retryAt: number | null;
  /** While a probe is out: when it was let through. */
  probeAt: number | null;
}

export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_COOLDOWN_MS = 30_000;

/** The longest error text kept per provider. */
const MAX_ERROR = 300;

export class ProviderHealthBoard {
  readonly #entries = new Map<string, Entry>();
  readonly #threshold: number;
  readonly #cooldownMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<() => void>();

  constructor(opts: BreakerOptions = {}) {
    this.#threshold = Math.max(1, opts.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD);
    this.#cooldownMs = opts.cooldownMs ?? DEFAULT_COOLDOWN_MS;
    this.#now = opts.now ?? Date.now;
  }

  /** Whether `name` may take a request now; a `probe` answer reserves the one probe of a down provider. */
  admit(name: string): Admission {
    const e = this.#entries.get(name);
    if (!e || e.retryAt === null) return 'yes';
    const now = this.#now();
    if (now < e.retryAt) return 'no';
    if (e.probeAt !== null && now < e.probeAt + this.#cooldownMs) return 'no';
    e.probeAt = now;
    return 'probe';
  }

  /** True when `name` is down and its cool-down has not ended (routing tries it last). Does not reserve a probe. */
  isDown(name: string): boolean {
    const e = this.#entries.get(name);
    if (!e || e.retryAt === null) return false;
    const now = this.#now();
    return now < e.retryAt || (e.probeAt !== null && now < e.probeAt + this.#cooldownMs);
  }

  /** A request to `name` got its answer (headers with a success status, or a client's own mistake). */
  success(name: string): void {
    const e = this.#entries.get(name);
    if (!e || (e.failures === 0 && e.retryAt === null)) return;
    e.failures = 0;
    e.retryAt = null;
    e.probeAt = null;
    e.since = this.#now();
    this.#emit();
  }

  /** A request to `name` failed in a way that says the provider is unwell (unreachable, timeout, 429, 5xx, 401/403). */
  failure(name: string, error: string): void {
    const now = this.#now();
    let e = this.#entries.get(name);
    if (!e) {
      e = { failures: 0, lastError: null, since: now, retryAt: null, probeAt: null };
      this.#entries.set(name, e);
    }
    const before = stateOf(e);
    e.failures += 1;
    e.lastError = error.slice(0, MAX_ERROR);
    if (e.retryAt !== null || e.failures >= this.#threshold) {
      e.retryAt = now + this.#cooldownMs;
      e.probeAt = null;
    }
    if (stateOf(e) !== before) e.since = now;
    this.#emit();
  }

  /** The health of each given provider (in their order); providers never seen are healthy since `startedAt`. */
  snapshot(providers: readonly { name: string; kind: ProviderKind }[], startedAt: number): ProviderHealth[] {
    return providers.map(({ name, kind }) => {
      const e = this.#entries.get(name);
      if (!e) {
        return { name, kind, state: 'healthy', last_error: null, since: iso(startedAt), consecutive_failures: 0, retry_at: null };
      }
      return {
        name,
        kind,
        state: stateOf(e),
        last_error: e.lastError,
        since: iso(e.since),
        consecutive_failures: e.failures,
        retry_at: e.retryAt === null ? null : iso(e.retryAt),
      };
    });
  }

  /** Forgets providers not in `names` (removed from the settings). */
  retain(names: ReadonlySet<string>): void {
    for (const name of this.#entries.keys()) if (!names.has(name)) this.#entries.delete(name);
  }

  /** Calls `listener` when a provider's state or error changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #emit(): void {
    for (const listener of this.#listeners) listener();
  }
}

function stateOf(e: Entry): ProviderState {
  if (e.retryAt !== null) return 'down';
  return e.failures > 0 ? 'degraded' : 'healthy';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
