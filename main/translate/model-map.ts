/**
 * Which backend model a client's model name is sent as (settings.model_routes). The one place model
 * routing is decided, for `/v1/messages`, `/v1/chat/completions` and `/v1/models`.
 *
 * A route's `match` is one of:
 * - an exact name (`claude-opus-4-8`), compared without regard to case;
 * - a tier (`opus`, `sonnet`, `haiku`): matches names having that word as a `-`/`.`/`_`/`/`-separated part
 *   (`claude-opus-4-8`, `claude-3-5-haiku-latest`);
 * - a glob with `*` (any run of characters) and `?` (one character): `claude-3-*`.
 * Exact routes win over tiers and globs; otherwise the first matching route in order wins. Routes whose `match` is a
 * kind of request (`thinking`, `long_context`) never match by name: main/providers/routing.ts applies them.
 */
import type { ModelRoute } from '../../shared/types';

/** The model-family words a `match` may name on its own. */
export const MODEL_TIERS = ['opus', 'sonnet', 'haiku'] as const;

/** The `match` values that name a kind of request rather than a model. */
export const ROUTE_KINDS = ['thinking', 'long_context'] as const;

/** True when `match` names a kind of request (`thinking`, `long_context`). */
export function isKind(match: string): boolean {
  return (ROUTE_KINDS as readonly string[]).includes(match.trim().toLowerCase());
}

/** The backend model chosen for a request, with the route's output cap when it has one. */
export interface ResolvedModel {
  model: string;
  maxTokens?: number;
}

/** The route for `model`, or undefined when none matches. */
export function findModelRoute(routes: readonly ModelRoute[], model: string): ModelRoute | undefined {
  const name = model.trim().toLowerCase();
  const exact = routes.find((r) => !isPattern(r.match) && !isKind(r.match) && r.match.trim().toLowerCase() === name);
  if (exact) return exact;
  return routes.find((r) => isPattern(r.match) && patternMatches(r.match, name));
}

/** The backend model for `name`: its route's model (and cap), else `defaultModel`. */
export function resolveModel(name: string, routes: readonly ModelRoute[], defaultModel: string): ResolvedModel {
  const route = findModelRoute(routes, name);
  const model = route?.model ?? defaultModel;
  if (!route) return { model };
  return route.max_tokens ? { model, maxTokens: route.max_tokens } : { model };
}

/** True when `match` is a tier or a glob rather than an exact name. */
export function isPattern(match: string): boolean {
  const m = match.trim().toLowerCase();
  return /[*?]/.test(m) || (MODEL_TIERS as readonly string[]).includes(m);
}

const globCache = new Map<string, RegExp>();

function patternMatches(match: string, name: string): boolean {
  const m = match.trim().toLowerCase();
  if ((MODEL_TIERS as readonly string[]).includes(m)) return name.split(/[-._/]/).includes(m);
  let re = globCache.get(m);
  if (!re) {
    re = new RegExp(`^${m.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (globCache.size > 256) globCache.clear();
    globCache.set(m, re);
  }
  return re.test(name);
}
