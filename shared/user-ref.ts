/**
 * How users are named and referred to, for the admin API, the CLI and every store alike. A reference of digits
 * only (`4`) is always a user id; anything else is a username (case-insensitive). So that the two can never be
 * confused, a username may not consist of digits only.
 */

/** 1-64 letters, digits and `_ . @ -`, starting with a letter or digit, not digits only. */
export const USERNAME_PATTERN = /^(?!\d+$)[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/** Why a username was refused (the admin API's message). */
export const USERNAME_RULE =
  'username: use 1-64 letters, digits, and _ . @ - (starting with a letter or digit), not only digits: a number refers to a user id';

/** A user as referred to: by id or by username. */
export type UserRef = { id: number } | { username: string };

/** What `ref` refers to: digits only → an id, else a username (trimmed). */
export function parseUserRef(ref: string | number): UserRef {
  if (typeof ref === 'number') return { id: ref };
  const trimmed = ref.trim();
  return /^\d+$/.test(trimmed) ? { id: Number(trimmed) } : { username: trimmed };
}

/** The user `ref` refers to among `users`, or undefined. */
export function findUserByRef<U extends { id: number; username: string }>(users: readonly U[], ref: string | number): U | undefined {
  const parsed = parseUserRef(ref);
  if ('id' in parsed) return users.find((u) => u.id === parsed.id);
  const name = parsed.username.toLowerCase();
  return users.find((u) => u.username.toLowerCase() === name);
}
