/**
 * The Anthropic side of a proxy harness: the official SDK client on it, and raw POSTs with Anthropic's headers for
 * what the SDK will not send (malformed bodies, `?beta=true`, raw SSE bytes).
 *
 * ```ts
 * let h: ProxyHarness;
 * let client: Anthropic;
 * before(async () => ({ h, client } = await startAnthropicHarness()));
 * after(() => h.close());
 * ```
 */
import Anthropic from '@anthropic-ai/sdk';
import { startProxyHarness } from './proxy-harness';
import type { ProxyHarness, ProxyHarnessOptions } from './proxy-harness';

export interface AnthropicHarness {
  h: ProxyHarness;
  /** The SDK on the proxy with the harness key. */
  client: Anthropic;
}

/** Starts a proxy harness (see startProxyHarness) and an SDK client on it; close it with `h.close()`. */
export async function startAnthropicHarness(opts: ProxyHarnessOptions = {}): Promise<AnthropicHarness> {
  const h = await startProxyHarness(opts);
  return { h, client: anthropicClient(h) };
}

/** The SDK on the proxy with `apiKey` (the harness key by default) and no retries: a test sees every failure. */
export function anthropicClient(h: ProxyHarness, apiKey: string = h.apiKey): Anthropic {
  return new Anthropic({ baseURL: h.url, apiKey, maxRetries: 0 });
}

/** POSTs `body` as it is to `path` (`/v1/messages` by default) with the harness key and Anthropic's headers. */
export function postAnthropic(h: ProxyHarness, body: string, path = '/v1/messages'): Promise<Response> {
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body,
  });
}
