/**
 * How `/v1/messages` answers, once the backend has: a backend error as Anthropic's error, a JSON answer as one
 * Message, a streamed answer as SSE events written as the backend's chunks arrive (or, when the backend ignored
 * `stream: true`, all at once). Each strategy resolves with the exchange's outcome when its answer is complete;
 * the route records it (usage-record.ts). Failures to read the backend are thrown as the client's error.
 */
import {
  fromChatResponse,
  newMessageId,
  responseAsChunk,
  StreamTranslator,
  toAnthropicError,
} from '../translate';
import type { AnthropicUsage, ChatCompletionRequest, ChatCompletionResponse, TranslatedUsage } from '../translate';
import type { UpstreamResponse } from '../upstream/client';
import { readBounded } from '../upstream/read-bounded';
import { isRecord } from '../../shared/json';
import type { AuthedContext } from './context';
import { AppError, upstreamAppError } from './errors';
import { pipeTranslatedStream } from './translated-stream';
import type { ExchangeOutcome } from './usage-record';

/** A `ping` goes out after this long without another event (tool calls are held until the backend finishes them). */
export const PING_INTERVAL_MS = 10_000;
/** The most of a backend's error body read (the rest is discarded). */
const MAX_ERROR_BODY = 1024 * 1024;
/** The largest non-streamed backend answer accepted. */
const MAX_ANSWER_BODY = 64 * 1024 * 1024;

/** What the translation of the answer needs from the request (texts as text). */
export interface AnswerContext {
  /** The model the client asked for (the answer names it). */
  model: string;
  /** The input tokens estimated from the request (for `message_start`, and when the backend reports none). */
  estimatedInput: number;
  stopSequences: string[];
  /** Masks the configured backend keys in a text a backend sent (it may quote the key it was sent). */
  redact(text: string): string;
  /** `<think>…</think>` in the backend's content is thinking (the backend setting `think_tags`). */
  thinkTags?: boolean;
}

/** Answers the client from the backend's answer; resolves when the answer is complete. */
export function answerMessages(
  ctx: AuthedContext,
  answer: AnswerContext,
  upstream: UpstreamResponse,
  chatReq: ChatCompletionRequest,
  clientSignal: AbortSignal,
): Promise<ExchangeOutcome> {
  if (upstream.status >= 400) return answerBackendError(ctx, answer, upstream, chatReq);
  if (chatReq.stream) return answerStream(ctx, answer, upstream, clientSignal);
  return answerJson(ctx, answer, upstream);
}

/** A backend error status: translated into Anthropic's error (context overflow reworded), `retry-after` forwarded. */
export async function answerBackendError(
  ctx: AuthedContext,
  answer: AnswerContext,
  upstream: UpstreamResponse,
  chatReq: ChatCompletionRequest,
): Promise<ExchangeOutcome> {
  const read = await readBounded(upstream.body, MAX_ERROR_BODY);
  // A backend may quote the key it was sent ("Incorrect API key provided: sk-…"): never relay or record it.
  const text = answer.redact(read.text);
  const translated = toAnthropicError(upstream.status, text, {
    inputTokens: answer.estimatedInput,
    maxTokens: chatReq.max_tokens ?? chatReq.max_completion_tokens,
    requestId: ctx.state.requestId,
  });
  for (const name of ['retry-after', 'retry-after-ms', 'x-should-retry']) {
    const value = upstream.headers[name];
    if (typeof value === 'string') ctx.set(name, value);
  }
  ctx.status = translated.status;
  ctx.body = translated.body;
  return { status: translated.status, tokens: null, estimated: false, error: translated.body.error.message };
}

/** A non-streamed answer: read whole, translated into one Message. */
async function answerJson(ctx: AuthedContext, answer: AnswerContext, upstream: UpstreamResponse): Promise<ExchangeOutcome> {
  const json = await readBackendAnswer(upstream, answer.redact);
  const { message, usageEstimated } = fromChatResponse(json, {
    requestedModel: answer.model,
    stopSequences: answer.stopSequences,
    messageId: newMessageId(),
    estimatedInputTokens: answer.estimatedInput,
    thinkTags: answer.thinkTags === true,
  });
  ctx.body = message;
  return { status: 200, tokens: tokensOf(message.usage), estimated: usageEstimated, error: null };
}

/** A streamed answer: SSE events written as the backend's chunks arrive (or, from a JSON answer, all at once). */
async function answerStream(
  ctx: AuthedContext,
  answer: AnswerContext,
  upstream: UpstreamResponse,
  clientSignal: AbortSignal,
): Promise<ExchangeOutcome> {
  const translator = new StreamTranslator({
    requestedModel: answer.model,
    messageId: newMessageId(),
    estimatedInputTokens: answer.estimatedInput,
    stopSequences: answer.stopSequences,
    redact: answer.redact,
    thinkTags: answer.thinkTags === true,
  });
  const sse = /^text\/event-stream/i.test(String(upstream.headers['content-type'] ?? ''));
  if (!sse) {
    // The backend ignored `stream: true` and answered JSON: translate it as one chunk.
    const json = await readBackendAnswer(upstream, answer.redact);
    setStreamHeaders(ctx);
    ctx.body = translator.start() + translator.push(responseAsChunk(json)) + translator.finish();
    return { status: 200, tokens: tokensOf(translator.usage), estimated: translator.usage.estimated, error: null };
  }

  // Events are written straight to the socket (no stream in between); the headers go with the first write.
  setStreamHeaders(ctx);
  ctx.respond = false;
  const result = await pipeTranslatedStream(upstream.body, translator, ctx.res, {
    pingIntervalMs: PING_INTERVAL_MS,
    clientGone: () => clientSignal.aborted,
  });
  const status = clientSignal.aborted ? 499 : 200;
  return { status, tokens: tokensOf(result.usage), estimated: result.usage.estimated, error: result.error };
}

export function setStreamHeaders(ctx: AuthedContext): void {
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set('cache-control', 'no-cache');
  ctx.set('x-accel-buffering', 'no');
}

/** Usage as recorded: `input` is the whole prompt (cached tokens included, as on `/v1/chat/completions`). */
function tokensOf(usage: AnthropicUsage | TranslatedUsage): ExchangeOutcome['tokens'] {
  return { input: usage.input_tokens + usage.cache_read_input_tokens, output: usage.output_tokens, cacheRead: usage.cache_read_input_tokens };
}

/**
 * A backend's whole JSON answer, parsed. A failure to read it (timeout, reset), an answer larger than
 * {@link MAX_ANSWER_BODY} or one that is not a JSON object is thrown as the client's error.
 */
export async function readBackendAnswer(upstream: UpstreamResponse, redact: (text: string) => string): Promise<ChatCompletionResponse> {
  let read;
  try {
    read = await readBounded(upstream.body, MAX_ANSWER_BODY);
  } catch (err) {
    throw upstreamAppError(err);
  }
  if (read.truncated) {
    throw new AppError(502, 'bad_backend_answer', `The backend's answer is larger than ${MAX_ANSWER_BODY / 1024 / 1024} MB.`, { type: 'api_error' });
  }
  const json = parseBackendJson(read.text);
  if (!json) {
    const quote = redact(read.text.slice(0, 4096)).slice(0, 200);
    const message = `The backend answered with something that is not a Chat Completions JSON object: ${quote}`;
    throw new AppError(502, 'bad_backend_answer', message, { type: 'api_error' });
  }
  return json;
}

function parseBackendJson(text: string): ChatCompletionResponse | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? (value as ChatCompletionResponse) : undefined;
  } catch {
    return undefined;
  }
}
