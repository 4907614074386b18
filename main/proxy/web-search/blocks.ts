/**
 * Anthropic's web search answer shapes, as pure functions: the `server_tool_use` and `web_search_tool_result`
 * blocks, the text the backend model reads for a search, and any complete block as the SSE events of one content
 * block (start, deltas, stop), which is how the loop streams what it has.
 *
 * `encrypted_content` is opaque to clients; ours is the base64url JSON of the result's snippet (not a secret: what the
 * service returned), so a result sent back in a later turn's history can be read again (translate/search-history.ts).
 */
import { encodeSearchContent } from '../../translate/search-history';
import type { SearchErrorCode, SearchHit } from '../../upstream/search-client';

export interface WebSearchResultItem {
  type: 'web_search_result';
  url: string;
  title: string;
  page_age: string | null;
  encrypted_content: string;
}

export interface ServerToolUseBlock {
  type: 'server_tool_use';
  id: string;
  name: 'web_search';
  input: { query: string };
}

export interface WebSearchToolResultBlock {
  type: 'web_search_tool_result';
  tool_use_id: string;
  content: WebSearchResultItem[] | { type: 'web_search_tool_result_error'; error_code: SearchErrorCode };
}

/** Any block the web search answer holds. */
export type AnswerBlock =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | ServerToolUseBlock
  | WebSearchToolResultBlock;

/** The result block of a search. */
export function resultBlock(toolUseId: string, outcome: SearchHit[] | SearchErrorCode): WebSearchToolResultBlock {
  if (typeof outcome === 'string') return { type: 'web_search_tool_result', tool_use_id: toolUseId, content: { type: 'web_search_tool_result_error', error_code: outcome } };
  return {
    type: 'web_search_tool_result',
    tool_use_id: toolUseId,
    content: outcome.map((hit) => ({
      type: 'web_search_result',
      url: hit.url,
      title: hit.title,
      page_age: hit.pageAge,
      encrypted_content: encodeSearchContent(hit.snippet),
    })),
  };
}

/** What the backend model reads as the result of its `web_search` call. */
export function resultText(query: string, outcome: SearchHit[] | SearchErrorCode, detail = ''): string {
  if (typeof outcome === 'string') return `Web search for "${query}" failed (${outcome}${detail ? `: ${detail}` : ''}).`;
  if (outcome.length === 0) return `Web search for "${query}" found nothing.`;
  const items = outcome.map((hit, i) => `[${i + 1}] ${hit.title}\nURL: ${hit.url}${hit.pageAge ? `\nAge: ${hit.pageAge}` : ''}\n${hit.snippet}`);
  return `Web search results for "${query}":\n\n${items.join('\n\n')}\n\nCite the URLs you use.`;
}

const sse = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/** A complete block as the events of content block `index`. */
export function blockEvents(index: number, block: AnswerBlock): string {
  const delta = (d: unknown): string => sse('content_block_delta', { type: 'content_block_delta', index, delta: d });
  let out: string;
  switch (block.type) {
    case 'text':
      out = sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
      if (block.text) out += delta({ type: 'text_delta', text: block.text });
      break;
    case 'thinking':
      out = sse('content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      if (block.thinking) out += delta({ type: 'thinking_delta', thinking: block.thinking });
      out += delta({ type: 'signature_delta', signature: block.signature });
      break;
    case 'tool_use':
    case 'server_tool_use':
      out = sse('content_block_start', { type: 'content_block_start', index, content_block: { ...block, input: {} } });
      out += delta({ type: 'input_json_delta', partial_json: JSON.stringify(block.input) });
      break;
    case 'web_search_tool_result':
      out = sse('content_block_start', { type: 'content_block_start', index, content_block: block });
      break;
  }
  return out + sse('content_block_stop', { type: 'content_block_stop', index });
}

/** The `message_start` event. */
export const messageStartEvent = (id: string, model: string, inputTokens: number): string =>
  sse('message_start', {
    type: 'message_start',
    message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: Math.max(1, inputTokens), output_tokens: 1, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 } },
  });

/** The `message_delta` and `message_stop` events. */
export const messageEndEvents = (stopReason: string, usage: object): string =>
  sse('message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage }) + sse('message_stop', { type: 'message_stop' });

/** An `error` event. */
export const errorEvent = (type: string, message: string): string => sse('error', { type: 'error', error: { type, message } });

/** A `ping` event. */
export const pingEvent = (): string => sse('ping', { type: 'ping' });
