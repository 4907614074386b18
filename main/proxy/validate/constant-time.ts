/**
 * Comparing secrets (admin token, keys) without leaking through timing how much of a guess was right.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/**
 * True when `a` and `b` are the same string. Both are hashed to SHA-256 first, so the comparison takes the same time
 * whatever their lengths and wherever they first differ (`timingSafeEqual` alone throws on unequal lengths and so
 * reveals the length).
 */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}
