/**
 * Usage as aggregates per key × model × endpoint × provider × hour, rolled into days after HOURLY_RETENTION_DAYS, so a year of
 * heavy use stays a small file. Pure in-memory bookkeeping; the store persists `toData()`.
 */
import type { UsageSeriesPoint, UsageTotals } from '../../../shared/types';
import type { UsageBucket } from './store-data';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
/** Hour buckets older than this are rolled into day buckets. */
export const HOURLY_RETENTION_DAYS = 14;
/**
 * Distinct models aggregated per key and bucket (an hour, or a day once rolled up); requests for further models in
 * that bucket are counted under {@link OTHER_MODELS}, so a client inventing model names cannot grow the store.
 */
export const MAX_MODELS_PER_KEY_BUCKET = 32;
export const OTHER_MODELS = '(other models)';
/** Ranges up to this long are charted by hour, longer ones by day. */
const HOURLY_SERIES_MAX_MS = 3 * DAY_MS;

export interface UsageSample {
  time: number;
  key_id: number;
  model: string;
  endpoint: string;
  /** The provider that answered; '' or absent for none. */
  provider?: string;
  error: boolean;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
}

/** A bucket's totals grouped under a key, model, endpoint and provider. */
export interface AggregateRow extends UsageTotals {
  key_id: number;
  model: string;
  endpoint: string;
  provider: string;
}

export interface AggregateQuery {
  /** Only these keys; undefined = all. */
  keyIds?: ReadonlySet<number>;
  since?: number;
  until?: number;
}

const bucketId = (b: Pick<UsageBucket, 'k' | 'm' | 'e' | 't' | 'p'>): string =>
  `${b.k}\u0000${b.m}\u0000${b.e}\u0000${b.p ?? ''}\u0000${b.t}`;

export const emptyTotals = (): UsageTotals => ({
  requests: 0,
  errors: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_input_tokens: 0,
  total_tokens: 0,
});

/**
 * The models seen per key and bucket start, to bound them ({@link MAX_MODELS_PER_KEY_BUCKET}); the lowdb aggregates
 * and the PostgreSQL usage buffer both admit models through one.
 */
export class ModelsSeen {
  readonly #seen = new Map<string, { t: number; models: Set<string> }>();

  /** `model`, or {@link OTHER_MODELS} when key `k` already has the most models at bucket `t`. */
  admit(k: number, t: number, model: string): string {
    const slot = `${k}\u0000${t}`;
    let entry = this.#seen.get(slot);
    if (!entry) this.#seen.set(slot, (entry = { t, models: new Set() }));
    if (entry.models.has(model) || model === OTHER_MODELS) return model;
    if (entry.models.size >= MAX_MODELS_PER_KEY_BUCKET) return OTHER_MODELS;
    entry.models.add(model);
    return model;
  }

  /** Forgets the buckets of key `k` at `t` (rolled up). */
  forget(k: number, t: number): void {
    this.#seen.delete(`${k}\u0000${t}`);
  }

  /** Forgets every bucket that starts before `t`. */
  forgetBefore(t: number): void {
    for (const [slot, entry] of this.#seen) if (entry.t < t) this.#seen.delete(slot);
  }
}

export class UsageAggregates {
  readonly #hourly = new Map<string, UsageBucket>();
  readonly #daily = new Map<string, UsageBucket>();
  readonly #hourModels = new ModelsSeen();
  readonly #dayModels = new ModelsSeen();

  constructor(hourly: UsageBucket[] = [], daily: UsageBucket[] = []) {
    for (const b of hourly) {
      this.#hourly.set(bucketId(b), { ...b });
      this.#hourModels.admit(b.k, b.t, b.m);
    }
    for (const b of daily) {
      this.#daily.set(bucketId(b), { ...b });
      this.#dayModels.admit(b.k, b.t, b.m);
    }
  }

  /** Adds one request to its hour bucket. */
  add(s: UsageSample): void {
    const t = s.time - (s.time % HOUR_MS);
    const model = this.#hourModels.admit(s.key_id, t, s.model);
    const id = `${s.key_id}\u0000${model}\u0000${s.endpoint}\u0000${s.provider ?? ''}\u0000${t}`;
    let b = this.#hourly.get(id);
    if (!b) {
      b = { k: s.key_id, m: model, e: s.endpoint, t, r: 0, x: 0, i: 0, o: 0, c: 0 };
      if (s.provider) b.p = s.provider;
      this.#hourly.set(id, b);
    }
    b.r += 1;
    if (s.error) b.x += 1;
    b.i += s.input_tokens;
    b.o += s.output_tokens;
    b.c += s.cache_read_input_tokens;
  }

  /** Moves hour buckets older than the retention into day buckets; returns how many moved. */
  rollup(now: number): number {
    const cutoff = now - HOURLY_RETENTION_DAYS * DAY_MS;
    let moved = 0;
    for (const [id, b] of this.#hourly) {
      if (b.t >= cutoff) continue;
      const t = b.t - (b.t % DAY_MS);
      const m = this.#dayModels.admit(b.k, t, b.m);
      const dayId = bucketId({ ...b, m, t });
      const d = this.#daily.get(dayId);
      if (d) {
        d.r += b.r;
        d.x += b.x;
        d.i += b.i;
        d.o += b.o;
        d.c += b.c;
      } else this.#daily.set(dayId, { ...b, m, t });
      this.#hourly.delete(id);
      this.#hourModels.forget(b.k, b.t);
      moved++;
    }
    return moved;
  }

  /** Input + output tokens a key used from `since` on (hour precision). */
  tokensSince(keyId: number, since: number): number {
    let n = 0;
    for (const b of this.#buckets({ keyIds: new Set([keyId]), since })) n += b.i + b.o;
    return n;
  }

  /** Totals grouped by key × model × endpoint, and a series, for a query. */
  report(q: AggregateQuery): { rows: AggregateRow[]; series: UsageSeriesPoint[] } {
    const rows = new Map<string, AggregateRow>();
    const buckets = [...this.#buckets(q)];
    for (const b of buckets) {
      const id = `${b.k}\u0000${b.m}\u0000${b.e}\u0000${b.p ?? ''}`;
      let row = rows.get(id);
      if (!row) {
        row = { key_id: b.k, model: b.m, endpoint: b.e, provider: b.p ?? '', ...emptyTotals() };
        rows.set(id, row);
      }
      addBucket(row, b);
    }
    return { rows: [...rows.values()], series: series(buckets, q) };
  }

  toData(): { hourly: UsageBucket[]; daily: UsageBucket[] } {
    return { hourly: [...this.#hourly.values()], daily: [...this.#daily.values()] };
  }

  *#buckets(q: AggregateQuery): Generator<UsageBucket> {
    // A bucket counts when its start lies in the range, with `since` taken down to the bucket's own start.
    for (const [map, size] of [
      [this.#hourly, HOUR_MS],
      [this.#daily, DAY_MS],
    ] as const) {
      const since = q.since === undefined ? undefined : q.since - (q.since % size);
      for (const b of map.values()) {
        if (q.keyIds && !q.keyIds.has(b.k)) continue;
        if (since !== undefined && b.t < since) continue;
        if (q.until !== undefined && b.t >= q.until) continue;
        yield b;
      }
    }
  }
}

function addBucket(totals: UsageTotals, b: UsageBucket): void {
  totals.requests += b.r;
  totals.errors += b.x;
  totals.input_tokens += b.i;
  totals.output_tokens += b.o;
  totals.cache_read_input_tokens += b.c;
  totals.total_tokens += b.i + b.o;
}

function series(buckets: UsageBucket[], q: AggregateQuery): UsageSeriesPoint[] {
  if (buckets.length === 0) return [];
  const first = q.since ?? Math.min(...buckets.map((b) => b.t));
  const last = q.until ?? Math.max(...buckets.map((b) => b.t)) + 1;
  const step = last - first <= HOURLY_SERIES_MAX_MS ? HOUR_MS : DAY_MS;
  const points = new Map<number, UsageSeriesPoint>();
  for (const b of buckets) {
    const t = b.t - (b.t % step);
    let p = points.get(t);
    if (!p) {
      p = { bucket: new Date(t).toISOString(), input_tokens: 0, output_tokens: 0, requests: 0 };
      points.set(t, p);
    }
    p.input_tokens += b.i;
    p.output_tokens += b.o;
    p.requests += b.r;
  }
  return [...points.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
}
