/**
 * Errors in each API's own shape, and the middleware that turns anything thrown into one.
 *
 * - Anthropic (/v1/messages*, and /v1/* with an `anthropic-version` header):
 *   `{"type":"error","error":{"type","message"},"request_id"}`
 * - OpenAI (/v1/chat/completions, other /v1/*): `{"error":{"message","type","param","code"}}`
 * - Admin (/admin/*, /usage/*, the rest): `{"error":{"code","message"}}`
 * A client never sees a stack trace; unexpected errors answer 500 with a generic message and are logged.
 */
import type { Middleware } from 'koa';
import { AdminError } from '../../shared/admin-api';
import type { Logger } from '../core/logger';
import { StoreError } from '../core/store/store';
import { UpstreamError } from '../upstream/client';
import type { ProxyContext, ProxyState } from './context';

export type ErrorFormat = 'anthropic' | 'openai' | 'admin';

/** An error meant for the client: its status, a stable code and a message safe to show. */
export class AppError extends Error {
  readonly status: number;
  readonly code: string;
  /** Overrides the error type derived from the status (Anthropic/OpenAI `type`). */
  readonly type: string | undefined;
  /** Extra response headers (e.g. `retry-after`). */
  readonly headers: Record<string, string>;
  /** The request field at fault (OpenAI's `param`, e.g. `messages.2.content`); null when none. */
  readonly param: string | null;
  constructor(
    status: number,
    code: string,
    message: string,
    opts: { type?: string; headers?: Record<string, string>; param?: string | null } = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.type = opts.type;
    this.headers = opts.headers ?? {};
    this.param = opts.param ?? null;
  }
}

/** Anthropic's error type for a status. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/** OpenAI's error type for a status. */
export function openaiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** The response body of an error in the given format. */
export function errorBody(format: ErrorFormat, err: AppError, requestId: string): Record<string, unknown> {
  if (format === 'anthropic') {
    return { type: 'error', error: { type: err.type ?? anthropicErrorType(err.status), message: err.message }, request_id: requestId };
  }
  if (format === 'openai') {
    return { error: { message: err.message, type: err.type ?? openaiErrorType(err.status), param: err.param, code: err.code } };
  }
  return { error: { code: err.code, message: err.message } };
}

/** The error format of a request whose route did not choose one. */
export function formatFor(ctx: ProxyContext): ErrorFormat {
  if (ctx.state.errorFormat) return ctx.state.errorFormat;
  const path = ctx.path;
  if (path.startsWith('/v1/messages')) return 'anthropic';
  if (path === '/v1/chat/completions') return 'openai';
  if (path.startsWith('/v1/')) return ctx.get('anthropic-version') ? 'anthropic' : 'openai';
  return 'admin';
}

/** Anything thrown, as an AppError (unexpected errors become a generic 500). */
export function toAppError(err: unknown): { error: AppError; unexpected: boolean } {
  if (err instanceof AppError) return { error: err, unexpected: false };
  // A backend failure that escaped a route (e.g. while it read the backend's body): 502/504, never a 500.
  if (err instanceof UpstreamError) return { error: upstreamAppError(err), unexpected: false };
  if (err instanceof AdminError) return { error: new AppError(err.status, err.code, err.message), unexpected: false };
  if (err instanceof StoreError) {
    const status = err.code === 'conflict' ? 409 : err.code === 'not_found' ? 404 : err.code === 'unavailable' ? 503 : 400;
    return { error: new AppError(status, err.code, err.message), unexpected: false };
  }
  // Koa/http-errors thrown with `expose` (client errors such as a malformed URL).
  if (err instanceof Error && 'status' in err && typeof err.status === 'number' && 'expose' in err && err.expose === true) {
    return { error: new AppError(err.status, 'invalid_request', err.message), unexpected: false };
  }
  return { error: new AppError(500, 'internal_error', 'InfiniProxy hit an internal error; the details are in its log.'), unexpected: true };
}

/** The first middleware: formats every error and turns an unmatched route into a 404 in the right shape. */
export function errorMiddleware(logger: Logger): Middleware<ProxyState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body == null) {
        throw new AppError(404, 'not_found', `No route for ${ctx.method} ${ctx.path}.`);
      }
    } catch (thrown) {
      const { error, unexpected } = toAppError(thrown);
      if (unexpected) {
        const detail = thrown instanceof Error ? (thrown.stack ?? thrown.message) : String(thrown);
        logger.error(`${ctx.state.requestId} ${ctx.method} ${ctx.path}: ${detail}`);
      }
      if (ctx.headerSent || !ctx.writable) return;
      ctx.status = error.status;
      for (const [name, value] of Object.entries(error.headers)) ctx.set(name, value);
      ctx.body = errorBody(formatFor(ctx), error, ctx.state.requestId);
    }
  };
}

/**
 * The answer to a failure to reach the backend: 504 on a timeout, 502 when unreachable, 499 (read by nobody) when
 * the client went away. The message names the backend's origin, never its key. Other errors are rethrown.
 */
export function upstreamAppError(err: unknown): AppError {
  if (!(err instanceof UpstreamError)) throw err;
  switch (err.kind) {
    case 'timeout':
      return new AppError(504, 'backend_timeout', err.message);
    case 'aborted':
      return new AppError(499, 'client_closed', 'The client closed the connection.');
    default:
      return new AppError(502, 'backend_unreachable', err.message);
  }
}
