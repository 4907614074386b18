/**
 * Request bodies, read raw (no body parser): a size limit answered with 413, malformed JSON with 400, both in the
 * route's error format (the error middleware picks it).
 */
import { performance } from 'node:perf_hooks';
import type { ProxyContext } from '../context';
import { AppError } from '../errors';
import { nestsDeeperThan } from './json-scan';

/** The largest request body accepted (Claude Code's requests grow to hundreds of KB; images more). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * Reads the whole request body. Rejects with 413 past `limit` bytes (the rest is discarded, the answer still sent),
 * and with 408 when no byte came for `ctx.state.bodyTimeouts.bodyIdleMs` or the body is not whole
 * `bodyTotalMs` after the request arrived (the server closes such connections once the answer is written).
 */
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
  const { bodyIdleMs, bodyTotalMs } = ctx.state.bodyTimeouts;
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (err: AppError): void => {
      cleanup();
      req.resume(); // whatever still comes is discarded
      reject(err);
    };
    const idleTimeout = (): void =>
      fail(new AppError(408, 'request_timeout', `No byte of the request body arrived for ${seconds(bodyIdleMs)}; the request was dropped.`));
    let idle = setTimeout(idleTimeout, bodyIdleMs);
    const total = setTimeout(
      () => fail(new AppError(408, 'request_timeout', `The request body took longer than ${seconds(bodyTotalMs)} to arrive; the request was dropped.`)),
      Math.max(0, ctx.state.startedAt + bodyTotalMs - performance.now()),
    );
    const cleanup = (): void => {
      clearTimeout(idle);
      clearTimeout(total);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        fail(tooLarge());
        return;
      }
      chunks.push(chunk);
      clearTimeout(idle);
      idle = setTimeout(idleTimeout, bodyIdleMs);
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

/** `60 s`, `0.5 s`. */
const seconds = (ms: number): string => `${Math.round(ms / 100) / 10} s`;

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

/** JSON.parse's message for the body read as text (a byte-string parse would quote bytes, not characters). */
function syntaxErrorText(raw: Buffer, err: unknown): string {
  try {
    JSON.parse(raw.toString('utf8'));
  } catch (textErr) {
    return (textErr as Error).message;
  }
  return (err as Error).message;
}
