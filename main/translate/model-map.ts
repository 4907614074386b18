/**
 * Maps the Claude model name a client asks for to a backend model, using the configured routes.
 */
import type { ModelRoute } from '../../shared/types';

/** The backend model chosen for a request, with the route's output cap when it has one. */
export interface ResolvedModel {
  model: string;
  maxTokens?: number;
}

const TIERS = new Set(['opus', 'sonnet', 'haiku']);

const globCache = new Map<string, RegExp>();

function globRegExp(glob: string): RegExp {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*');
    re = new RegExp(`^${body}$`, 'i');
    if (globCache.size > 256) globCache.clear();
    globCache.set(glob, re);
  }
  return re;
}

function resolved(route: ModelRoute): ResolvedModel {
  return route.max_tokens ? { model: route.model, maxTokens: route.max_tokens } : { model: route.model };
}

/**
 * Picks the backend model for `name`: first a route whose `match` equals the name (case-insensitive),
 * then a tier route (`opus`, `sonnet`, `haiku`) whose tier is a substring of the name, then a glob
 * route (`claude-3-*`, `*`), else `defaultModel`. Within each pass the first route listed wins.
 */
export function resolveModel(name: string, routes: readonly ModelRoute[], defaultModel: string): ResolvedModel {
  const lower = name.toLowerCase();
  const exact = routes.find((r) => r.match.toLowerCase() === lower);
  if (exact) return resolved(exact);
  const tier = routes.find((r) => TIERS.has(r.match.toLowerCase()) && lower.includes(r.match.toLowerCase()));
  if (tier) return resolved(tier);
  const glob = routes.find((r) => r.match.includes('*') && globRegExp(r.match).test(name));
  if (glob) return resolved(glob);
  return { model: defaultModel };
}
