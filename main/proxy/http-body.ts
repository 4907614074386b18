/**
 * Request bodies, read raw (no body parser): a size limit answered with 413, malformed JSON with 400, both in the
 * route's error format (the error middleware picks it).
 */
import type { ProxyContext } from './context';
import { AppError } from './errors';

/** The largest request body accepted (Claude Code's requests grow to hundreds of KB; images more). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Reads the whole request body. Rejects with 413 past `limit` bytes (the rest is discarded, the answer still sent). */
export function readRawBody(ctx: ProxyContext, limit = MAX_BODY_BYTES): Promise<Buffer> {
  // Read once per request: a body read before the route (key-limits.ts) is kept on the state.
  if (ctx.state.rawBody) return ctx.state.rawBody;
  ctx.state.rawBody = readBodyOnce(ctx, limit);
  return ctx.state.rawBody;
}

function readBodyOnce(ctx: ProxyContext, limit: number): Promise<Buffer> {
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
 * An empty body is `undefined`.
 */
export function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  return parseJsonAs(raw, () => JSON.parse(raw.toString('utf8')));
}

/** {@link parseJson} of `raw` through `parse`, which reads a prepared form of it (kept-tools.ts: byte strings). */
export function parseJsonAs(raw: Buffer, parse: () => unknown): unknown {
  let value: unknown;
  try {
    value = parse();
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
export function parseJsonObject(raw: Buffer): Record<string, unknown> {
  const value = parseJson(raw);
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
