/**
 * Records one proxied request in the key's usage and the request log, once, when the exchange ends: the fields
 * every API route fills the same way (key, user, time, latency from the request's start), plus what the route
 * learned. A route runs its backend call and answer through {@link recordExchange} and never records itself.
 */
import { performance } from 'node:perf_hooks';
import { redactSecrets } from '../../shared/redact';
import type { RequestAttempt } from '../../shared/types';
import { configuredSecrets } from '../core/config';
import type { UsageEvent } from '../core/store/store';
import type { AppDeps, AuthedContext } from './context';
import { toAppError } from './errors';
import { sessionIdOf } from './session-id';

/** What a route knows about a request before it is sent. */
export interface ExchangeInfo {
  endpoint: UsageEvent['endpoint'];
  /** The model the client asked for. */
  model: string;
  /** The backend model sent (recorded only when it differs). */
  backendModel: string;
  stream: boolean;
  /** The provider that answered (or the last tried); set once the request was sent (provider-dispatch.ts). */
  provider?: string | null;
  /** Targets that failed before the one that answered. */
  attempts?: RequestAttempt[];
}

/** How an exchange ended. */
export interface ExchangeOutcome {
  status: number;
  /** Prompt tokens (cached included), output tokens, the cached part; null when the backend answered nothing. */
  tokens: { input: number; output: number; cacheRead: number } | null;
  /** The counts are local estimates (the backend reported none). */
  estimated: boolean;
  error: string | null;
}

/** The longest error message recorded. */
const MAX_ERROR_CHARS = 500;

/**
 * Runs an exchange (the backend call and the answer, to its last byte) and records it when it ends: with the
 * outcome `run` resolves to, or, when it throws a client's error (AppError, a backend failure), with that error's
 * status and message; the error is rethrown for the error middleware to answer.
 */
export async function recordExchange(
  deps: Pick<AppDeps, 'store' | 'settings'>,
  ctx: AuthedContext,
  info: ExchangeInfo,
  run: () => Promise<ExchangeOutcome>,
): Promise<void> {
  let outcome: ExchangeOutcome;
  try {
    outcome = await run();
  } catch (err) {
    const { error, unexpected } = toAppError(err);
    if (!unexpected) record(deps, ctx, info, { status: error.status, tokens: null, estimated: false, error: error.message.slice(0, MAX_ERROR_CHARS) });
    throw err;
  }
  record(deps, ctx, info, outcome);
}

function record(deps: Pick<AppDeps, 'store' | 'settings'>, ctx: AuthedContext, info: ExchangeInfo, r: ExchangeOutcome): void {
  const key = ctx.state.key;
  deps.store.usage.record({
    time: new Date(),
    key_id: key.id,
    user_id: key.user_id,
    endpoint: info.endpoint,
    model: info.model || 'unknown',
    backend_model: info.backendModel !== info.model ? info.backendModel : null,
    provider: info.provider ?? null,
    ...(info.attempts && info.attempts.length > 0 ? { attempts: info.attempts } : {}),
    status: r.status,
    latency_ms: Math.round(performance.now() - ctx.state.startedAt),
    stream: info.stream,
    input_tokens: r.tokens?.input ?? 0,
    output_tokens: r.tokens?.output ?? 0,
    cache_read_input_tokens: r.tokens?.cacheRead ?? 0,
    usage_estimated: r.estimated,
    error: r.error === null ? null : redactSecrets(r.error, configuredSecrets(deps.settings())),
    session_id: sessionIdOf(ctx),
  });
  // After the record, so the store counts the tokens before the reservation that covered them goes.
  ctx.state.admission?.settle((r.tokens?.input ?? 0) + (r.tokens?.output ?? 0));
}
