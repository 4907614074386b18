/**
 * Tool definitions kept between requests. Claude Code (and most agents) send the same tools with every request of a
 * session: 24 tools, ~63 KB of an 80 KB request, which were most of the proxy's work on it (parse, check, translate,
 * serialise). So the definitions a key sent are kept, checked and deep-frozen, by their exact JSON text: a body with
 * the same text has only the rest of it parsed and checked, and the kept definitions put in; what is computed from
 * frozen definitions is computed once (translate/frozen.ts). Bodies whose tools differ in any byte are read in full
 * and then kept in their turn, within bounds of entries and bytes ({@link KEPT_TOOLS_LIMITS}; the least recently
 * used go first). Kept per API key, so that one
 * key's requests never answer faster because of another's.
 */
import { createHash } from 'node:crypto';
import { deepFreeze } from '../../translate/frozen';
import { withEscapesAsBytes } from './byte-strings';
import { arrayMemberRange } from './json-scan';
import { parseJsonAs } from './read-body';

/** How much {@link KeptTools} may hold: entries, JSON text bytes in all, and bytes of one entry's text. */
export interface KeptToolsLimits {
  maxEntries: number;
  maxBytes: number;
  maxEntryBytes: number;
}

/**
 * Claude Code's 24 tools are ~63 KB of text; 64 entries and 16 MB of text leave room for many keys and versions.
 * Parsed definitions take a few times their text, so the cache holds at most ~100 MB whatever clients send; a
 * definition list over 1 MB is never kept (it is parsed every time, as any body without kept tools).
 */
export const KEPT_TOOLS_LIMITS: KeptToolsLimits = { maxEntries: 64, maxBytes: 16 * 1024 * 1024, maxEntryBytes: 1024 * 1024 };

interface KeptEntry<T> {
  tools: readonly T[];
  bytes: number;
}

/**
 * Tool definitions (already checked) by a SHA-256 of key and exact JSON text, least recently used first; bounded by
 * entries and by the bytes of their texts ({@link KEPT_TOOLS_LIMITS}).
 */
export class KeptTools<T> {
  readonly #kept = new Map<string, KeptEntry<T>>();
  readonly #limits: KeptToolsLimits;
  #bytes = 0;

  constructor(limits: Partial<KeptToolsLimits> = {}) {
    this.#limits = { ...KEPT_TOOLS_LIMITS, ...limits };
  }

  /** The map key for definitions whose JSON text is `toolsBytes` (a view of the body, not copied), sent with `keyId`. */
  static id(keyId: string, toolsBytes: Uint8Array): string {
    return createHash('sha256').update(keyId).update('\n').update(toolsBytes).digest('base64');
  }

  get(id: string): readonly T[] | undefined {
    const entry = this.#kept.get(id);
    if (entry) {
      this.#kept.delete(id); // most recently used goes last
      this.#kept.set(id, entry);
    }
    return entry?.tools;
  }

  /** Keeps `tools`, whose JSON text was `bytes` long, unless that is over the entry limit. */
  keep(id: string, tools: readonly T[], bytes: number): void {
    if (bytes > this.#limits.maxEntryBytes) return;
    this.#drop(id);
    this.#kept.set(id, { tools: deepFreeze(tools), bytes });
    this.#bytes += bytes;
    while (this.#kept.size > this.#limits.maxEntries || this.#bytes > this.#limits.maxBytes) {
      this.#drop(this.#kept.keys().next().value as string);
    }
  }

  #drop(id: string): void {
    const entry = this.#kept.get(id);
    if (!entry) return;
    this.#kept.delete(id);
    this.#bytes -= entry.bytes;
  }

  /** Entries kept. */
  get size(): number {
    return this.#kept.size;
  }

  /** Bytes of JSON text of the definitions kept. */
  get bytes(): number {
    return this.#bytes;
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
  const id = range ? KeptTools.id(keyId, bytes.subarray(range[0], range[1])) : undefined;
  const kept = id === undefined ? undefined : keptTools.get(id);
  const rest = kept && range ? `${text.slice(0, range[0])}[]${text.slice(range[1])}` : text;
  return {
    json: raw.length === 0 ? undefined : parseJsonAs(raw, () => JSON.parse(rest)),
    ...(toolsText !== undefined ? { toolsText } : {}),
    ...(kept ? { kept } : {}),
    keep(tools) {
      if (id !== undefined && toolsText !== undefined && !kept && tools) keptTools.keep(id, tools, toolsText.length);
    },
  };
}
