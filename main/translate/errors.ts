/**
 * Errors in the Anthropic format, and backend (Chat Completions) errors translated into it.
 *
 * Backend status → Anthropic type: 400/422 (and other 4xx) invalid_request_error, 401
 * authentication_error, 402 billing_error, 403 permission_error, 404 not_found_error, 408/504
 * timeout_error, 413 request_too_large, 429 rate_limit_error, 500/502 (and other 5xx) api_error,
 * 503/529 overloaded_error. The status is kept so the client's retry rules still apply, except that
 * a context overflow (whatever status the backend used, llama.cpp sends 500) becomes a 400 worded as
 * Anthropic words it (`context-overflow.ts`). 401/402/403 messages say that the *backend* refused
 * InfiniProxy's backend key or account, so users do not go hunting for a fault in their own key.
 * Bodies may be JSON in several dialects, HTML from a gateway, plain text or empty.
 */
import type { AnthropicErrorBody, AnthropicErrorType } from './anthropic-types';
import { detectContextOverflow, overflowMessage, type RequestSize } from './context-overflow';

/** The conventional HTTP status of each Anthropic error type. */
export const errorStatus: Readonly<Record<AnthropicErrorType, number>> = {
  invalid_request_error: 400,
  authentication_error: 401,
  billing_error: 402,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  timeout_error: 504,
  overloaded_error: 529,
};

/** The Anthropic error body `{"type":"error","error":{"type","message"}}`, with `request_id` when given. */
export function anthropicError(type: AnthropicErrorType, message: string, requestId?: string): AnthropicErrorBody {
  return { type: 'error', error: { type, message }, ...(requestId ? { request_id: requestId } : {}) };
}

/**
 * The Anthropic error type for an HTTP status: the one table, used for backend errors and the proxy's own. Anthropic
 * documents 400, 401, 402, 403, 404, 413, 429, 500, 504 and 529 (https://docs.anthropic.com/en/api/errors); 408 is a
 * timeout too, 503 an overload, any other 4xx an invalid request and anything else an api_error.
 */
export function errorTypeForStatus(status: number): AnthropicErrorType {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 408:
    case 504:
      return 'timeout_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
    case 529:
      return 'overloaded_error';
  }
  return status >= 400 && status < 500 ? 'invalid_request_error' : 'api_error';
}

/** What a backend's error body says. */
export interface BackendErrorInfo {
  message: string;
  code?: string;
  /** Every text of the body worth searching (message, nested provider errors, token-count fields). */
  searchText: string;
}

const MAX_MESSAGE = 500;

const clip = (text: string): string => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_MESSAGE ? `${flat.slice(0, MAX_MESSAGE)}…` : flat;
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function jsonMessage(body: Record<string, unknown>): { message?: string; code?: string } {
  const error = body.error;
  const err = error && typeof error === 'object' ? (error as Record<string, unknown>) : undefined;
  const detail = body.detail;
  const firstDetail = Array.isArray(detail) ? (detail[0] as Record<string, unknown> | undefined) : undefined;
  const message =
    str(err?.message) ??
    str(error) ??
    str(body.message) ??
    str(detail) ??
    str(firstDetail?.msg) ??
    (Array.isArray(body.errors) ? str((body.errors[0] as Record<string, unknown> | undefined)?.message) : undefined);
  const code = err?.code ?? body.code ?? err?.type ?? body.type;
  return { ...(message ? { message } : {}), ...(code !== undefined && code !== null ? { code: String(code) } : {}) };
}

/** Reads a backend's error body (JSON in any common dialect, HTML, text or nothing). */
export function readBackendError(status: number, bodyText: string): BackendErrorInfo {
  const text = bodyText.trim();
  if (text === '') return { message: `HTTP ${status} with an empty body`, searchText: '' };
  if (text.startsWith('{')) {
    try {
      const body = JSON.parse(text) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        const { message, code } = jsonMessage(body as Record<string, unknown>);
        return { message: clip(message ?? text), ...(code ? { code } : {}), searchText: text };
      }
    } catch {
      // not JSON after all: fall through to text
    }
  }
  if (/^<(!doctype|html|\?xml)|<\/(html|body|head|title)>/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1];
    const plain = (title ?? text.replace(/<[^>]*>/g, ' ')).trim();
    return { message: clip(`${plain || `HTTP ${status}`} (HTML error page from the backend or a gateway)`), searchText: plain };
  }
  return { message: clip(text), searchText: text };
}

export interface BackendErrorOptions extends RequestSize {
  /** The failing credential is the client's proxy key (the proxy's own check), not the backend's. */
  proxyKey?: boolean;
  requestId?: string;
}

/** A translated error, ready to send: status, Anthropic body, headers (content-type). */
export interface TranslatedError {
  status: number;
  body: AnthropicErrorBody;
  headers: Record<string, string>;
}

function messageFor(type: AnthropicErrorType, status: number, message: string, proxyKey: boolean): string {
  switch (type) {
    case 'authentication_error':
      return proxyKey
        ? message
        : `The backend rejected InfiniProxy's backend API key (HTTP ${status}: ${message}). Check the backend key in InfiniProxy's settings.`;
    case 'billing_error':
      return `The backend refused the request for billing reasons on InfiniProxy's backend account (HTTP ${status}: ${message}).`;
    case 'permission_error':
      return proxyKey
        ? message
        : `The backend refused InfiniProxy's backend key or account (HTTP ${status}: ${message}).`;
    case 'not_found_error':
      return `The backend answered 404 (${message}). Check the backend URL and the model name.`;
    default:
      return `${message} (backend HTTP ${status})`;
  }
}

/**
 * Translates a backend's error response into an Anthropic error. `retry-after` headers are the
 * caller's to forward.
 */
export function toAnthropicError(status: number, bodyText: string, opts: BackendErrorOptions = {}): TranslatedError {
  const info = readBackendError(status, bodyText);
  const headers = { 'content-type': 'application/json' };
  if (status !== 429) {
    const facts = detectContextOverflow(`${info.message}\n${info.searchText}`, info.code);
    if (facts) {
      const message = overflowMessage(facts, opts, info.message);
      return { status: 400, body: anthropicError('invalid_request_error', message, opts.requestId), headers };
    }
  }
  const outStatus = status >= 400 && status <= 599 ? status : 502;
  const type = errorTypeForStatus(outStatus);
  const message = messageFor(type, status, info.message, opts.proxyKey === true);
  return { status: outStatus, body: anthropicError(type, message, opts.requestId), headers };
}
