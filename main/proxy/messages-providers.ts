/**
 * `/v1/messages` and `count_tokens` on the route's providers, in each provider's dialect: an `openai` provider gets
 * the request translated (main/translate, its own quirks and model) and its answer translated back
 * (messages-answer.ts); an `anthropic` provider gets the client's bytes (model mapped, `max_tokens` capped when a
 * cap applies, its key, the client's version and betas) and its answer passes through (forwarded-answer.ts).
 * Failover between them is provider-dispatch.ts's.
 */
import { chatRequestOptions, toChatRequest } from '../translate';
import type { ChatCompletionRequest, ChatRequestOptions, MessagesRequest } from '../translate';
import type { StringForm } from '../translate/strings';
import type { BackendTarget } from '../upstream/client';
import type { UpstreamResponse } from '../upstream/client';
import { clampMaxTokens } from '../translate/request';
import { classifyStatus } from '../providers/failover';
import type { FailoverOutcome } from '../providers/failover';
import { planRoute } from '../providers/routing';
import type { Target } from '../providers/routing';
import { forwardMessages } from '../upstream/anthropic-forward';
import { encodeChatRequest } from './body';
import type { FastBody } from './body';
import { abortOnClose } from './client-gone';
import type { AppDeps, AuthedContext } from './context';
import { upstreamAppError } from './errors';
import { answerForwarded, answerForwardedError } from './forwarded-answer';
import { answerMessages } from './messages-answer';
import type { AnswerContext } from './messages-answer';
import { asUpstreamResponse, PROVIDER_HEADER, sendToProviders } from './provider-dispatch';
import { sessionIdOf } from './session-id';
import { retryWithoutToolChoice } from './tool-choice-fallback';
import type { ExchangeInfo, ExchangeOutcome } from './usage-record';
import { answerWithWebSearch } from './web-search/search-loop';

/** Where a request went: the failover's outcome, and the translated request each `openai` target was sent. */
export interface MessagesSent {
  outcome: FailoverOutcome;
  chatRequests: ReadonlyMap<Target, ChatCompletionRequest>;
}

/** Sends a checked Messages request to `targets` with failover; resolves once one answered (its headers). */
export async function sendMessages(
  deps: Pick<AppDeps, 'settings' | 'health' | 'upstream'>,
  ctx: AuthedContext,
  info: ExchangeInfo,
  targets: readonly Target[],
  read: FastBody<MessagesRequest>,
  signal: AbortSignal,
): Promise<MessagesSent> {
  const { request, strings } = read;
  const stream = request.stream === true;
  const chatRequests = new Map<Target, ChatCompletionRequest>();
  const outcome = await sendToProviders(deps, ctx, info, targets, (target, upstream) => {
    if (target.provider.kind === 'anthropic') {
      const capped = clampMaxTokens(request.max_tokens, target.maxTokens, target.provider.max_tokens_cap);
      const opts = { signal, stream, ...(capped !== request.max_tokens ? { maxTokens: capped } : {}) };
      return forwardMessages(deps.upstream, upstream, 'messages', read.raw, target.model, ctx.req.headers, opts);
    }
    const session = target.provider.prompt_cache_key ? sessionIdOf(ctx) : null;
    const chatReq = toChatRequest(request, { ...chatOptionsFor(target, strings), ...(session ? { promptCacheKey: session } : {}) });
    chatRequests.set(target, chatReq);
    return postChat(deps.upstream, upstream, chatReq, signal);
  });
  return { outcome, chatRequests };
}

/** The translation options for an `openai` target: its provider's quirks, its model and output cap. */
function chatOptionsFor(target: Target, strings: StringForm): ChatRequestOptions {
  const resolved = target.maxTokens !== undefined ? { model: target.model, maxTokens: target.maxTokens } : { model: target.model };
  return chatRequestOptions(target.provider, resolved, strings);
}

/** Posts a translated request; a 400 refusing its `tool_choice` is sent once more without it (tool-choice-fallback.ts). */
async function postChat(client: AppDeps['upstream'], upstream: BackendTarget, chatReq: ChatCompletionRequest, signal: AbortSignal): Promise<UpstreamResponse> {
  const send = (req: ChatCompletionRequest): Promise<UpstreamResponse> => client.postChat(upstream, encodeChatRequest(req), { signal, stream: req.stream === true });
  return retryWithoutToolChoice(await send(chatReq), chatReq, send);
}

/** What the web search loop needs of the request. */
export interface WebSearchRequest {
  request: MessagesRequest;
  strings: StringForm;
  /** The model the client asked for. */
  model: string;
  estimatedInput: number;
}

/**
 * A request carrying Anthropic's web search tool, answered by the proxy's search loop (web-search/) on the route's
 * `openai` targets: each backend round goes to them with failover, in the first one's dialect and each one's model.
 */
export function answerWebSearch(
  deps: Pick<AppDeps, 'settings' | 'health' | 'upstream'>,
  ctx: AuthedContext,
  info: ExchangeInfo,
  targets: readonly Target[],
  w: WebSearchRequest,
  signal: AbortSignal,
): Promise<ExchangeOutcome> {
  const openai = targets.filter((t) => t.provider.kind === 'openai');
  const send = async (req: ChatCompletionRequest): Promise<UpstreamResponse> => {
    const outcome = await sendToProviders(deps, ctx, info, openai, (target, upstream) => postChat(deps.upstream, upstream, { ...req, model: target.model }, signal));
    if (outcome.kind === 'unreachable') throw upstreamAppError(outcome.error);
    return outcome.kind === 'answer' ? outcome.res : asUpstreamResponse(outcome);
  };
  const chatOptions = chatOptionsFor(openai[0]!, w.strings);
  return answerWithWebSearch(ctx, { ...w, chatOptions, settings: deps.settings(), send, signal });
}

/** Answers the client from where the request went; resolves when the answer is complete. */
export function answerFromProvider(
  ctx: AuthedContext,
  sent: MessagesSent,
  answer: AnswerContext,
  estimateInput: () => number,
  clientSignal: AbortSignal,
): Promise<ExchangeOutcome> {
  const { outcome } = sent;
  if (outcome.kind === 'unreachable') throw upstreamAppError(outcome.error);
  if (outcome.target.provider.kind === 'anthropic') {
    if (outcome.kind === 'error') return Promise.resolve(answerForwardedError(ctx, outcome.status, outcome.headers, outcome.text));
    return answerForwarded(ctx, outcome.res, { clientSignal, estimateInput });
  }
  const chatReq = sent.chatRequests.get(outcome.target)!;
  const upstream = outcome.kind === 'answer' ? outcome.res : asUpstreamResponse(outcome);
  return answerMessages(ctx, { ...answer, thinkTags: outcome.target.provider.think_tags }, upstream, chatReq, clientSignal);
}

/**
 * `count_tokens` at the route's `anthropic` providers when its first target is one; true when the client was
 * answered. False (count locally) otherwise, or when none of them could answer.
 */
export async function countTokensAtProvider(
  deps: Pick<AppDeps, 'settings' | 'health' | 'upstream'>,
  ctx: AuthedContext,
  raw: Buffer,
  model: string,
): Promise<boolean> {
  const plan = planRoute(deps.settings(), { api: 'messages', model, thinking: false, inputTokens: () => 0 });
  if (!plan.ok || plan.targets[0]!.provider.kind !== 'anthropic') return false;
  const targets = plan.targets.filter((t) => t.provider.kind === 'anthropic');
  const signal = abortOnClose(ctx).signal;
  // Not recorded (counting is free); the info only carries the provider for the header.
  const info: ExchangeInfo = { endpoint: '/v1/messages/count_tokens', model, backendModel: model, stream: false };
  const outcome = await sendToProviders(deps, ctx, info, targets, (target, upstream) =>
    forwardMessages(deps.upstream, upstream, 'count_tokens', raw, target.model, ctx.req.headers, { signal }),
  );
  if (outcome.kind === 'answer') {
    await answerForwarded(ctx, outcome.res, { clientSignal: signal, estimateInput: () => 0 });
    return true;
  }
  if (outcome.kind === 'error' && classifyStatus(outcome.status, outcome.text) !== 'fail') {
    answerForwardedError(ctx, outcome.status, outcome.headers, outcome.text);
    return true;
  }
  ctx.remove(PROVIDER_HEADER);
  return false;
}
