/**
 * Prometheus metrics (prom-client), one registry per app so that several apps in one process (tests) do not mix:
 * HTTP requests by route and status with latency histograms (time to first byte, total), proxied exchanges by
 * endpoint, provider, model and status, tokens in and out, upstream errors and failovers, open streams, and the
 * store's flush lag. Served at `GET /metrics` (routes/ops.ts).
 */
import { performance } from 'node:perf_hooks';
import type { ParameterizedContext } from 'koa';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Store, UsageEvent } from '../core/store/store';
import { OTHER_MODELS } from '../core/store/usage-aggregates';
import type { ProxyState } from './context';

/**
 * Distinct `model` label values one process keeps at most: clients name models, and every value is a series held in
 * memory for good, so past this many the rest are counted under {@link OTHER_MODELS}.
 */
export const MAX_MODEL_LABELS = 100;

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class ProxyMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({ name: 'infiniproxy_http_requests_total', help: 'HTTP requests answered, by route and status', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  readonly #ttfb = new Histogram({ name: 'infiniproxy_http_ttfb_seconds', help: 'Time to the response headers (first byte)', labelNames: ['route'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly #total = new Histogram({ name: 'infiniproxy_http_duration_seconds', help: 'Time to the end of the response', labelNames: ['route'] as const, buckets: LATENCY_BUCKETS, registers: [this.registry] });
  readonly #exchanges = new Counter({ name: 'infiniproxy_exchanges_total', help: 'Proxied requests by endpoint, provider, model and status', labelNames: ['endpoint', 'provider', 'model', 'status'] as const, registers: [this.registry] });
  readonly #tokens = new Counter({ name: 'infiniproxy_tokens_total', help: 'Tokens in (prompt) and out (completion)', labelNames: ['direction', 'provider', 'model'] as const, registers: [this.registry] });
  readonly #upstreamErrors = new Counter({ name: 'infiniproxy_upstream_errors_total', help: 'Backend attempts that failed (failed-over ones included)', labelNames: ['provider'] as const, registers: [this.registry] });
  readonly #failovers = new Counter({ name: 'infiniproxy_failovers_total', help: 'Requests moved to another target after a failure', labelNames: ['from_provider'] as const, registers: [this.registry] });
  readonly #models = new Set<string>();
  readonly #openStreams = new Gauge({ name: 'infiniproxy_open_streams', help: 'Event-stream responses open now', registers: [this.registry] });

  constructor(store: Pick<Store, 'flushLagSeconds'>) {
    new Gauge({
      name: 'infiniproxy_store_flush_lag_seconds',
      help: 'How long the oldest usage not yet written to the store has waited',
      registers: [this.registry],
      collect() {
        this.set(store.flushLagSeconds?.() ?? 0);
      },
    });
  }

  /**
   * Starts timing a request (to its headers and to its end); call what it returns when the response closes (the
   * request context's own 'close' listener does, so no listener is added per request).
   */
  track(ctx: ParameterizedContext<ProxyState>): () => void {
    const start = performance.now();
    const res = ctx.res;
    let headersAt: number | null = null;
    let streaming = false;
    const openStreams = this.#openStreams;
    const writeHead = res.writeHead;
    res.writeHead = function (this: typeof res, ...args: Parameters<typeof writeHead>) {
      headersAt ??= performance.now();
      const out = writeHead.apply(this, args);
      if (!streaming && String(res.getHeader('content-type') ?? '').startsWith('text/event-stream')) {
        streaming = true;
        openStreams.inc();
      }
      return out;
    } as typeof writeHead;
    return () => {
      if (streaming) openStreams.dec();
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? (ctx.path.startsWith('/admin') ? '/admin/*' : 'unmatched');
      const end = performance.now();
      this.#requests.inc({ method: ctx.method, route, status: String(ctx.status) });
      this.#ttfb.observe({ route }, ((headersAt ?? end) - start) / 1000);
      this.#total.observe({ route }, (end - start) / 1000);
    };
  }

  /** Counts one proxied exchange as the routes record it. */
  observe(e: UsageEvent): void {
    const provider = e.provider ?? '';
    const model = this.#modelLabel(e.model);
    this.#exchanges.inc({ endpoint: e.endpoint, provider, model, status: String(e.status) });
    if (e.input_tokens) this.#tokens.inc({ direction: 'in', provider, model }, e.input_tokens);
    if (e.output_tokens) this.#tokens.inc({ direction: 'out', provider, model }, e.output_tokens);
    for (const a of e.attempts ?? []) {
      this.#upstreamErrors.inc({ provider: a.provider });
      this.#failovers.inc({ from_provider: a.provider });
    }
    if (e.status >= 500 && e.provider) this.#upstreamErrors.inc({ provider });
  }

  /** `model` as a label value: itself while fewer than {@link MAX_MODEL_LABELS} are known, else OTHER_MODELS. */
  #modelLabel(model: string): string {
    if (this.#models.has(model)) return model;
    if (this.#models.size >= MAX_MODEL_LABELS) return OTHER_MODELS;
    this.#models.add(model);
    return model;
  }
}

/** The store with every usage record also counted by `metrics` (the routes stay unaware of metrics). */
export function meteredStore(store: Store, metrics: ProxyMetrics): Store {
  const usage: Store['usage'] = {
    record: (e) => {
      metrics.observe(e);
      store.usage.record(e);
    },
    report: (q) => store.usage.report(q),
    tokensSince: (keyId, since) => store.usage.tokensSince(keyId, since),
  };
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'usage') return usage;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
