/**
 * A non-streamed Chat Completions response → an Anthropic Messages response.
 *
 * Content, in order: one thinking block (from `reasoning_content`, else `reasoning`) with a proxy
 * signature, one text block (the message text, or the refusal), one tool_use block per call with
 * its arguments parsed (`tool-args.ts`; a call without a function name is dropped: nothing could run
 * it). Stop reason as in `stop-reason.ts`, usage as in `usage.ts`; without usage from the backend,
 * tokens are estimated and the result says so.
 */
import type { AnthropicMessage, AnthropicResponseBlock } from './anthropic-types';
import type { ChatCompletionChunk, ChatCompletionResponse, ChatResponseMessage } from './chat-types';
import { newToolUseId, proxySignature } from './ids';
import { stopInfo } from './stop-reason';
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
}

export interface TranslatedMessage {
  message: AnthropicMessage;
  /** True when the backend sent no usage and the counts are local estimates (for the request log). */
  usageEstimated: boolean;
}

/** Message text; some backends send content as an array of text parts. */
function messageText(message: ChatResponseMessage): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map((p) => (typeof p?.text === 'string' ? p.text : '')).join('');
  return '';
}

function reasoningText(message: ChatResponseMessage): string {
  if (typeof message.reasoning_content === 'string' && message.reasoning_content !== '') return message.reasoning_content;
  return typeof message.reasoning === 'string' ? message.reasoning : '';
}

/** Translates a response; never throws on odd shapes (a missing choice is an empty answer). */
export function fromChatResponse(resp: ChatCompletionResponse, ctx: ResponseContext): TranslatedMessage {
  const choice = Array.isArray(resp?.choices) ? resp.choices[0] : undefined;
  const message: ChatResponseMessage = choice?.message && typeof choice.message === 'object' ? choice.message : {};
  const content: AnthropicResponseBlock[] = [];
  let outputChars = '';

  const thinking = reasoningText(message);
  if (thinking) {
    content.push({ type: 'thinking', thinking, signature: proxySignature(ctx.messageId, content.length) });
    outputChars += thinking;
  }
  const text = messageText(message) || (typeof message.refusal === 'string' ? message.refusal : '');
  if (text) {
    content.push({ type: 'text', text });
    outputChars += text;
  }
  const calls = Array.isArray(message.tool_calls) ? message.tool_calls : [];
  for (const call of calls) {
    const name = call?.function?.name;
    if (typeof name !== 'string' || name === '') continue;
    const args = call.function?.arguments;
    content.push({
      type: 'tool_use',
      id: typeof call.id === 'string' && call.id !== '' ? call.id : newToolUseId(),
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
          content: messageText(message) || (typeof message.refusal === 'string' ? message.refusal : ''),
          reasoning_content: reasoningText(message),
          ...(toolCalls ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: choice?.finish_reason ?? 'stop',
        ...(choice?.stop_reason !== undefined ? { stop_reason: choice.stop_reason } : {}),
        ...(choice?.matched_stop !== undefined ? { matched_stop: choice.matched_stop } : {}),
      },
    ],
  };
}
