/**
 * `POST /v1/chat/completions`: OpenAI-format pass-through to the `openai` providers' `/chat/completions`; parse →
 * route → call → answer.
 *
 * The route's targets (provider-dispatch.ts; `anthropic` providers never take this API) are tried in turn with
 * failover before the first byte. The client's InfiniProxy key is replaced by the provider's key; the model is
 * changed only when the target's differs (a model route, or `provider/model` naming a provider). Answers stream through chunk by chunk as they arrive (pass-through.ts). For usage accounting a
 * streamed request gets `stream_options.include_usage` added when the client did not ask for it, and that usage-only
 * chunk is removed from what the client receives. Backend error answers in JSON pass through with their status and
 * body; an HTML or plain-text error page becomes an OpenAI error with the same status (backend-error-page.ts).
 *
 * Before anything is forwarded the key's limits are applied (429, key-limits.ts) and the body is checked against the
 * Chat Completions schema (400 naming the field, `param` set to its path) through the fast path (body/). What is sent
 * is still the client's bytes when nothing must change. Usage is recorded once, when the exchange ends; when the
 * backend reports none, input and output tokens are estimated from the texts and recorded as `usage_estimated`.
 */
import Router from '@koa/router';
import { isRecord } from '../../../shared/json';
import { redactSecrets } from '../../../shared/redact';
import { configuredSecrets } from '../../core/config';
import { clientAuth } from '../auth';
import { abortOnClose } from '../client-gone';
import { bytesOf, FastPath, rewriteBody, textOf, withFirstMember } from '../body';
import type { BodyContract, FastBody } from '../body';
import { estimateChatInputTokens } from '../chat-usage-estimate';
import type { AppDeps, AuthedState } from '../context';
import { upstreamAppError } from '../errors';
import { keyLimits } from '../key-limits';
import { passThrough } from '../pass-through';
import { asUpstreamResponse, routeTargets, sendToProviders } from '../provider-dispatch';
import { recordExchange } from '../usage-record';
import type { ExchangeInfo } from '../usage-record';
import { parseChatRequest } from '../../translate/chat-schema';
import type { ChatRequest as CheckedChatRequest } from '../../translate/chat-schema';

/** The member that asks a backend for the usage chunk, as it is put into a body that has no `stream_options`. */
const ASK_USAGE = Buffer.from('"stream_options":{"include_usage":true},');

type ChatToolDefinition = NonNullable<CheckedChatRequest['tools']>[number];

/** `/v1/chat/completions` bodies: the Chat Completions request schema, tool definitions in `tools`. */
export const CHAT_BODY: BodyContract<CheckedChatRequest, ChatToolDefinition> = {
  check: parseChatRequest,
  tools: (req) => req.tools ?? undefined,
  setTools: (req, tools) => {
    req.tools = [...tools];
  },
};

/** What the route learned from the request body. */
export interface ChatRequest {
  model: string;
  backendModel: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (so it is kept). */
  clientWantsUsage: boolean;
  /** The body sent to the backend (the client's bytes when nothing had to change). */
  body: Buffer;
  /** The request as the schema checked it, strings as byte strings (for estimating usage when the backend reports none). */
  read: FastBody<CheckedChatRequest>;
}

/**
 * Decides what to send to the backend for a checked body, the model replaced by `backendModel` when that differs.
 * Pure. The body's strings stay UTF-8 bytes: a changed body is written back without decoding them.
 */
export function prepareChatRequest(read: FastBody<CheckedChatRequest>, backendModel?: string): ChatRequest {
  const body = read.json;
  const model = typeof body.model === 'string' ? textOf(body.model) : '';
  const mapped = backendModel !== undefined && backendModel !== model ? backendModel : undefined;
  const stream = body.stream === true;
  const options = isRecord(body.stream_options) ? body.stream_options : undefined;
  const clientWantsUsage = options?.include_usage === true;
  const addUsage = stream && !clientWantsUsage;
  const prepared = { model, backendModel: mapped ?? model, stream, clientWantsUsage, read };
  if (!mapped && !addUsage) return { ...prepared, body: read.raw };
  // The usual case (SDKs do not ask for usage by default): the client's bytes with the member put first.
  if (!mapped && !('stream_options' in body)) return { ...prepared, body: withFirstMember(read.raw, ASK_USAGE) };
  const changes: Record<string, unknown> = {};
  if (mapped) changes.model = bytesOf(mapped);
  if (addUsage) changes.stream_options = { ...options, include_usage: true };
  return { ...prepared, body: rewriteBody(read, changes) };
}

/** The pass-through route `POST /v1/chat/completions`. */
export function chatRoutes(deps: AppDeps): Router<AuthedState> {
  const router = new Router<AuthedState>();
  const bodies = new FastPath(CHAT_BODY);
  router.post('/v1/chat/completions', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'openai';
    const read = await bodies.read(ctx);
    const clientModel = typeof read.json.model === 'string' ? textOf(read.json.model) : '';
    const effort = typeof read.json.reasoning_effort === 'string' ? textOf(read.json.reasoning_effort) : 'none';
    const maxTokens = [read.json.max_completion_tokens, read.json.max_tokens].find((v): v is number => typeof v === 'number');
    let estimate: number | undefined;
    const estimateInput = (): number => (estimate ??= estimateChatInputTokens(read.request, read.strings));
    const targets = routeTargets(deps.settings(), {
      api: 'chat',
      model: clientModel,
      thinking: effort !== 'none' && effort !== 'minimal',
      ...(maxTokens !== undefined ? { maxTokens } : {}),
      inputTokens: estimateInput,
    });
    const first = prepareChatRequest(read, targets[0]!.model);

    const abort = abortOnClose(ctx);
    const info: ExchangeInfo = { endpoint: '/v1/chat/completions', model: first.model, backendModel: first.backendModel, stream: first.stream };
    await recordExchange(deps, ctx, info, async () => {
      let outcome;
      try {
        outcome = await sendToProviders(deps, ctx, info, targets, (target, upstream) => {
          const req = target === targets[0] ? first : prepareChatRequest(read, target.model);
          return deps.upstream.postChat(upstream, req.body, { signal: abort.signal, stream: first.stream });
        });
      } catch (err) {
        throw upstreamAppError(err);
      }
      if (outcome.kind === 'unreachable') throw upstreamAppError(outcome.error);
      const upstream = outcome.kind === 'answer' ? outcome.res : asUpstreamResponse(outcome);
      return passThrough(ctx, upstream, {
        clientWantsUsage: first.clientWantsUsage,
        estimateInput,
        clientSignal: abort.signal,
        redact: (text) => redactSecrets(text, configuredSecrets(deps.settings())),
      });
    });
  });
  return router;
}
