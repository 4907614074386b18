/**
 * Anthropic `system` + `messages` → Chat Completions `messages`, shaped for strict backends:
 *
 * - Tool results become `tool` messages placed straight after the assistant message that made the
 *   calls, in call order (Claude Code may list results in completion order). Any other content of
 *   that user turn follows as one user message.
 * - A call left unanswered gets a `tool` message saying so ({@link NO_RESULT_TEXT}); a result with
 *   no matching call becomes user text. Strict backends reject both unanswered ids and stray tools.
 * - `tool` content is text: `is_error` results are prefixed `Error: ` (unless they already start with
 *   "error"); images in results move to the following user message; empty results read `(no output)`.
 * - Mid-conversation `role: "system"` messages stay in place (`inlineSystem: 'keep'`) or are merged
 *   into the neighbouring user message (`'merge-into-user'`, for chat templates that accept a system
 *   message only first). One arriving between tool calls and their results waits until after them.
 * - Thinking is dropped, or sent back as `reasoning_content` with `reasoningSendBack` (then every
 *   assistant message carries the field, empty when it had none). Signatures and redacted thinking
 *   never reach the backend.
 * - What a backend needs back rides in the blocks (carried.ts): a tool_use id carrying Gemini's thought signature
 *   is sent as the backend's own id with the signature on the call (`extra_content`), and the results answer that
 *   id; a thinking signature carrying OpenRouter's `reasoning_details` sends them back as they came.
 * - An assistant message with neither text nor tool calls is dropped; empty user turns too.
 * - Claude Code's `x-anthropic-billing-header:` system block is dropped: it means nothing to a backend
 *   and would only disturb its prompt cache.
 */
import type {
  AnthropicDocumentBlockParam,
  AnthropicImageBlockParam,
  AnthropicMessageParam,
  AnthropicTextBlockParam,
  AnthropicToolResultBlockParam,
  MessagesRequest,
} from './anthropic-schema';
import { detailsOfSignature, splitToolId } from './carried';
import { documentPart } from './documents';
import { searchCallText, searchResultText } from './search-history';
import type { ChatAssistantMessage, ChatContentPart, ChatMessage, ChatToolCall } from './chat-types';
import type { StringForm } from './strings';

/** Where mid-conversation system messages go. */
export type InlineSystemMode = 'keep' | 'merge-into-user';

export interface MessageOptions {
  inlineSystem: InlineSystemMode;
  reasoningSendBack: boolean;
  /** The request's string form (strings.ts), for what is decoded out of carried ids and signatures. Default text. */
  strings?: StringForm['name'];
}

/** Content of the `tool` message added for a call whose result never came. */
export const NO_RESULT_TEXT = 'No result was returned for this tool call.';
/** Content of a `tool` message whose result was empty. */
export const EMPTY_RESULT_TEXT = '(no output)';

const BILLING_HEADER = 'x-anthropic-billing-header:';

/**
 * Empty or ASCII whitespace only. (Not String#trim, which also drops U+00A0 and other Unicode spaces: the test must
 * give the same answer on byte strings, see byte-strings.ts.)
 */
const isBlank = (text: string): boolean => /^[\t\n\v\f\r ]*$/.test(text);

const joinText = (blocks: readonly AnthropicTextBlockParam[], sep = '\n\n'): string =>
  blocks.map((b) => b.text).join(sep);

/** The top-level `system` as one string, without Claude Code's billing header block. */
export function systemText(system: MessagesRequest['system']): string {
  if (system === undefined) return '';
  if (typeof system === 'string') return system;
  return joinText(system.filter((b) => !b.text.startsWith(BILLING_HEADER)));
}

function imagePart(block: AnthropicImageBlockParam): ChatContentPart {
  const url =
    block.source.type === 'base64' ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url;
  return { type: 'image_url', image_url: { url } };
}

interface ResultParts {
  text: string;
  images: ChatContentPart[];
}

function resultParts(result: AnthropicToolResultBlockParam): ResultParts {
  const content = result.content ?? '';
  if (typeof content === 'string') return { text: content, images: [] };
  const texts: AnthropicTextBlockParam[] = [];
  const images: ChatContentPart[] = [];
  for (const block of content) {
    if (block.type === 'text') texts.push(block);
    else if (block.type === 'image') images.push(imagePart(block));
    else pushDocument(block, texts, images);
  }
  return { text: joinText(texts, '\n'), images };
}

/** A document inside a tool result: its text joins the result's text; a file moves on like an image. */
function pushDocument(block: AnthropicDocumentBlockParam, texts: AnthropicTextBlockParam[], moved: ChatContentPart[]): void {
  const part = documentPart(block);
  if (part.type === 'text') texts.push({ type: 'text', text: part.text });
  else moved.push(part);
}

function toolContent(result: AnthropicToolResultBlockParam, parts: ResultParts): string {
  let text = parts.text;
  if (isBlank(text)) text = parts.images.length ? '(image output follows in the next message)' : EMPTY_RESULT_TEXT;
  if (result.is_error && !/^[\t\n\v\f\r ]*error\b/i.test(text)) text = `Error: ${text}`;
  return text;
}

/** Builds the user message of a turn from text and image parts (a plain string when there are no images). */
function userMessage(parts: ChatContentPart[]): ChatMessage | undefined {
  const nonEmpty = parts.filter((p) => p.type !== 'text' || p.text !== '');
  if (nonEmpty.length === 0) return undefined;
  if (nonEmpty.every((p) => p.type === 'text')) {
    return { role: 'user', content: nonEmpty.map((p) => (p.type === 'text' ? p.text : '')).join('\n\n') };
  }
  return { role: 'user', content: nonEmpty };
}

/** Converts the conversation. Pure: the input is not modified. */
export function toChatMessages(
  system: MessagesRequest['system'],
  messages: readonly AnthropicMessageParam[],
  opts: MessageOptions,
): ChatMessage[] {
  const out: ChatMessage[] = [];
  /** Ids of the last assistant message's tool calls, in call order, until their results are placed. */
  let pending: string[] = [];
  /** System messages that arrived while tool results were pending. */
  let deferred: string[] = [];
  /** merge-into-user: system text waiting for the next user message. */
  let mergeText: string[] = [];
  /** Images out of tool results, for the user message that follows the tool messages. */
  let imagesForNextUser: ChatContentPart[] = [];

  const top = systemText(system);
  if (top) out.push({ role: 'system', content: top });

  const placeSystem = (text: string): void => {
    if (opts.inlineSystem === 'keep') {
      out.push({ role: 'system', content: text });
      return;
    }
    const last = out[out.length - 1];
    if (out.every((m) => m.role === 'system') && last?.role === 'system') last.content += `\n\n${text}`;
    else if (out.every((m) => m.role === 'system')) out.push({ role: 'system', content: text });
    else if (last?.role === 'user' && typeof last.content === 'string') last.content += `\n\n${text}`;
    else if (last?.role === 'user' && Array.isArray(last.content)) last.content.push({ type: 'text', text });
    else mergeText.push(text);
  };

  /** Answers every pending call: its results (in call order) or the no-result note. Returns the leftovers. */
  const closePending = (results: AnthropicToolResultBlockParam[] = []): AnthropicToolResultBlockParam[] => {
    const left = [...results];
    const images: ChatContentPart[] = [];
    for (const id of pending) {
      const at = left.findIndex((r) => splitToolId(r.tool_use_id).id === id);
      if (at < 0) {
        out.push({ role: 'tool', tool_call_id: id, content: NO_RESULT_TEXT });
        continue;
      }
      const [result] = left.splice(at, 1);
      if (!result) continue;
      const parts = resultParts(result);
      out.push({ role: 'tool', tool_call_id: id, content: toolContent(result, parts) });
      if (parts.images.length) images.push({ type: 'text', text: `Image output of tool call ${id}:` }, ...parts.images);
    }
    pending = [];
    const held = deferred;
    deferred = [];
    for (const text of held) placeSystem(text);
    if (images.length) imagesForNextUser.push(...images);
    return left;
  };

  const flushMerge = (): void => {
    if (mergeText.length === 0) return;
    out.push({ role: 'user', content: mergeText.join('\n\n') });
    mergeText = [];
  };

  for (const message of messages) {
    if (message.role === 'system') {
      const text = typeof message.content === 'string' ? message.content : joinText(message.content);
      if (isBlank(text)) continue;
      if (pending.length) deferred.push(text);
      else placeSystem(text);
      continue;
    }

    if (message.role === 'user') {
      const blocks = typeof message.content === 'string' ? [{ type: 'text' as const, text: message.content }] : message.content;
      const results = blocks.filter((b): b is AnthropicToolResultBlockParam => b.type === 'tool_result');
      const orphans = pending.length ? closePending(results) : results;
      const parts: ChatContentPart[] = mergeText.map((text) => ({ type: 'text', text }));
      mergeText = [];
      parts.push(...imagesForNextUser);
      imagesForNextUser = [];
      for (const orphan of orphans) {
        const p = resultParts(orphan);
        const label = `Result of tool call ${splitToolId(orphan.tool_use_id).id}${orphan.is_error ? ' (error)' : ''}:`;
        parts.push({ type: 'text', text: `${label}\n${p.text}` }, ...p.images);
      }
      for (const block of blocks) {
        if (block.type === 'text') parts.push({ type: 'text', text: block.text });
        else if (block.type === 'image') parts.push(imagePart(block));
        else if (block.type === 'document') parts.push(documentPart(block));
      }
      const user = userMessage(parts);
      if (user) out.push(user);
      continue;
    }

    // assistant
    if (pending.length) closePending();
    if (imagesForNextUser.length) {
      const user = userMessage(imagesForNextUser);
      if (user) out.push(user);
      imagesForNextUser = [];
    }
    flushMerge();
    const assistant = assistantMessage(message.content, opts.reasoningSendBack, opts.strings ?? 'text');
    if (!assistant) continue;
    out.push(assistant);
    pending = assistant.tool_calls?.map((c) => c.id) ?? [];
  }

  if (pending.length) closePending();
  if (imagesForNextUser.length) {
    const user = userMessage(imagesForNextUser);
    if (user) out.push(user);
  }
  flushMerge();
  return out;
}

type AssistantContent = Extract<AnthropicMessageParam, { role: 'assistant' }>['content'];

function assistantMessage(content: AssistantContent, sendBack: boolean, form: StringForm['name']): ChatAssistantMessage | undefined {
  const blocks = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  const texts: string[] = [];
  const thinking: string[] = [];
  const calls: ChatToolCall[] = [];
  const details: unknown[] = [];
  for (const block of blocks) {
    if (block.type === 'text') {
      if (block.text !== '') texts.push(block.text);
    } else if (block.type === 'tool_use') {
      const { id, signature } = splitToolId(block.id, form);
      const call: ChatToolCall = { id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } };
      if (signature) call.extra_content = { google: { thought_signature: signature } };
      calls.push(call);
    } else if (block.type === 'thinking') {
      if (block.thinking !== '') thinking.push(block.thinking);
      details.push(...(detailsOfSignature(block.signature, form) ?? []));
    } else if (block.type === 'server_tool_use') {
      texts.push(searchCallText(block.input));
    } else if (block.type === 'web_search_tool_result') {
      texts.push(searchResultText(block.content, form));
    }
    // redacted_thinking: encrypted Anthropic data, meaningless to any other backend.
  }
  const text = texts.join('\n\n');
  if (isBlank(text) && calls.length === 0) return undefined;
  const message: ChatAssistantMessage = { role: 'assistant', content: isBlank(text) ? null : text };
  if (calls.length) message.tool_calls = calls;
  if (sendBack) message.reasoning_content = thinking.join('\n\n');
  if (details.length) message.reasoning_details = details;
  return message;
}
