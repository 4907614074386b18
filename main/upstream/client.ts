/**
 * The backend client: got over keep-alive agents, no got retries or hooks, bodies as streams.
 *
 * TIMEOUT (settings.timeout_s) bounds the wait for response headers and every silence between body chunks, never
 * the whole length of a stream. (The silence is measured as the reader pulls chunks, so a client that stops reading
 * for longer than TIMEOUT also ends the request.) Connection failures and 502/503 answers are retried (settings.retries) while no
 * byte has reached the client, which is always the case here: a retry happens before postChat resolves. The wait is a
 * jittered exponential backoff, or the answer's `retry-after` when it asks for longer; one that asks for more than
 * {@link MAX_RETRY_AFTER_MS} is not retried but handed to the client (its `retry-after` with it).
 * The backend key goes only into the Authorization header; no error message or log line contains it.
 */
import { Agent as HttpAgent } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import got, { RequestError } from 'got';
import type { Got, Response } from 'got';

/**
 * Where a request goes and how: the base URL, key, TIMEOUT and retries. Settings fit it as they are (the single
 * backend); a provider is made into one by main/providers/backend-target.ts.
 */
export interface BackendTarget {
  backend_url: string;
  backend_api_key: string;
  timeout_s: number;
  retries: number;
  /** Extra request headers (the provider's own). */
  headers?: Readonly<Record<string, string>>;
  /** How the key is sent: `Authorization: Bearer` (default; OpenAI-compatible) or `x-api-key` (Anthropic). */
  auth?: 'bearer' | 'x-api-key';
}

/** Why the backend could not answer. */
export type UpstreamErrorKind = 'timeout' | 'unreachable' | 'aborted';

/** A failure to get an answer from the backend (an HTTP error status is an answer, not an UpstreamError). */
export class UpstreamError extends Error {
  readonly kind: UpstreamErrorKind;
  constructor(kind: UpstreamErrorKind, message: string) {
    super(message);
    this.name = 'UpstreamError';
    this.kind = kind;
  }
}

/** A backend answer whose body is still arriving. Destroy `body` to abort the backend request. */
export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The answer's bytes (decompressed); errors with an UpstreamError on a timeout between chunks. */
  body: Readable;
}

export interface PostChatOptions {
  /** Aborts the backend request (the client went away). */
  signal?: AbortSignal;
  /** The request asks for a stream (sets `Accept: text/event-stream`). */
  stream?: boolean;
  /** Extra request headers. */
  headers?: Record<string, string>;
}

export interface ModelsResult {
  status: number;
  /** The parsed JSON body, or undefined when it was not JSON. */
  json: unknown;
  /** The raw body text (for error messages). */
  text: string;
}

export interface UpstreamClient {
  /** POSTs a Chat Completions body to `${backend_url}/chat/completions`; resolves once the headers arrive. */
  postChat(target: BackendTarget, body: Buffer | string, opts?: PostChatOptions): Promise<UpstreamResponse>;
  /**
   * POSTs a JSON body to `${backend_url}${path}` (e.g. `/v1/messages` of an Anthropic-format backend), with the same
   * timeouts and retries as postChat; resolves once the headers arrive.
   */
  post(target: BackendTarget, path: string, body: Buffer | string, opts?: PostChatOptions): Promise<UpstreamResponse>;
  /** GETs `${backend_url}/models`. */
  getModels(target: BackendTarget, opts?: { signal?: AbortSignal }): Promise<ModelsResult>;
  /** Closes pooled connections. */
  close(): void;
}

export interface UpstreamClientOptions {
  /** Sent as User-Agent (default `InfiniProxy`). */
  userAgent?: string;
  /** Base delay of the retry backoff in ms (default 250; doubled per attempt). */
  retryDelayMs?: number;
}

/** Creates a client with its own connection pool. */
export function createUpstreamClient(options: UpstreamClientOptions = {}): UpstreamClient {
  const httpAgent = new HttpAgent({ keepAlive: true, scheduling: 'lifo' });
  const httpsAgent = new HttpsAgent({ keepAlive: true, scheduling: 'lifo' });
  const client: Got = got.extend({
    agent: { http: httpAgent, https: httpsAgent },
    retry: { limit: 0 },
    throwHttpErrors: false,
    followRedirect: false,
    decompress: true,
    http2: false,
  });
  const userAgent = options.userAgent ?? 'InfiniProxy';
  const retryDelayMs = options.retryDelayMs ?? 250;

  const baseHeaders = (target: BackendTarget, accept: string): Record<string, string> => {
    const headers: Record<string, string> = { accept, 'user-agent': userAgent, ...target.headers };
    if (target.backend_api_key) {
      if (target.auth === 'x-api-key') headers['x-api-key'] = target.backend_api_key;
      else headers.authorization = `Bearer ${target.backend_api_key}`;
    }
    return headers;
  };

  function attempt(url: string, body: Buffer | string, headers: Record<string, string>, timeoutMs: number, signal?: AbortSignal) {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      const req = client.stream.post(url, { body, headers, timeout: { connect: timeoutMs, response: timeoutMs }, signal });
      const onError = (err: Error): void => {
        req.off('response', onResponse);
        reject(toUpstreamError(err, url, timeoutMs));
      };
      const onResponse = (res: Response): void => {
        req.off('error', onError);
        const body = new IdleTimeout(timeoutMs, url);
        req.on('error', (err) => body.destroy(toUpstreamError(err, url, timeoutMs)));
        // The reader going away (client disconnect, destroy) aborts the backend request at once.
        body.on('close', () => {
          if (!req.readableEnded) req.destroy();
        });
        req.pipe(body);
        resolve({ status: res.statusCode, headers: res.headers, body });
      };
      req.once('error', onError);
      req.once('response', onResponse);
    });
  }

  async function post(target: BackendTarget, path: string, body: Buffer | string, opts: PostChatOptions = {}): Promise<UpstreamResponse> {
    const url = `${target.backend_url}${path}`;
    const headers = {
      ...baseHeaders(target, opts.stream ? 'text/event-stream' : 'application/json'),
      'content-type': 'application/json',
      ...opts.headers,
    };
    const timeoutMs = target.timeout_s * 1000;
    // Encoded once here: given a string, got measures its UTF-8 length and then encodes it again as it writes,
    // a cost that shows on large requests (see bench/results/).
    const payload = typeof body === 'string' ? Buffer.from(body) : body;
    for (let n = 0; ; n++) {
      const canRetry = n < target.retries;
      let res: UpstreamResponse;
      try {
        res = await attempt(url, payload, headers, timeoutMs, opts.signal);
      } catch (err) {
        if (!(err instanceof UpstreamError) || err.kind !== 'unreachable' || !canRetry) throw err;
        await backoff(jittered(retryDelayMs * 2 ** n), opts.signal);
        continue;
      }
      if ((res.status === 502 || res.status === 503) && canRetry) {
        const wait = retryWait(res.headers['retry-after'], jittered(retryDelayMs * 2 ** n));
        if (wait !== null) {
          res.body.destroy();
          await backoff(wait, opts.signal);
          continue;
        }
      }
      return res;
    }
  }

  return {
    postChat: (target, body, opts) => post(target, '/chat/completions', body, opts),
    post,

    async getModels(target, opts = {}) {
      const url = `${target.backend_url}/models`;
      const timeoutMs = target.timeout_s * 1000;
      try {
        const res = await client.get(url, {
          headers: baseHeaders(target, 'application/json'),
          timeout: { connect: timeoutMs, response: timeoutMs, read: timeoutMs },
          responseType: 'text',
          signal: opts.signal,
        });
        return { status: res.statusCode, json: parseJson(res.body), text: res.body };
      } catch (err) {
        throw toUpstreamError(err, url, timeoutMs);
      }
    },

    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** Passes bytes through; fails with a timeout when no chunk arrives for `ms`. */
class IdleTimeout extends Transform {
  readonly #ms: number;
  readonly #url: string;
  #timer: NodeJS.Timeout | null = null;
  constructor(ms: number, url: string) {
    super();
    this.#ms = ms;
    this.#url = url;
    this.#arm();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#timer?.refresh(); // cheaper than a new timer per chunk
    cb(null, chunk);
  }
  override _flush(cb: TransformCallback): void {
    this.#disarm();
    cb();
  }
  override _destroy(err: Error | null, cb: (error: Error | null) => void): void {
    this.#disarm();
    cb(err);
  }
  #arm(): void {
    this.#timer = setTimeout(() => {
      this.destroy(
        new UpstreamError('timeout', `The backend at ${originOf(this.#url)} sent nothing for ${this.#ms / 1000} s (TIMEOUT).`),
      );
    }, this.#ms);
  }
  #disarm(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

/** Maps got's errors onto the three kinds the routes answer differently. */
function toUpstreamError(err: unknown, url: string, timeoutMs: number): UpstreamError {
  if (err instanceof UpstreamError) return err;
  const where = originOf(url);
  if (err instanceof RequestError) {
    if (err.code === 'ERR_ABORTED' || err.name === 'AbortError') return new UpstreamError('aborted', 'The request was aborted.');
    if (err.code === 'ETIMEDOUT' || err.name === 'TimeoutError') {
      return new UpstreamError('timeout', `The backend at ${where} did not answer within ${timeoutMs / 1000} s (TIMEOUT).`);
    }
    return new UpstreamError('unreachable', `Cannot reach the backend at ${where}: ${err.code || err.message}.`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new UpstreamError('unreachable', `Cannot reach the backend at ${where}: ${message}.`);
}

/** `scheme://host[:port]` of a URL (no path, no credentials) for messages. */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the configured URL';
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The longest `retry-after` the proxy waits out itself; a longer one goes back to the client. */
export const MAX_RETRY_AFTER_MS = 30_000;

/** `ms` less up to half of it at random, so retries of many clients spread out. */
function jittered(ms: number): number {
  return ms * (0.5 + Math.random() * 0.5);
}

/**
 * How long to wait before retrying an answer with this `retry-after` (seconds or an HTTP date): the longer of it and
 * `backoffMs`; null when it asks for more than MAX_RETRY_AFTER_MS.
 */
export function retryWait(retryAfter: string | string[] | undefined, backoffMs: number, now = Date.now()): number | null {
  const value = (Array.isArray(retryAfter) ? retryAfter[0] : retryAfter)?.trim();
  if (!value) return backoffMs;
  const asked = /^\d+(\.\d+)?$/.test(value) ? Number(value) * 1000 : Date.parse(value) - now;
  if (Number.isNaN(asked)) return backoffMs;
  if (asked > MAX_RETRY_AFTER_MS) return null;
  return Math.max(asked, backoffMs);
}

function backoff(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new UpstreamError('aborted', 'The request was aborted.'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new UpstreamError('aborted', 'The request was aborted.'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
