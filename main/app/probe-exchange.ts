/**
 * One request of the backend probe: sent through the proxy's own backend client, bounded in time, read to its end
 * (or to a chosen point) and summarised. This is the I/O half of the probe; backend-probe.ts judges the results.
 * Streams are read with the translator's SseParser, as the proxy reads them.
 */
import type { Settings } from '../../shared/types';
import { SseParser } from '../translate/sse-parser';
import { UpstreamError } from '../upstream/client';
import type { UpstreamClient } from '../upstream/client';
import { isRecord } from '../../shared/json';

/** Reasoning fields a backend may stream, in the order the proxy prefers them. */
export const REASONING_FIELDS = ['reasoning_content', 'reasoning'] as const;
export type ReasoningField = (typeof REASONING_FIELDS)[number];

/** A tool call put together from its stream deltas. */
export interface StreamedToolCall {
  name: string;
  /** The argument text, all deltas joined. */
  arguments: string;
  /** How many deltas carried argument text. */
  argumentDeltas: number;
}

/** What a Chat Completions stream carried. */
export interface StreamSummary {
  /** `data:` events that were JSON objects. */
  events: number;
  /** `data:` events that were not JSON. */
  badEvents: number;
  /** Body reads that completed at least one event (one read for the whole answer = buffered, not streamed). */
  reads: number;
  /** `data: [DONE]` arrived. */
  done: boolean;
  /** The reader stopped early, as asked (`stopWhen`). */
  stopped: boolean;
  /** Text deltas joined (at most a few thousand characters). */
  content: string;
  /** Reasoning fields seen with text, in arrival order. */
  reasoningFields: ReasoningField[];
  toolCalls: StreamedToolCall[];
  finishReason: string | null;
  /** The last `usage` object seen. */
  usage: Record<string, unknown> | null;
  /** The message of an `{"error": …}` event, when the backend failed inside the stream. */
  error: string | null;
}

/** The backend's answer to one probe request. */
export interface Exchange {
  status: number;
  /** Milliseconds from sending to the end of reading. */
  ms: number;
  contentType: string;
  /** The body as text (non-streamed answers and error bodies; at most {@link MAX_TEXT} characters). */
  text: string;
  /** The body parsed as JSON; undefined when it was not JSON or was a stream. */
  json?: unknown;
  /** Present when the answer was an event stream. */
  stream?: StreamSummary;
}

export interface ExchangeOptions {
  /** The whole exchange (headers and body) must end within this; the request is aborted otherwise. */
  timeoutMs: number;
  /** Stops reading a stream (and aborts the backend request) once this returns true. */
  stopWhen?: (summary: StreamSummary) => boolean;
}

const MAX_TEXT = 64 * 1024;
const MAX_CONTENT = 4000;

/**
 * POSTs a Chat Completions body and reads the answer. Throws an UpstreamError when the backend cannot be reached or
 * does not finish within `timeoutMs`; an HTTP error status is an answer, not a throw.
 */
export async function exchange(
  upstream: Pick<UpstreamClient, 'postChat'>,
  settings: Settings,
  body: Record<string, unknown>,
  opts: ExchangeOptions,
): Promise<Exchange> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, opts.timeoutMs);
  const started = performance.now();
  const stream = body.stream === true;
  try {
    const res = await upstream.postChat(settings, JSON.stringify(body), { stream, signal: controller.signal });
    const onAbort = (): void => {
      res.body.destroy(new UpstreamError('timeout', 'timed out'));
    };
    controller.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const contentType = String(res.headers['content-type'] ?? '');
      const base = { status: res.status, contentType };
      if (res.status === 200 && contentType.includes('text/event-stream')) {
        const summary = await readStream(res.body, opts.stopWhen);
        return { ...base, text: '', stream: summary, ms: performance.now() - started };
      }
      const text = await readText(res.body);
      return { ...base, text, json: parseJson(text), ms: performance.now() - started };
    } finally {
      controller.signal.removeEventListener('abort', onAbort);
      res.body.destroy();
    }
  } catch (err) {
    if (timedOut) throw new UpstreamError('timeout', `no complete answer within ${seconds(opts.timeoutMs)} s`);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** An empty summary, to fill with {@link absorbEvent}. */
export function emptySummary(): StreamSummary {
  return {
    events: 0,
    badEvents: 0,
    reads: 0,
    done: false,
    stopped: false,
    content: '',
    reasoningFields: [],
    toolCalls: [],
    finishReason: null,
    usage: null,
    error: null,
  };
}

/** Adds one `data:` payload of a Chat Completions stream to a summary. */
export function absorbEvent(summary: StreamSummary, payload: string): void {
  const event = parseJson(payload);
  if (!isRecord(event)) {
    summary.badEvents++;
    return;
  }
  summary.events++;
  if (event.error !== undefined && event.error !== null) {
    const err = event.error;
    summary.error = isRecord(err) && typeof err.message === 'string' ? err.message : JSON.stringify(err);
  }
  if (isRecord(event.usage)) summary.usage = event.usage;
  const choice = Array.isArray(event.choices) ? event.choices[0] : undefined;
  if (!isRecord(choice)) return;
  if (typeof choice.finish_reason === 'string' && choice.finish_reason) summary.finishReason = choice.finish_reason;
  const delta = choice.delta;
  if (!isRecord(delta)) return;
  if (typeof delta.content === 'string' && summary.content.length < MAX_CONTENT) summary.content += delta.content;
  for (const field of REASONING_FIELDS) {
    const value = delta[field];
    if (typeof value === 'string' && value !== '' && !summary.reasoningFields.includes(field)) summary.reasoningFields.push(field);
  }
  if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) absorbToolCall(summary.toolCalls, call);
}

function absorbToolCall(calls: StreamedToolCall[], delta: unknown): void {
  if (!isRecord(delta)) return;
  const index = typeof delta.index === 'number' ? delta.index : calls.length - (typeof delta.id === 'string' ? 0 : 1);
  const fn = isRecord(delta.function) ? delta.function : {};
  let call = calls[index];
  if (!call) {
    call = { name: '', arguments: '', argumentDeltas: 0 };
    calls[Math.max(0, index)] = call;
  }
  if (typeof fn.name === 'string' && fn.name) call.name = fn.name;
  const args = typeof fn.arguments === 'string' ? fn.arguments : isRecord(fn.arguments) ? JSON.stringify(fn.arguments) : '';
  if (args) {
    call.arguments += args;
    call.argumentDeltas++;
  }
}

async function readStream(body: AsyncIterable<Buffer>, stopWhen?: (s: StreamSummary) => boolean): Promise<StreamSummary> {
  const parser = new SseParser();
  const summary = emptySummary();
  for await (const chunk of body) {
    const payloads = parser.push(chunk);
    if (payloads.length > 0) summary.reads++;
    for (const p of payloads) absorbEvent(summary, p);
    if (parser.done) break;
    if (stopWhen?.(summary)) {
      summary.stopped = true;
      return summary;
    }
  }
  if (!parser.done) for (const p of parser.end()) absorbEvent(summary, p);
  summary.done = parser.done;
  return summary;
}

async function readText(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_TEXT) break;
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_TEXT);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}

