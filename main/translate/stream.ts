/**
 * Chat Completions stream chunks → Anthropic Messages SSE events, as a state machine.
 *
 * Guarantees (what the Anthropic SDK and Claude Code's consumer require): `message_start` first and
 * once; blocks strictly sequential, one open at a time, indexes 0, 1, 2…; every delta goes to the
 * open block and matches its type; thinking blocks end with a `signature_delta`; `message_delta`
 * always carries usage; `message_stop` last; after `fail()` nothing more.
 *
 * - Thinking comes from `reasoning_content` (DeepSeek, GLM, Qwen, vLLM) or else `reasoning`
 *   (OpenRouter), text from `content` (or `refusal`). Switching between them closes one block and
 *   opens the next; empty, absent and null deltas open nothing. `content` may be an array of typed
 *   parts (Magistral: content-parts.ts), and with `thinkTags` its `<think>…</think>` is thinking
 *   (think-tags.ts; dropped when the backend also sent the reasoning in its own field, as MiniMax does).
 * - What the backend needs back next turn rides in the blocks (carried.ts): Gemini's thought signature
 *   in the tool_use id, OpenRouter's `reasoning_details` in the thinking block's signature.
 * - Tool calls are buffered and emitted whole, one block each, when the backend finishes (its
 *   `finish_reason`, or `finish()`): backends interleave argument deltas of parallel calls by
 *   `index`, some reuse index 0 and tell calls apart by a new `id`, and only a complete argument
 *   string can be checked. Each block carries one `input_json_delta` with the arguments as parsed by
 *   `tool-args.ts` and re-serialised, so the JSON is always valid (unreadable arguments arrive as
 *   `{"_raw_arguments": "…"}`). While calls are buffered nothing is written: the caller should keep
 *   the connection alive with `ping()`.
 * - Usage may come with the finish chunk, after it (`choices: []`), or never; `finish()` reports the
 *   backend's numbers where given and estimates (input from the context, output from the bytes
 *   streamed) otherwise, and `usage.estimated` says which.
 * - A chunk carrying `error` (OpenRouter, vLLM mid-stream failures) ends the stream with an `error`
 *   event.
 */
import type { AnthropicErrorType, AnthropicStopReason, TranslatedUsage } from './anthropic-types';
import type { ChatCompletionChunk, ChatToolCallDelta } from './chat-types';
import { idWithSignature, ReasoningDetails, signatureWithDetails, thoughtSignatureOf } from './carried';
import { type ContentPiece, contentPieces } from './content-parts';
import { errorTypeForStatus } from './errors';
import { newToolUseId, proxySignature } from './ids';
import { stopInfo, tailLength } from './stop-reason';
import { ThinkTagSplitter } from './think-tags';
import { tokensForBytes } from './tokens';
import { parseToolArguments } from './tool-args';
import { type ReportedUsage, finalUsage, readUsage } from './usage';

export interface StreamContext {
  /** The model the client asked for; `message_start` reports it. */
  requestedModel: string;
  messageId: string;
  /** Local estimate of the prompt's tokens (`estimateTokens`), shown until the backend reports its count. */
  estimatedInputTokens: number;
  stopSequences: readonly string[];
  /** Applied to every error message the stream relays (the caller masks its backend keys there). */
  redact?: (text: string) => string;
  /** `<think>…</think>` in content is thinking (the backend setting `think_tags`). */
  thinkTags?: boolean;
}

interface ToolBuffer {
  id: string;
  name: string;
  args: string;
  /** Gemini's thought signature of the call. */
  signature?: string;
  /** Arguments some backends send as an object instead of a string. */
  argObject?: Record<string, unknown>;
}

type BlockKind = 'thinking' | 'text';

/** One SSE event in Anthropic's framing. */
const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';

/** Translates one streamed response; create one per request. */
export class StreamTranslator {
  readonly #ctx: StreamContext;
  readonly #tailLength: number;
  #started = false;
  #ended = false;
  #failed = false;
  #nextIndex = 0;
  #open: { kind: BlockKind; index: number } | null = null;
  #tools: ToolBuffer[] = [];
  #toolAt = new Map<number, ToolBuffer>();
  #lastTool: ToolBuffer | undefined;
  #toolUseEmitted = false;
  #finishReason: string | null = null;
  #matchedStop: unknown;
  #usage: ReportedUsage | undefined;
  #outputBytes = 0;
  #tail = '';
  #stopReason: AnthropicStopReason | null = null;
  readonly #thinkTags: ThinkTagSplitter | undefined;
  /** The backend sent reasoning in a field of its own (think-tagged content then repeats it). */
  #sawReasoningField = false;
  readonly #details = new ReasoningDetails();

  constructor(ctx: StreamContext) {
    this.#ctx = ctx;
    this.#tailLength = tailLength(ctx.stopSequences);
    this.#thinkTags = ctx.thinkTags ? new ThinkTagSplitter() : undefined;
  }

  /** The `message_start` event (the estimate as input_tokens, at least 1). Empty if already started. */
  start(): string {
    if (this.#started) return '';
    this.#started = true;
    return sse('message_start', {
      type: 'message_start',
      message: {
        id: this.#ctx.messageId,
        type: 'message',
        role: 'assistant',
        model: this.#ctx.requestedModel,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: {
          input_tokens: Math.max(1, Math.round(this.#ctx.estimatedInputTokens)),
          output_tokens: 1,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
        },
      },
    });
  }

  /** Translates one parsed chunk into zero or more events (starting the message if needed). */
  push(chunk: ChatCompletionChunk): string {
    if (this.#ended) return '';
    let out = this.start();
    if (!chunk || typeof chunk !== 'object') return out;
    if (chunk.error) return out + this.#failFromChunk(chunk.error);
    const usage = readUsage(chunk.usage);
    if (usage) this.#usage = usage;
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!choice || typeof choice !== 'object' || (typeof choice.index === 'number' && choice.index !== 0)) return out;
    const delta = choice.delta && typeof choice.delta === 'object' ? choice.delta : {};

    this.#details.push(delta.reasoning_details);
    const reasoning = nonEmpty(delta.reasoning_content) ? delta.reasoning_content : delta.reasoning;
    if (nonEmpty(reasoning)) {
      this.#sawReasoningField = true;
      out += this.#append('thinking', reasoning);
    }
    const pieces = contentPieces(delta.content);
    if (pieces.length === 0 && nonEmpty(delta.refusal)) pieces.push({ kind: 'text', text: delta.refusal });
    out += this.#appendPieces(pieces);
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) this.#bufferTool(call);

    if (nonEmpty(choice.finish_reason)) {
      this.#finishReason = choice.finish_reason;
      this.#matchedStop = choice.stop_reason ?? choice.matched_stop;
      out += this.#flushThinkTags() + this.#closeOpen() + this.#flushTools();
    }
    return out;
  }

  /** Closes open blocks, emits buffered tool calls, `message_delta` (stop reason, usage) and `message_stop`. */
  finish(): string {
    if (this.#ended) return '';
    let out = this.start() + this.#flushThinkTags() + this.#closeOpen() + this.#flushTools();
    if (this.#details.size > 0) out += this.#append('thinking', '') + this.#closeOpen(); // details that came after the thinking
    const stop = stopInfo({
      finishReason: this.#finishReason,
      hasToolUse: this.#toolUseEmitted,
      matched: this.#matchedStop,
      textTail: this.#tail,
      stopSequences: this.#ctx.stopSequences,
    });
    this.#stopReason = stop.stop_reason;
    const { estimated: _estimated, ...usage } = this.usage;
    out += sse('message_delta', { type: 'message_delta', delta: stop, usage });
    out += sse('message_stop', { type: 'message_stop' });
    this.#ended = true;
    return out;
  }

  /** An `error` event; after it the translator emits nothing more. Empty if already finished. */
  fail(errorType: AnthropicErrorType, message: string): string {
    if (this.#ended) return '';
    this.#ended = true;
    this.#failed = true;
    const text = this.#ctx.redact ? this.#ctx.redact(message) : message;
    return sse('error', { type: 'error', error: { type: errorType, message: text } });
  }

  /** A `ping` event (keep-alive); empty once the stream has ended. */
  ping(): string {
    return this.#ended ? '' : sse('ping', { type: 'ping' });
  }

  /** Usage so far: the backend's counts where reported, local estimates elsewhere. */
  get usage(): TranslatedUsage {
    return finalUsage(this.#usage, Math.max(1, Math.round(this.#ctx.estimatedInputTokens)), tokensForBytes(this.#outputBytes));
  }

  /** True once `finish()` or `fail()` produced the last event. */
  get ended(): boolean {
    return this.#ended;
  }

  /** True when the stream ended with an `error` event (from `fail()` or an error chunk). */
  get failed(): boolean {
    return this.#failed;
  }

  /** The stop reason sent in `message_delta`, once finished. */
  get stopReason(): AnthropicStopReason | null {
    return this.#stopReason;
  }

  /** Content pieces, split at think tags when `thinkTags` is on. */
  #appendPieces(pieces: readonly ContentPiece[]): string {
    let out = '';
    for (const piece of pieces) {
      if (piece.kind === 'text' && this.#thinkTags) out += this.#appendTagged(this.#thinkTags.push(piece.text));
      else out += this.#append(piece.kind, piece.text);
    }
    return out;
  }

  /** Pieces out of the think-tag splitter; tagged thinking the backend also sent in a reasoning field is dropped. */
  #appendTagged(pieces: readonly ContentPiece[]): string {
    let out = '';
    for (const piece of pieces) if (piece.kind === 'text' || !this.#sawReasoningField) out += this.#append(piece.kind, piece.text);
    return out;
  }

  #flushThinkTags(): string {
    return this.#thinkTags ? this.#appendTagged(this.#thinkTags.flush()) : '';
  }

  #append(kind: BlockKind, text: string): string {
    let out = '';
    if (this.#open?.kind !== kind) {
      out += this.#closeOpen();
      const index = this.#nextIndex++;
      this.#open = { kind, index };
      const block = kind === 'thinking' ? { type: 'thinking', thinking: '', signature: '' } : { type: 'text', text: '' };
      out += sse('content_block_start', { type: 'content_block_start', index, content_block: block });
    }
    if (text === '') return out;
    const delta = kind === 'thinking' ? { type: 'thinking_delta', thinking: text } : { type: 'text_delta', text };
    out += sse('content_block_delta', { type: 'content_block_delta', index: this.#open.index, delta });
    this.#outputBytes += Buffer.byteLength(text, 'utf8');
    if (kind === 'text' && this.#tailLength > 0) this.#tail = (this.#tail + text).slice(-this.#tailLength);
    return out;
  }

  #closeOpen(): string {
    const open = this.#open;
    if (!open) return '';
    this.#open = null;
    let out = '';
    if (open.kind === 'thinking') {
      const details = this.#details.take();
      const signature = details.length > 0 ? signatureWithDetails(details) : proxySignature(this.#ctx.messageId, open.index);
      const delta = { type: 'signature_delta', signature };
      out += sse('content_block_delta', { type: 'content_block_delta', index: open.index, delta });
    }
    return out + sse('content_block_stop', { type: 'content_block_stop', index: open.index });
  }

  /** Files an argument delta under its call: by index, a new call when the id changes. */
  #bufferTool(call: ChatToolCallDelta): void {
    if (!call || typeof call !== 'object') return;
    const id = nonEmpty(call.id) ? call.id : undefined;
    const index = typeof call.index === 'number' ? call.index : undefined;
    let buf: ToolBuffer | undefined;
    if (index !== undefined) {
      const current = this.#toolAt.get(index);
      if (current && (id === undefined || id === current.id)) buf = current;
    } else {
      buf = id === undefined ? this.#lastTool : this.#tools.find((t) => t.id === id);
    }
    if (!buf) {
      buf = { id: id ?? newToolUseId(), name: '', args: '' };
      this.#tools.push(buf);
      if (index !== undefined) this.#toolAt.set(index, buf);
    }
    this.#lastTool = buf;
    buf.signature ??= thoughtSignatureOf(call);
    const fn = call.function;
    if (fn && typeof fn === 'object') {
      if (nonEmpty(fn.name) && buf.name === '') buf.name = fn.name;
      if (typeof fn.arguments === 'string') buf.args += fn.arguments;
      else if (fn.arguments && typeof fn.arguments === 'object') buf.argObject = fn.arguments;
    }
  }

  /** Emits every buffered call as one complete tool_use block (calls without a name are dropped). */
  #flushTools(): string {
    if (this.#tools.length === 0) return '';
    let out = this.#flushThinkTags() + this.#closeOpen();
    for (const tool of this.#tools) {
      if (tool.name === '') continue;
      const input = tool.argObject ?? parseToolArguments(tool.args);
      const json = JSON.stringify(input);
      const index = this.#nextIndex++;
      out += sse('content_block_start', {
        type: 'content_block_start',
        index,
        content_block: { type: 'tool_use', id: idWithSignature(tool.id, tool.signature), name: tool.name, input: {} },
      });
      out += sse('content_block_delta', {
        type: 'content_block_delta',
        index,
        delta: { type: 'input_json_delta', partial_json: json },
      });
      out += sse('content_block_stop', { type: 'content_block_stop', index });
      this.#outputBytes += Buffer.byteLength(tool.name, 'utf8') + Buffer.byteLength(tool.args || json, 'utf8');
      this.#toolUseEmitted = true;
    }
    this.#tools = [];
    this.#toolAt.clear();
    this.#lastTool = undefined;
    return out;
  }

  #failFromChunk(error: NonNullable<ChatCompletionChunk['error']>): string {
    const message = typeof error === 'string' ? error : (error.message ?? 'the backend reported an error mid-stream');
    const code = typeof error === 'object' ? Number(error.code) : NaN;
    const type = Number.isInteger(code) && code >= 400 ? errorTypeForStatus(code) : 'api_error';
    return this.fail(type, `Backend error mid-stream: ${message}`);
  }
}
