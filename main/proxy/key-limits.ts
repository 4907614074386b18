/**
 * Per-key limits on the API routes: placed right after `clientAuth`, it asks the app's KeyLimiter to admit the
 * request (requests per minute, concurrent requests, token budgets per UTC day and month) and refuses with 429
 * `rate_limit_error` and `retry-after` in the route's own error format. An admitted request holds its concurrency
 * slot until its response closes, whether it finished or the client went away, so no slot is ever leaked.
 */
import type { Middleware } from 'koa';
import type { AppDeps, ProxyState } from './context';
import { AppError } from './errors';

/** The middleware enforcing the authenticated key's limits. */
export function keyLimits(deps: Pick<AppDeps, 'limiter'>): Middleware<ProxyState> {
  return async (ctx, next) => {
    const key = ctx.state.key;
    if (!key) throw new Error('keyLimits must come after clientAuth');
    const admission = deps.limiter.admit(key);
    if (!admission.ok) {
      throw new AppError(429, 'rate_limit_exceeded', admission.reason, {
        type: 'rate_limit_error',
        headers: { 'retry-after': String(admission.retryAfterSeconds) },
      });
    }
    // 'close' follows the end of every response, finished or aborted; release() frees the slot once.
    ctx.res.once('close', admission.release);
    // A client that left while its key was being checked: 'close' may have gone already.
    if (ctx.req.socket.destroyed) admission.release();
    await next();
  };
}
