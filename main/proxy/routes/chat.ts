/**
 * `POST /v1/chat/completions`: OpenAI-format pass-through to `${backend_url}/chat/completions`.
 *
 * The client's InfiniProxy key is replaced by the backend key; the model is changed only when a model route
 * matches it. Answers stream through chunk by chunk as they arrive. For usage accounting a streamed request gets
 * `stream_options.include_usage` added when the client did not ask for it, and that usage-only chunk is removed
 * from what the client receives. Backend error answers in JSON pass through with their status and body; an HTML or
 * plain-text error page becomes an OpenAI error with the same status (backend-error-page.ts).
 *
 * Before anything is forwarded the key's limits are applied (429, key-limits.ts) and the body is checked against the
 * Chat Completions schema (400 naming the field, `param` set to its path). The check reads the parsed body; what
 * is sent is still the client's bytes when nothing must change. When the backend reports no usage, input and output
 * tokens are estimated from the texts and recorded as `usage_estimated`.
 */
import Router from '@koa/router';
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import { configuredSecrets, missingBackendMessage } from '../../core/config';
import { redactSecrets } from '../../../shared/redact';
import { readBounded } from '../../upstream/read-bounded';
import { bytesOf, encodeJsonBytes, encodeJsonBytesWith, textOf } from '../../translate/byte-strings';
import { findModelRoute } from '../../translate/model-map';
import { tokensForBytes } from '../../translate/tokens';
import { JsonUsageTap, SseUsageTap } from '../../upstream/usage-tap';
import type { ChatUsage } from '../../upstream/usage-tap';
import { clientAuth } from '../auth';
import { backendPageError, isJsonType, readErrorPage } from '../backend-error-page';
import { completionTextBytes, estimateChatInputTokens, SseOutputCounter } from '../chat-usage-estimate';
import type { AppDeps, ProxyContext, ProxyRouter, ProxyState } from '../context';
import { recordExchange } from '../usage-record';
import { AppError, upstreamAppError } from '../errors';
import { isRecord, parseJsonObject, readRawBody } from '../http-body';
import { KeptTools, parseWithKeptTools } from '../kept-tools';
import { keyLimits } from '../key-limits';
import { parseChatRequest } from '../validate/chat-request';
import type { ChatRequest as CheckedChatRequest } from '../validate/chat-request';

/** Response headers of the backend not forwarded (hop-by-hop, recomputed, or ours). */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'content-encoding',
  'te',
  'trailer',
  'upgrade',
  'date',
  'server',
  'set-cookie',
  'request-id',
]);

/** The most of a backend's JSON error body read (the rest is discarded). */
const MAX_ERROR_BODY = 1024 * 1024;

/** The member that asks a backend for the usage chunk, as it is put into a body that has no `stream_options`. */
const ASK_USAGE = Buffer.from('"stream_options":{"include_usage":true},');

/** What the route learned from the request body. */
interface ChatRequest {
  model: string;
  backendModel: string;
  stream: boolean;
  /** The client asked for the usage chunk itself (so it is kept). */
  clientWantsUsage: boolean;
  /** The body sent to the backend (the client's bytes when nothing had to change). */
  body: Buffer;
  /** The request as the schema checked it, strings as byte strings (for estimating usage when the backend reports none). */
  checked: CheckedChatRequest;
}

/**
 * Reads the client's body, checks it, and decides what to send to the backend. Pure but for the thrown 400s. The
 * body's strings stay UTF-8 bytes (translate/byte-strings.ts): a changed body is written back without decoding them.
 */
export function prepareChatRequest(
  raw: Buffer,
  routes: Parameters<typeof findModelRoute>[0],
  keyId = '',
  keptTools = new KeptTools<ChatToolDefinition>(),
): ChatRequest {
  const read = parseWithKeptTools(raw, keyId, keptTools);
  if (!isRecord(read.json)) throw new AppError(400, 'invalid_request', 'The request body must be a JSON object.');
  const body = read.json;
  const parsed = parseChatRequest(body);
  if (!parsed.ok) {
    // The message may quote the offending value: take it from the body read as text.
    const asText = parseChatRequest(parseJsonObject(raw));
    const { message, param } = asText.ok ? parsed : asText;
    throw new AppError(400, 'invalid_request', message, { param });
  }
  const checked = parsed.value;
  if (read.kept) checked.tools = [...read.kept];
  else read.keep(checked.tools ?? undefined);
  const model = typeof body.model === 'string' ? textOf(body.model) : '';
  const route = model ? findModelRoute(routes, model) : undefined;
  const stream = body.stream === true;
  const options = isRecord(body.stream_options) ? body.stream_options : undefined;
  const clientWantsUsage = options?.include_usage === true;
  const addUsage = stream && !clientWantsUsage;
  if (!route && !addUsage) return { model, backendModel: model, stream, clientWantsUsage, body: raw, checked };
  if (!route && !('stream_options' in body)) {
    // The usual case (SDKs do not ask for usage by default): the client's bytes with the member put first.
    const open = raw.indexOf('{') + 1;
    return { model, backendModel: model, stream, clientWantsUsage, body: Buffer.concat([raw.subarray(0, open), ASK_USAGE, raw.subarray(open)]), checked };
  }
  const changes: Record<string, unknown> = {};
  if (route?.model) changes.model = bytesOf(route.model);
  if (addUsage) changes.stream_options = { ...options, include_usage: true };
  // The tools go out as the client wrote them: they may have been kept rather than parsed.
  const { tools: _parsed, ...rest } = body;
  const encoded =
    read.toolsText === undefined ? encodeJsonBytes({ ...body, ...changes }) : encodeJsonBytesWith({ ...rest, ...changes }, 'tools', read.toolsText);
  return { model, backendModel: route?.model ?? model, stream, clientWantsUsage, body: encoded, checked };
}

type ChatToolDefinition = NonNullable<CheckedChatRequest['tools']>[number];

/** The pass-through route `POST /v1/chat/completions`. */
export function chatRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  const keptTools = new KeptTools<ChatToolDefinition>();
  router.post('/v1/chat/completions', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'openai';
    const settings = deps.settings();
    const missing = missingBackendMessage(settings, { needModel: false });
    if (missing) throw new AppError(503, 'backend_not_configured', missing);
    const req = prepareChatRequest(await readRawBody(ctx), settings.model_routes, String(ctx.state.key?.id), keptTools);

    const abort = new AbortController();
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) abort.abort();
    });
    let upstream;
    try {
      upstream = await deps.upstream.postChat(settings, req.body, { signal: abort.signal, stream: req.stream });
    } catch (err) {
      const error = upstreamAppError(err);
      record(deps, ctx, req, error.status, null, error.message);
      throw error;
    }

    const contentType = String(upstream.headers['content-type'] ?? '');
    const sse = /^text\/event-stream/i.test(contentType);
    if (upstream.status >= 400 && !sse && !isJsonType(contentType)) {
      // An HTML or plain-text error page: an OpenAI error the client's SDK can read instead.
      let error: AppError;
      try {
        const text = redactSecrets(await readErrorPage(upstream.body), configuredSecrets(settings));
        error = backendPageError(upstream.status, contentType, text, headerValue(upstream.headers['retry-after']));
      } catch (err) {
        error = upstreamAppError(err);
      }
      record(deps, ctx, req, error.status, null, error.message.slice(0, 500));
      throw error;
    }

    if (upstream.status >= 400 && !sse) {
      // A JSON error: read whole (bounded) so a backend key it quotes is masked before it is relayed or recorded.
      let text: string;
      try {
        text = redactSecrets((await readBounded(upstream.body, MAX_ERROR_BODY)).text, configuredSecrets(settings));
      } catch (err) {
        const error = upstreamAppError(err);
        record(deps, ctx, req, error.status, null, error.message);
        throw error;
      }
      ctx.status = upstream.status;
      forwardHeaders(ctx, upstream.headers);
      ctx.body = Buffer.from(text);
      record(deps, ctx, req, upstream.status, null, errorMessageOf(parseJsonText(text), upstream.status));
      return;
    }

    ctx.status = upstream.status;
    forwardHeaders(ctx, upstream.headers);
    if (sse) {
      ctx.set('cache-control', 'no-cache');
      ctx.set('x-accel-buffering', 'no');
    }
    const tap = sse ? new SseUsageTap({ stripUsageChunk: !req.clientWantsUsage }) : new JsonUsageTap();
    const counter = sse ? new SseOutputCounter() : null;
    /** The reported usage; else, for an answer the backend generated, an estimate. */
    const usage = (): Usage | null => {
      if (tap.usage || upstream.status >= 400) return tap.usage ? { ...tap.usage, estimated: false } : null;
      const outputBytes = counter ? counter.bytes : completionTextBytes(tap instanceof JsonUsageTap ? tap.json : undefined);
      return estimatedUsage(req, outputBytes);
    };
    const done = (err: Error | null): void => {
      if (err) {
        const clientGone = abort.signal.aborted;
        record(deps, ctx, req, clientGone ? 499 : 502, usage(), clientGone ? 'client closed the connection' : err.message);
        return;
      }
      const error = upstream.status >= 400 ? errorMessageOf(tap instanceof JsonUsageTap ? tap.json : undefined, upstream.status) : null;
      record(deps, ctx, req, upstream.status, usage(), error);
    };
    if (counter) pipeline(upstream.body, counter, tap, done);
    else pipeline(upstream.body, tap, done);
    ctx.body = tap;
  });
  return router;
}

function forwardHeaders(ctx: ProxyContext, headers: IncomingHttpHeaders): void {
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    ctx.set(name, value);
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The backend's error message (OpenAI shape) for the request log. */
function errorMessageOf(json: unknown, status: number): string {
  if (isRecord(json) && isRecord(json.error) && typeof json.error.message === 'string') {
    return `backend ${status}: ${json.error.message}`.slice(0, 500);
  }
  return `backend ${status}`;
}

function parseJsonText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Token counts as recorded: the backend's, or estimated when it sent none. */
type Usage = ChatUsage & { estimated: boolean };

/** Usage estimated from the request's texts and the generated text's bytes. */
function estimatedUsage(req: ChatRequest, outputBytes: number): Usage {
  return {
    prompt_tokens: estimateChatInputTokens(req.checked, 'bytes'),
    completion_tokens: tokensForBytes(outputBytes),
    cached_tokens: 0,
    estimated: true,
  };
}

function record(deps: AppDeps, ctx: ProxyContext, req: ChatRequest, status: number, usage: Usage | null, error: string | null): void {
  recordExchange(deps, ctx, {
    endpoint: '/v1/chat/completions',
    model: req.model,
    backendModel: req.backendModel,
    stream: req.stream,
    status,
    tokens: usage ? { input: usage.prompt_tokens, output: usage.completion_tokens, cacheRead: usage.cached_tokens } : null,
    estimated: usage?.estimated ?? false,
    error,
  });
}
