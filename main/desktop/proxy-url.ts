/**
 * The address a local client should use to reach the proxy: the listening URL when it runs, else the one it
 * will have; wildcard binds (`0.0.0.0`, `::`) become loopback, since a client cannot connect to them.
 */
import type { ServerStatus } from '../../shared/types';

/** The proxy's origin for clients, e.g. `http://127.0.0.1:8000` (what ANTHROPIC_BASE_URL should be). */
export function proxyBaseUrl(status: Pick<ServerStatus, 'url' | 'host' | 'port'>): string {
  if (status.url) {
    try {
      const url = new URL(status.url);
      url.hostname = clientHost(url.hostname);
      return url.origin;
    } catch {
      // Fall through to host and port.
    }
  }
  const host = clientHost(status.host);
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${status.port}`;
}

function clientHost(host: string): string {
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]' || host === '::0') return '[::1]';
  return host;
}
