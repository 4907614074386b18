/**
 * Transforms that let a backend answer through unchanged while reading its token usage on the way.
 *
 * - {@link SseUsageTap}: a Chat Completions stream. It reads `usage` from any `data:` chunk (the last one wins).
 *   With `stripUsageChunk` it also removes the usage-only chunk (`"choices": []` with `usage`) and its blank line:
 *   the proxy asked for it (`stream_options.include_usage`) when the client did not. Every other byte goes out
 *   identical. When stripping, the bytes of a line are sent once the line is complete (backends write whole
 *   events, so nothing waits in practice); otherwise each chunk is sent as soon as it arrives.
 * - {@link JsonUsageTap}: a JSON answer. Bytes go out as they arrive; a copy (up to a cap) is parsed at the end.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { isRecord } from '../../shared/json';
import { usageCounts } from '../translate/usage';
import type { UsageCounts } from '../translate/usage';

/** The usage of a Chat Completions answer or chunk object (translate/usage.ts reads it), or null when it has none. */
function usageOf(value: unknown): UsageCounts | null {
  return isRecord(value) ? usageCounts(value.usage) : null;
}

const NL = 0x0a;
const DATA = Buffer.from('data:');
const USAGE = Buffer.from('"usage"');

/** Passes an SSE stream through, reading (and optionally removing) its usage chunk. */
export class SseUsageTap extends Transform {
  /** The last usage seen, once the stream has passed. */
  usage: UsageCounts | null = null;
  readonly #strip: boolean;
  #pending: Buffer = Buffer.alloc(0);
  #dropBlank = false;

  constructor(opts: { stripUsageChunk: boolean }) {
    super();
    this.#strip = opts.stripUsageChunk;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (!this.#strip) this.push(chunk);
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    const end = buf.lastIndexOf(NL) + 1;
    this.#pending = end < buf.length ? Buffer.from(buf.subarray(end)) : Buffer.alloc(0);
    if (end > 0) this.#lines(buf.subarray(0, end));
    cb();
  }

  override _flush(cb: TransformCallback): void {
    if (this.#pending.length > 0) this.#lines(this.#pending);
    this.#pending = Buffer.alloc(0);
    cb();
  }

  /** Reads whole lines; when stripping, pushes them minus the usage-only chunk. */
  #lines(buf: Buffer): void {
    let start = 0;
    for (let pos = 0; pos < buf.length; ) {
      const nl = buf.indexOf(NL, pos);
      const next = nl < 0 ? buf.length : nl + 1;
      const line = buf.subarray(pos, next);
      let drop = false;
      if (this.#dropBlank) {
        this.#dropBlank = false;
        drop = isBlank(line);
      }
      if (!drop && this.#readLine(line) && this.#strip) {
        drop = true;
        this.#dropBlank = true;
      }
      if (drop && this.#strip) {
        if (pos > start) this.push(buf.subarray(start, pos));
        start = next;
      }
      pos = next;
    }
    if (this.#strip && start < buf.length) this.push(buf.subarray(start));
  }

  /** Records usage from a `data:` line; true when the line is a usage-only chunk. */
  #readLine(line: Buffer): boolean {
    if (!startsWith(line, DATA) || line.indexOf(USAGE) < 0) return false;
    let value: unknown;
    try {
      value = JSON.parse(line.subarray(DATA.length).toString('utf8'));
    } catch {
      return false;
    }
    if (!isRecord(value) || !isRecord(value.usage)) return false;
    this.usage = usageOf(value) ?? this.usage;
    return Array.isArray(value.choices) && value.choices.length === 0;
  }
}

/** Passes a JSON answer through and parses a copy of it at the end for its usage. */
export class JsonUsageTap extends Transform {
  usage: UsageCounts | null = null;
  /** The parsed answer, when it was JSON within the cap. */
  json: unknown = undefined;
  readonly #cap: number;
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(opts: { maxBytes?: number } = {}) {
    super();
    this.#cap = opts.maxBytes ?? 16 * 1024 * 1024;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#size += chunk.length;
    if (this.#size <= this.#cap) this.#chunks.push(chunk);
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#size <= this.#cap) {
      try {
        this.json = JSON.parse(Buffer.concat(this.#chunks).toString('utf8'));
        this.usage = usageOf(this.json);
      } catch {
        // Not JSON (an error page): no usage.
      }
    }
    this.#chunks = [];
    cb();
  }
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && buf.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

function isBlank(line: Buffer): boolean {
  return line.length === 1 || (line.length === 2 && line[0] === 0x0d);
}
