/**
 * Throttles addresses that keep failing authentication: after `maxFailures` failures within `windowMs` of the first,
 * the address is refused (429) for `blockMs`. The route asks `check()` before looking at the key, then reports the
 * outcome with `fail()` or `succeed()`. O(1) per call on average; memory is capped (past the cap, the least recently
 * seen eighth of the addresses is forgotten) and idle entries are dropped as time passes. IPv6 addresses count per
 * /64, the block one host usually holds.
 */

export interface AuthThrottleOptions {
  /** Failures within the window that block the address. Default 20. */
  maxFailures?: number;
  /** Window counted from an address's first failure, in ms. Default 60 s. */
  windowMs?: number;
  /** How long a blocked address is refused, in ms. Default 60 s. */
  blockMs?: number;
  /** Most addresses remembered at once. Default 10,000. */
  maxEntries?: number;
  /** Clock in ms; Date.now by default. */
  now?: () => number;
}

const SWEEP_INTERVAL_MS = 1000;

export type ThrottleCheck = { blocked: false } | { blocked: true; retryAfterSeconds: number };

interface Entry {
  /** Start of the current failure window. */
  since: number;
  failures: number;
  /** Refused until this time; 0 when not blocked. */
  blockedUntil: number;
  /** Last time the entry changed, for dropping idle entries. */
  touched: number;
}

export class AuthThrottle {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #blockMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  /** In order of last change: the front holds the entries idle the longest. */
  readonly #entries = new Map<string, Entry>();
  /** When idle entries were last dropped: that runs once a second at most, so its cost is spread thin. */
  #swept = -Infinity;

  constructor(options: AuthThrottleOptions = {}) {
    this.#maxFailures = Math.max(1, options.maxFailures ?? 20);
    this.#windowMs = options.windowMs ?? 60_000;
    this.#blockMs = options.blockMs ?? 60_000;
    this.#maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.#now = options.now ?? Date.now;
  }

  /** Whether requests from `ip` are refused now, and for how long. */
  check(ip: string): ThrottleCheck {
    const now = this.#now();
    const entry = this.#entries.get(addressKey(ip));
    if (!entry || entry.blockedUntil <= now) return { blocked: false };
    return { blocked: true, retryAfterSeconds: Math.max(1, Math.ceil((entry.blockedUntil - now) / 1000)) };
  }

  /**
   * Counts a failed authentication from `ip`. Returns true when this failure blocked the address, so the caller logs
   * one line per block rather than one per request.
   */
  fail(ip: string): boolean {
    const now = this.#now();
    const id = addressKey(ip);
    this.#sweep(now);
    let entry = this.#entries.get(id);
    if (entry) this.#entries.delete(id);
    if (!entry || now - entry.since >= this.#windowMs) {
      entry = { since: now, failures: 0, blockedUntil: entry?.blockedUntil ?? 0, touched: now };
    }
    entry.failures += 1;
    entry.touched = now;
    let blockedNow = false;
    if (entry.failures >= this.#maxFailures && entry.blockedUntil <= now) {
      entry.blockedUntil = now + this.#blockMs;
      entry.since = now;
      entry.failures = 0;
      blockedNow = true;
    }
    this.#entries.set(id, entry);
    if (this.#entries.size > this.#maxEntries) this.#evictOldest();
    return blockedNow;
  }

  /** A successful authentication from `ip` forgets its failures (a block in force stays). */
  succeed(ip: string): void {
    const id = addressKey(ip);
    const entry = this.#entries.get(id);
    if (!entry) return;
    if (entry.blockedUntil > this.#now()) entry.failures = 0;
    else this.#entries.delete(id);
  }

  /** Addresses remembered now. */
  get size(): number {
    return this.#entries.size;
  }

  /** Drops entries from the front while they can no longer matter. */
  #sweep(now: number): void {
    if (now - this.#swept < SWEEP_INTERVAL_MS) return;
    this.#swept = now;
    for (const [id, e] of this.#entries) {
      if (e.blockedUntil > now || now - e.touched < this.#windowMs) break;
      this.#entries.delete(id);
    }
  }

  /**
   * Drops the least recently seen eighth of the entries. In a batch, because reaching the front of a Map means stepping
   * over the holes earlier deletions left there: paid once per batch, that stays O(1) per call on average.
   */
  #evictOldest(): void {
    let n = Math.max(1, Math.ceil(this.#maxEntries / 8));
    for (const id of this.#entries.keys()) {
      if (n-- === 0) break;
      this.#entries.delete(id);
    }
  }
}

/**
 * The unit an address is counted as: IPv4 as it is (an IPv4-mapped IPv6 address as its IPv4 form), IPv6 as its /64
 * prefix, anything else (a missing address) as it is.
 */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1] as string;
  if (!ip.includes(':')) return ip;
  const groups = expandIpv6(ip.split('%')[0] as string);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros; undefined when it is not one. */
function expandIpv6(ip: string): string[] | undefined {
  const halves = ip.toLowerCase().split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  // An embedded IPv4 tail (`::1.2.3.4`) takes two groups.
  const last = tail.length ? tail[tail.length - 1] : head[head.length - 1];
  const v4 = last !== undefined && last.includes('.') ? 1 : 0;
  const missing = 8 - head.length - tail.length - v4;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (!groups.slice(0, 4).every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
  return groups.map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? g.replace(/^0+(?=.)/, '') : g));
}
