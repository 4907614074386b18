/**
 * Requests per minute over a sliding window: each id keeps a ring of 60 one-second buckets, so "60 per minute" means
 * at most 60 requests whose second lies within the last 60 seconds, and a request stops counting 60 s after the
 * second it was made in. O(1) per request (at most 60 buckets are cleared, however long the pause), a fixed 60
 * counters per active id, ids idle for a minute dropped. Pure bookkeeping; time is passed in.
 */

/** Length of the window, in ms. */
export const WINDOW_MS = 60_000;
const BUCKET_MS = 1000;
const BUCKETS = WINDOW_MS / BUCKET_MS;

interface Ring {
  counts: Uint32Array;
  /** The second (ms / 1000, floored) of the newest bucket. */
  head: number;
  /** Sum of `counts`. */
  total: number;
  /** The second of the last request counted (what the sweep goes by). */
  last: number;
}

/** A decision on one request. */
export type WindowHit = { ok: true } | { ok: false; retryAfterMs: number };

export class SlidingWindowCounter {
  /** In order of last request (to the second), so ids idle the longest are at the front. */
  readonly #rings = new Map<number | string, Ring>();
  /** The second of the last sweep: sweeping runs at most once a second. */
  #swept = -Infinity;

  /** How many ids are tracked (ids idle for a whole window are dropped). */
  get size(): number {
    return this.#rings.size;
  }

  /**
   * Whether one more request of `id` fits under `limit` per minute, without counting it; if not, how long until it
   * would. The wait is exact: at `now + retryAfterMs` the request fits, a millisecond earlier it does not (if nothing
   * else was counted in between). A limit of 0 or less never fits; its wait is a whole window.
   */
  check(id: number | string, limit: number, now: number): WindowHit {
    const ring = this.#advanced(id, now);
    const total = ring?.total ?? 0;
    if (total + 1 <= limit) return { ok: true };
    if (limit <= 0 || !ring) return { ok: false, retryAfterMs: WINDOW_MS };
    // Free the oldest buckets until one more fits; the last one freed expires 60 s after its second began.
    const sec = Math.floor(now / BUCKET_MS);
    const need = total + 1 - limit;
    let freed = 0;
    for (let s = sec - BUCKETS + 1; s <= sec; s++) {
      freed += ring.counts[mod(s)] as number;
      if (freed >= need) return { ok: false, retryAfterMs: (s + BUCKETS) * BUCKET_MS - now };
    }
    return { ok: false, retryAfterMs: WINDOW_MS };
  }

  /** Counts one request of `id` at `now`. */
  add(id: number | string, now: number): void {
    this.#sweep(now);
    let ring = this.#advanced(id, now);
    if (!ring) {
      ring = { counts: new Uint32Array(BUCKETS), head: Math.floor(now / BUCKET_MS), total: 0, last: 0 };
      this.#rings.set(id, ring);
    } else if (ring.last !== ring.head) {
      // Move to the end (once a second at most: each move leaves a hole the Map's iteration must step over).
      this.#rings.delete(id);
      this.#rings.set(id, ring);
    }
    ring.last = ring.head;
    ring.counts[mod(ring.head)] = (ring.counts[mod(ring.head)] as number) + 1;
    ring.total += 1;
  }

  /** `check`, and `add` when it fits. */
  hit(id: number | string, limit: number, now: number): WindowHit {
    const result = this.check(id, limit, now);
    if (result.ok) this.add(id, now);
    return result;
  }

  /** How many more requests `id` could make right now under `limit`. */
  remaining(id: number | string, limit: number, now: number): number {
    return Math.max(0, limit - (this.#advanced(id, now)?.total ?? 0));
  }

  /** The ring of `id` with the buckets that left the window cleared; undefined when it has none. */
  #advanced(id: number | string, now: number): Ring | undefined {
    const ring = this.#rings.get(id);
    if (!ring) return undefined;
    const sec = Math.floor(now / BUCKET_MS);
    if (sec <= ring.head) return ring;
    if (sec - ring.head >= BUCKETS) {
      ring.counts.fill(0);
      ring.total = 0;
    } else {
      for (let s = ring.head + 1; s <= sec; s++) {
        ring.total -= ring.counts[mod(s)] as number;
        ring.counts[mod(s)] = 0;
      }
    }
    ring.head = sec;
    return ring;
  }

  /** Drops ids whose last request left the window. Runs once a second at most, so its cost is spread thin. */
  #sweep(now: number): void {
    const sec = Math.floor(now / BUCKET_MS);
    if (sec === this.#swept) return;
    this.#swept = sec;
    const oldest = sec - BUCKETS + 1;
    for (const [id, ring] of this.#rings) {
      if (ring.last >= oldest) break;
      this.#rings.delete(id);
    }
  }
}

function mod(second: number): number {
  return ((second % BUCKETS) + BUCKETS) % BUCKETS;
}
