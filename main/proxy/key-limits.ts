/**
 * Per-key limits on the API routes: placed right after `clientAuth`, it asks the app's limiter to admit the
 * request (requests per minute, concurrent requests, token budgets per UTC day and month) and refuses with 429
 * `rate_limit_error` and `retry-after` in the route's own error format. An admitted request holds its concurrency
 * slot until its response closes, whether it finished or the client went away, so no slot is ever leaked.
 *
 * A key with a token budget has its body read here (kept for the route: http-body.ts) to reserve an estimate of the
 * request's cost at admission (core/limits/limiter.ts); the usage record settles it (usage-record.ts).
 */
import type { Middleware } from 'koa';
import { hasTokenBudget } from '../core/limits/limiter';
import type { AppDeps, ProxyState } from './context';
import { AppError } from './errors';
import { readRawBody } from './http-body';

export interface KeyLimitsOptions {
  /** The request costs no tokens (count_tokens): nothing is reserved. */
  free?: boolean;
}

/** The middleware enforcing the authenticated key's limits. */
export function keyLimits(deps: Pick<AppDeps, 'limiter'>, opts: KeyLimitsOptions = {}): Middleware<ProxyState> {
  return async (ctx, next) => {
    const key = ctx.state.key;
    if (!key) throw new Error('keyLimits must come after clientAuth');
    let estimate = 0;
    if (!opts.free && hasTokenBudget(key.limits)) estimate = estimateCost(await readRawBody(ctx));
    const admission = await deps.limiter.admit(key, estimate);
    if (!admission.ok) {
      throw new AppError(429, 'rate_limit_exceeded', admission.reason, {
        type: 'rate_limit_error',
        headers: { 'retry-after': String(admission.retryAfterSeconds) },
      });
    }
    ctx.state.admission = admission;
    // 'close' follows the end of every response, finished or aborted; release() frees the slot once.
    ctx.res.once('close', admission.release);
    // A client that left while its key was being checked: 'close' may have gone already.
    if (ctx.req.socket.destroyed) admission.release();
    await next();
  };
}

/** The largest `max_tokens` believed (a bigger or missing one makes the output part unknown). */
const MAX_OUTPUT_ESTIMATE = 10_000_000;

/**
 * What a request may cost in tokens: its input by size (about 4 bytes a token: JSON of text is never denser in
 * practice, images are counted generously) plus its output allowance (`max_tokens` or `max_completion_tokens`,
 * the largest found). Infinity when the body names no output allowance (the request is then admitted only alone).
 */
export function estimateCost(raw: Buffer): number {
  const input = Math.ceil(raw.length / 4);
  const text = raw.toString('latin1');
  let output = -1;
  for (const m of text.matchAll(/"max_(?:completion_)?tokens"\s*:\s*(\d{1,12})/g)) output = Math.max(output, Number(m[1]));
  if (output < 0 || output > MAX_OUTPUT_ESTIMATE) return Infinity;
  return input + output;
}
