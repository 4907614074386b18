/**
 * Claude Code's `x-claude-code-session-id` header: the session a request belongs to, recorded in the request log
 * (`session_id`) and, where the provider allows it (`prompt_cache_key`), passed as OpenAI's `prompt_cache_key`.
 * Only a plausible id is taken (at most {@link MAX_SESSION_ID} characters of letters, digits and `._:-`): the value
 * is stored and shown, so anything else is ignored.
 */
import type { ProxyContext } from './context';

export const SESSION_HEADER = 'x-claude-code-session-id';
export const MAX_SESSION_ID = 128;

/** The session id a request names, or null. */
export function sessionIdOf(ctx: Pick<ProxyContext, 'get'>): string | null {
  const value = ctx.get(SESSION_HEADER).trim();
  return value !== '' && value.length <= MAX_SESSION_ID && /^[A-Za-z0-9._:-]+$/.test(value) ? value : null;
}
