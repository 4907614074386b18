/**
 * Identifiers the proxy invents: message ids, tool-use ids for backends that send none, and the
 * signatures of thinking blocks.
 *
 * Anthropic signs thinking blocks; a backend's reasoning has no signature, so the proxy invents one
 * (clients expect the field). Proxy signatures start with {@link PROXY_SIGNATURE_PREFIX} so they are
 * recognisable when a client sends them back in history; no signature is ever forwarded to a backend.
 */
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random base62 string of `length` characters. */
function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[(bytes[i] ?? 0) % ALPHABET.length];
  return out;
}

/** A new Anthropic-style message id, `msg_` + 24 base62 characters. */
export const newMessageId = (): string => `msg_${randomId(24)}`;

/** A new Anthropic-style tool-use id, for tool calls that arrive without one. */
export const newToolUseId = (): string => `toolu_${randomId(24)}`;

/** Every signature the proxy invents starts with this. */
export const PROXY_SIGNATURE_PREFIX = 'infiniproxy-unsigned:';

/** The signature of the thinking block at `index` of message `messageId`. */
export const proxySignature = (messageId: string, index: number): string =>
  `${PROXY_SIGNATURE_PREFIX}${messageId}:${index}`;

/** True for a signature this proxy invented (as opposed to one signed by Anthropic). */
export const isProxySignature = (signature: string | undefined): boolean =>
  typeof signature === 'string' && signature.startsWith(PROXY_SIGNATURE_PREFIX);
