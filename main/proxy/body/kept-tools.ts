/**
 * Tool definitions kept between requests. Claude Code (and most agents) send the same tools with every request of a
 * session: 24 tools, ~63 KB of an 80 KB request, which were most of the proxy's work on it (parse, check, translate,
 * serialise). So the definitions a key sent are kept, checked and deep-frozen, by their exact JSON text: a body with
 * the same text has only the rest of it parsed and checked, and the kept definitions put in; what is computed from
 * frozen definitions is computed once (translate/frozen.ts). Bodies whose tools differ in any byte are read in full
 * and then kept in their turn; the least recently used go beyond {@link KeptTools.MAX}. Kept per API key, so that one
 * key's requests never answer faster because of another's.
 */
import { deepFreeze } from '../../translate/frozen';
import { withEscapesAsBytes } from './byte-strings';
import { arrayMemberRange } from './json-scan';
import { parseJsonAs } from './read-body';

/** Tool definitions (already checked) by key and exact JSON text, least recently used first. */
export class KeptTools<T> {
  /** Definitions kept at most (each is ~63 KB of text and its parsed form for Claude Code). */
  static readonly MAX = 64;
  readonly #kept = new Map<string, readonly T[]>();

  get(id: string): readonly T[] | undefined {
    const tools = this.#kept.get(id);
    if (tools) {
      this.#kept.delete(id); // most recently used goes last
      this.#kept.set(id, tools);
    }
    return tools;
  }

  keep(id: string, tools: readonly T[]): void {
    this.#kept.delete(id);
    this.#kept.set(id, deepFreeze(tools));
    if (this.#kept.size > KeptTools.MAX) this.#kept.delete(this.#kept.keys().next().value as string);
  }

  get size(): number {
    return this.#kept.size;
  }
}

/** A body parsed by {@link parseWithKeptTools}. */
export interface ToolsBody<T> {
  /** The parsed body, strings as byte strings; `tools` is `[]` when `kept` is set. */
  json: unknown;
  /** The JSON text (byte string) of the root member `tools`, when it is an array. */
  toolsText?: string;
  /** The kept definitions for that text, to be put in after the body is checked. */
  kept?: readonly T[];
  /** Keeps the body's definitions once they are checked (no-op without a `tools` array). */
  keep(tools: readonly T[] | undefined): void;
}

/**
 * Parses a JSON body with parseJson's 400s, its strings as byte strings, skipping the `tools` array when `keyId` sent
 * the same one before (see the module notes). An empty body is `undefined`.
 */
export function parseWithKeptTools<T>(raw: Buffer, keyId: string, keptTools: KeptTools<T>): ToolsBody<T> {
  const bytes = withEscapesAsBytes(raw);
  const text = bytes.toString('latin1');
  const range = arrayMemberRange(bytes, 'tools');
  const toolsText = range && text.slice(range[0], range[1]);
  const id = toolsText === undefined ? undefined : `${keyId}\n${toolsText}`;
  const kept = id === undefined ? undefined : keptTools.get(id);
  const rest = kept && range ? `${text.slice(0, range[0])}[]${text.slice(range[1])}` : text;
  return {
    json: raw.length === 0 ? undefined : parseJsonAs(raw, () => JSON.parse(rest)),
    ...(toolsText !== undefined ? { toolsText } : {}),
    ...(kept ? { kept } : {}),
    keep(tools) {
      if (id !== undefined && !kept && tools) keptTools.keep(id, tools);
    },
  };
}
