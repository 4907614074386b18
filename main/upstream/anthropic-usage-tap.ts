/**
 * Passes an Anthropic Messages answer through byte for byte while reading its token usage, for answers forwarded
 * from an Anthropic-format provider.
 *
 * - Streamed (`text/event-stream`): each chunk is pushed on as it arrives, before it is looked at. Only the
 *   `message_start` and `message_delta` data lines are parsed (`usage` in each; a later value replaces an earlier
 *   one, as the SDK does), and an `error` event's message is kept.
 * - JSON: bytes go out as they arrive; a copy (up to {@link MAX_JSON_COPY}) is parsed at the end.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { isRecord } from '../../shared/json';

/** Token counts of one Messages answer, in Anthropic's terms. */
export interface AnthropicTokenUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

/** The most of a JSON answer copied for reading its usage. */
export const MAX_JSON_COPY = 8 * 1024 * 1024;
/** Longest SSE line looked at (a longer one is passed on unread: usage lines are short). */
const MAX_LINE = 256 * 1024;

const NL = 0x0a;
const DATA_PREFIX = Buffer.from('data: {"type":"message_');
const DATA_PREFIX_NOSPACE = Buffer.from('data:{"type":"message_');
const ERROR_EVENT = Buffer.from('event: error');

export class AnthropicUsageTap extends Transform {
  /** The usage read so far; null until a `message_start` (or a JSON answer's usage) was seen. */
  usage: AnthropicTokenUsage | null = null;
  /** The message of an `error` event or error body, if one passed. */
  error: string | null = null;
  /** A `message_stop` event passed (the stream is complete). */
  stopped = false;
  readonly #sse: boolean;
  #pending: Buffer | null = null;
  #copy: Buffer[] = [];
  #copied = 0;
  #errorNext = false;

  constructor(opts: { sse: boolean }) {
    super();
    this.#sse = opts.sse;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.push(chunk);
    if (!this.#sse) {
      if (this.#copied + chunk.length <= MAX_JSON_COPY) this.#copy.push(chunk);
      this.#copied += chunk.length;
      return cb();
    }
    let buf = chunk;
    if (this.#pending) {
      buf = Buffer.concat([this.#pending, chunk]);
      this.#pending = null;
    }
    let pos = 0;
    for (;;) {
      const nl = buf.indexOf(NL, pos);
      if (nl < 0) break;
      this.#line(buf, pos, nl);
      pos = nl + 1;
    }
    if (pos < buf.length && buf.length - pos <= MAX_LINE) this.#pending = Buffer.from(buf.subarray(pos));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.#sse) {
      if (this.#pending) this.#line(this.#pending, 0, this.#pending.length);
    } else if (this.#copied <= MAX_JSON_COPY) {
      const json = parse(Buffer.concat(this.#copy).toString('utf8'));
      if (isRecord(json)) {
        if (isRecord(json.usage)) this.usage = readUsage(json.usage, null);
        if (json.type === 'error' && isRecord(json.error) && typeof json.error.message === 'string') this.error = json.error.message;
        if (json.type === 'message') this.stopped = true;
      }
    }
    this.#copy = [];
    cb();
  }

  #line(buf: Buffer, start: number, end: number): void {
    const line = buf.subarray(start, end);
    if (this.#errorNext && line.length > 5 && line[0] === 0x64 /* d */) {
      this.#errorNext = false;
      const json = parse(dataOf(line));
      const error = isRecord(json) && isRecord(json.error) ? json.error : null;
      this.error = typeof error?.message === 'string' ? error.message : 'error event';
      return;
    }
    if (startsWith(line, ERROR_EVENT)) {
      this.#errorNext = true;
      return;
    }
    if (!startsWith(line, DATA_PREFIX) && !startsWith(line, DATA_PREFIX_NOSPACE)) return;
    const json = parse(dataOf(line));
    if (!isRecord(json)) return;
    if (json.type === 'message_start' && isRecord(json.message) && isRecord(json.message.usage)) {
      this.usage = readUsage(json.message.usage, this.usage);
    } else if (json.type === 'message_delta' && isRecord(json.usage)) {
      this.usage = readUsage(json.usage, this.usage);
    } else if (json.type === 'message_stop') {
      this.stopped = true;
    }
  }
}

/** `usage` over `before`: each count present replaces the earlier one. */
function readUsage(u: Record<string, unknown>, before: AnthropicTokenUsage | null): AnthropicTokenUsage {
  const pick = (field: keyof AnthropicTokenUsage): number => {
    const v = u[field];
    return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : (before?.[field] ?? 0);
  };
  return {
    input_tokens: pick('input_tokens'),
    output_tokens: pick('output_tokens'),
    cache_read_input_tokens: pick('cache_read_input_tokens'),
    cache_creation_input_tokens: pick('cache_creation_input_tokens'),
  };
}

function startsWith(line: Buffer, prefix: Buffer): boolean {
  return line.length >= prefix.length && line.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

function dataOf(line: Buffer): string {
  const text = line.toString('utf8');
  return text.slice(text.indexOf(':') + 1).trim();
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

