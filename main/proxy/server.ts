/**
 * The Koa app and its listener. Middleware order: request context (request-id header, one log line per request) →
 * error formatting → Host guard of the admin surface (host-guard.ts) → web admin static files → routes. Routes stay
 * thin; see routes/*. No CORS headers are sent: the web admin is same-origin, API clients are not browsers.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { Logger } from '../core/logger';
import { randomHex } from '../translate/ids';
import { closeIfBodyUnread, createLimitedServer, DEFAULT_CONNECTION_LIMITS, LINGER_MS } from './connection-limits';
import type { ConnectionLimits } from './connection-limits';
import type { AppDeps, BodyTimeouts, ProxyState } from './context';
import { errorMiddleware } from './errors';
import { hostGuard } from './host-guard';
import { adminRoutes } from './routes/admin';
import { chatRoutes } from './routes/chat';
import { infoRoutes } from './routes/info';
import { messagesRoutes } from './routes/messages';
import { modelsRoutes } from './routes/models';
import { meteredStore, type ProxyMetrics } from './metrics';
import { opsRoutes } from './routes/ops';
import { usageRoutes } from './routes/usage';
import { webAdmin } from './routes/web-admin';

/** A new request id: `req_` and 24 hex digits. */
export function newRequestId(): string {
  return `req_${randomHex(12)}`;
}

/** Sets the request id (state and `request-id` header) and logs one line when the response is done. */
function requestContext(logger: Logger, bodyTimeouts: BodyTimeouts, metrics?: ProxyMetrics): Middleware<ProxyState> {
  return async (ctx, next) => {
    const tracked = metrics?.track(ctx);
    ctx.state.requestId = newRequestId();
    ctx.state.startedAt = performance.now();
    ctx.state.bodyTimeouts = bodyTimeouts;
    ctx.set('request-id', ctx.state.requestId);
    ctx.res.once('close', () => {
      tracked?.();
      const ms = Math.round(performance.now() - ctx.state.startedAt);
      const aborted = ctx.res.writableFinished ? '' : ' (client closed)';
      const key = ctx.state.key ? ` key=${ctx.state.key.id}` : '';
      logger.info(`${ctx.method} ${ctx.path} ${ctx.status} ${ms}ms${key} ${ctx.state.requestId}${aborted}`, {
        request_id: ctx.state.requestId,
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        ms,
        key_id: ctx.state.key?.id ?? null,
        client_closed: aborted !== '',
      });
      logger.debug(() => `${ctx.state.requestId} user-agent=${JSON.stringify(ctx.get('user-agent'))} in=${ctx.get('content-length') || '-'}B`);
    });
    await next();
    // Answered before its body was read (401, 404, 413, 408…): the connection goes once the answer is written.
    closeIfBodyUnread(ctx.req, ctx.res, Math.min(LINGER_MS, bodyTimeouts.bodyIdleMs));
  };
}

/** Builds the proxy's Koa app. */
export function createApp(appDeps: AppDeps): Koa<ProxyState> {
  // With metrics, every usage record the routes make is also counted (metrics.ts).
  const deps = appDeps.metrics ? { ...appDeps, store: meteredStore(appDeps.store, appDeps.metrics) } : appDeps;
  const app = new Koa<ProxyState>();
  app.on('error', (err: Error & { code?: string }) => {
    // Errors after the headers went out (a stream cut short); the client already has its status.
    if (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') return;
    deps.logger.debug(() => `stream error: ${err.message}`);
  });
  app.use(requestContext(deps.logger, deps.bodyTimeouts ?? DEFAULT_CONNECTION_LIMITS, deps.metrics));
  app.use(errorMiddleware(deps.logger));
  app.use(hostGuard(deps));
  app.use(webAdmin(deps.distDir) as Middleware<ProxyState>);
  app.use(infoRoutes(deps).routes());
  app.use(opsRoutes(deps).routes());
  // The API routes' state is AuthedState: their own clientAuth sets the key before any handler runs.
  app.use(chatRoutes(deps).routes());
  app.use(messagesRoutes(deps).routes());
  app.use(modelsRoutes(deps).routes());
  app.use(usageRoutes(deps).routes());
  app.use(adminRoutes(deps).routes());
  return app;
}

/** A listening server. */
export interface RunningServer {
  server: Server;
  /** `http://host:port` as a client on this machine reaches it (wildcard hosts become 127.0.0.1). */
  url: string;
  host: string;
  port: number;
  /** Stops listening and ends open connections (streams included). */
  close(): Promise<void>;
}

/**
 * Listens on host:port (port 0: any free port), with the connection limits (connection-limits.ts; defaults when not
 * given). Rejects with the listen error (EADDRINUSE…).
 */
export function startServer(
  app: Koa<ProxyState>,
  opts: { host: string; port: number; limits?: ConnectionLimits },
): Promise<RunningServer> {
  const server = createLimitedServer(app.callback(), opts.limits ?? DEFAULT_CONNECTION_LIMITS);
  server.keepAliveTimeout = 65_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const port = (server.address() as AddressInfo).port;
      const url = `http://${clientHost(opts.host)}:${port}`;
      let closing: Promise<void> | null = null;
      resolve({
        server,
        url,
        host: opts.host,
        port,
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          })),
      });
    });
  });
}

/** The host a local client uses to reach a listener bound to `host`. */
function clientHost(host: string): string {
  const h = host.replace(/^\[|\]$/g, '');
  if (h === '0.0.0.0' || h === '' ) return '127.0.0.1';
  if (h === '::') return '[::1]';
  return h.includes(':') ? `[${h}]` : h;
}
