/**
 * Tool-call arguments from a backend → an Anthropic `tool_use.input` object.
 *
 * Backends send a JSON string (sometimes wrapped in a ```json fence, double-encoded, or already an
 * object). When it cannot be read as a JSON object the raw text is kept as
 * `{"_raw_arguments": "<text>"}` ({@link RAW_ARGUMENTS_KEY}) rather than repaired into `{}`: the
 * client's schema check then fails visibly and the model can retry, instead of a tool running
 * silently without its arguments.
 */

/** The key under which unreadable arguments are passed on verbatim. */
export const RAW_ARGUMENTS_KEY = '_raw_arguments';

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Reads tool arguments; never throws. Empty or missing arguments are `{}` (a call without parameters). */
export function parseToolArguments(raw: unknown): Record<string, unknown> {
  if (isObject(raw)) return raw;
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'string') return { [RAW_ARGUMENTS_KEY]: String(raw) };
  let text = raw.trim();
  if (text === '' || text === 'null') return {};
  const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(text);
  if (fenced?.[1] !== undefined) text = fenced[1];
  let value = tryJson(text);
  if (typeof value === 'string') value = tryJson(value);
  return isObject(value) ? value : { [RAW_ARGUMENTS_KEY]: raw };
}
