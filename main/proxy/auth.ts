/**
 * Authentication middleware: client API keys on the API routes, the admin token on the admin routes.
 * Rejections say plainly that it is InfiniProxy's own key that was refused, not the backend's.
 *
 * Both consult the app's AuthThrottle, for failures only: valid credentials are always accepted (every local client,
 * or every client behind one reverse proxy, shares an address, so a guesser must not lock the others out). An
 * address that keeps presenting wrong keys or tokens gets 429 with `retry-after` instead of 401 for its wrong
 * credentials, and the block is logged once (the address, never what it sent). A request with no credentials at all
 * is not a guess and is not counted. The address is the peer's, or the client's behind a TRUSTED_PROXIES proxy
 * (client-address.ts).
 */
import { safeEqual } from './validate/constant-time';
import type { Middleware } from 'koa';
import type { AppDeps, ProxyContext, ProxyState } from './context';
import { clientAddress } from './client-address';
import { AppError } from './errors';

/** What the authentication middleware needs from the app. */
type AuthDeps = Pick<AppDeps, 'authThrottle' | 'logger' | 'trustedProxies'>;

/** The address failures are counted for: the peer, or the client behind a trusted reverse proxy. */
export function throttleAddress(deps: Pick<AppDeps, 'trustedProxies'>, ctx: ProxyContext): string {
  return clientAddress(ctx.req.socket.remoteAddress ?? '', ctx.get('x-forwarded-for') || undefined, deps.trustedProxies ?? null);
}

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
      refuseFailure(deps, ctx, 'API key');
      throw new AppError(
        401,
        'invalid_api_key',
        'Invalid InfiniProxy API key: this proxy does not know the key or it was revoked. Use a key made by InfiniProxy ' +
          '(admin UI, or `npm run cli -- keys create`); this is the proxy\'s key, not the backend\'s.',
      );
    }
    deps.authThrottle.succeed(throttleAddress(deps, ctx));
    ctx.state.key = key;
    await next();
  };
}

/** Accepts only requests carrying the admin token (`Authorization: Bearer <admin token>`), compared in constant time. */
export function adminAuth(deps: Pick<AppDeps, 'adminToken'> & AuthDeps): Middleware<ProxyState> {
  return async (ctx, next) => {
    ctx.state.errorFormat = 'admin';
    const given = bearerOf(ctx);
    const expected = await deps.adminToken();
    if (!given || !safeEqual(given, expected)) {
      if (given) refuseFailure(deps, ctx, 'admin token');
      throw new AppError(
        401,
        'unauthorized',
        given
          ? 'Invalid admin token. Get it with `npm run cli -- admin-token` (or set ADMIN_TOKEN).'
          : 'Missing admin token: send `Authorization: Bearer <admin token>` (get it with `npm run cli -- admin-token`).',
      );
    }
    deps.authThrottle.succeed(throttleAddress(deps, ctx));
    await next();
  };
}

/**
 * A wrong credential: 429 with `retry-after` when its address is blocked for failing too often, else the failure is
 * counted (one log line when that blocks the address) and the caller answers 401.
 */
function refuseFailure(deps: AuthDeps, ctx: ProxyContext, what: 'API key' | 'admin token'): void {
  const address = throttleAddress(deps, ctx);
  const check = deps.authThrottle.check(address);
  if (check.blocked) {
    throw new AppError(
      429,
      'too_many_failed_authentications',
      `Too many failed authentication attempts from this address; retry in ${check.retryAfterSeconds} s.`,
      { type: 'rate_limit_error', headers: { 'retry-after': String(check.retryAfterSeconds) } },
    );
  }
  if (!deps.authThrottle.fail(address)) return;
  const blocked = deps.authThrottle.check(address);
  const seconds = blocked.blocked ? blocked.retryAfterSeconds : 0;
  deps.logger.warn(
    `auth: too many failed authentications from ${address || 'an unknown address'} (last: a wrong ${what}); ` +
      `its wrong credentials are refused for ${seconds} s ${ctx.state.requestId}`,
  );
}
