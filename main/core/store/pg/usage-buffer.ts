/**
 * What an instance owes the database, kept in memory between flushes: usage aggregates, request-log entries, keys'
 * last use, and leases to settle or release (the limiter's). A request costs no round trip; `flush()` writes one
 * batch in one transaction, tagged with a batch id so that a batch whose commit was lost is not counted twice when
 * retried. While the database is down the buffer keeps growing up to its bounds (request-log entries beyond
 * `maxRequests` are dropped oldest first, new aggregate rows beyond `maxAggregates` are dropped and counted), and
 * the next flush after it returns writes it all.
 */
import { randomUUID } from 'node:crypto';
import type { RequestLogEntry } from '../../../../shared/types';
import type { UsageEvent } from '../store';
import { requestLogEntryOf, storedEvent } from '../stored-event';
import { HOUR_MS, ModelsSeen } from '../usage-aggregates';
import { inTransaction, type Pool, type PoolClient } from './pool';

/** One aggregate row awaiting its write. */
interface PendingAggregate {
  key_id: number;
  model: string;
  endpoint: string;
  provider: string;
  bucket: number;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
}

type PendingRequest = Omit<RequestLogEntry, 'id'>;

interface Batch {
  id: string;
  aggregates: Map<string, PendingAggregate>;
  requests: PendingRequest[];
  lastUsed: Map<number, number>;
  settled: number[];
  released: number[];
  /** When the oldest entry in it was added (ms), for the flush lag. */
  since: number | null;
}

const emptyBatch = (): Batch => ({
  id: randomUUID(),
  aggregates: new Map(),
  requests: [],
  lastUsed: new Map(),
  settled: [],
  released: [],
  since: null,
});

export interface UsageBufferOptions {
  /** Request-log entries held at most while the database is unreachable (default 50,000). */
  maxRequests?: number;
  /** Aggregate rows held at most (default 50,000). */
  maxAggregates?: number;
}

export class UsageBuffer {
  readonly #maxRequests: number;
  readonly #maxAggregates: number;
  readonly #models = new ModelsSeen();
  #open: Batch = emptyBatch();
  /** A batch taken for writing and not yet written (retried, with the same id, before the next one). */
  #sealed: Batch | null = null;
  #dropped = 0;

  constructor(opts: UsageBufferOptions = {}) {
    this.#maxRequests = opts.maxRequests ?? 50_000;
    this.#maxAggregates = opts.maxAggregates ?? 50_000;
  }

  /** Entries dropped because the buffer was full (the database was unreachable too long). */
  get dropped(): number {
    return this.#dropped;
  }

  /** How long the oldest unwritten entry has waited (ms); 0 when everything is written. */
  lagMs(now = Date.now()): number {
    const since = this.#sealed?.since ?? this.#open.since;
    return since === null ? 0 : now - since;
  }

  /** Whether anything awaits a write. */
  get pending(): boolean {
    return this.#sealed !== null || !isEmpty(this.#open);
  }

  add(event: UsageEvent): void {
    const e = storedEvent(event);
    const b = this.#touch();
    const t = e.time.getTime();
    const bucket = t - (t % HOUR_MS);
    const provider = e.provider ?? '';
    // At most MAX_MODELS_PER_KEY_BUCKET models per key and hour from this instance (the rest under one bucket).
    this.#models.forgetBefore(bucket - HOUR_MS);
    const model = this.#models.admit(e.key_id, bucket, e.model);
    const id = `${e.key_id}\u0000${model}\u0000${e.endpoint}\u0000${provider}\u0000${bucket}`;
    let a = b.aggregates.get(id);
    if (!a) {
      if (b.aggregates.size >= this.#maxAggregates) {
        this.#dropped++;
        return;
      }
      a = { key_id: e.key_id, model, endpoint: e.endpoint, provider, bucket, requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 };
      b.aggregates.set(id, a);
    }
    a.requests += 1;
    if (e.status >= 400) a.errors += 1;
    a.input_tokens += e.input_tokens;
    a.output_tokens += e.output_tokens;
    a.cache_read_input_tokens += e.cache_read_input_tokens;
    b.requests.push(requestLogEntryOf(e));
    if (b.requests.length > this.#maxRequests) {
      b.requests.shift();
      this.#dropped++;
    }
  }

  /** Input + output tokens of `keyId` not yet written, from `since` on (hour precision, as the aggregates). */
  pendingTokens(keyId: number, since: number): number {
    let n = 0;
    const floor = since - (since % HOUR_MS);
    for (const b of [this.#sealed, this.#open]) {
      for (const a of b?.aggregates.values() ?? []) if (a.key_id === keyId && a.bucket >= floor) n += a.input_tokens + a.output_tokens;
    }
    return n;
  }

  used(keyId: number, at: number): void {
    const b = this.#touch();
    b.lastUsed.set(keyId, Math.max(at, b.lastUsed.get(keyId) ?? 0));
  }

  /** A lease to delete with the batch that holds its request's usage (its reservation ends there). */
  settle(leaseId: number): void {
    this.#touch().settled.push(leaseId);
  }

  /** A lease whose concurrency slot must be freed (when freeing it at once failed). */
  release(leaseId: number): void {
    this.#touch().released.push(leaseId);
  }

  /** Writes what is pending (the sealed batch first, then the open one), each in one transaction. */
  async flush(pool: Pool, instanceId: string): Promise<void> {
    if (!this.#sealed && !isEmpty(this.#open)) {
      this.#sealed = this.#open;
      this.#open = emptyBatch();
    }
    const batch = this.#sealed;
    if (!batch) return;
    await inTransaction(pool, (client) => writeBatch(client, batch, instanceId));
    this.#sealed = null;
  }

  #touch(): Batch {
    this.#open.since ??= Date.now();
    return this.#open;
  }
}

function isEmpty(b: Batch): boolean {
  return b.aggregates.size === 0 && b.requests.length === 0 && b.lastUsed.size === 0 && b.settled.length === 0 && b.released.length === 0;
}

async function writeBatch(client: PoolClient, b: Batch, instanceId: string): Promise<void> {
  const fresh = await client.query('INSERT INTO ip_flushes (id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id', [b.id]);
  if (fresh.rowCount === 0) return; // written before; its commit's answer was lost
  // Rows in primary-key order, so concurrent flushes of several instances lock them in one order (no deadlock).
  const rows = [...b.aggregates.values()].sort(
    (x, y) => x.key_id - y.key_id || x.bucket - y.bucket || cmp(x.model, y.model) || cmp(x.endpoint, y.endpoint) || cmp(x.provider, y.provider),
  );
  if (rows.length > 0) {
    await client.query(
      `INSERT INTO ip_usage AS u (key_id, model, endpoint, provider, bucket, requests, errors, input_tokens, output_tokens, cache_read_input_tokens)
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[])
       ON CONFLICT (key_id, bucket, model, endpoint, provider) DO UPDATE SET
         requests = u.requests + excluded.requests, errors = u.errors + excluded.errors,
         input_tokens = u.input_tokens + excluded.input_tokens, output_tokens = u.output_tokens + excluded.output_tokens,
         cache_read_input_tokens = u.cache_read_input_tokens + excluded.cache_read_input_tokens`,
      [
        rows.map((r) => r.key_id),
        rows.map((r) => r.model),
        rows.map((r) => r.endpoint),
        rows.map((r) => r.provider),
        rows.map((r) => new Date(r.bucket).toISOString()),
        rows.map((r) => r.requests),
        rows.map((r) => r.errors),
        rows.map((r) => r.input_tokens),
        rows.map((r) => r.output_tokens),
        rows.map((r) => r.cache_read_input_tokens),
      ],
    );
  }
  if (b.requests.length > 0) {
    await client.query(
      `INSERT INTO ip_requests (time, key_id, user_id, endpoint, model, backend_model, provider, attempts, session_id, status,
         latency_ms, stream, input_tokens, output_tokens, usage_estimated, error)
       SELECT time, key_id, user_id, endpoint, model, backend_model, provider, coalesce(attempts, '[]'), session_id, status,
         latency_ms, stream, input_tokens, output_tokens, usage_estimated, error
       FROM jsonb_to_recordset($1::jsonb) AS x(time timestamptz, key_id int, user_id int, endpoint text, model text, backend_model text,
         provider text, attempts jsonb, session_id text, status int, latency_ms int, stream boolean, input_tokens bigint,
         output_tokens bigint, usage_estimated boolean, error text)`,
      [JSON.stringify(b.requests)],
    );
  }
  if (b.lastUsed.size > 0) {
    const used = [...b.lastUsed.entries()].sort((x, y) => x[0] - y[0]);
    await client.query(
      `UPDATE ip_keys k SET last_used_at = greatest(coalesce(k.last_used_at, x.t), x.t)
       FROM unnest($1::int[], $2::timestamptz[]) AS x(id, t) WHERE k.id = x.id`,
      [used.map(([id]) => id), used.map(([, t]) => new Date(t).toISOString())],
    );
  }
  if (b.released.length > 0) await client.query('UPDATE ip_leases SET active = false WHERE id = ANY($1::bigint[])', [b.released]);
  if (b.settled.length > 0) await client.query('DELETE FROM ip_leases WHERE id = ANY($1::bigint[])', [b.settled]);
  await client.query(
    'INSERT INTO ip_instances (id, seen_at) VALUES ($1, clock_timestamp()) ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at',
    [instanceId],
  );
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
