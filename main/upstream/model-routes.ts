/**
 * Which backend model a client's model name is sent as (settings.model_routes).
 *
 * A route's `match` is one of:
 * - an exact name (`claude-opus-4-8`), compared without regard to case;
 * - a tier (`opus`, `sonnet`, `haiku`): matches names having that word as a `-`/`.`/`_`/`/`-separated part
 *   (`claude-opus-4-8`, `claude-3-5-haiku-latest`);
 * - a glob with `*` (any run of characters) and `?` (one character): `claude-3-*`.
 * Exact routes win over tiers and globs; otherwise the first matching route in order wins.
 */
import type { ModelRoute } from '../../shared/types';

/** The model-family words a `match` may name on its own. */
export const MODEL_TIERS = ['opus', 'sonnet', 'haiku'] as const;

/** The route for `model`, or undefined when none matches. */
export function findModelRoute(routes: readonly ModelRoute[], model: string): ModelRoute | undefined {
  const name = model.trim().toLowerCase();
  const exact = routes.find((r) => !isPattern(r.match) && r.match.trim().toLowerCase() === name);
  if (exact) return exact;
  return routes.find((r) => isPattern(r.match) && patternMatches(r.match, name));
}

/** True when `match` is a tier or a glob rather than an exact name. */
export function isPattern(match: string): boolean {
  const m = match.trim().toLowerCase();
  return /[*?]/.test(m) || (MODEL_TIERS as readonly string[]).includes(m);
}

function patternMatches(match: string, name: string): boolean {
  const m = match.trim().toLowerCase();
  if ((MODEL_TIERS as readonly string[]).includes(m)) return name.split(/[-._/]/).includes(m);
  const re = new RegExp(`^${m.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return re.test(name);
}
