/**
 * `POST /v1/chat/completions`: OpenAI-format pass-through to `${backend_url}/chat/completions`; parse → route →
 * call → answer.
 *
 * The client's InfiniProxy key is replaced by the backend key; the model is changed only when a model route
 * matches it. Answers stream through chunk by chunk as they arrive (pass-through.ts). For usage accounting a
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
import { configuredSecrets, missingBackendMessage } from '../../core/config';
import { findModelRoute } from '../../translate/model-map';
import { clientAuth } from '../auth';
import { abortOnClose } from '../client-gone';
import { bytesOf, FastPath, rewriteBody, textOf, withFirstMember } from '../body';
import type { BodyContract, FastBody } from '../body';
import { estimateChatInputTokens } from '../chat-usage-estimate';
import type { AppDeps, AuthedState } from '../context';
import { AppError, upstreamAppError } from '../errors';
import { keyLimits } from '../key-limits';
import { passThrough } from '../pass-through';
import { recordExchange } from '../usage-record';
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
 * Decides what to send to the backend for a checked body. Pure. The body's strings stay UTF-8 bytes: a changed body
 * is written back without decoding them.
 */
export function prepareChatRequest(read: FastBody<CheckedChatRequest>, routes: Parameters<typeof findModelRoute>[0]): ChatRequest {
  const body = read.json;
  const model = typeof body.model === 'string' ? textOf(body.model) : '';
  const route = model ? findModelRoute(routes, model) : undefined;
  const stream = body.stream === true;
  const options = isRecord(body.stream_options) ? body.stream_options : undefined;
  const clientWantsUsage = options?.include_usage === true;
  const addUsage = stream && !clientWantsUsage;
  const prepared = { model, backendModel: route?.model ?? model, stream, clientWantsUsage, read };
  if (!route && !addUsage) return { ...prepared, body: read.raw };
  // The usual case (SDKs do not ask for usage by default): the client's bytes with the member put first.
  if (!route && !('stream_options' in body)) return { ...prepared, body: withFirstMember(read.raw, ASK_USAGE) };
  const changes: Record<string, unknown> = {};
  if (route?.model) changes.model = bytesOf(route.model);
  if (addUsage) changes.stream_options = { ...options, include_usage: true };
  return { ...prepared, body: rewriteBody(read, changes) };
}

/** The pass-through route `POST /v1/chat/completions`. */
export function chatRoutes(deps: AppDeps): Router<AuthedState> {
  const router = new Router<AuthedState>();
  const bodies = new FastPath(CHAT_BODY);
  router.post('/v1/chat/completions', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'openai';
    const settings = deps.settings();
    const missing = missingBackendMessage(settings, { needModel: false });
    if (missing) throw new AppError(503, 'backend_not_configured', missing);
    const req = prepareChatRequest(await bodies.read(ctx), settings.model_routes);

    const abort = abortOnClose(ctx);
    const info = { endpoint: '/v1/chat/completions' as const, model: req.model, backendModel: req.backendModel, stream: req.stream };
    await recordExchange(deps, ctx, info, async () => {
      let upstream;
      try {
        upstream = await deps.upstream.postChat(settings, req.body, { signal: abort.signal, stream: req.stream });
      } catch (err) {
        throw upstreamAppError(err);
      }
      return passThrough(ctx, upstream, {
        clientWantsUsage: req.clientWantsUsage,
        estimateInput: () => estimateChatInputTokens(req.read.request, req.read.strings),
        clientSignal: abort.signal,
        redact: (text) => redactSecrets(text, configuredSecrets(settings)),
      });
    });
  });
  return router;
}
