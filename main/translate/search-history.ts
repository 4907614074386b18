/**
 * Web search blocks in a conversation's history (`server_tool_use` and `web_search_tool_result` in assistant turns,
 * as a client sends back an earlier answer of the proxy's web search, or of Anthropic's): a backend has no such
 * blocks, so they become assistant text naming the query and the results (title, URL and, for results the proxy
 * made, the excerpt it carried in `encrypted_content`). Anthropic's own encrypted content cannot be read: its
 * results keep title and URL.
 */
import type { StringForm } from './strings';

/** `encrypted_content` of a result the proxy made: the base64url JSON of its excerpt. */
export const encodeSearchContent = (snippet: string): string => Buffer.from(JSON.stringify({ snippet }), 'utf8').toString('base64url');

/** The excerpt an `encrypted_content` of ours carries, in string form `form`; '' for anything else. */
export function decodeSearchContent(encrypted: string, form: StringForm['name'] = 'text'): string {
  try {
    const value: unknown = JSON.parse(Buffer.from(encrypted, 'base64url').toString(form === 'bytes' ? 'latin1' : 'utf8'));
    const snippet = typeof value === 'object' && value !== null ? (value as { snippet?: unknown }).snippet : undefined;
    return typeof snippet === 'string' ? snippet : '';
  } catch {
    return '';
  }
}

interface ResultItem {
  url: string;
  title?: string | null;
  encrypted_content?: string | null;
}

/** The text standing for a search call in history. */
export const searchCallText = (input: Record<string, unknown>): string =>
  `[Web search: ${typeof input.query === 'string' ? input.query : JSON.stringify(input)}]`;

/** The text standing for a search result in history. */
export function searchResultText(content: unknown, form: StringForm['name']): string {
  if (!Array.isArray(content)) {
    const code = typeof content === 'object' && content !== null ? (content as { error_code?: unknown }).error_code : undefined;
    return `[Web search failed: ${typeof code === 'string' ? code : 'error'}]`;
  }
  const items = (content as ResultItem[]).filter((r) => typeof r?.url === 'string');
  if (items.length === 0) return '[Web search found nothing]';
  const lines = items.map((r) => {
    const snippet = r.encrypted_content ? decodeSearchContent(r.encrypted_content, form) : '';
    return `- ${r.title || r.url} (${r.url})${snippet ? `: ${snippet}` : ''}`;
  });
  return `[Web search results]\n${lines.join('\n')}`;
}
