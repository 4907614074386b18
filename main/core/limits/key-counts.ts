/**
 * Requests in flight per key, as both limiters count them on their instance: a key with none holds no entry, so the
 * map stays as small as the set of keys busy now.
 */
export class KeyCounts {
  readonly #counts = new Map<number, number>();

  get(keyId: number): number {
    return this.#counts.get(keyId) ?? 0;
  }

  add(keyId: number): void {
    this.#counts.set(keyId, this.get(keyId) + 1);
  }

  /** One less for `keyId` (never below none). */
  remove(keyId: number): void {
    const n = this.get(keyId) - 1;
    if (n > 0) this.#counts.set(keyId, n);
    else this.#counts.delete(keyId);
  }

  /** Keys with a request in flight. */
  get size(): number {
    return this.#counts.size;
  }
}
