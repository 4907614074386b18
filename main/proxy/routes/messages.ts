/**
 * The Anthropic Messages API on an OpenAI-compatible backend:
 *
 * - `POST /v1/messages` (also `?beta=true`, as Claude Code sends it): the body is validated (400
 *   `invalid_request_error` naming the field), translated by main/translate into a Chat Completions request for the
 *   backend model its model route picks, and the answer translated back: JSON, or SSE events written as each backend
 *   chunk arrives. Backend errors become Anthropic errors with the backend's status (`retry-after` forwarded); a
 *   failure after the stream started becomes an `error` event. Usage is recorded for the key (endpoint
 *   `/v1/messages`), marked estimated when the backend reported none.
 * - `POST /v1/messages/count_tokens`: `{input_tokens}` counted locally; the backend is not asked.
 *
 * Usage is recorded with `input_tokens` as the whole prompt (cached tokens included, as on `/v1/chat/completions`)
 * and the cached part in `cache_read_input_tokens`.
 */
import Router from '@koa/router';
import { configuredSecrets, missingBackendMessage } from '../../core/config';
import { redactSecrets } from '../../../shared/redact';
import {
  chatRequestOptions,
  countTokens,
  estimateTokens,
  fromChatResponse,
  newMessageId,
  parseCountTokensRequest,
  parseMessagesRequest,
  resolveModel,
  responseAsChunk,
  StreamTranslator,
  toAnthropicError,
  toChatRequest,
} from '../../translate';
import type { AnthropicToolParam, AnthropicUsage, ChatCompletionRequest, ChatCompletionResponse, MessagesRequest } from '../../translate';
import { bytesOf, textOf } from '../../translate/byte-strings';
import { encodeChatRequest } from '../../translate/request';
import type { UpstreamResponse } from '../../upstream/client';
import { readBounded } from '../../upstream/read-bounded';
import { clientAuth } from '../auth';
import type { AppDeps, ProxyContext, ProxyRouter, ProxyState } from '../context';
import { recordExchange } from '../usage-record';
import { AppError, upstreamAppError } from '../errors';
import { parseJson, readRawBody } from '../http-body';
import { keyLimits } from '../key-limits';
import { KeptTools, parseWithKeptTools } from '../kept-tools';
import { pipeTranslatedStream } from '../translated-stream';

/** A `ping` goes out after this long without another event (tool calls are held until the backend finishes them). */
export const PING_INTERVAL_MS = 10_000;
/** The most of a backend's error body read (the rest is discarded). */
const MAX_ERROR_BODY = 1024 * 1024;
/** The largest non-streamed backend answer accepted. */
const MAX_ANSWER_BODY = 64 * 1024 * 1024;

/** One translated request in flight: what the answer's translation, the log and the usage record need (as text). */
interface Exchange {
  model: string;
  backendModel: string;
  stream: boolean;
  estimatedInput: number;
  stopSequences: string[];
}

interface Outcome {
  status: number;
  usage: AnthropicUsage | null;
  estimated: boolean;
  error: string | null;
}

/** The routes `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
export function messagesRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  const keptTools = new KeptTools<AnthropicToolParam>();
  router.post('/v1/messages', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    // The body's texts stay UTF-8 bytes, copied into the backend's request undecoded (translate/byte-strings.ts).
    const req = readMessagesBody(await readRawBody(ctx), String(ctx.state.key?.id), keptTools);
    const model = textOf(req.model);
    const settings = deps.settings();
    const resolved = resolveModel(model, settings.model_routes, settings.default_model);
    const missing = missingBackendMessage(settings, { needModel: resolved.model === '' });
    if (missing) throw new AppError(503, 'backend_not_configured', missing, { type: 'api_error' });

    const options = chatRequestOptions(settings, resolved);
    const chatReq = toChatRequest(req, { ...options, model: bytesOf(options.model), strings: 'bytes' });
    const abort = new AbortController();
    ctx.res.once('close', () => {
      if (!ctx.res.writableFinished) abort.abort();
    });

    const answer = deps.upstream.postChat(settings, encodeChatRequest(chatReq), { signal: abort.signal, stream: chatReq.stream });
    answer.catch(() => undefined); // awaited below; until then a failure must not count as an unhandled rejection
    const exchange: Exchange = {
      model,
      backendModel: resolved.model,
      stream: chatReq.stream,
      // Counted while the backend works, once the request is on the wire: it is first needed for message_start.
      estimatedInput: await onNextTurn(() => estimateTokens(req, 'bytes')),
      stopSequences: (req.stop_sequences ?? []).map(textOf),
    };
    let upstream: UpstreamResponse;
    try {
      upstream = await answer;
    } catch (err) {
      const error = upstreamAppError(err);
      record(deps, ctx, exchange, { status: error.status, usage: null, estimated: false, error: error.message });
      throw error;
    }

    if (upstream.status >= 400) {
      await answerBackendError(deps, ctx, exchange, upstream, chatReq);
    } else if (exchange.stream) {
      await answerStream(deps, ctx, exchange, upstream, abort.signal);
    } else {
      await answerJson(deps, ctx, exchange, upstream);
    }
  });

  router.post('/v1/messages/count_tokens', clientAuth(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const req = validated(parseCountTokensRequest(parseJson(await readRawBody(ctx))));
    ctx.body = { input_tokens: countTokens(req) };
  });
  return router;
}

/**
 * Parses and checks a `/v1/messages` body sent with API key `keyId`, its strings as byte strings
 * (translate/byte-strings.ts) and its tool definitions kept between requests (kept-tools.ts): 400 `invalid_json` or
 * `invalid_request` (naming the field, quoting values as text) when it is not a valid request.
 */
export function readMessagesBody(raw: Buffer, keyId: string, keptTools: KeptTools<AnthropicToolParam>): MessagesRequest {
  const body = parseWithKeptTools(raw, keyId, keptTools);
  const result = parseMessagesRequest(body.json);
  if (!result.ok) {
    // The message may quote the offending value: take it from the body read as text.
    const asText = parseMessagesRequest(parseJson(raw));
    throw new AppError(400, 'invalid_request', asText.ok ? result.message : asText.message);
  }
  const req = result.value;
  if (body.kept) req.tools = body.kept as AnthropicToolParam[];
  else body.keep(req.tools);
  return req;
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

/** A backend error status: translated into Anthropic's error (context overflow reworded), `retry-after` forwarded. */
async function answerBackendError(
  deps: AppDeps,
  ctx: ProxyContext,
  exchange: Exchange,
  upstream: UpstreamResponse,
  chatReq: ChatCompletionRequest,
): Promise<void> {
  const read = await readBounded(upstream.body, MAX_ERROR_BODY);
  // A backend may quote the key it was sent ("Incorrect API key provided: sk-…"): never relay or record it.
  const text = redactSecrets(read.text, configuredSecrets(deps.settings()));
  const translated = toAnthropicError(upstream.status, text, {
    inputTokens: exchange.estimatedInput,
    maxTokens: chatReq.max_tokens ?? chatReq.max_completion_tokens,
    requestId: ctx.state.requestId,
  });
  for (const name of ['retry-after', 'retry-after-ms', 'x-should-retry']) {
    const value = upstream.headers[name];
    if (typeof value === 'string') ctx.set(name, value);
  }
  ctx.status = translated.status;
  ctx.body = translated.body;
  record(deps, ctx, exchange, { status: translated.status, usage: null, estimated: false, error: translated.body.error.message });
}

/** A non-streamed answer: read whole, translated into one Message. */
async function answerJson(
  deps: AppDeps,
  ctx: ProxyContext,
  exchange: Exchange,
  upstream: UpstreamResponse,
): Promise<void> {
  const json = await readBackendAnswer(deps, ctx, exchange, upstream);
  const { message, usageEstimated } = fromChatResponse(json, {
    requestedModel: exchange.model,
    stopSequences: exchange.stopSequences,
    messageId: newMessageId(),
    estimatedInputTokens: exchange.estimatedInput,
  });
  ctx.body = message;
  record(deps, ctx, exchange, { status: 200, usage: message.usage, estimated: usageEstimated, error: null });
}

/** A streamed answer: SSE events written as the backend's chunks arrive (or, from a JSON answer, all at once). */
async function answerStream(
  deps: AppDeps,
  ctx: ProxyContext,
  exchange: Exchange,
  upstream: UpstreamResponse,
  clientSignal: AbortSignal,
): Promise<void> {
  const translator = new StreamTranslator({
    requestedModel: exchange.model,
    messageId: newMessageId(),
    estimatedInputTokens: exchange.estimatedInput,
    stopSequences: exchange.stopSequences,
    redact: (text) => redactSecrets(text, configuredSecrets(deps.settings())),
  });
  const sse = /^text\/event-stream/i.test(String(upstream.headers['content-type'] ?? ''));
  if (!sse) {
    // The backend ignored `stream: true` and answered JSON: translate it as one chunk.
    const json = await readBackendAnswer(deps, ctx, exchange, upstream);
    setStreamHeaders(ctx);
    ctx.body = translator.start() + translator.push(responseAsChunk(json)) + translator.finish();
    const { estimated, ...usage } = translator.usage;
    record(deps, ctx, exchange, { status: 200, usage, estimated, error: null });
    return;
  }

  // Events are written straight to the socket (no stream in between); the headers go with the first write.
  setStreamHeaders(ctx);
  ctx.respond = false;
  void pipeTranslatedStream(upstream.body, translator, ctx.res, {
    pingIntervalMs: PING_INTERVAL_MS,
    clientGone: () => clientSignal.aborted,
  }).then((result) => {
    const { estimated, ...usage } = result.usage;
    const status = clientSignal.aborted ? 499 : 200;
    record(deps, ctx, exchange, { status, usage, estimated, error: result.error });
  });
}

function setStreamHeaders(ctx: ProxyContext): void {
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('cache-control', 'no-cache');
  ctx.set('x-accel-buffering', 'no');
}

/**
 * A backend's whole JSON answer, parsed. A failure to read it (timeout, reset), an answer larger than
 * {@link MAX_ANSWER_BODY} or one that is not a JSON object is recorded and thrown as the client's error.
 */
async function readBackendAnswer(
  deps: AppDeps,
  ctx: ProxyContext,
  exchange: Exchange,
  upstream: UpstreamResponse,
): Promise<ChatCompletionResponse> {
  const fail = (error: AppError): never => {
    record(deps, ctx, exchange, { status: error.status, usage: null, estimated: false, error: error.message });
    throw error;
  };
  let read;
  try {
    read = await readBounded(upstream.body, MAX_ANSWER_BODY);
  } catch (err) {
    return fail(upstreamAppError(err));
  }
  if (read.truncated) {
    return fail(new AppError(502, 'bad_backend_answer', `The backend's answer is larger than ${MAX_ANSWER_BODY / 1024 / 1024} MB.`, { type: 'api_error' }));
  }
  const json = parseBackendJson(read.text);
  if (!json) {
    const quote = redactSecrets(read.text.slice(0, 4096), configuredSecrets(deps.settings())).slice(0, 200);
    const message = `The backend answered with something that is not a Chat Completions JSON object: ${quote}`;
    return fail(new AppError(502, 'bad_backend_answer', message, { type: 'api_error' }));
  }
  return json;
}

function parseBackendJson(text: string): ChatCompletionResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as ChatCompletionResponse) : undefined;
  } catch {
    return undefined;
  }
}

function record(deps: AppDeps, ctx: ProxyContext, exchange: Exchange, outcome: Outcome): void {
  const usage = outcome.usage;
  recordExchange(deps, ctx, {
    endpoint: '/v1/messages',
    model: exchange.model,
    backendModel: exchange.backendModel,
    stream: exchange.stream,
    status: outcome.status,
    tokens: usage
      ? { input: usage.input_tokens + usage.cache_read_input_tokens, output: usage.output_tokens, cacheRead: usage.cache_read_input_tokens }
      : null,
    estimated: outcome.estimated,
    error: outcome.error,
  });
}

