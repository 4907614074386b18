/**
 * Identifiers the proxy invents: message ids, tool-use ids for backends that send none, and the
 * signatures of thinking blocks.
 *
 * Anthropic signs thinking blocks; a backend's reasoning has no signature, so the proxy invents one
 * (clients expect the field). Proxy signatures start with {@link PROXY_SIGNATURE_PREFIX} so they are
 * recognisable when a client sends them back in history; no signature is ever forwarded to a backend.
 */
import { randomFillSync } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random bytes drawn from a pool refilled 4 KB at a time: one system call per ~170 ids instead of one per id. */
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;

/** `n` random bytes (n ≤ 4096), valid until the next call. For identifiers, not for secrets. */
function pooledBytes(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return bytes;
}

/** `bytes` random bytes as hex (an identifier such as a request id). */
export const randomHex = (bytes: number): string => pooledBytes(bytes).toString('hex');

/** A random base62 string of `length` characters. */
function randomId(length: number): string {
  const bytes = pooledBytes(length);
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
