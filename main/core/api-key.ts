/**
 * API key material: generation, hashing and the display prefix. Keys are `sk-ip-` followed by 32 random bytes in
 * base64url (43 characters); only their SHA-256 is stored. A fast hash is right here: the secret has 256 bits of
 * entropy, so there is nothing to brute-force, and lookup by digest takes the same time whatever the input.
 */
import { createHash, randomBytes } from 'node:crypto';

export const KEY_MARK = 'sk-ip-';

/** A new secret API key. */
export function generateApiKey(): string {
  return KEY_MARK + randomBytes(32).toString('base64url');
}

/** The digest stored at rest and used for lookup. */
export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** The first characters shown in lists, enough to recognise a key and nothing to use it with. */
export function apiKeyPrefix(secret: string): string {
  return secret.slice(0, KEY_MARK.length + 6);
}
