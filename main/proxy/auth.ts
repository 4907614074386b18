/**
 * Authentication middleware: client API keys on the API routes, the admin token on the admin routes.
 * Rejections say plainly that it is InfiniProxy's own key that was refused, not the backend's.
 */
import { safeEqual } from './validate/constant-time';
import type { Middleware } from 'koa';
import type { AppDeps, ProxyContext, ProxyState } from './context';
import { AppError } from './errors';

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
export function clientAuth(deps: Pick<AppDeps, 'store'>): Middleware<ProxyState> {
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
      throw new AppError(
        401,
        'invalid_api_key',
        'Invalid InfiniProxy API key: this proxy does not know the key or it was revoked. Use a key made by InfiniProxy ' +
          '(admin UI, or `npm run cli -- keys create`); this is the proxy\'s key, not the backend\'s.',
      );
    }
    ctx.state.key = key;
    await next();
  };
}

/** Accepts only requests carrying the admin token (`Authorization: Bearer <admin token>`), compared in constant time. */
export function adminAuth(deps: Pick<AppDeps, 'adminToken'>): Middleware<ProxyState> {
  return async (ctx, next) => {
    ctx.state.errorFormat = 'admin';
    const given = bearerOf(ctx);
    const expected = await deps.adminToken();
    if (!given || !safeEqual(given, expected)) {
      throw new AppError(
        401,
        'unauthorized',
        given
          ? 'Invalid admin token. Get it with `npm run cli -- admin-token` (or set ADMIN_TOKEN).'
          : 'Missing admin token: send `Authorization: Bearer <admin token>` (get it with `npm run cli -- admin-token`).',
      );
    }
    await next();
  };
}

