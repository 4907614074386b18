/**
 * Records one proxied request in the key's usage and the request log: the fields every API route fills the same
 * way (key, user, time, latency from the request's start), plus what the route learned.
 */
import { performance } from 'node:perf_hooks';
import { redactSecrets } from '../../shared/redact';
import { configuredSecrets } from '../core/config';
import type { UsageEvent } from '../core/store/store';
import type { AppDeps, ProxyContext } from './context';

/** What a route knows about a finished (or failed) request. */
export interface ExchangeRecord {
  endpoint: UsageEvent['endpoint'];
  /** The model the client asked for. */
  model: string;
  /** The backend model sent (recorded only when it differs). */
  backendModel: string;
  stream: boolean;
  status: number;
  /** Prompt tokens (cached included), output tokens, the cached part; null when the backend answered nothing. */
  tokens: { input: number; output: number; cacheRead: number } | null;
  /** The counts are local estimates (the backend reported none). */
  estimated: boolean;
  error: string | null;
}

/** Records the request for the authenticated key (nothing when there is none); backend keys are masked in `error`. */
export function recordExchange(deps: Pick<AppDeps, 'store' | 'settings'>, ctx: ProxyContext, r: ExchangeRecord): void {
  const key = ctx.state.key;
  if (!key) return;
  deps.store.usage.record({
    time: new Date(),
    key_id: key.id,
    user_id: key.user_id,
    endpoint: r.endpoint,
    model: r.model || 'unknown',
    backend_model: r.backendModel !== r.model ? r.backendModel : null,
    status: r.status,
    latency_ms: Math.round(performance.now() - ctx.state.startedAt),
    stream: r.stream,
    input_tokens: r.tokens?.input ?? 0,
    output_tokens: r.tokens?.output ?? 0,
    cache_read_input_tokens: r.tokens?.cacheRead ?? 0,
    usage_estimated: r.estimated,
    error: r.error === null ? null : redactSecrets(r.error, configuredSecrets(deps.settings())),
  });
  // After the record, so the store counts the tokens before the reservation that covered them goes.
  ctx.state.admission?.settle((r.tokens?.input ?? 0) + (r.tokens?.output ?? 0));
}
