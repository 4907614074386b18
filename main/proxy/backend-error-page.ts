/**
 * A backend error answer that is not JSON (an nginx or load-balancer HTML page, a plain-text message): read a
 * bounded part of it and turn it into an error in the client's API format, so an SDK gets a clear error instead of
 * a page it cannot parse. JSON error bodies are not touched here: they pass through as the backend sent them.
 */
import type { Readable } from 'node:stream';
import { readBounded } from '../upstream/read-bounded';
import { AppError } from './errors';

/** The most of an error page read; the rest is not waited for. */
export const MAX_ERROR_PAGE_BYTES = 64 * 1024;
/** The most of the page's text quoted in the message. */
const QUOTE_CHARS = 300;

/** True for a JSON media type (`application/json`, `application/problem+json`…). */
export function isJsonType(contentType: string): boolean {
  return /^[^;]*[/+]json\s*(;|$)/i.test(contentType.trim());
}

/** Reads up to `limit` bytes of an error page as text, then stops reading (see `readBounded`). */
export async function readErrorPage(body: Readable, limit = MAX_ERROR_PAGE_BYTES): Promise<string> {
  return (await readBounded(body, limit)).text;
}

/** The client's error for a backend's non-JSON error answer: its status, a message quoting the page's gist. */
export function backendPageError(status: number, contentType: string, text: string, retryAfter?: string): AppError {
  const html = /html/i.test(contentType) || /^\s*</.test(text);
  const gist = html ? htmlGist(text) : text.replace(/\s+/g, ' ').trim();
  const quoted = gist ? `: "${gist.length > QUOTE_CHARS ? `${gist.slice(0, QUOTE_CHARS)}…` : gist}"` : '';
  const what = html ? 'an HTML page' : 'a non-JSON body';
  return new AppError(
    status,
    'backend_error',
    `The backend answered HTTP ${status} with ${what} instead of an OpenAI error${quoted}. ` +
      'Check the backend URL and that the backend (or the gateway in front of it) is up.',
    retryAfter ? { headers: { 'retry-after': retryAfter } } : {},
  );
}

/** The title of an HTML page, else its text without tags. */
function htmlGist(page: string): string {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(page)?.[1];
  const text = title ?? page.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ');
  return text.replace(/\s+/g, ' ').trim();
}
