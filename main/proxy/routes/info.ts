/**
 * `GET /` (server info and endpoints), `HEAD /` (Claude Code's reachability probe: 200, no body) and `GET /health`.
 */
import Router from '@koa/router';
import { isBackendConfigured } from '../../core/config';
import type { AppDeps, ProxyRouter, ProxyState } from '../context';

/** The endpoints listed by `GET /`. */
export const ENDPOINTS = {
  messages: 'POST /v1/messages',
  count_tokens: 'POST /v1/messages/count_tokens',
  chat_completions: 'POST /v1/chat/completions',
  models: 'GET /v1/models',
  usage: 'GET /usage/me',
  health: 'GET /health',
  admin_api: '/admin/*',
  web_admin: 'GET /admin/',
} as const;

/** `GET /`, `HEAD /` and `GET /health` (no auth). */
export function infoRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  // @koa/router answers HEAD with the GET route minus the body.
  router.get('/', (ctx) => {
    const settings = deps.settings();
    ctx.body = {
      name: 'InfiniProxy',
      version: deps.version,
      message: 'InfiniProxy: the Anthropic Messages API and OpenAI Chat Completions on any OpenAI-compatible backend.',
      backend_configured: isBackendConfigured(settings),
      default_model: settings.default_model || null,
      endpoints: ENDPOINTS,
    };
  });
  router.get('/health', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  return router;
}
