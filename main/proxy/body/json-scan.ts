/**
 * Scanners over JSON text as bytes, for what JSON.parse cannot tell cheaply: how deep a body nests, and where one
 * member's value lies (kept-tools.ts). Strings are skipped with indexOf (native), so the long texts of real requests
 * cost little. Both expect valid JSON text (the callers parse it too).
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index of the quote closing the string that opens at `at`, or -1: the next quote not escaped by an odd run of backslashes. */
function closingQuote(json: Buffer, at: number): number {
  let i = at;
  for (;;) {
    i = json.indexOf(QUOTE, i + 1);
    if (i < 0) return -1;
    let slashes = 0;
    while (json[i - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return i;
  }
}

/**
 * True when valid JSON text nests `[`/`{` deeper than `limit`. Strings are skipped with indexOf (native), so the
 * long texts of real requests cost little.
 */
export function nestsDeeperThan(json: Buffer, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      i = closingQuote(json, i);
      if (i < 0) return false;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

const SPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Where the array value of the root object's member `key` lies in valid JSON text, as [start, end) offsets; undefined
 * when the root has no such member, has it twice, or its value is not an array. Strings are skipped as in
 * {@link nestsDeeperThan}.
 */
export function arrayMemberRange(json: Buffer, key: string): [number, number] | undefined {
  const name = Buffer.from(JSON.stringify(key));
  let depth = 0;
  let start = -1;
  let found: [number, number] | undefined;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      const open = i;
      i = closingQuote(json, i);
      if (i < 0) return undefined;
      if (depth !== 1 || i + 1 - open !== name.length || json.compare(name, 0, name.length, open, i + 1) !== 0) continue;
      let j = i + 1;
      while (SPACE.has(json[j]!)) j++;
      if (json[j] !== 0x3a) continue; // a string value that reads like the key, not the key
      if (found || start >= 0) return undefined; // twice: JSON.parse would keep the last one
      j++;
      while (SPACE.has(json[j]!)) j++;
      if (json[j] !== 0x5b) return undefined;
      start = j;
      i = j - 1;
    } else if (c === 0x5b || c === 0x7b) {
      depth++;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
      if (depth === 1 && start >= 0) {
        found = [start, i + 1];
        start = -1;
      }
    }
  }
  return start >= 0 ? undefined : found;
}
