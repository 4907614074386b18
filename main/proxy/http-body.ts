/**
 * Request bodies, read raw (no body parser): a size limit answered with 413, malformed JSON with 400, both in the
 * route's error format (the error middleware picks it).
 */
import type { ProxyContext } from './context';
import { parseJsonBytes } from '../translate/byte-strings';
import { AppError } from './errors';

/** The largest request body accepted (Claude Code's requests grow to hundreds of KB; images more). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads the whole request body. Rejects with 413 past `limit` bytes (the rest is discarded, the answer still sent). */
export function readRawBody(ctx: ProxyContext, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = (): AppError =>
    new AppError(413, 'request_too_large', `Request body is larger than the ${Math.round(limit / 1024 / 1024)} MB InfiniProxy accepts.`);
  const declared = Number(ctx.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    ctx.req.resume();
    return Promise.reject(tooLarge());
  }
  const req = ctx.req;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.resume();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new AppError(400, 'invalid_request', `Could not read the request body: ${err.message}`));
    };
    const onAborted = (): void => {
      cleanup();
      reject(new AppError(400, 'invalid_request', 'The client closed the connection while sending the request.'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('aborted', onAborted);
  });
}

/**
 * The deepest nesting of arrays and objects accepted in a body. Real requests stay far below it (tool schemas and
 * tool inputs nest a few levels); far deeper values would overflow the stack of recursive code further on
 * (validation, translation, JSON.stringify) and turn a client's mistake into a 500.
 */
export const MAX_JSON_DEPTH = 256;

/**
 * Parses a body as JSON; 400 `invalid_json` when it is not, or when it nests deeper than {@link MAX_JSON_DEPTH}.
 * An empty body is `undefined`. With `strings: 'bytes'` its strings are byte strings (translate/byte-strings.ts).
 */
export function parseJson(raw: Buffer, strings: 'text' | 'bytes' = 'text'): unknown {
  if (raw.length === 0) return undefined;
  let value: unknown;
  try {
    value = strings === 'bytes' ? parseJsonBytes(raw) : JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new AppError(400, 'invalid_json', `The request body is not valid JSON: ${syntaxErrorText(raw, err)}`);
  }
  if (typeof value === 'object' && value !== null && nestsDeeperThan(raw, MAX_JSON_DEPTH)) {
    throw new AppError(400, 'invalid_json', `The request body nests arrays and objects deeper than ${MAX_JSON_DEPTH} levels.`);
  }
  return value;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when valid JSON text nests `[`/`{` deeper than `limit`. Strings are skipped with indexOf (native), so the
 * long texts of real requests cost little.
 */
export function nestsDeeperThan(json: Buffer, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === QUOTE) {
      // Jump to the closing quote: the next one not escaped by an odd run of backslashes.
      for (;;) {
        i = json.indexOf(QUOTE, i + 1);
        if (i < 0) return false;
        let slashes = 0;
        while (json[i - 1 - slashes] === BACKSLASH) slashes++;
        if (slashes % 2 === 0) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** JSON.parse's message for the body read as text (a byte-string parse would quote bytes, not characters). */
function syntaxErrorText(raw: Buffer, err: unknown): string {
  try {
    JSON.parse(raw.toString('utf8'));
  } catch (textErr) {
    return (textErr as Error).message;
  }
  return (err as Error).message;
}

/** Parses a body that must be a JSON object (400 otherwise). */
export function parseJsonObject(raw: Buffer, strings: 'text' | 'bytes' = 'text'): Record<string, unknown> {
  const value = parseJson(raw, strings);
  if (!isRecord(value)) throw new AppError(400, 'invalid_request', 'The request body must be a JSON object.');
  return value;
}

/** Reads and parses a JSON object body. */
export async function readJsonObject(ctx: ProxyContext, limit = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  return parseJsonObject(await readRawBody(ctx, limit));
}

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
