/**
 * What a backend needs back on the next turn, carried inside the blocks Claude Code returns to us.
 *
 * - Gemini's OpenAI-compatible endpoint puts a thought signature on tool calls
 *   (`tool_calls[i].extra_content.google.thought_signature`) and rejects the next turn without it ("Function call
 *   is missing a thought_signature"). The signature rides in the tool_use id: `<backend id>__ipts__<base64url>`;
 *   the request translator splits it off again, sends the backend's own id, and puts the signature back on the call.
 * - OpenRouter returns `reasoning_details` (typed, some encrypted) to be sent back as they came. They ride in the
 *   thinking block's signature: `infiniproxy-rd:<base64url of the JSON array>`, and come back as the assistant
 *   message's `reasoning_details`.
 *
 * Only what a backend sent is ever carried back: the proxy's own signatures (ids.ts) and ids it minted are never
 * sent to a backend. Everything encoded here is ASCII, so it survives byte strings (strings.ts) unchanged.
 */
import { isRecord } from '../../shared/json';
import type { StringForm } from './strings';

const SIGNATURE_MARK = '__ipts__';
/** The prefix of a thinking signature carrying a backend's reasoning details. */
export const DETAILS_PREFIX = 'infiniproxy-rd:';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');
/**
 * Decodes into the string form of the request (strings.ts): byte strings (one char per UTF-8 byte) on the proxy's
 * routes, text elsewhere.
 */
const unb64 = (text: string, form: StringForm['name']): string =>
  Buffer.from(text, 'base64url').toString(form === 'bytes' ? 'latin1' : 'utf8');

/** A tool_use id carrying `signature` (the id alone when there is none). */
export function idWithSignature(id: string, signature: string | undefined): string {
  return signature ? `${id}${SIGNATURE_MARK}${b64(signature)}` : id;
}

/** A tool_use id split into the backend's id and the thought signature it carries, if any (in string form `form`). */
export function splitToolId(id: string, form: StringForm['name'] = 'text'): { id: string; signature?: string } {
  const at = id.indexOf(SIGNATURE_MARK);
  if (at <= 0) return { id };
  const signature = unb64(id.slice(at + SIGNATURE_MARK.length), form);
  return signature ? { id: id.slice(0, at), signature } : { id: id.slice(0, at) };
}

/** The thought signature of a tool call as Gemini sends it, if any. */
export function thoughtSignatureOf(call: unknown): string | undefined {
  if (!isRecord(call)) return undefined;
  const extra = call.extra_content;
  const google = isRecord(extra) ? extra.google : undefined;
  const signature = isRecord(google) ? google.thought_signature : undefined;
  return typeof signature === 'string' && signature !== '' ? signature : undefined;
}

/** A thinking signature carrying `details` (OpenRouter's `reasoning_details`). */
export const signatureWithDetails = (details: readonly unknown[]): string => `${DETAILS_PREFIX}${b64(JSON.stringify(details))}`;

/** The reasoning details a thinking signature carries (strings in form `form`); undefined for any other signature. */
export function detailsOfSignature(signature: string | undefined, form: StringForm['name'] = 'text'): unknown[] | undefined {
  if (typeof signature !== 'string' || !signature.startsWith(DETAILS_PREFIX)) return undefined;
  try {
    const value: unknown = JSON.parse(unb64(signature.slice(DETAILS_PREFIX.length), form));
    return Array.isArray(value) ? value.filter(isRecord) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streamed `reasoning_details` merged into whole items: a delta with the `index` and `type` of the last item
 * continues it (its `text`, `summary` and `data` strings appended, other members set); anything else starts a new
 * item. At most {@link MAX_DETAILS} items are kept.
 */
export class ReasoningDetails {
  #items: Record<string, unknown>[] = [];

  push(details: unknown): void {
    if (!Array.isArray(details)) return;
    for (const item of details) {
      if (!isRecord(item)) continue;
      const last = this.#items[this.#items.length - 1];
      if (last && last.type === item.type && last.index === item.index && item.index !== undefined) {
        for (const [key, value] of Object.entries(item)) {
          if (value === null || value === undefined) continue;
          const prev = last[key];
          last[key] = (key === 'text' || key === 'summary' || key === 'data') && typeof prev === 'string' && typeof value === 'string' ? prev + value : value;
        }
      } else if (this.#items.length < MAX_DETAILS) {
        this.#items.push({ ...item });
      }
    }
  }

  /** The items so far (and forgets them). */
  take(): Record<string, unknown>[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  get size(): number {
    return this.#items.length;
  }
}

/** Most reasoning detail items kept per answer (a hostile backend cannot make us hold more). */
export const MAX_DETAILS = 256;
