/**
 * JSON as Python's `json.dumps` writes it by default (`ensure_ascii`): every non-ASCII UTF-16 unit as a `\uXXXX`
 * escape, so the text is pure ASCII. Clients written in JS send the characters themselves; the proxy takes both.
 */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
