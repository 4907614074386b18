/**
 * How `/v1/messages` (and `count_tokens`) answers from an `anthropic` provider: the provider's answer goes to the
 * client as it came. Events stream through byte for byte as they arrive (usage read on the way by
 * upstream/anthropic-usage-tap.ts); an error body passes through unmodified but for the provider keys it may quote
 * (masked), with its status, so Claude Code's own recovery (`prompt is too long`, overloaded retries) keeps working.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';
import { isRecord } from '../../shared/json';
import { AnthropicUsageTap } from '../upstream/anthropic-usage-tap';
import type { AnthropicTokenUsage } from '../upstream/anthropic-usage-tap';
import type { UpstreamResponse } from '../upstream/client';
import type { AuthedContext } from './context';
import type { ExchangeOutcome } from './usage-record';

/** Provider response headers the client gets (besides content-type): retry hints and rate-limit state. */
const KEPT_HEADERS = /^(retry-after|retry-after-ms|x-should-retry|anthropic-ratelimit-.*)$/i;

/** Passes a success answer through; resolves when its last byte went out (or the client went away). */
export async function answerForwarded(
  ctx: AuthedContext,
  upstream: UpstreamResponse,
  opts: { clientSignal: AbortSignal; estimateInput: () => number },
): Promise<ExchangeOutcome> {
  const contentType = String(upstream.headers['content-type'] ?? 'application/json');
  const sse = /^text\/event-stream/i.test(contentType);
  ctx.status = upstream.status;
  keepHeaders(ctx, upstream.headers);
  ctx.set('content-type', contentType);
  if (sse) {
    ctx.set('cache-control', 'no-cache');
    ctx.set('x-accel-buffering', 'no');
  }
  const tap = new AnthropicUsageTap({ sse });
  // The bytes go to the socket as they come; the headers set above go with the first write.
  ctx.respond = false;
  const err = await new Promise<Error | null>((resolve) => {
    pipeline([upstream.body, tap, ctx.res], (error) => resolve(error ?? null));
  });
  const usage: Pick<ExchangeOutcome, 'tokens' | 'estimated'> = tap.usage
    ? { tokens: tokensOf(tap.usage), estimated: false }
    : { tokens: { input: opts.estimateInput(), output: 0, cacheRead: 0 }, estimated: true };
  if (err) {
    const clientGone = opts.clientSignal.aborted;
    return { status: clientGone ? 499 : 502, ...usage, error: clientGone ? 'client closed the connection' : err.message };
  }
  return { status: upstream.status, ...usage, error: tap.error };
}

/** Answers a provider's error status with its body as it came (`text` already redacted). */
export function answerForwardedError(ctx: AuthedContext, status: number, headers: IncomingHttpHeaders, text: string): ExchangeOutcome {
  ctx.status = status;
  keepHeaders(ctx, headers);
  ctx.set('content-type', String(headers['content-type'] ?? 'application/json'));
  ctx.body = Buffer.from(text);
  return { status, tokens: null, estimated: false, error: `provider ${status}: ${errorMessageOf(text)}` };
}

/** Usage as recorded: `input` is the whole prompt (cache reads and writes included), the cached part apart. */
function tokensOf(u: AnthropicTokenUsage): NonNullable<ExchangeOutcome['tokens']> {
  return {
    input: u.input_tokens + u.cache_read_input_tokens + u.cache_creation_input_tokens,
    output: u.output_tokens,
    cacheRead: u.cache_read_input_tokens,
  };
}

function keepHeaders(ctx: AuthedContext, headers: IncomingHttpHeaders): void {
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && KEPT_HEADERS.test(name)) ctx.set(name, value);
  }
}

/** An Anthropic error body's message, else the text's start. */
function errorMessageOf(text: string): string {
  try {
    const json: unknown = JSON.parse(text);
    if (isRecord(json) && isRecord(json.error) && typeof json.error.message === 'string') return json.error.message.slice(0, 300);
  } catch {
    // not JSON: quoted as it is
  }
  return text.slice(0, 300);
}
