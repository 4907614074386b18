/**
 * Serves the built renderer (dist/renderer) as the web admin at `/admin`.
 * Only `/admin`, `/admin/` and `/admin/assets/*` are served here; every other `/admin/...` path is the
 * admin API's. Client-side routes are hash routes (`/admin/#/users`), so they never collide.
 */
import type { Middleware } from 'koa';

/** Returns the middleware serving the web admin from `distDir` (stub: replaced by the renderer work). */
export function webAdmin(distDir: string): Middleware {
  void distDir;
  return async (_ctx, next) => {
    await next();
  };
}
