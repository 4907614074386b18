/**
 * Frozen values: what repeats from request to request (Claude Code's tool definitions, kept by
 * proxy/kept-tools.ts) is deep-frozen, and what is computed from it is kept per object. A frozen value cannot
 * change, so a result kept for it stays true; anything not frozen is computed each time.
 */

/** Freezes `value` and everything in it (objects already frozen are taken as deep-frozen), and returns it. */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

/** Results computed once per frozen object and variant (e.g. the settings they depend on). */
export class FrozenMemo<K extends object, V> {
  readonly #results = new WeakMap<K, Map<string, V>>();

  /** The result for `key` and `variant`: `compute()` the first time, kept if `key` is frozen. */
  get(key: K, variant: string, compute: () => V): V {
    if (!Object.isFrozen(key)) return compute();
    let byVariant = this.#results.get(key);
    if (!byVariant) this.#results.set(key, (byVariant = new Map()));
    if (byVariant.has(variant)) return byVariant.get(variant) as V;
    const result = compute();
    byVariant.set(variant, result);
    return result;
  }
}
