/**
 * Operations endpoints for a team gateway behind a load balancer: `GET /ready` (the store can serve: database
 * reachable and schema current; the lowdb store is always ready) and `GET /metrics` (Prometheus text, with the
 * admin token or METRICS_TOKEN as a bearer token). `GET /health` (liveness) is in info.ts.
 */
import Router from '@koa/router';
import { safeEqual } from '../validate/constant-time';
import type { AppDeps, ProxyRouter, ProxyState } from '../context';
import { bearerOf } from '../auth';
import { AppError } from '../errors';

export function opsRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  router.get('/ready', async (ctx) => {
    const health = (await deps.store.health?.()) ?? { ready: true, detail: 'embedded store' };
    ctx.status = health.ready ? 200 : 503;
    ctx.body = { status: health.ready ? 'ready' : 'unavailable', detail: health.detail };
  });
  router.get('/metrics', async (ctx) => {
    ctx.state.errorFormat = 'admin';
    const metrics = deps.metrics;
    if (!metrics) throw new AppError(404, 'not_found', 'Metrics are not enabled.');
    const given = bearerOf(ctx);
    const allowed = [deps.metricsToken, await deps.adminToken()].filter((t): t is string => !!t);
    if (!given || !allowed.some((t) => safeEqual(given, t))) {
      throw new AppError(401, 'unauthorized', 'Metrics need `Authorization: Bearer <admin token or METRICS_TOKEN>`.');
    }
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  return router;
}
