/**
 * The types every proxy route shares: what the app is built from (AppDeps) and what a request carries (ProxyState).
 * Route modules export `xxxRoutes(deps: AppDeps): ProxyRouter`.
 */
import type { BlockList } from 'node:net';
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import type { AdminApi } from '../../shared/admin-api';
import type { Settings } from '../../shared/types';
import type { Admitted, Limiter } from '../core/limits/limiter';
import type { Logger } from '../core/logger';
import type { ProviderHealthBoard } from '../providers/health';
import type { AuthenticatedKey, Store } from '../core/store/store';
import type { UpstreamClient } from '../upstream/client';
import type { AuthThrottle } from './auth-throttle';
import type { ConnectionLimits } from './connection-limits';
import type { ErrorFormat } from './errors';
import type { PublicHost } from './host-guard';
import type { ProxyMetrics } from './metrics';

/** What the Koa app is built from. Settings are read per request, so a change applies to the next one. */
export interface AppDeps {
  store: Store;
  /** The current effective settings. */
  settings(): Settings;
  /** The admin operations (the admin routes are a thin HTTP layer over them). */
  admin: AdminApi;
  /** The admin token requests must present (ADMIN_TOKEN, else the store's). */
  adminToken(): Promise<string>;
  upstream: UpstreamClient;
  /** Each provider's circuit breaker (failover skips providers it holds down). */
  health: ProviderHealthBoard;
  /** Per-key limits (requests per minute, concurrency, token budgets); one per app, shared by its routes. */
  limiter: Limiter;
  /** Refuses addresses that keep failing authentication (client keys and the admin token alike). */
  authThrottle: AuthThrottle;
  /** The reverse proxies whose `X-Forwarded-For` names the client (TRUSTED_PROXIES); none when absent. */
  trustedProxies?: BlockList | null;
  /** The names clients reach the proxy by behind a reverse proxy (PUBLIC_HOSTS): the admin surface answers them too. */
  publicHosts?: readonly PublicHost[];
  logger: Logger;
  /** The built renderer served at /admin (dist/renderer). */
  distDir: string;
  version: string;
  /** How long a request body may take (default: connection-limits.ts's defaults). */
  bodyTimeouts?: BodyTimeouts;
  /** Prometheus metrics (`GET /metrics`); absent = not served. */
  metrics?: ProxyMetrics;
  /** METRICS_TOKEN: a bearer token for `/metrics` besides the admin token. */
  metricsToken?: string;
}

/** The bounds on reading a request body (connection-limits.ts). */
export type BodyTimeouts = Pick<ConnectionLimits, 'bodyIdleMs' | 'bodyTotalMs'>;

/** Per-request state. */
export interface ProxyState {
  /** `req_…`, also sent as the `request-id` header. */
  requestId: string;
  /** When the request arrived (performance.now()). */
  startedAt: number;
  /** The client's key, once clientAuth has accepted it. */
  key?: AuthenticatedKey;
  /** The key's admission by its limits (key-limits.ts); the usage record settles it. */
  admission?: Admitted;
  /** The request body, once read (http-body.ts reads it once). */
  rawBody?: Promise<Buffer>;
  /** Which API's error shape failures get; set by routes, else chosen from the path. */
  errorFormat?: ErrorFormat;
  /** The bounds on reading this request's body (http-body.ts). */
  bodyTimeouts: BodyTimeouts;
}

/** The state of a request clientAuth accepted: its key is known. */
export interface AuthedState extends ProxyState {
  key: AuthenticatedKey;
}

/** A Koa context carrying ProxyState. */
export type ProxyContext = ParameterizedContext<ProxyState>;
/** The context of an authenticated API request (routes behind clientAuth). */
export type AuthedContext = ParameterizedContext<AuthedState>;
/** The router type every route module returns. */
export type ProxyRouter = Router<ProxyState>;
