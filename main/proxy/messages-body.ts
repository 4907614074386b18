/**
 * A `/v1/messages` body read into a validated request, its strings as byte strings (translate/byte-strings.ts).
 *
 * Claude Code sends the same tool definitions with every request of a session: 24 tools, ~63 KB of an 80 KB
 * request, which were most of the proxy's work on it (parse, check, strip schema keywords, serialise). So the
 * definitions a key sent are kept, by their exact JSON text, checked and deep-frozen: a body with the same text has
 * the rest of it parsed and checked, and the kept definitions put in; what is computed from frozen definitions
 * (translation, token estimate, JSON) is computed once (translate/frozen.ts). Bodies whose tools differ in any byte
 * are read in full, and then kept in their turn; the least recently used go beyond {@link ToolDefinitions.MAX}.
 */
import { parseMessagesRequest } from '../translate/anthropic-schema';
import type { AnthropicToolParam, MessagesRequest } from '../translate/anthropic-schema';
import { withEscapesAsBytes } from '../translate/byte-strings';
import { deepFreeze } from '../translate/frozen';
import { AppError } from './errors';
import { arrayMemberRange, parseJson, parseJsonAs } from './http-body';

/** Tool definitions kept per key and exact JSON text, least recently used first. */
export class ToolDefinitions {
  /** Definitions kept at most (each is ~63 KB of text and its parsed form for Claude Code). */
  static readonly MAX = 64;
  readonly #kept = new Map<string, readonly AnthropicToolParam[]>();

  get(id: string): readonly AnthropicToolParam[] | undefined {
    const tools = this.#kept.get(id);
    if (tools) {
      this.#kept.delete(id); // most recently used goes last
      this.#kept.set(id, tools);
    }
    return tools;
  }

  keep(id: string, tools: readonly AnthropicToolParam[]): void {
    this.#kept.delete(id);
    this.#kept.set(id, deepFreeze(tools));
    if (this.#kept.size > ToolDefinitions.MAX) this.#kept.delete(this.#kept.keys().next().value as string);
  }

  get size(): number {
    return this.#kept.size;
  }
}

/**
 * Parses and checks a `/v1/messages` body sent with API key `keyId`: 400 `invalid_json` or `invalid_request` (naming
 * the field, quoting values as text) when it is not a valid request.
 */
export function readMessagesBody(raw: Buffer, keyId: string, definitions: ToolDefinitions): MessagesRequest {
  const bytes = withEscapesAsBytes(raw);
  const text = bytes.toString('latin1');
  const range = arrayMemberRange(bytes, 'tools');
  const id = range ? `${keyId}\n${text.slice(range[0], range[1])}` : undefined;
  const kept = id === undefined ? undefined : definitions.get(id);
  const json =
    raw.length === 0 ? undefined : parseJsonAs(raw, () => JSON.parse(kept && range ? `${text.slice(0, range[0])}[]${text.slice(range[1])}` : text));
  const result = parseMessagesRequest(json);
  if (!result.ok) {
    // The message may quote the offending value: take it from the body read as text.
    const asText = parseMessagesRequest(parseJson(raw));
    throw new AppError(400, 'invalid_request', asText.ok ? result.message : asText.message);
  }
  const req = result.value;
  if (kept) req.tools = kept as AnthropicToolParam[];
  else if (id !== undefined && req.tools) definitions.keep(id, req.tools);
  return req;
}
