/**
 * One top-level member of a JSON object's bytes replaced without parsing or re-serialising the rest: how a request
 * forwarded to an Anthropic-format provider gets its model mapped while every other byte stays the client's. Pure.
 *
 * Works on UTF-8 bytes: the scan looks only at ASCII structure bytes (`"`, `\`, brackets, `,`, `:`), which never
 * occur inside a multi-byte character. The body must be a valid JSON object (callers validate it first).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

/** `raw` (a JSON object) with the top-level member `key` set to the string `value` (added first when absent). */
export function withTopLevelString(raw: Buffer, key: string, value: string): Buffer {
  return withTopLevelJson(raw, key, JSON.stringify(value));
}

/** `raw` (a JSON object) with the top-level member `key` set to the JSON text `json` (added first when absent). */
export function withTopLevelJson(raw: Buffer, key: string, json: string): Buffer {
  const encoded = Buffer.from(json);
  const span = topLevelValueSpan(raw, key);
  if (span) return Buffer.concat([raw.subarray(0, span.start), encoded, raw.subarray(span.end)]);
  const open = raw.indexOf(OPEN_BRACE) + 1;
  const rest = raw.subarray(open);
  const empty = rest.toString('latin1').trim().startsWith('}');
  return Buffer.concat([raw.subarray(0, open), Buffer.from(`${JSON.stringify(key)}:`), encoded, Buffer.from(empty ? '' : ','), rest]);
}

/** Where the value of top-level member `key` lies in `raw`, or null when the object has no such member. */
export function topLevelValueSpan(raw: Buffer, key: string): { start: number; end: number } | null {
  const wanted = Buffer.from(JSON.stringify(key));
  let i = skipSpace(raw, 0);
  if (raw[i] !== OPEN_BRACE) return null;
  i++;
  for (;;) {
    i = skipSpace(raw, i);
    if (raw[i] !== QUOTE) return null; // `}` (end) or malformed
    const keyStart = i;
    i = stringEnd(raw, i);
    const matches = i - keyStart === wanted.length && raw.subarray(keyStart, i).equals(wanted);
    i = skipSpace(raw, i);
    if (raw[i] !== COLON) return null;
    i = skipSpace(raw, i + 1);
    const start = i;
    i = valueEnd(raw, i);
    if (matches) return { start, end: i };
    i = skipSpace(raw, i);
    if (raw[i] !== COMMA) return null;
    i++;
  }
}

function skipSpace(raw: Buffer, i: number): number {
  while (i < raw.length) {
    const c = raw[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    i++;
  }
  return i;
}

/** The index after the string starting at `i` (a quote). */
function stringEnd(raw: Buffer, i: number): number {
  for (let j = i + 1; j < raw.length; j++) {
    const c = raw[j];
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return raw.length;
}

/** The index after the value starting at `i`. */
function valueEnd(raw: Buffer, i: number): number {
  const c = raw[i];
  if (c === QUOTE) return stringEnd(raw, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    let depth = 0;
    for (let j = i; j < raw.length; j++) {
      const b = raw[j];
      if (b === QUOTE) j = stringEnd(raw, j) - 1;
      else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return raw.length;
  }
  // A number or literal: up to the next comma, brace or space.
  let j = i;
  while (j < raw.length) {
    const b = raw[j];
    if (b === COMMA || b === CLOSE_BRACE || b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09) break;
    j++;
  }
  return j;
}
