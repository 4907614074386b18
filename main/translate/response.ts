/**
 * A non-streamed Chat Completions response → an Anthropic Messages response.
 *
 * Content, in order: one thinking block (from `reasoning_content`, else `reasoning`) with a proxy
 * signature, the content's text and thinking (content-parts.ts: a string, or Magistral's typed parts; with
 * `thinkTags`, `<think>…</think>` is thinking unless the reasoning field already carried it), or the refusal,
 * adjacent pieces of one kind in one block; then one tool_use block per call with
 * its arguments parsed (`tool-args.ts`; a call without a function name is dropped: nothing could run
 * it). Stop reason as in `stop-reason.ts`, usage as in `usage.ts`; without usage from the backend,
 * tokens are estimated and the result says so. Gemini's thought signatures and OpenRouter's
 * `reasoning_details` ride in the tool_use ids and the first thinking block's signature (carried.ts).
 */
import type { AnthropicMessage, AnthropicResponseBlock } from './anthropic-types';
import type { ChatCompletionChunk, ChatCompletionResponse, ChatResponseMessage } from './chat-types';
import { idWithSignature, signatureWithDetails, thoughtSignatureOf } from './carried';
import { type ContentPiece, contentPieces } from './content-parts';
import { newToolUseId, proxySignature } from './ids';
import { stopInfo } from './stop-reason';
import { splitThinkTags } from './think-tags';
import { estimateTextTokens } from './tokens';
import { parseToolArguments } from './tool-args';
import { finalUsage, readUsage } from './usage';

export interface ResponseContext {
  /** The model the client asked for; the response reports it, not the backend's. */
  requestedModel: string;
  stopSequences: readonly string[];
  messageId: string;
  /** Used as input_tokens when the backend reports no usage. */
  estimatedInputTokens?: number;
  /** `<think>…</think>` in content is thinking (the backend setting `think_tags`). */
  thinkTags?: boolean;
}

export interface TranslatedMessage {
  message: AnthropicMessage;
  /** True when the backend sent no usage and the counts are local estimates (for the request log). */
  usageEstimated: boolean;
}

/** Message text (text parts joined, for a backend answer held whole). */
function messageText(message: ChatResponseMessage): string {
  return contentPieces(message.content)
    .filter((p) => p.kind === 'text')
    .map((p) => p.text)
    .join('');
}

function reasoningText(message: ChatResponseMessage): string {
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') return message.reasoning_content;
  return typeof message.reasoning === 'string' ? message.reasoning : '';
}

/** The message's thinking and text, in order, adjacent pieces of one kind merged. */
function messagePieces(message: ChatResponseMessage, thinkTags: boolean): ContentPiece[] {
  const reasoning = reasoningText(message);
  const pieces: ContentPiece[] = reasoning ? [{ kind: 'thinking', text: reasoning }] : [];
  const content = contentPieces(message.content);
  if (content.length === 0 && typeof message.refusal === 'string' && message.refusal !== '') {
    content.push({ kind: 'text', text: message.refusal });
  }
  for (const piece of content) {
    if (piece.kind === 'thinking' || !thinkTags) pieces.push(piece);
    else pieces.push(...splitThinkTags(piece.text).filter((p) => p.kind === 'text' || !reasoning));
  }
  const merged: ContentPiece[] = [];
  for (const piece of pieces) {
    const last = merged[merged.length - 1];
    if (last?.kind === piece.kind) last.text += piece.text;
    else merged.push({ ...piece });
  }
  return merged;
}

/** Translates a response; never throws on odd shapes (a missing choice is an empty answer). */
export function fromChatResponse(resp: ChatCompletionResponse, ctx: ResponseContext): TranslatedMessage {
  const choice = Array.isArray(resp?.choices) ? resp.choices[0] : undefined;
  const message: ChatResponseMessage = choice?.message && typeof choice.message === 'object' ? choice.message : {};
  const content: AnthropicResponseBlock[] = [];
  let outputChars = '';

  const pieces = messagePieces(message, ctx.thinkTags === true);
  const details = Array.isArray(message.reasoning_details) && message.reasoning_details.length > 0 ? message.reasoning_details : undefined;
  if (details && !pieces.some((p) => p.kind === 'thinking')) pieces.unshift({ kind: 'thinking', text: '' });
  let text = '';
  let detailsPlaced = false;
  for (const piece of pieces) {
    if (piece.kind === 'thinking') {
      const signature = details && !detailsPlaced ? signatureWithDetails(details) : proxySignature(ctx.messageId, content.length);
      detailsPlaced ||= details !== undefined;
      content.push({ type: 'thinking', thinking: piece.text, signature });
    } else {
      content.push({ type: 'text', text: piece.text });
      text += piece.text;
    }
    outputChars += piece.text;
  }
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  for (const call of calls) {
    const name = call?.function?.name;
    if (typeof name !== 'string' || name === '') continue;
    const args = call.function?.arguments;
    content.push({
      type: 'tool_use',
      id: idWithSignature(typeof call.id === 'string' && call.id !== '' ? call.id : newToolUseId(), thoughtSignatureOf(call)),
      name,
      input: parseToolArguments(args),
    });
    outputChars += name + (typeof args === 'string' ? args : JSON.stringify(args ?? {}));
  }

  const stop = stopInfo({
    finishReason: choice?.finish_reason,
    hasToolUse: content.some((b) => b.type === 'tool_use'),
    matched: choice?.stop_reason ?? choice?.matched_stop,
    textTail: text,
    stopSequences: ctx.stopSequences,
  });
  const { estimated, ...usage } = finalUsage(
    readUsage(resp?.usage),
    Math.max(1, ctx.estimatedInputTokens ?? 1),
    estimateTextTokens(outputChars),
  );
  return {
    message: {
      id: ctx.messageId,
      type: 'message',
      role: 'assistant',
      model: ctx.requestedModel,
      content,
      ...stop,
      usage,
    },
    usageEstimated: estimated,
  };
}

/**
 * A whole response as one stream chunk, for a backend that answers a streamed request with plain JSON: the
 * StreamTranslator then turns it into the same events a real stream would give.
 */
export function responseAsChunk(resp: ChatCompletionResponse): ChatCompletionChunk {
  const choice = Array.isArray(resp?.choices) ? resp.choices[0] : undefined;
  const message: ChatResponseMessage = choice?.message && typeof choice.message === 'object' ? choice.message : {};
  const toolCalls = Array.isArray(message.tool_calls)
    ? message.tool_calls.map((call, index) => ({ ...call, index }))
    : undefined;
  return {
    ...(resp?.usage ? { usage: resp.usage } : {}),
    choices: [
      {
        index: 0,
        delta: {
          content: Array.isArray(message.content) ? message.content : messageText(message) || (typeof message.refusal === 'string' ? message.refusal : ''),
          reasoning_content: reasoningText(message),
          ...(Array.isArray(message.reasoning_details) ? { reasoning_details: message.reasoning_details } : {}),
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: choice?.finish_reason ?? 'stop',
        ...(choice?.stop_reason !== undefined ? { stop_reason: choice.stop_reason } : {}),
        ...(choice?.matched_stop !== undefined ? { matched_stop: choice.matched_stop } : {}),
      },
    ],
  };
}
