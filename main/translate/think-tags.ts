/**
 * `<think>…</think>` inside a backend's text, turned into thinking (the `think_tags` backend setting).
 *
 * Backends serving reasoning models without a reasoning parser (Ollama, vLLM without `--reasoning-parser`) and
 * MiniMax put the reasoning in `content`, wrapped in think tags. {@link ThinkTagSplitter} splits a text that
 * arrives in pieces into text and thinking pieces, also when a tag is split across chunks (`<thi` + `nk>`): the
 * possible start of a tag at the end of a piece is held until the next piece (or {@link ThinkTagSplitter.flush})
 * shows what it is. The blank lines that usually follow `</think>` are dropped with it.
 */
import type { ContentPiece } from './content-parts';

const OPEN = '<think>';
const CLOSE = '</think>';

/** Length of the longest end of `text` that is a proper start of `tag` (the part to hold back). */
function partialTagAtEnd(text: string, tag: string): number {
  for (let n = Math.min(tag.length - 1, text.length); n > 0; n--) {
    if (text.endsWith(tag.slice(0, n))) return n;
  }
  return 0;
}

/** Splits streamed text at think tags; one per answer. */
export class ThinkTagSplitter {
  #inThink = false;
  #held = '';
  #trimStart = false;

  /** The pieces of `text` that are certain so far. */
  push(text: string): ContentPiece[] {
    const out: ContentPiece[] = [];
    let rest = this.#held + text;
    this.#held = '';
    for (;;) {
      const tag = this.#inThink ? CLOSE : OPEN;
      const at = rest.indexOf(tag);
      if (at < 0) break;
      this.#emit(out, rest.slice(0, at));
      rest = rest.slice(at + tag.length);
      this.#inThink = !this.#inThink;
      this.#trimStart = true;
    }
    const hold = partialTagAtEnd(rest, this.#inThink ? CLOSE : OPEN);
    this.#held = rest.slice(rest.length - hold);
    this.#emit(out, rest.slice(0, rest.length - hold));
    return out;
  }

  /** The held text, at the end of the answer (a tag that never completed is text). */
  flush(): ContentPiece[] {
    const out: ContentPiece[] = [];
    this.#emit(out, this.#held);
    this.#held = '';
    return out;
  }

  #emit(out: ContentPiece[], text: string): void {
    let t = text;
    if (this.#trimStart) {
      t = t.replace(/^[\r\n]+/, '');
      if (t !== '') this.#trimStart = false;
    }
    if (t !== '') out.push({ kind: this.#inThink ? 'thinking' : 'text', text: t });
  }
}

/** A whole text split at its think tags. */
export function splitThinkTags(text: string): ContentPiece[] {
  const splitter = new ThinkTagSplitter();
  return [...splitter.push(text), ...splitter.flush()];
}
