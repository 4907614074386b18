/**
 * The DNS-rebinding guard of the admin surface. A web page on another site can point its own host name at
 * 127.0.0.1 and then talk to the proxy as if same-origin; its requests still carry that name in `Host`. So the web
 * admin, the admin API and the usage routes answer only when `Host` names this proxy: `localhost`, `127.0.0.1` or
 * `[::1]`, the address the connection arrived on, or the configured host; and the port the connection arrived on.
 * Behind a reverse proxy, the names clients reach it by are listed in PUBLIC_HOSTS (`gateway.example.com`, or
 * `localhost:8080` for one port only), and the reverse proxy passes the client's `Host` on. Anything else gets 403 in
 * the admin format. The API routes (/v1/*) are not guarded: they need a key a page cannot
 * have, and clients behind a reverse proxy may use any name.
 */
import type { Middleware } from 'koa';
import type { AppDeps, ProxyState } from './context';
import { AppError } from './errors';

/** Where a connection arrived and what the proxy was told to bind. */
export interface BoundAddress {
  /** The port the connection arrived on. */
  port: number;
  /** The local address the connection arrived on (`127.0.0.1`, `::1`, `::ffff:10.0.0.5`…). */
  localAddress: string;
  /** The HOST setting (an address or a name); wildcards (`0.0.0.0`, `::`) name nothing. */
  configuredHost: string;
}

/** A name clients reach the proxy by (PUBLIC_HOSTS); without a port, on any port. */
export interface PublicHost {
  name: string;
  port?: number;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];
const WILDCARDS = new Set(['', '0.0.0.0', '::']);

/**
 * True for the paths the guard protects: the web admin and admin API (`/admin…`) and `/usage…`. Compared as the
 * router matches paths: case-insensitively (`/ADMIN/users` reaches the admin routes), percent-escapes of letters
 * decoded, repeated slashes as one.
 */
export function isGuardedPath(path: string): boolean {
  let p = path;
  try {
    p = decodeURIComponent(path);
  } catch {
    /* a malformed escape: compare as sent */
  }
  p = p.toLowerCase().replace(/\/{2,}/g, '/');
  return p === '/admin' || p.startsWith('/admin/') || p === '/usage' || p.startsWith('/usage/');
}

/** A `Host` header split into a lowercase name (IPv6 without brackets) and a port (80 when absent); undefined if malformed. */
export function parseHost(header: string): { name: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-f:.]+)\]|([^\s:[\]/@]+))(?::(\d{1,5}))?$/i.exec(header.trim());
  if (!m) return undefined;
  const name = normalizeName(m[1] ?? m[2] ?? '');
  const port = m[3] === undefined ? 80 : Number(m[3]);
  return name && port <= 65535 ? { name, port } : undefined;
}

/**
 * PUBLIC_HOSTS (`name[:port]`, comma-separated) as {@link PublicHost}s, and the entries that are not host names.
 */
export function parsePublicHosts(text: string): { hosts: PublicHost[]; invalid: string[] } {
  const hosts: PublicHost[] = [];
  const invalid: string[] = [];
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const host = parseHost(entry);
    if (!host) invalid.push(entry);
    else hosts.push(/:\d+$/.test(entry) ? host : { name: host.name });
  }
  return { hosts, invalid };
}

/** Whether a request with this `Host` header may reach the admin surface of a proxy bound as `bound`. */
export function isAllowedHost(header: string | undefined, bound: BoundAddress, publicHosts: readonly PublicHost[] = []): boolean {
  const host = header ? parseHost(header) : undefined;
  if (!host) return false;
  if (publicHosts.some((p) => p.name === host.name && (p.port === undefined || p.port === host.port))) return true;
  if (host.port !== bound.port) return false;
  const configured = normalizeName(bound.configuredHost.replace(/^\[|\]$/g, ''));
  const allowed = [...LOOPBACK_NAMES, normalizeName(bound.localAddress)];
  if (!WILDCARDS.has(configured)) allowed.push(configured);
  return allowed.includes(host.name);
}

/** Refuses admin and usage requests whose `Host` is not this proxy's (403, admin format). */
export function hostGuard(deps: Pick<AppDeps, 'settings' | 'publicHosts'>): Middleware<ProxyState> {
  return async (ctx, next) => {
    if (!isGuardedPath(ctx.path)) return next();
    const socket = ctx.req.socket;
    const bound = { port: socket.localPort ?? 0, localAddress: socket.localAddress ?? '', configuredHost: deps.settings().host };
    if (!isAllowedHost(ctx.get('host') || undefined, bound, deps.publicHosts)) {
      ctx.state.errorFormat = 'admin';
      const given = ctx.get('host').slice(0, 100);
      throw new AppError(
        403,
        'forbidden_host',
        `The admin pages and API answer only at this proxy's own address (http://127.0.0.1:${bound.port}, ` +
          `http://localhost:${bound.port}) and the names in PUBLIC_HOSTS; the request was for ${given ? `"${given}"` : 'no host'}.`,
      );
    }
    return next();
  };
}

/** Lowercase, without a trailing dot, an IPv4-mapped IPv6 address as its IPv4 form. */
function normalizeName(name: string): string {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped ? (mapped[1] as string) : lower;
}
