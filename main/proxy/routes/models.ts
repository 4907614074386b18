/**
 * `GET /v1/models`.
 *
 * - Without an `anthropic-version` header: the OpenAI-format list of the default `openai` provider (`default`, else
 *   the first), with the `provider/model` ids the model routes send to other `openai` providers added; cached for
 *   60 s per provider URL and key. A provider error passes through with its status and body.
 * - With `anthropic-version` (Anthropic clients, Claude Code's gateway model discovery): Anthropic's shape,
 *   `{data:[{type:"model",id,display_name,created_at}],has_more:false,first_id,last_id}`, listing the Claude names
 *   the proxy can serve: the model routes' exact `match` names that start with `claude` or `anthropic`, and the
 *   current names {@link CLAUDE_MODELS} when a route or the default model can serve them (routing.ts).
 *   `display_name` tells which targets answer (`provider/model`, in failover order). No backend call is made for this list.
 */
import Router from '@koa/router';
import { createHash } from 'node:crypto';
import { isRecord } from '../../../shared/json';
import { redactSecrets } from '../../../shared/redact';
import type { Settings } from '../../../shared/types';
import { configuredSecrets, missingBackendMessage } from '../../core/config';
import { DEFAULT_PROVIDER, effectiveProviders } from '../../core/provider-config';
import { backendTarget } from '../../providers/backend-target';
import { planRoute } from '../../providers/routing';
import { isKind, isPattern } from '../../translate/model-map';
import { clientAuth } from '../auth';
import type { AppDeps, ProxyRouter, ProxyState } from '../context';
import { AppError, upstreamAppError } from '../errors';

/** The Claude model names always offered to Anthropic clients (Claude Code's defaults per tier). */
export const CLAUDE_MODELS = ['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5'] as const;

/** How long the backend's list is reused. */
export const MODELS_CACHE_MS = 60_000;

/** A fixed creation date for the listed names (they are aliases, not releases). */
const LISTED_AT = '2025-01-01T00:00:00Z';

export interface AnthropicModel {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

export interface AnthropicModelList {
  data: AnthropicModel[];
  has_more: false;
  first_id: string | null;
  last_id: string | null;
}

/** The Anthropic-shaped list of Claude names this configuration serves. */
export function anthropicModelList(settings: Settings): AnthropicModelList {
  const names = new Set<string>();
  for (const r of settings.model_routes) {
    if (!isPattern(r.match) && !isKind(r.match) && /^(claude|anthropic)/i.test(r.match.trim())) names.add(r.match.trim());
  }
  for (const name of CLAUDE_MODELS) names.add(name);
  const data: AnthropicModel[] = [];
  for (const id of names) {
    const plan = planRoute(settings, { api: 'messages', model: id, thinking: false, inputTokens: () => 0 });
    if (!plan.ok) continue;
    const served = plan.targets.map((t) => (t.provider.name === DEFAULT_PROVIDER ? t.model : `${t.provider.name}/${t.model}`)).join(', ');
    data.push({ type: 'model', id, display_name: `${id} (${served})`, created_at: LISTED_AT });
  }
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

/**
 * The `provider/model` ids the model routes send to `openai` providers, which `/v1/chat/completions` accepts as
 * they are; the default provider's models are listed by the provider itself.
 */
export function routedChatModels(settings: Settings): string[] {
  const openai = new Set(effectiveProviders(settings).filter((p) => p.kind === 'openai').map((p) => p.name));
  const ids = new Set<string>();
  for (const r of settings.model_routes) {
    for (const t of r.targets ?? []) {
      const provider = t.slice(0, t.indexOf('/'));
      if (openai.has(provider) && provider !== DEFAULT_PROVIDER) ids.add(t);
    }
  }
  return [...ids];
}

/** `GET /v1/models` (client key), OpenAI or Anthropic shape. */
export function modelsRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  let cache: { key: string; at: number; body: unknown } | null = null;

  router.get('/v1/models', clientAuth(deps), async (ctx) => {
    const settings = deps.settings();
    if (ctx.get('anthropic-version')) {
      ctx.state.errorFormat = 'anthropic';
      ctx.body = anthropicModelList(settings);
      return;
    }
    ctx.state.errorFormat = 'openai';
    const providers = effectiveProviders(settings).filter((p) => p.kind === 'openai');
    const provider = providers.find((p) => p.name === DEFAULT_PROVIDER) ?? providers[0];
    if (!provider) throw new AppError(503, 'backend_not_configured', missingBackendMessage(settings, { needModel: false }) ?? 'No OpenAI-compatible provider is configured.');
    const routed = routedChatModels(settings);
    const cacheKey = `${provider.base_url}\n${createHash('sha256').update(provider.api_key).digest('hex')}\n${routed.join('\n')}`;
    const now = Date.now();
    if (cache && cache.key === cacheKey && now - cache.at < MODELS_CACHE_MS) {
      ctx.body = cache.body;
      return;
    }
    let res;
    try {
      res = await deps.upstream.getModels(backendTarget(provider, settings, 0));
    } catch (err) {
      throw upstreamAppError(err);
    }
    if (res.status === 200 && res.json !== undefined) {
      const body = withRouted(res.json, routed);
      cache = { key: cacheKey, at: now, body };
      ctx.body = body;
      return;
    }
    ctx.status = res.status;
    ctx.type = res.json !== undefined ? 'application/json' : 'text/plain';
    ctx.body = redactSecrets(res.text, configuredSecrets(settings));
  });
  return router;
}

/** An OpenAI model list with the routed `provider/model` ids added (a list of another shape is left as it is). */
function withRouted(json: unknown, routed: readonly string[]): unknown {
  if (routed.length === 0 || !isRecord(json) || !Array.isArray(json.data)) return json;
  const listed = new Set(json.data.map((m) => (isRecord(m) ? m.id : undefined)));
  const added = routed.filter((id) => !listed.has(id)).map((id) => ({ id, object: 'model', created: 0, owned_by: id.slice(0, id.indexOf('/')) }));
  return { ...json, data: [...json.data, ...added] };
}
