/**
 * Requests to an Anthropic-format provider (Anthropic, the Messages endpoints of DeepSeek, Z.ai, Kimi, MiniMax,
 * Ollama ≥ 0.14, vLLM): the client's body forwarded as it came, but for the model (mapped to the provider's) and the
 * key (the provider's, set by the client as `x-api-key`). The client's `anthropic-version` and `anthropic-beta` go
 * with it unchanged, as do Claude Code's attribution headers; nothing else of the client's headers does (its key,
 * cookies, hop-by-hop headers stay here).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { withTopLevelJson, withTopLevelString } from '../translate/json-member';
import type { BackendTarget, PostChatOptions, UpstreamClient, UpstreamResponse } from './client';

/** The API version sent when the client named none. */
export const DEFAULT_ANTHROPIC_VERSION = '2023-06-01';

/** Client headers passed on to an Anthropic-format provider. */
const FORWARDED = ['anthropic-version', 'anthropic-beta', 'x-claude-code-session-id', 'x-claude-code-agent-id', 'x-claude-code-parent-agent-id'];

/** The headers of the client's request that go to the provider (the version defaulted). */
export function forwardedHeaders(client: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of FORWARDED) {
    const value = client[name];
    if (typeof value === 'string' && value !== '') out[name] = value;
    else if (Array.isArray(value) && value.length > 0) out[name] = value.join(',');
  }
  out['anthropic-version'] ??= DEFAULT_ANTHROPIC_VERSION;
  return out;
}

/**
 * POSTs the client's Messages body (its model replaced by `model`, its `max_tokens` by `opts.maxTokens` when given) to `${target}/messages` or
 * `/messages/count_tokens`; resolves once the headers arrive.
 */
export function forwardMessages(
  upstream: Pick<UpstreamClient, 'post'>,
  target: BackendTarget,
  endpoint: 'messages' | 'count_tokens',
  raw: Buffer,
  model: string,
  clientHeaders: IncomingHttpHeaders,
  opts: Omit<PostChatOptions, 'headers'> & { maxTokens?: number } = {},
): Promise<UpstreamResponse> {
  const path = endpoint === 'messages' ? '/messages' : '/messages/count_tokens';
  const { maxTokens, ...post } = opts;
  let body = withTopLevelString(raw, 'model', model);
  if (maxTokens !== undefined) body = withTopLevelJson(body, 'max_tokens', String(maxTokens));
  return upstream.post(target, path, body, { ...post, headers: forwardedHeaders(clientHeaders) });
}
