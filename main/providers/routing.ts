/**
 * Which providers and models a request may go to, in order: the one place routing is decided for `/v1/messages`,
 * `/v1/messages/count_tokens`, `/v1/chat/completions` and `/v1/models`. Pure.
 *
 * 1. A route whose `match` is the model's exact name.
 * 2. Else the first route naming a kind the request is: `thinking` (Anthropic `thinking` not disabled; on
 *    chat, a `reasoning_effort` other than none/minimal), `long_context` (input estimate above the route's
 *    `above_tokens`, default {@link DEFAULT_LONG_CONTEXT_TOKENS}).
 * 3. Else the first route whose tier or glob matches (translate/model-map.ts).
 * 4. Else the default: on `/v1/messages` the `default_model` (`provider/model`, or a model of the default provider);
 *    on `/v1/chat/completions` the client's model (`provider/model` naming a provider, else as it is on the default
 *    provider).
 * A route's targets are its `targets` (`provider/model`), or its `model` on the default provider (the older form).
 * Targets of a provider not in force are dropped; on chat, so are `anthropic` ones (they cannot answer it).
 * A target whose model's `context_window` is known and smaller than the input estimate plus the output it would be
 * asked for is skipped; when every target is skipped so, the plan says the prompt is too long.
 */
import type { ModelRoute, ProviderConfig, ProviderKind, Settings } from '../../shared/types';
import { findModelRoute, isKind } from '../translate/model-map';
import { clampMaxTokens } from '../translate/request';
import { defaultProviderOf, effectiveProviders } from '../core/provider-config';

/** The input estimate above which a `long_context` route without `above_tokens` applies. */
export const DEFAULT_LONG_CONTEXT_TOKENS = 60_000;

/** What routing needs to know of a request. */
export interface RoutingRequest {
  api: 'messages' | 'chat';
  /** The model the client asked for. */
  model: string;
  thinking: boolean;
  /** The `max_tokens` asked for; undefined when none was. */
  maxTokens?: number;
  /** The input estimate in tokens; called at most once, and only when a route or a model's window needs it. */
  inputTokens: () => number;
}

/** One place a request may be sent. */
export interface Target {
  provider: ProviderConfig;
  /** The backend model id. */
  model: string;
  /** The route's output cap and the model's (the smaller), if any; the provider's own cap applies beside it. */
  maxTokens?: number;
}

/** A target left out, and why (for the request log and errors). */
export interface SkippedTarget {
  target: string;
  reason: string;
}

export type RoutePlan =
  | { ok: true; targets: Target[]; skipped: SkippedTarget[]; route: ModelRoute | null }
  /** Every target's context window is known and too small: answer Anthropic's `prompt is too long`. */
  | { ok: false; reason: 'too_long'; inputTokens: number; contextWindow: number; skipped: SkippedTarget[] }
  /** Nothing could take it: no provider, no model, or every target dropped; `message` says what to configure. */
  | { ok: false; reason: 'unroutable'; message: string; skipped: SkippedTarget[] };

/** The plan for one request under the settings now in force. */
export function planRoute(settings: Settings, req: RoutingRequest): RoutePlan {
  const providers = effectiveProviders(settings);
  const byName = new Map(providers.map((p) => [p.name, p]));
  const fallback = defaultProviderOf(providers);
  const kind: ProviderKind | null = req.api === 'chat' ? 'openai' : null;
  let estimate: number | undefined;
  const inputTokens = (): number => (estimate ??= req.inputTokens());

  const route = chooseRoute(settings.model_routes, req, inputTokens);
  const skipped: SkippedTarget[] = [];
  const candidates: Target[] = [];
  const add = (provider: ProviderConfig | null | undefined, model: string, label: string, routeCap?: number): void => {
    if (!provider) return void skipped.push({ target: label, reason: 'no such provider' });
    if (kind && provider.kind !== kind) return void skipped.push({ target: label, reason: `an ${provider.kind} provider cannot answer this API` });
    if (!model) return void skipped.push({ target: label, reason: 'no model' });
    const modelCap = provider.models[model]?.max_tokens;
    const caps = [routeCap, modelCap].filter((c): c is number => typeof c === 'number');
    candidates.push(caps.length > 0 ? { provider, model, maxTokens: Math.min(...caps) } : { provider, model });
  };

  if (route) {
    if (route.targets) {
      for (const t of route.targets) {
        const slash = t.indexOf('/');
        add(byName.get(t.slice(0, slash)), t.slice(slash + 1), t, route.max_tokens);
      }
    } else add(fallback, route.model ?? '', route.model ?? '(none)', route.max_tokens);
  } else if (req.api === 'messages') {
    const named = splitTarget(settings.default_model, byName);
    if (named) add(named.provider, named.model, settings.default_model);
    else if (fallback && settings.default_model) add(fallback, settings.default_model, settings.default_model);
  } else {
    const named = splitTarget(req.model, byName);
    if (named && named.provider.kind === 'openai') add(named.provider, named.model, req.model);
    else add(fallback?.kind === 'openai' ? fallback : providers.find((p) => p.kind === 'openai'), req.model, req.model);
  }

  // Context windows: skip what cannot fit; if nothing can, the prompt is too long.
  const targets: Target[] = [];
  let smallest: { window: number; input: number } | null = null;
  for (const t of candidates) {
    const window = t.provider.models[t.model]?.context_window;
    if (window !== undefined) {
      const input = inputTokens();
      const output = req.maxTokens === undefined ? 0 : clampMaxTokens(req.maxTokens, t.maxTokens, t.provider.max_tokens_cap);
      if (input + output > window) {
        skipped.push({ target: `${t.provider.name}/${t.model}`, reason: `${input} input + ${output} output tokens > context window ${window}` });
        if (!smallest || window > smallest.window) smallest = { window, input };
        continue;
      }
    }
    targets.push(t);
  }
  if (targets.length > 0) return { ok: true, targets, skipped, route };
  if (smallest) return { ok: false, reason: 'too_long', inputTokens: smallest.input, contextWindow: smallest.window, skipped };
  return { ok: false, reason: 'unroutable', message: unroutableMessage(req, providers, route, skipped), skipped };
}

/** The route for a request: exact name, then kinds, then the first tier or glob (see the module comment). */
export function chooseRoute(routes: readonly ModelRoute[], req: Pick<RoutingRequest, 'model' | 'thinking'>, inputTokens: () => number): ModelRoute | null {
  const name = req.model.trim().toLowerCase();
  const exact = routes.find((r) => !isKind(r.match) && r.match.trim().toLowerCase() === name);
  if (exact) return exact;
  for (const r of routes) {
    const kind = r.match.trim().toLowerCase();
    if (kind === 'thinking' && req.thinking) return r;
    if (kind === 'long_context' && inputTokens() > (r.above_tokens ?? DEFAULT_LONG_CONTEXT_TOKENS)) return r;
  }
  return findModelRoute(routes, req.model) ?? null;
}

/** `provider/model` when the part before the first `/` names a provider in force; else null. */
export function splitTarget(text: string, byName: ReadonlyMap<string, ProviderConfig>): { provider: ProviderConfig; model: string } | null {
  const slash = text.indexOf('/');
  if (slash <= 0) return null;
  const provider = byName.get(text.slice(0, slash));
  return provider ? { provider, model: text.slice(slash + 1) } : null;
}

function unroutableMessage(req: RoutingRequest, providers: readonly ProviderConfig[], route: ModelRoute | null, skipped: SkippedTarget[]): string {
  if (providers.length === 0) {
    return (
      'InfiniProxy has no backend configured (missing OPENAI_BASE_URL). Set OPENAI_BASE_URL, OPENAI_API_KEY and OPENAI_MODEL ' +
      'in the environment or .env and restart, or add a provider in the Settings tab of the admin UI.'
    );
  }
  if (!route && req.api === 'messages') {
    return (
      'InfiniProxy has no default model (missing OPENAI_MODEL): set OPENAI_MODEL or default_model (a model, or provider/model), ' +
      `or add a model route matching "${req.model}".`
    );
  }
  const why = skipped.map((s) => `${s.target}: ${s.reason}`).join('; ');
  return `No provider can take model "${req.model}"${route ? ` (route "${route.match}")` : ''}${why ? `: ${why}` : ''}.`;
}
