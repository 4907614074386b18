/**
 * Chat Completions `finish_reason` → Anthropic `stop_reason` (+ `stop_sequence`).
 *
 * stop → end_turn, or stop_sequence when the backend names the matched stop string (vLLM
 * `stop_reason`, SGLang `matched_stop`) or the text ends with one of the request's stop sequences;
 * length → max_tokens; tool_calls / function_call → tool_use (end_turn if no call came through);
 * content_filter → refusal. When tool calls were produced, any other finish is tool_use too (some
 * backends say "stop" after calls).
 * Unknown or missing reasons → end_turn.
 */
import type { AnthropicStopReason } from './anthropic-types';

export interface StopInfo {
  stop_reason: AnthropicStopReason;
  stop_sequence: string | null;
}

export interface StopContext {
  finishReason: string | null | undefined;
  hasToolUse: boolean;
  /** The backend's matched stop string, if it reports one. */
  matched?: unknown;
  /** The end of the generated text (at least as long as the longest stop sequence). */
  textTail: string;
  stopSequences: readonly string[];
}

/** The stop sequence that ended generation, if it can be told. */
function matchedSequence(ctx: StopContext): string | null {
  if (typeof ctx.matched === 'string' && ctx.stopSequences.includes(ctx.matched)) return ctx.matched;
  for (const seq of ctx.stopSequences) if (seq !== '' && ctx.textTail.endsWith(seq)) return seq;
  return null;
}

export function stopInfo(ctx: StopContext): StopInfo {
  switch (ctx.finishReason) {
    case 'length':
      return { stop_reason: 'max_tokens', stop_sequence: null };
    case 'content_filter':
      return { stop_reason: 'refusal', stop_sequence: null };
    case 'tool_calls':
    case 'function_call':
      return { stop_reason: ctx.hasToolUse ? 'tool_use' : 'end_turn', stop_sequence: null };
  }
  if (ctx.hasToolUse) return { stop_reason: 'tool_use', stop_sequence: null };
  const seq = ctx.finishReason === 'stop' ? matchedSequence(ctx) : null;
  return seq !== null ? { stop_reason: 'stop_sequence', stop_sequence: seq } : { stop_reason: 'end_turn', stop_sequence: null };
}

/** Length of the text tail worth keeping to recognise a stop sequence. */
export const tailLength = (stopSequences: readonly string[]): number =>
  stopSequences.reduce((max, s) => Math.max(max, s.length), 0);
