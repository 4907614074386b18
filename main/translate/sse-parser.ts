/**
 * An incremental Server-Sent Events parser for backend streams: bytes in, complete `data` payloads
 * out. It is on the path of every streamed byte, so it scans each chunk once and only joins text
 * when a line actually ends.
 *
 * Follows the SSE rules that matter here: lines end in LF, CRLF or CR (also split across chunks),
 * `:` lines are comments, `data:` loses one leading space, multi-line data joins with `\n`, a blank
 * line dispatches, other fields (`event`, `id`, `retry`) are ignored. UTF-8 characters split across
 * chunks are decoded correctly. `data: [DONE]` sets {@link SseParser.done}; nothing after it is
 * returned; empty payloads are skipped. One leniency: a `data:` line that starts a new JSON object right after one that ended
 * a JSON object dispatches the first even without a blank line between them (some servers omit it).
 */
export class SseParser {
  readonly #decoder = new TextDecoder('utf-8');
  /** Text of an unfinished line, in pieces. */
  #partial: string[] = [];
  /** Data lines of the event being read. */
  #data: string[] = [];
  #skipLeadingLF = false;
  #done = false;

  /** True once `data: [DONE]` was seen. */
  get done(): boolean {
    return this.#done;
  }

  /** Feeds a chunk; returns the payloads of the events it completed (possibly none). */
  push(chunk: Uint8Array | string): string[] {
    if (this.#done) return [];
    let text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    if (this.#skipLeadingLF) {
      this.#skipLeadingLF = false;
      if (text.charCodeAt(0) === 10) text = text.slice(1);
    }
    const out: string[] = [];
    let start = 0;
    const n = text.length;
    for (let i = 0; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      let line = text.slice(start, i);
      if (this.#partial.length) {
        this.#partial.push(line);
        line = this.#partial.join('');
        this.#partial = [];
      }
      if (c === 13) {
        if (i + 1 < n) {
          if (text.charCodeAt(i + 1) === 10) i++;
        } else {
          this.#skipLeadingLF = true;
        }
      }
      start = i + 1;
      this.#line(line, out);
      if (this.#done) return out;
    }
    if (start < n) this.#partial.push(start === 0 ? text : text.slice(start));
    return out;
  }

  /** Ends the input: returns the payload of a last event not followed by a blank line. */
  end(): string[] {
    if (this.#done) return [];
    const out: string[] = [];
    const tail = this.#decoder.decode();
    if (tail) this.#partial.push(tail);
    if (this.#partial.length) {
      const line = this.#partial.join('');
      this.#partial = [];
      this.#line(line, out);
    }
    if (!this.#done) this.#dispatch(out);
    return out;
  }

  #line(line: string, out: string[]): void {
    if (line === '') {
      this.#dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    if (field !== 'data') return;
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    const last = this.#data[this.#data.length - 1];
    if (last !== undefined && value.charCodeAt(0) === 123 /* { */ && last.charCodeAt(last.length - 1) === 125 /* } */) {
      this.#dispatch(out);
    }
    this.#data.push(value);
  }

  #dispatch(out: string[]): void {
    if (this.#data.length === 0) return;
    const payload = this.#data.length === 1 ? (this.#data[0] ?? '') : this.#data.join('\n');
    this.#data = [];
    if (payload.trim() === '[DONE]') {
      this.#done = true;
      return;
    }
    if (payload !== '') out.push(payload);
  }
}
