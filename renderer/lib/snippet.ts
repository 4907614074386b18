/**
 * The Claude Code setup shown on the Status tab: which URL clients should use and the shell lines to set.
 */
import { claudeSetupSnippet } from '../../shared/claude-code-env';
import type { ServerStatus } from '../../shared/types';

/** Placeholder shown where the key goes when the secret is not known here. */
export const KEY_PLACEHOLDER = 'YOUR_INFINIPROXY_API_KEY';

const WILDCARD_HOSTS = new Set(['0.0.0.0', '[::]', '::', '']);

/**
 * The base URL clients should use. A proxy listening on every interface (`0.0.0.0`) reports a URL no client
 * can use; then the page's own origin (the web admin is served by the proxy) is the better answer.
 */
export function clientBaseUrl(status: Pick<ServerStatus, 'url' | 'host' | 'port'>, pageOrigin?: string): string | null {
  const url = status.url ?? null;
  if (url !== null) {
    try {
      const parsed = new URL(url);
      if (!WILDCARD_HOSTS.has(parsed.hostname)) return url.replace(/\/+$/, '');
      if (pageOrigin && /^https?:/.test(pageOrigin)) return pageOrigin.replace(/\/+$/, '');
      parsed.hostname = '127.0.0.1';
      return parsed.toString().replace(/\/+$/, '');
    } catch {
      return url;
    }
  }
  return null;
}

/** The shell lines that point Claude Code at the proxy (shared/claude-code-env.ts), for a POSIX shell. */
export function claudeCodeSnippet(baseUrl: string, apiKey: string = KEY_PLACEHOLDER): string {
  return claudeSetupSnippet({ ANTHROPIC_BASE_URL: baseUrl, ANTHROPIC_AUTH_TOKEN: apiKey }, 'posix').trimEnd();
}
