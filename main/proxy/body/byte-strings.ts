/**
 * Byte strings: a JSON body parsed so that every string holds its UTF-8 bytes, one char (U+0000–U+00FF) per byte.
 *
 * Why: Node 20 turns UTF-8 into JS text slowly as soon as a body holds one non-ASCII character (more than JSON.parse
 * itself takes), and turns it back slowly too (bench/results/profile.md shows where the time goes). The proxy copies the
 * texts of a request into the backend's request verbatim, so the `/v1` routes never decode them: they parse the
 * body's latin1 decode, build the backend request from its strings, and write that JSON with latin1, which gives
 * back the very bytes that came in: it roughly halves the time to translate a large request (figures in
 * bench/results/).
 *
 * What keeps it exact:
 * - {@link parseJsonBytes} rewrites `\uXXXX` escapes of non-ASCII characters (as Python's `json.dumps` writes them)
 *   into their UTF-8 bytes first, so every string is in the one form. Escaped lone surrogates, which UTF-8 cannot
 *   hold, stay escapes; JSON.stringify writes them as escapes again.
 * - Text from elsewhere (a model name from the settings) goes in through {@link bytesOf}; a byte string is read as
 *   text through {@link textOf} (model names, stop sequences); its length is its UTF-8 length; {@link cutBytes} cuts
 *   it between characters.
 * - {@link encodeJsonBytes} throws on a character above U+00FF: text that skipped `bytesOf` would otherwise be cut to
 *   one byte per character without a word.
 */

import type { StringForm } from '../../translate/strings';

const BACKSLASH = 0x5c;
const LETTER_U = 0x75;
const NOT_ASCII = /[^\x00-\x7f]/;
const NOT_BYTE = /[^\x00-\xff]/;

/** Parses JSON bytes into a value whose strings are byte strings. Throws JSON.parse's SyntaxError. */
export function parseJsonBytes(raw: Buffer): unknown {
  return JSON.parse(withEscapesAsBytes(raw).toString('latin1'));
}

/** The JSON text of a value whose strings are byte strings, as the bytes it stands for. */
export function encodeJsonBytes(value: unknown): Buffer {
  return latin1Bytes(JSON.stringify(value));
}

/**
 * {@link encodeJsonBytes} of `object` with one more member, `key`, whose value is given as JSON text already: a large
 * member that repeats from request to request is serialised once (request.ts).
 */
export function encodeJsonBytesWith(object: object, key: string, valueJson: string): Buffer {
  const json = JSON.stringify(object);
  const member = `${JSON.stringify(key)}:${valueJson}`;
  return latin1Bytes(json === '{}' ? `{${member}}` : `${json.slice(0, -1)},${member}}`);
}

function latin1Bytes(json: string): Buffer {
  // Free on a string V8 already holds one byte per char, which is what this always sees.
  if (NOT_BYTE.test(json)) throw new Error('encodeJsonBytes: a string holds text, not bytes (use bytesOf)');
  return Buffer.from(json, 'latin1');
}

/** The text a byte string holds. */
export function textOf(bytes: string): string {
  return NOT_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** The byte string of a text. */
export function bytesOf(text: string): string {
  return NOT_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/** The string form of byte strings, for the translators (translate/strings.ts). */
export const BYTE_STRINGS: StringForm = {
  name: 'bytes',
  utf8Length: (s) => s.length,
  cut: (s, max) => cutBytes(s, max),
  fromText: (text) => bytesOf(text),
};

/** The longest start of a byte string within `max` bytes that ends between two characters. */
export function cutBytes(bytes: string, max: number): string {
  if (bytes.length <= max) return bytes;
  let end = max;
  // A continuation byte (10xxxxxx) at the cut means the character straddles it: leave the whole character out.
  while (end > 0 && (bytes.charCodeAt(end) & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}

/**
 * `raw` (JSON text) with every escape of a non-ASCII character (`\u00e9`, or a surrogate pair `\ud83d\ude00`) replaced by the
 * character's UTF-8 bytes; `raw` itself when it has none (the usual case: JSON.stringify escapes no such character).
 */
export function withEscapesAsBytes(raw: Buffer): Buffer {
  let at = raw.indexOf('\\u');
  if (at < 0) return raw;
  const parts: Buffer[] = [];
  let copied = 0;
  for (; at >= 0; at = raw.indexOf('\\u', at + 2)) {
    // `\u` starts an escape only when its backslash is not itself escaped: the run of backslashes ending there is odd.
    let run = 1;
    while (at - run >= 0 && raw[at - run] === BACKSLASH) run++;
    if (run % 2 === 0) continue;
    const unit = hexUnit(raw, at + 2);
    if (unit < 0x80 || (unit >= 0xdc00 && unit <= 0xdfff)) continue; // ASCII, invalid (-1), or a lone low surrogate
    let codePoint = unit;
    let end = at + 6;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const low = raw[end] === BACKSLASH && raw[end + 1] === LETTER_U ? hexUnit(raw, end + 2) : -1;
      if (low < 0xdc00 || low > 0xdfff) continue; // a lone high surrogate
      codePoint = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
      end += 6;
    }
    parts.push(raw.subarray(copied, at), Buffer.from(String.fromCodePoint(codePoint), 'utf8'));
    copied = end;
    at = end - 2;
  }
  if (parts.length === 0) return raw;
  parts.push(raw.subarray(copied));
  return Buffer.concat(parts);
}

/** The value of the four hex digits at `at`, or -1. */
function hexUnit(raw: Buffer, at: number): number {
  if (at + 4 > raw.length) return -1;
  let value = 0;
  for (let i = at; i < at + 4; i++) {
    const c = raw[i]!;
    const digit = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : c >= 0x41 && c <= 0x46 ? c - 0x37 : -1;
    if (digit < 0) return -1;
    value = value * 16 + digit;
  }
  return value;
}
