/**
 * Authentication middleware: client API keys on the API routes, the admin token on the admin routes.
 * Rejections say plainly that it is InfiniProxy's own key that was refused, not the backend's.
 *
 * Both consult the app's AuthThrottle: an address that keeps presenting wrong keys or tokens is refused with 429 and
 * `retry-after` before its credentials are even looked at, and the block is logged once (the address, never what it
 * sent). A request with no credentials at all is not a guess and is not counted.
 */
import { safeEqual } from './validate/constant-time';
import type { Middleware } from 'koa';
import type { AppDeps, ProxyContext, ProxyState } from './context';
import { AppError } from './errors';

/** What the authentication middleware needs from the app. */
type AuthDeps = Pick<AppDeps, 'authThrottle' | 'logger'>;

/** The key a client sent: `x-api-key: KEY` or `Authorization: Bearer KEY`. */
export function clientKeyOf(ctx: ProxyContext): string | undefined {
  const header = ctx.get('x-api-key').trim();
  if (header) return header;
  return bearerOf(ctx);
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerOf(ctx: ProxyContext): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(ctx.get('authorization').trim());
  return m?.[1]?.trim() || undefined;
}

/** Accepts only requests with an active InfiniProxy API key; sets `ctx.state.key`. */
export function clientAuth(deps: Pick<AppDeps, 'store'> & AuthDeps): Middleware<ProxyState> {
  return async (ctx, next) => {
    refuseIfThrottled(deps, ctx);
    const secret = clientKeyOf(ctx);
    if (!secret) {
      throw new AppError(
        401,
        'missing_api_key',
        'Missing InfiniProxy API key: send the key InfiniProxy gave you as `x-api-key: <key>` or `Authorization: Bearer <key>`.',
      );
    }
    const key = await deps.store.keys.authenticate(secret);
    if (!key) {
      countFailure(deps, ctx, 'API key');
      throw new AppError(
        401,
        'invalid_api_key',
        'Invalid InfiniProxy API key: this proxy does not know the key or it was revoked. Use a key made by InfiniProxy ' +
          '(admin UI, or `npm run cli -- keys create`); this is the proxy\'s key, not the backend\'s.',
      );
    }
    deps.authThrottle.succeed(ctx.ip);
    ctx.state.key = key;
    await next();
  };
}

/** Accepts only requests carrying the admin token (`Authorization: Bearer <admin token>`), compared in constant time. */
export function adminAuth(deps: Pick<AppDeps, 'adminToken'> & AuthDeps): Middleware<ProxyState> {
  return async (ctx, next) => {
    ctx.state.errorFormat = 'admin';
    refuseIfThrottled(deps, ctx);
    const given = bearerOf(ctx);
    const expected = await deps.adminToken();
    if (!given || !safeEqual(given, expected)) {
      if (given) countFailure(deps, ctx, 'admin token');
      throw new AppError(
        401,
        'unauthorized',
        given
          ? 'Invalid admin token. Get it with `npm run cli -- admin-token` (or set ADMIN_TOKEN).'
          : 'Missing admin token: send `Authorization: Bearer <admin token>` (get it with `npm run cli -- admin-token`).',
      );
    }
    deps.authThrottle.succeed(ctx.ip);
    await next();
  };
}

/** 429 with `retry-after` when the request's address is blocked for failing authentication too often. */
function refuseIfThrottled(deps: AuthDeps, ctx: ProxyContext): void {
  const check = deps.authThrottle.check(ctx.ip);
  if (!check.blocked) return;
  throw new AppError(
    429,
    'too_many_failed_authentications',
    `Too many failed authentication attempts from this address; retry in ${check.retryAfterSeconds} s.`,
    { type: 'rate_limit_error', headers: { 'retry-after': String(check.retryAfterSeconds) } },
  );
}

/** Counts a wrong credential from the request's address; logs one line when that blocks the address. */
function countFailure(deps: AuthDeps, ctx: ProxyContext, what: 'API key' | 'admin token'): void {
  if (!deps.authThrottle.fail(ctx.ip)) return;
  const check = deps.authThrottle.check(ctx.ip);
  const seconds = check.blocked ? check.retryAfterSeconds : 0;
  deps.logger.warn(
    `auth: too many failed authentications from ${ctx.ip || 'an unknown address'} (last: a wrong ${what}); ` +
      `refused for ${seconds} s ${ctx.state.requestId}`,
  );
}
