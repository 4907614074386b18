/**
 * Placeholder for the Anthropic Messages routes (`POST /v1/messages`, `POST /v1/messages/count_tokens`): it
 * authenticates and answers 501 in Anthropic's error format. The translation work replaces this module; keep the
 * export `messagesRoutes(deps: AppDeps): ProxyRouter`.
 */
import Router from '@koa/router';
import { clientAuth } from '../auth';
import type { AppDeps, ProxyRouter, ProxyState } from '../context';
import { AppError } from '../errors';

/** The placeholder Messages routes (auth, then 501). */
export function messagesRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  const notYet = (): never => {
    throw new AppError(501, 'not_implemented', 'The Anthropic Messages API is not implemented in this build yet.', {
      type: 'not_implemented',
    });
  };
  router.post('/v1/messages', clientAuth(deps), notYet);
  router.post('/v1/messages/count_tokens', clientAuth(deps), notYet);
  return router;
}
