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
  /** The definitions' JSON text, compared byte for byte on each lookup. */
  text: Buffer;
}

/** Bytes of a text sampled into its {@link KeptTools.slot}: its ends and evenly spread points between. */
const SAMPLE_ENDS = 32;
const SAMPLE_POINTS = 32;

/**
 * Tool definitions (already checked) by key and exact JSON text, least recently used first; bounded by entries and by
 * the bytes of their texts ({@link KEPT_TOOLS_LIMITS}).
 *
 * The map is keyed by a slot: the API key, the text's length and a sample of its bytes, so a lookup costs a short
 * string and a byte comparison (memcmp) of the text with each entry of its slot, instead of a hash of the whole text.
 * Texts that share a slot (same key and length, differing only between the sampled bytes) are told apart by that
 * comparison; however many of them a client sends, a lookup compares at most the limit's bytes of kept text.
 */
export class KeptTools<T> {
  /** Slots in least recently used order; each slot's entries most recently used first. */
  readonly #slots = new Map<string, KeptEntry<T>[]>();
  readonly #limits: KeptToolsLimits;
  #size = 0;
  #bytes = 0;

  constructor(limits: Partial<KeptToolsLimits> = {}) {
    this.#limits = { ...KEPT_TOOLS_LIMITS, ...limits };
  }

  /** The map key for definitions whose JSON text is `text`, sent with `keyId`: short whatever the text's size. */
  static slot(keyId: string, text: Uint8Array): string {
    const n = text.length;
    const sample = Buffer.allocUnsafe(2 * SAMPLE_ENDS + SAMPLE_POINTS);
    let at = 0;
    if (n > 0) {
      for (let i = 0; i < SAMPLE_ENDS; i++) sample[at++] = text[Math.min(i, n - 1)]!;
      for (let i = 1; i <= SAMPLE_POINTS; i++) sample[at++] = text[Math.floor((i * n) / (SAMPLE_POINTS + 1))]!;
      for (let i = SAMPLE_ENDS; i > 0; i--) sample[at++] = text[Math.max(n - i, 0)]!;
    }
    return `${keyId}\n${n}\n${sample.toString('latin1', 0, at)}`;
  }

  /** The definitions kept for `text` sent with `keyId` (a view of the body, not copied), or undefined. */
  get(keyId: string, text: Uint8Array): readonly T[] | undefined {
    const slot = KeptTools.slot(keyId, text);
    const entries = this.#slots.get(slot);
    const at = entries ? entries.findIndex((e) => e.text.equals(text)) : -1;
    if (!entries || at < 0) return undefined;
    const [entry] = entries.splice(at, 1);
    entries.unshift(entry!);
    this.#slots.delete(slot); // most recently used goes last
    this.#slots.set(slot, entries);
    return entry!.tools;
  }

  /** Keeps `tools`, whose JSON text is `text` (copied), unless that is over the entry limit. */
  keep(keyId: string, text: Uint8Array, tools: readonly T[]): void {
    if (text.length > this.#limits.maxEntryBytes) return;
    const slot = KeptTools.slot(keyId, text);
    const entries = this.#slots.get(slot) ?? [];
    const same = entries.findIndex((e) => e.text.equals(text));
    if (same >= 0) this.#forget(entries.splice(same, 1)[0]!);
    entries.unshift({ tools: deepFreeze(tools), text: Buffer.from(text) });
    this.#size++;
    this.#bytes += text.length;
    this.#slots.delete(slot);
    this.#slots.set(slot, entries);
    while (this.#size > this.#limits.maxEntries || this.#bytes > this.#limits.maxBytes) {
      const [oldest, list] = this.#slots.entries().next().value as [string, KeptEntry<T>[]];
      this.#forget(list.pop()!);
      if (list.length === 0) this.#slots.delete(oldest);
    }
  }

  /** Takes an entry out of the counts (its caller takes it out of its slot). */
  #forget(entry: KeptEntry<T>): void {
    this.#size--;
    this.#bytes -= entry.text.length;
  }

  /** Entries kept. */
  get size(): number {
    return this.#size;
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
  const toolsBytes = range && bytes.subarray(range[0], range[1]);
  const kept = toolsBytes && keptTools.get(keyId, toolsBytes);
  const rest = kept && range ? `${text.slice(0, range[0])}[]${text.slice(range[1])}` : text;
  return {
    json: raw.length === 0 ? undefined : parseJsonAs(raw, () => JSON.parse(rest)),
    ...(toolsText !== undefined ? { toolsText } : {}),
    ...(kept ? { kept } : {}),
    keep(tools) {
      if (toolsBytes && !kept && tools) keptTools.keep(keyId, toolsBytes, tools);
    },
  };
}
