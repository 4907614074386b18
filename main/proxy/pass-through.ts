/**
 * How `/v1/chat/completions` answers: the backend's answer passes through as it arrives, its usage read on the way
 * (usage-tap.ts; the usage-only chunk the proxy asked for is removed). An HTML or plain-text error page becomes an
 * OpenAI error the client's SDK can read (backend-error-page.ts), thrown. Resolves with the exchange's outcome when
 * the answer's last byte went out (or the client went away); when the backend reported no usage for an answer it
 * generated, the counts are estimated.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import type { Transform } from 'node:stream';
import { isRecord } from '../../shared/json';
import { tokensForBytes } from '../translate/tokens';
import type { UsageCounts } from '../translate/usage';
import type { UpstreamResponse } from '../upstream/client';
import { readBounded } from '../upstream/read-bounded';
import { backendPageError, isJsonType, readErrorPage } from './backend-error-page';
import { completionTextBytes, SseOutputCounter } from './chat-usage-estimate';
import type { AuthedContext } from './context';
import { upstreamAppError } from './errors';
import type { AppError } from './errors';
import { JsonUsageTap, SseUsageTap } from './usage-tap';
import type { ExchangeOutcome } from './usage-record';

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

export interface PassThroughOptions {
  /** The client asked for the usage chunk itself (so it is kept). */
  clientWantsUsage: boolean;
  /** Input tokens estimated from the request, for when the backend reports no usage. */
  estimateInput(): number;
  /** Aborted when the client went away. */
  clientSignal: AbortSignal;
  /** Masks the configured backend keys in a text a backend sent (it may quote the key it was sent). */
  redact(text: string): string;
}

/** The most of a backend's JSON error body read (the rest is discarded). */
const MAX_ERROR_BODY = 1024 * 1024;

/** Passes the backend's answer to the client; resolves when it is over. */
export async function passThrough(ctx: AuthedContext, upstream: UpstreamResponse, opts: PassThroughOptions): Promise<ExchangeOutcome> {
  const contentType = String(upstream.headers['content-type'] ?? '');
  const sse = /^text\/event-stream/i.test(contentType);
  if (upstream.status >= 400 && !sse && !isJsonType(contentType)) {
    // An HTML or plain-text error page: an OpenAI error the client's SDK can read instead.
    let error: AppError;
    try {
      const text = opts.redact(await readErrorPage(upstream.body));
      error = backendPageError(upstream.status, contentType, text, headerValue(upstream.headers['retry-after']));
    } catch (err) {
      error = upstreamAppError(err);
    }
    throw error;
  }

  if (upstream.status >= 400 && !sse) {
    // A JSON error: read whole (bounded) so a backend key it quotes is masked before it is relayed or recorded.
    let text: string;
    try {
      text = opts.redact((await readBounded(upstream.body, MAX_ERROR_BODY)).text);
    } catch (err) {
      throw upstreamAppError(err);
    }
    ctx.status = upstream.status;
    forwardHeaders(ctx, upstream.headers);
    ctx.body = Buffer.from(text);
    return { status: upstream.status, tokens: null, estimated: false, error: errorMessageOf(parseJsonText(text), upstream.status) };
  }

  ctx.status = upstream.status;
  forwardHeaders(ctx, upstream.headers);
  if (!contentType) ctx.type = 'bin';
  if (sse) {
    ctx.set('cache-control', 'no-cache');
    ctx.set('x-accel-buffering', 'no');
  }
  const tap = sse ? new SseUsageTap({ stripUsageChunk: !opts.clientWantsUsage }) : new JsonUsageTap();
  const counter = sse ? new SseOutputCounter() : null;
  /** The reported usage; else, for an answer the backend generated, an estimate. */
  const usage = (): Pick<ExchangeOutcome, 'tokens' | 'estimated'> => {
    if (tap.usage || upstream.status >= 400) return { tokens: tap.usage ? tokensOf(tap.usage) : null, estimated: false };
    const outputBytes = counter ? counter.bytes : completionTextBytes(tap instanceof JsonUsageTap ? tap.json : undefined);
    return { tokens: { input: opts.estimateInput(), output: tokensForBytes(outputBytes), cacheRead: 0 }, estimated: true };
  };

  // The bytes go to the socket as they come; the headers set above go with the first write.
  ctx.respond = false;
  const stages: Transform[] = counter ? [counter, tap] : [tap];
  const err = await new Promise<Error | null>((resolve) => {
    pipeline([upstream.body, ...stages, ctx.res], (error) => resolve(error ?? null));
  });
  if (err) {
    const clientGone = opts.clientSignal.aborted;
    return { status: clientGone ? 499 : 502, ...usage(), error: clientGone ? 'client closed the connection' : err.message };
  }
  const error = upstream.status >= 400 ? errorMessageOf(tap instanceof JsonUsageTap ? tap.json : undefined, upstream.status) : null;
  return { status: upstream.status, ...usage(), error };
}

function tokensOf(usage: UsageCounts): ExchangeOutcome['tokens'] {
  return { input: usage.prompt_tokens, output: usage.completion_tokens, cacheRead: usage.cached_tokens };
}

function forwardHeaders(ctx: AuthedContext, headers: IncomingHttpHeaders): void {
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
