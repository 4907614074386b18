/**
 * `GET /v1/models`.
 *
 * - Without an `anthropic-version` header: the backend's own OpenAI-format list, cached for 60 s per backend
 *   URL and key. A backend error passes through with its status and body.
 * - With `anthropic-version` (Anthropic clients, Claude Code's gateway model discovery): Anthropic's shape,
 *   `{data:[{type:"model",id,display_name,created_at}],has_more:false,first_id,last_id}`, listing the Claude names
 *   the proxy can serve: the model routes' exact `match` names that start with `claude` or `anthropic`, and the
 *   current names {@link CLAUDE_MODELS} when they map to a backend model (a route, or the default model).
 *   `display_name` tells which backend model answers. No backend call is made for this list.
 */
import Router from '@koa/router';
import { createHash } from 'node:crypto';
import type { Settings } from '../../../shared/types';
import { missingBackendMessage } from '../../core/config';
import { findModelRoute, isPattern } from '../../translate/model-map';
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
    if (!isPattern(r.match) && /^(claude|anthropic)/i.test(r.match.trim())) names.add(r.match.trim());
  }
  for (const name of CLAUDE_MODELS) names.add(name);
  const data: AnthropicModel[] = [];
  for (const id of names) {
    const backend = findModelRoute(settings.model_routes, id)?.model ?? settings.default_model;
    if (!backend) continue;
    data.push({ type: 'model', id, display_name: `${id} (${backend})`, created_at: LISTED_AT });
  }
  return { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
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
    const missing = missingBackendMessage(settings, { needModel: false });
    if (missing) throw new AppError(503, 'backend_not_configured', missing);
    const cacheKey = `${settings.backend_url}\n${createHash('sha256').update(settings.backend_api_key).digest('hex')}`;
    const now = Date.now();
    if (cache && cache.key === cacheKey && now - cache.at < MODELS_CACHE_MS) {
      ctx.body = cache.body;
      return;
    }
    let res;
    try {
      res = await deps.upstream.getModels(settings);
    } catch (err) {
      throw upstreamAppError(err);
    }
    if (res.status === 200 && res.json !== undefined) {
      cache = { key: cacheKey, at: now, body: res.json };
      ctx.body = res.json;
      return;
    }
    ctx.status = res.status;
    ctx.type = res.json !== undefined ? 'application/json' : 'text/plain';
    ctx.body = res.text;
  });
  return router;
}
