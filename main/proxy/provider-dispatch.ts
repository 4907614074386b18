/**
 * The provider call of the API routes: the route plan for a request (main/providers/routing.ts) as the client's
 * error when nothing can take it, and the request sent to the plan's targets in turn (main/providers/failover.ts,
 * each provider's breaker in `deps.health`) until one answers, before any byte reaches the client.
 *
 * The provider that answered is named in the `x-infiniproxy-provider` response header and, with the backend model
 * and the failed attempts, in the exchange's record (usage-record.ts). Same-provider retries (RETRIES) are spent only
 * on the last target: earlier ones hand over to the next target at once.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { redactSecrets } from '../../shared/redact';
import type { Settings } from '../../shared/types';
import { configuredSecrets } from '../core/config';
import { backendTarget } from '../providers/backend-target';
import { sendWithFailover } from '../providers/failover';
import type { FailoverOutcome } from '../providers/failover';
import { planRoute } from '../providers/routing';
import type { RoutingRequest, Target } from '../providers/routing';
import { overflowMessage } from '../translate/context-overflow';
import type { BackendTarget, UpstreamResponse } from '../upstream/client';
import type { AppDeps, AuthedContext } from './context';
import { AppError } from './errors';
import type { ExchangeInfo } from './usage-record';

/** The response header naming the provider that served a request. */
export const PROVIDER_HEADER = 'x-infiniproxy-provider';

/**
 * The targets for a request, in order. Throws the client's error when there is none: 503 `backend_not_configured`
 * saying what to configure, or (every known context window too small) Anthropic's `prompt is too long` 400, which
 * Claude Code answers by compacting.
 */
export function routeTargets(settings: Settings, req: RoutingRequest): Target[] {
  const plan = planRoute(settings, req);
  if (plan.ok) return plan.targets;
  if (plan.reason === 'unroutable') {
    // Anthropic's type for a 503 would be overloaded_error, which clients retry: this one needs configuring.
    throw new AppError(503, 'backend_not_configured', plan.message, req.api === 'messages' ? { type: 'api_error' } : {});
  }
  const message = overflowMessage({ limit: plan.contextWindow, input: plan.inputTokens }, { maxTokens: req.maxTokens }, '');
  throw new AppError(400, 'context_length_exceeded', message, { type: 'invalid_request_error' });
}

/** Sends to one target with the upstream target (URL, key, headers, retries) made for it. */
export type TargetSend = (target: Target, upstream: BackendTarget) => Promise<UpstreamResponse>;

/**
 * Sends to `targets` with failover; records the provider, backend model and attempts in `info` and names the
 * provider in the response header. Throws an `aborted` UpstreamError when the client went away.
 */
export async function sendToProviders(
  deps: Pick<AppDeps, 'settings' | 'health'>,
  ctx: AuthedContext,
  info: ExchangeInfo,
  targets: readonly Target[],
  send: TargetSend,
): Promise<FailoverOutcome> {
  const settings = deps.settings();
  const secrets = configuredSecrets(settings);
  const outcome = await sendWithFailover(
    targets,
    (target, last) => send(target, backendTarget(target.provider, settings, last ? settings.retries : 0)),
    { health: deps.health, redact: (text) => redactSecrets(text, secrets) },
  );
  info.provider = outcome.target.provider.name;
  info.backendModel = outcome.target.model;
  info.attempts = outcome.attempts;
  ctx.set(PROVIDER_HEADER, outcome.target.provider.name);
  return outcome;
}

/** An error answer failover already read (to decide), as a response whose body is that text again. */
export function asUpstreamResponse(error: { status: number; headers: IncomingHttpHeaders; text: string }): UpstreamResponse {
  return { status: error.status, headers: error.headers, body: Readable.from([Buffer.from(error.text)]) };
}
