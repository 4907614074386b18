/**
 * The composition root: the proxy as one object, used by the CLI `serve` command and the Electron shell alike: it opens the store,
 * layers the settings, builds the admin service and starts or stops the HTTP server.
 *
 * While listening it writes `<dataDir>/server.json` `{pid, url, started_at}` (removed on stop) so the CLI can find
 * the running server. Start never throws for a bad setting or a busy port: the status carries the error.
 * Settings saved through the admin API apply to the next request; host and port apply on the next start.
 */
import { rmSync } from 'node:fs';
import type { BlockList } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdminApi } from '../../shared/admin-api';
import type { ServerStatus, Settings } from '../../shared/types';
import pkg from '../../package.json' with { type: 'json' };
import { AuthThrottle } from '../proxy/auth-throttle';
import type { AuthThrottleOptions } from '../proxy/auth-throttle';
import { connectionLimitsFrom } from '../proxy/connection-limits';
import { parsePublicHosts } from '../proxy/host-guard';
import type { PublicHost } from '../proxy/host-guard';
import type { ConnectionLimits } from '../proxy/connection-limits';
import { createApp, startServer } from '../proxy/server';
import { ProxyMetrics } from '../proxy/metrics';
import type { RunningServer } from '../proxy/server';
import { createUpstreamClient } from '../upstream/client';
import type { UpstreamClient } from '../upstream/client';
import { createAdminService } from '../core/admin-service';
import { probeBackend } from './backend-probe';
import { probeProvider } from './provider-probe';
import { secretRedactor } from '../../shared/redact';
import { configuredSecrets, isBackendConfigured, isLoopbackHost, LayeredSettings } from '../core/config';
import { loadProcessConfig } from '../core/env-file';
import { parseTrustedProxies } from '../proxy/client-address';
import { KeyLimiter } from '../core/limits/key-limiter';
import type { Limiter } from '../core/limits/limiter';
import { createLogger } from '../core/logger';
import type { Logger } from '../core/logger';
import { openStore } from '../core/store/lowdb-store';
import { openPgStore, PgStore } from '../core/store/pg/pg-store';
import { PgLimiter } from '../core/limits/pg-limiter';
import { writePrivateFileSync } from '../core/store/private-files';
import { ProviderHealthBoard } from '../providers/health';
import type { BreakerOptions } from '../providers/health';
import { effectiveProviders } from '../core/provider-config';
import { StoreError, type Store } from '../core/store/store';

/** The app's version (package.json). */
export const APP_VERSION: string = pkg.version;

/** ADMIN_TOKEN values shorter than this are warned about at start. */
export const MIN_ADMIN_TOKEN_LENGTH = 24;

/** The file a listening server writes in its data dir. */
export const SERVER_INFO_FILE = 'server.json';

export interface RuntimeOptions {
  /** The data dir (`--data-dir`); default: INFINIPROXY_DATA_DIR (environment, then .env), else `fallbackDataDir`. */
  dataDir?: string;
  /** The data dir when nothing names one (the desktop app's folder); default the per-user config dir. */
  fallbackDataDir?: string;
  /** Settings fixed by command-line flags (highest precedence). */
  flags?: Partial<Settings>;
  /** The environment (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Where `.env` is read from (default process.cwd()). */
  cwd?: string;
  /** The built web admin (default `<repo>/dist/renderer`, from this module's location). */
  distDir?: string;
  /** Where log lines go (default stderr). */
  log?: (line: string) => void;
  /** How failed authentications are throttled (default: 20 failures a minute block an address for a minute). */
  authThrottle?: AuthThrottleOptions;
  /** Bounds on connections and request bodies (default: connection-limits.ts; the per-address cap also from the environment). */
  connectionLimits?: Partial<ConnectionLimits>;
  /** The providers' circuit breaker (default: 3 failures in a row, 30 s cool-down). */
  breaker?: BreakerOptions;
  /** `--database-url`: PostgreSQL instead of the data dir's lowdb file (default: DATABASE_URL, environment then .env). */
  databaseUrl?: string;
}

export class ProxyRuntime {
  readonly dataDir: string;
  readonly store: Store;
  readonly admin: AdminApi;
  readonly logger: Logger;
  /** Per-key limits; its counts (requests this minute, in flight) outlive a stop and start. */
  readonly limiter: Limiter;
  /** Each provider's circuit breaker and health; outlives a stop and start. */
  readonly health: ProviderHealthBoard;
  /** Prometheus metrics (`GET /metrics`); outlive a stop and start. */
  readonly metrics: ProxyMetrics;
  readonly #metricsToken: string | undefined;
  readonly #openedAt = Date.now();
  readonly #authThrottle: AuthThrottle;
  readonly #settings: LayeredSettings;
  readonly #upstream: UpstreamClient;
  readonly #distDir: string;
  readonly #adminToken: string | undefined;
  readonly #connectionLimits: ConnectionLimits;
  readonly #trustedProxies: BlockList | null;
  readonly #publicHosts: PublicHost[];
  readonly #listeners = new Set<(s: ServerStatus) => void>();
  #server: RunningServer | null = null;
  #error: string | null = null;
  #transition: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(init: {
    dataDir: string;
    store: Store;
    settings: LayeredSettings;
    adminToken: string | undefined;
    trustedProxies: string;
    publicHosts: string;
    distDir: string;
    log?: (line: string) => void;
    authThrottle?: AuthThrottleOptions;
    connectionLimits: ConnectionLimits;
    breaker?: BreakerOptions;
    /** LOG_FORMAT=json: one JSON object a line. */
    logFormat?: 'text' | 'json';
    metricsToken?: string;
  }) {
    this.#connectionLimits = init.connectionLimits;
    this.dataDir = init.dataDir;
    this.store = init.store;
    this.#settings = init.settings;
    this.#adminToken = init.adminToken;
    const trusted = parseTrustedProxies(init.trustedProxies);
    const publicHosts = parsePublicHosts(init.publicHosts);
    this.#publicHosts = publicHosts.hosts;
    this.#trustedProxies = trusted.list;
    this.#distDir = init.distDir;
    this.logger = createLogger({
      debug: () => this.settings().debug,
      write: init.log,
      redact: secretRedactor(() => configuredSecrets(this.settings())),
      format: init.logFormat,
    });
    this.metrics = new ProxyMetrics(this.store);
    this.#metricsToken = init.metricsToken;
    this.#upstream = createUpstreamClient({ userAgent: `InfiniProxy/${APP_VERSION}` });
    this.limiter =
      this.store instanceof PgStore
        ? new PgLimiter(this.store, { warn: (m) => this.logger.warn(m) })
        : new KeyLimiter({ tokensSince: (keyId, since) => this.store.usage.tokensSince(keyId, since) });
    this.#authThrottle = new AuthThrottle(init.authThrottle);
    this.health = new ProviderHealthBoard(init.breaker);
    this.health.onChange(() => this.#emit());
    this.admin = createAdminService({
      store: this.store,
      settings: this.#settings,
      status: () => this.status(),
      probe: (settings) => probeBackend(settings, this.#upstream),
      probeProvider: (settings, provider) => probeProvider(settings, provider, this.#upstream),
      remaining: (key) => this.limiter.remaining(key),
    });
    this.#settings.onChange(() => {
      this.health.retain(new Set(effectiveProviders(this.settings()).map((p) => p.name)));
      this.#emit();
    });
    // Settings saved by another instance on the same database apply here too (within a second).
    this.store.onChange?.((topic) => {
      if (topic !== 'settings' || this.#closed) return;
      this.store.settings.get().then(
        (saved) => this.#settings.reload(saved),
        (err: unknown) => this.logger.warn(`could not reload the settings changed elsewhere: ${String(err)}`),
      );
    });
    for (const entry of trusted.invalid) this.logger.warn(`TRUSTED_PROXIES: "${entry}" is not an address or CIDR block; ignored`);
    for (const entry of publicHosts.invalid) this.logger.warn(`PUBLIC_HOSTS: "${entry}" is not a host name or name:port; ignored`);
  }

  /** Opens the store in the data dir and resolves the settings. */
  static async open(opts: RuntimeOptions = {}): Promise<ProxyRuntime> {
    const env = opts.env ?? process.env;
    const config = loadProcessConfig({ dataDirFlag: opts.dataDir, env, cwd: opts.cwd, fallbackDataDir: opts.fallbackDataDir });
    const { dataDir, dotenv } = config;
    const warnings: string[] = [];
    let runtimeRef: ProxyRuntime | null = null;
    const databaseUrl = opts.databaseUrl?.trim() || config.databaseUrl;
    const warn = (message: string): void => void warnings.push(message);
    const store = databaseUrl
      ? await openPgStore(databaseUrl, { secretKeyHex: config.secretKey, warn: (m) => (runtimeRef ? runtimeRef.logger.warn(m) : warn(m)) })
      : await openStore(dataDir, { warn });
    try {
      // The admin token exists from the start, so the CLI can reach a server that has had no admin request yet.
      if (!config.adminToken) await store.adminToken();
      const saved = await store.settings.get();
      const settings = new LayeredSettings({ flags: opts.flags, env, dotenv, saved }, (patch) => store.settings.update(patch));
      const runtime = new ProxyRuntime({
        dataDir,
        store,
        settings,
        adminToken: config.adminToken,
        trustedProxies: config.trustedProxies,
        publicHosts: config.publicHosts,
        distDir: opts.distDir ?? defaultDistDir(),
        log: opts.log,
        authThrottle: opts.authThrottle,
        connectionLimits: connectionLimitsFrom([env, dotenv], opts.connectionLimits),
        breaker: opts.breaker,
        logFormat: (env.LOG_FORMAT ?? dotenv.LOG_FORMAT)?.trim().toLowerCase() === 'json' ? 'json' : 'text',
        metricsToken: env.METRICS_TOKEN?.trim() || dotenv.METRICS_TOKEN?.trim() || undefined,
      });
      runtimeRef = runtime;
      for (const problem of settings.current().problems) runtime.logger.warn(`setting ignored: ${problem}`);
      for (const warning of warnings) runtime.logger.warn(warning);
      if (config.adminToken && config.adminToken.length < MIN_ADMIN_TOKEN_LENGTH) {
        // Valid credentials pass the failed-authentication throttle, so a short token is only as strong as its length.
        runtime.logger.warn(
          `ADMIN_TOKEN is ${config.adminToken.length} characters long: use at least ${MIN_ADMIN_TOKEN_LENGTH} random ` +
            'characters (e.g. `openssl rand -base64 32`), or unset it to use the generated token.',
        );
      }
      return runtime;
    } catch (err) {
      await store.close();
      throw err;
    }
  }

  /** The effective settings now (re-resolved after each admin change). */
  settings(): Settings {
    return this.#settings.current().settings;
  }

  /** Listens on the configured host and port. A busy port or bad host sets `status().error` instead of throwing. */
  start(): Promise<ServerStatus> {
    return this.#serial(async () => {
      if (this.#server) return this.status();
      if (this.#closed) throw new Error('This ProxyRuntime is closed.');
      const settings = this.settings();
      let tokenCache: string | undefined = this.#adminToken;
      const app = createApp({
        store: this.store,
        settings: () => this.settings(),
        admin: this.admin,
        adminToken: async () => (tokenCache ??= await this.store.adminToken()),
        upstream: this.#upstream,
        health: this.health,
        limiter: this.limiter,
        authThrottle: this.#authThrottle,
        trustedProxies: this.#trustedProxies,
        publicHosts: this.#publicHosts,
        logger: this.logger,
        distDir: this.#distDir,
        version: APP_VERSION,
        bodyTimeouts: this.#connectionLimits,
        metrics: this.metrics,
        metricsToken: this.#metricsToken,
      });
      try {
        this.#server = await startServer(app, { host: settings.host, port: settings.port, limits: this.#connectionLimits });
      } catch (err) {
        this.#error = listenError(err, settings);
        this.logger.error(`could not start: ${this.#error}`);
        return this.#emit();
      }
      this.#error = null;
      writePrivateFileSync(
        join(this.dataDir, SERVER_INFO_FILE),
        JSON.stringify({ pid: process.pid, url: this.#server.url, started_at: new Date().toISOString() }) + '\n',
      );
      if (!isLoopbackHost(settings.host)) {
        this.logger.warn(
          `listening on ${settings.host}, reachable from other machines: API keys and the admin token travel in clear ` +
            'text unless a TLS reverse proxy is put in front.',
        );
      }
      this.logger.info(`listening on ${this.#server.url}`);
      return this.#emit();
    });
  }

  /** Stops listening, ends open streams and writes pending usage. */
  stop(): Promise<ServerStatus> {
    return this.#serial(async () => {
      const server = this.#server;
      if (!server) return this.status();
      this.#server = null;
      await server.close();
      rmSync(join(this.dataDir, SERVER_INFO_FILE), { force: true });
      // A database that is away keeps the usage buffered (close() tries once more); stopping still succeeds.
      await this.store.flush().catch((err: unknown) => {
        if (!(err instanceof StoreError && err.code === 'unavailable')) throw err;
        this.logger.warn(`usage not written at stop: ${err.message}`);
      });
      this.logger.info('stopped');
      return this.#emit();
    });
  }

  status(): ServerStatus {
    const settings = this.settings();
    const server = this.#server;
    return {
      running: server !== null,
      url: server?.url ?? null,
      host: server?.host ?? settings.host,
      port: server?.port ?? settings.port,
      backend_configured: isBackendConfigured(settings),
      backend_url: settings.backend_url,
      default_model: settings.default_model,
      version: APP_VERSION,
      error: this.#error,
      providers: this.health.snapshot(effectiveProviders(settings), this.#openedAt),
    };
  }

  /** Calls `listener` on every status change (start, stop, settings saved); returns the unsubscribe function. */
  onStatus(listener: (s: ServerStatus) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops the server and closes the store (releasing the data dir). */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.stop();
    this.#closed = true;
    this.#upstream.close();
    await this.store.close();
  }

  #emit(): ServerStatus {
    const status = this.status();
    for (const listener of this.#listeners) {
      try {
        listener(status);
      } catch (err) {
        this.logger.error(`status listener failed: ${String(err)}`);
      }
    }
    return status;
  }

  /** Runs start/stop one at a time. */
  #serial(fn: () => Promise<ServerStatus>): Promise<ServerStatus> {
    const next = this.#transition.then(fn, fn);
    this.#transition = next.catch(() => undefined);
    return next;
  }
}

/** A listen failure as a sentence for the status. */
function listenError(err: unknown, settings: Settings): string {
  const code = (err as { code?: string }).code;
  const where = `${settings.host}:${settings.port}`;
  if (code === 'EADDRINUSE') return `Port ${settings.port} is already in use (${where}). Stop the other program or choose another port.`;
  if (code === 'EACCES') return `Not allowed to listen on ${where} (ports below 1024 need privileges).`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `Cannot listen on host "${settings.host}": no such address on this machine.`;
  }
  return `Cannot listen on ${where}: ${err instanceof Error ? err.message : String(err)}`;
}

/** `<repo>/dist/renderer`, found from this module's location (falls back to the working dir when bundled as CJS). */
function defaultDistDir(): string {
  const url = typeof import.meta.url === 'string' ? import.meta.url : '';
  if (url.startsWith('file:')) return resolve(dirname(fileURLToPath(url)), '..', '..', 'dist', 'renderer');
  return resolve(process.cwd(), 'dist', 'renderer');
}
