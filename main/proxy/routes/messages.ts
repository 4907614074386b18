/**
 * The Anthropic Messages API on the configured providers:
 *
 * - `POST /v1/messages` (also `?beta=true`, as Claude Code sends it): parse → route → call → answer. The body is
 *   read through the fast path (body/: 400 `invalid_request_error` naming the field); the route's targets come from
 *   provider-dispatch.ts (routing by name, kind, tier, glob; context windows) and are tried in turn with failover
 *   before the first byte. An `openai` provider gets the request translated by main/translate and its answer
 *   translated back by messages-answer.ts (JSON, or SSE events written as each backend chunk arrives); an `anthropic`
 *   provider gets the client's bytes (model mapped, its key swapped in, version and betas kept) and its answer
 *   passes through unchanged (forwarded-answer.ts). Usage is recorded once, when the exchange ends
 *   (usage-record.ts; endpoint `/v1/messages`), marked estimated when the backend reported none: `input_tokens` as
 *   the whole prompt (cached tokens included, as on `/v1/chat/completions`), the cached part in
 *   `cache_read_input_tokens`.
 * - `POST /v1/messages/count_tokens`: forwarded when the route's first target is an `anthropic` provider; otherwise
 *   (or when none of those answers) `{input_tokens}` counted locally.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import Router from '@koa/router';
import { redactSecrets } from '../../../shared/redact';
import { configuredSecrets } from '../../core/config';
import { classifyStatus } from '../../providers/failover';
import { planRoute } from '../../providers/routing';
import type { Target as ProviderTarget } from '../../providers/routing';
import { chatRequestOptions, countTokens, estimateTokens, parseCountTokensRequest, parseMessagesRequest, toChatRequest } from '../../translate';
import type { AnthropicToolParam, ChatCompletionRequest, MessagesRequest } from '../../translate';
import { clampMaxTokens } from '../../translate/request';
import { forwardMessages } from '../../upstream/anthropic-forward';
import type { UpstreamResponse } from '../../upstream/client';
import { clientAuth } from '../auth';
import { encodeChatRequest, FastPath, parseJson, readRawBody, textOf } from '../body';
import type { BodyContract } from '../body';
import { abortOnClose } from '../client-gone';
import type { AppDeps, AuthedState } from '../context';
import { AppError, upstreamAppError } from '../errors';
import { answerForwarded, answerForwardedError } from '../forwarded-answer';
import { keyLimits } from '../key-limits';
import { answerMessages } from '../messages-answer';
import { PROVIDER_HEADER, routeTargets, sendToProviders } from '../provider-dispatch';
import { recordExchange } from '../usage-record';
import type { ExchangeInfo } from '../usage-record';

export { PING_INTERVAL_MS } from '../messages-answer';

/** `/v1/messages` bodies: Anthropic's request schema, tool definitions in `tools`. */
export const MESSAGES_BODY: BodyContract<MessagesRequest, AnthropicToolParam> = {
  check: parseMessagesRequest,
  tools: (req) => req.tools,
  setTools: (req, tools) => {
    req.tools = tools as AnthropicToolParam[];
  },
};

/** The routes `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
export function messagesRoutes(deps: AppDeps): Router<AuthedState> {
  const router = new Router<AuthedState>();
  const bodies = new FastPath(MESSAGES_BODY);
  router.post('/v1/messages', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const read = await bodies.read(ctx);
    const { request, strings } = read;
    const model = textOf(request.model);
    let estimate: number | undefined;
    const estimateInput = (): number => (estimate ??= estimateTokens(request, strings));
    const targets = routeTargets(deps.settings(), {
      api: 'messages',
      model,
      thinking: request.thinking !== undefined && request.thinking.type !== 'disabled',
      maxTokens: request.max_tokens,
      inputTokens: estimateInput,
    });
    const abort = abortOnClose(ctx);
    const stream = request.stream === true;
    const info: ExchangeInfo = { endpoint: '/v1/messages', model, backendModel: targets[0]!.model, stream };
    await recordExchange(deps, ctx, info, async () => {
      const chatReqs = new Map<ProviderTarget, ChatCompletionRequest>();
      const sent = sendToProviders(deps, ctx, info, targets, (target, upstream) => {
        if (target.provider.kind === 'anthropic') {
          const capped = clampMaxTokens(request.max_tokens, target.maxTokens, target.provider.max_tokens_cap);
          const opts = { signal: abort.signal, stream, ...(capped !== request.max_tokens ? { maxTokens: capped } : {}) };
          return forwardMessages(deps.upstream, upstream, 'messages', read.raw, target.model, ctx.req.headers, opts);
        }
        const resolved = target.maxTokens !== undefined ? { model: target.model, maxTokens: target.maxTokens } : { model: target.model };
        const chatReq = toChatRequest(request, chatRequestOptions(target.provider, resolved, strings));
        chatReqs.set(target, chatReq);
        return deps.upstream.postChat(upstream, encodeChatRequest(chatReq), { signal: abort.signal, stream });
      });
      sent.catch(() => undefined); // awaited below; until then a failure must not count as an unhandled rejection
      // Counted while the backend works, once the request is on the wire: it is first needed for message_start.
      const estimatedInput = await onNextTurn(estimateInput);
      let outcome;
      try {
        outcome = await sent;
      } catch (err) {
        throw upstreamAppError(err);
      }
      if (outcome.kind === 'unreachable') throw upstreamAppError(outcome.error);
      if (outcome.target.provider.kind === 'anthropic') {
        if (outcome.kind === 'error') return answerForwardedError(ctx, outcome.status, outcome.headers, outcome.text);
        return answerForwarded(ctx, outcome.res, { clientSignal: abort.signal, estimateInput });
      }
      const chatReq = chatReqs.get(outcome.target)!;
      const upstream = outcome.kind === 'answer' ? outcome.res : errorResponse(outcome.status, outcome.headers, outcome.text);
      const stopSequences = (request.stop_sequences ?? []).map(textOf);
      const redact = (text: string): string => redactSecrets(text, configuredSecrets(deps.settings()));
      return answerMessages(ctx, { model, estimatedInput, stopSequences, redact }, upstream, chatReq, abort.signal);
    });
  });

  router.post('/v1/messages/count_tokens', clientAuth(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const raw = await readRawBody(ctx);
    const req = validated(parseCountTokensRequest(parseJson(raw)));
    const model = typeof req.model === 'string' ? req.model : '';
    const plan = planRoute(deps.settings(), { api: 'messages', model, thinking: false, inputTokens: () => 0 });
    // A route led by an `anthropic` provider asks it (and its other `anthropic` targets); otherwise, or when none
    // of them can answer, the count is local.
    const forwarded = plan.ok && plan.targets[0]!.provider.kind === 'anthropic' ? plan.targets.filter((t) => t.provider.kind === 'anthropic') : [];
    if (forwarded.length > 0) {
      const abort = abortOnClose(ctx);
      const info: ExchangeInfo = { endpoint: '/v1/messages', model, backendModel: model, stream: false };
      let outcome;
      try {
        outcome = await sendToProviders(deps, ctx, info, forwarded, (target, upstream) =>
          forwardMessages(deps.upstream, upstream, 'count_tokens', raw, target.model, ctx.req.headers, { signal: abort.signal }),
        );
      } catch (err) {
        throw upstreamAppError(err);
      }
      if (outcome.kind === 'answer') {
        await answerForwarded(ctx, outcome.res, { clientSignal: abort.signal, estimateInput: () => 0 });
        return;
      }
      if (outcome.kind === 'error' && classifyStatus(outcome.status, outcome.text) !== 'fail') {
        answerForwardedError(ctx, outcome.status, outcome.headers, outcome.text);
        return;
      }
      ctx.remove(PROVIDER_HEADER);
    }
    ctx.body = { input_tokens: countTokens(req) };
  });
  return router;
}

/** An error answer already read (failover reads it to decide), as a response whose body is that text again. */
function errorResponse(status: number, headers: IncomingHttpHeaders, text: string): UpstreamResponse {
  return { status, headers, body: Readable.from([Buffer.from(text)]) };
}

/** `fn()` on the next turn of the event loop, after the writes started in this one went out. */
function onNextTurn<T>(fn: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    }),
  );
}

/** The parsed request, or a 400 naming the failing field. */
function validated<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new AppError(400, 'invalid_request', result.message);
  return result.value;
}
