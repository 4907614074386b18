/**
 * The Anthropic Messages API on an OpenAI-compatible backend:
 *
 * - `POST /v1/messages` (also `?beta=true`, as Claude Code sends it): parse → route → call → answer. The body is
 *   read through the fast path (body/: 400 `invalid_request_error` naming the field); {@link resolveTarget} picks
 *   the backend and model; the request is translated by main/translate and sent by {@link callBackend}; the answer
 *   is translated back by messages-answer.ts (JSON, or SSE events written as each backend chunk arrives). Usage is
 *   recorded once, when the exchange ends (usage-record.ts; endpoint `/v1/messages`), marked estimated when the
 *   backend reported none: `input_tokens` as the whole prompt (cached tokens included, as on
 *   `/v1/chat/completions`), the cached part in `cache_read_input_tokens`.
 * - `POST /v1/messages/count_tokens`: `{input_tokens}` counted locally; the backend is not asked.
 * A request carrying Anthropic's web search tool is answered by the proxy's search loop (web-search/).
 * PDF documents become their text first (documents/resolve-documents.ts), so both count what is sent.
 */
import Router from '@koa/router';
import type { Settings } from '../../../shared/types';
import { redactSecrets } from '../../../shared/redact';
import { configuredSecrets, missingBackendMessage } from '../../core/config';
import {
  chatRequestOptions,
  countTokens,
  estimateTokens,
  parseCountTokensRequest,
  parseMessagesRequest,
  resolveModel,
  TEXT_STRINGS,
  toChatRequest,
} from '../../translate';
import type { AnthropicAnyTool, ChatCompletionRequest, MessagesRequest, ResolvedModel } from '../../translate';
import type { UpstreamResponse } from '../../upstream/client';
import { clientAuth } from '../auth';
import { encodeChatRequest, FastPath, parseJson, readRawBody, textOf } from '../body';
import type { BodyContract } from '../body';
import { abortOnClose } from '../client-gone';
import type { AppDeps, AuthedState } from '../context';
import { resolveDocuments } from '../documents/resolve-documents';
import { sessionIdOf } from '../session-id';
import { AppError, upstreamAppError } from '../errors';
import { keyLimits } from '../key-limits';
import { answerMessages } from '../messages-answer';
import { retryWithoutToolChoice } from '../tool-choice-fallback';
import { recordExchange } from '../usage-record';
import { answerWithWebSearch, webSearchToolOf } from '../web-search/search-loop';

export { PING_INTERVAL_MS } from '../messages-answer';

/** `/v1/messages` bodies: Anthropic's request schema, tool definitions in `tools`. */
export const MESSAGES_BODY: BodyContract<MessagesRequest, AnthropicAnyTool> = {
  check: parseMessagesRequest,
  tools: (req) => req.tools,
  setTools: (req, tools) => {
    req.tools = tools as AnthropicAnyTool[];
  },
};

/** Where a request goes: the settings it is sent with and the backend model. */
export interface Target {
  settings: Settings;
  resolved: ResolvedModel;
}

/** The routes `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
export function messagesRoutes(deps: AppDeps): Router<AuthedState> {
  const router = new Router<AuthedState>();
  const bodies = new FastPath(MESSAGES_BODY);
  router.post('/v1/messages', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const { request: body, strings } = await bodies.read(ctx);
    const model = textOf(body.model);
    const target = resolveTarget(deps.settings(), model);
    const abort = abortOnClose(ctx);
    const request = await resolveDocuments(body, { strings, pdfAsFile: target.settings.pdf_input === 'file', signal: abort.signal });
    const session = target.settings.prompt_cache_key ? sessionIdOf(ctx) : null;
    const chatReq = toChatRequest(request, { ...chatRequestOptions(target.settings, target.resolved, strings), ...(session ? { promptCacheKey: session } : {}) });
    const info = { endpoint: '/v1/messages' as const, model, backendModel: target.resolved.model, stream: chatReq.stream };
    await recordExchange(deps, ctx, info, async () => {
      if (webSearchToolOf(request)) {
        const send = (req: ChatCompletionRequest): Promise<UpstreamResponse> => callBackend(deps, target, req, abort.signal);
        const chatOptions = chatRequestOptions(target.settings, target.resolved, strings);
        const estimatedInput = estimateTokens(request, strings);
        return answerWithWebSearch(ctx, { request, strings, chatOptions, model, estimatedInput, settings: deps.settings(), send, signal: abort.signal });
      }
      const answer = callBackend(deps, target, chatReq, abort.signal);
      answer.catch(() => undefined); // awaited below; until then a failure must not count as an unhandled rejection
      // Counted while the backend works, once the request is on the wire: it is first needed for message_start.
      const estimatedInput = await onNextTurn(() => estimateTokens(request, strings));
      const upstream = await answer;
      const stopSequences = (request.stop_sequences ?? []).map(textOf);
      const redact = (text: string): string => redactSecrets(text, configuredSecrets(deps.settings()));
      const thinkTags = target.settings.think_tags;
      return answerMessages(ctx, { model, estimatedInput, stopSequences, redact, thinkTags }, upstream, chatReq, abort.signal);
    });
  });

  router.post('/v1/messages/count_tokens', clientAuth(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const parsed = validated(parseCountTokensRequest(parseJson(await readRawBody(ctx))));
    const settings = deps.settings();
    const req = await resolveDocuments(parsed, { strings: TEXT_STRINGS, pdfAsFile: settings.pdf_input === 'file' });
    ctx.body = { input_tokens: countTokens(req) };
  });
  return router;
}

/** The backend and model for a request for `model`: 503 when no backend (or no default model) is configured. */
export function resolveTarget(settings: Settings, model: string): Target {
  const resolved = resolveModel(model, settings.model_routes, settings.default_model);
  const missing = missingBackendMessage(settings, { needModel: resolved.model === '' });
  if (missing) throw new AppError(503, 'backend_not_configured', missing, { type: 'api_error' });
  return { settings, resolved };
}

/** Sends the translated request to the target; resolves with the backend's answer once its headers arrive. */
export async function callBackend(
  deps: Pick<AppDeps, 'upstream'>,
  target: Target,
  chatReq: ChatCompletionRequest,
  signal: AbortSignal,
): Promise<UpstreamResponse> {
  const send = (req: ChatCompletionRequest): Promise<UpstreamResponse> =>
    deps.upstream.postChat(target.settings, encodeChatRequest(req), { signal, stream: req.stream });
  try {
    return await retryWithoutToolChoice(await send(chatReq), chatReq, send);
  } catch (err) {
    throw upstreamAppError(err);
  }
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
