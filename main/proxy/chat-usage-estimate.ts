/**
 * Token usage of a pass-through Chat Completions request when the backend reports none (vLLM and Ollama often
 * don't): input from the texts of the request, output from the texts of the answer, both as UTF-8 bytes / 4.2
 * (translate/tokens.ts). The request log marks such counts `usage_estimated`.
 */
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { isRecord } from '../../shared/json';
import type { StringForm } from '../translate/strings';
import { IMAGE_TOKENS, MESSAGE_OVERHEAD, TOOL_OVERHEAD, tokensForBytes } from '../translate/tokens';
import type { ChatRequest } from '../translate/chat-schema';

/**
 * Estimated input tokens of a checked request: message texts, tool calls, tool definitions, images at a flat cost.
 * `strings`: the request's string form (translate/strings.ts).
 */
export function estimateChatInputTokens(req: ChatRequest, strings: StringForm): number {
  const byteLength = (value: string | null | undefined): number => (typeof value === 'string' ? strings.utf8Length(value) : 0);
  let bytes = 0;
  let tokens = 0;
  for (const message of req.messages) {
    tokens += MESSAGE_OVERHEAD;
    const content = message.content;
    if (typeof content === 'string') bytes += byteLength(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (part.type === 'text') bytes += byteLength(part.text);
        else if (part.type === 'refusal') bytes += byteLength(part.refusal);
        else if (part.type === 'image_url') tokens += IMAGE_TOKENS;
      }
    }
    if (message.role === 'assistant') {
      for (const call of message.tool_calls ?? []) {
        bytes += call.type === 'function' ? byteLength(call.function.name) + byteLength(call.function.arguments) : byteLength(call.custom.input);
      }
      bytes += byteLength(message.reasoning_content ?? '');
    }
  }
  for (const tool of [...(req.tools ?? []), ...(req.functions ?? [])]) {
    tokens += TOOL_OVERHEAD;
    bytes += byteLength(JSON.stringify(tool));
  }
  return Math.max(1, tokens + tokensForBytes(bytes));
}

/**
 * UTF-8 bytes of the generated text in a Chat Completions answer or stream chunk: content, reasoning, refusals and
 * tool calls (name and arguments) of every choice, from `message` or `delta`.
 */
export function completionTextBytes(value: unknown): number {
  if (!isRecord(value) || !Array.isArray(value.choices)) return 0;
  let bytes = 0;
  for (const choice of value.choices) {
    if (!isRecord(choice)) continue;
    const part = isRecord(choice.delta) ? choice.delta : isRecord(choice.message) ? choice.message : undefined;
    if (!part) continue;
    for (const field of ['content', 'reasoning_content', 'reasoning', 'refusal']) bytes += utf8Length(part[field]);
    if (!Array.isArray(part.tool_calls)) continue;
    for (const call of part.tool_calls) {
      if (!isRecord(call) || !isRecord(call.function)) continue;
      bytes += utf8Length(call.function.name) + utf8Length(call.function.arguments);
    }
  }
  return bytes;
}

const NL = 0x0a;
/** A line longer than this is not an event a backend would send; it is counted as raw bytes and not kept. */
const MAX_LINE_BYTES = 1024 * 1024;

/** Passes an SSE stream through unchanged and adds up the generated text bytes of its `data:` chunks. */
export class SseOutputCounter extends Transform {
  /** Generated text bytes seen so far. */
  bytes = 0;
  #pending: Buffer = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    const buf = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(NL); nl >= 0; nl = buf.indexOf(NL, start)) {
      this.#line(buf.subarray(start, nl));
      start = nl + 1;
    }
    const rest = buf.length - start;
    if (rest > MAX_LINE_BYTES) {
      this.bytes += rest;
      this.#pending = Buffer.alloc(0);
    } else {
      this.#pending = rest > 0 ? Buffer.from(buf.subarray(start)) : Buffer.alloc(0);
    }
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.#pending.length > 0) this.#line(this.#pending);
    this.#pending = Buffer.alloc(0);
    cb();
  }

  #line(line: Buffer): void {
    if (line.length < 6 || line.toString('latin1', 0, 5) !== 'data:') return;
    let value: unknown;
    try {
      value = JSON.parse(line.toString('utf8', 5));
    } catch {
      return; // `[DONE]`, or garbage: nothing generated.
    }
    this.bytes += completionTextBytes(value);
  }
}

function utf8Length(value: unknown): number {
  return typeof value === 'string' && value !== '' ? Buffer.byteLength(value, 'utf8') : 0;
}
