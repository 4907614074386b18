/**
 * A scripted OpenAI-compatible backend: a real HTTP server on 127.0.0.1 (a free port) that answers Chat
 * Completions from a script and records every request, for tests, e2e runs and benchmarks.
 *
 * ```ts
 * const backend = await startScriptedBackend({ apiKey: 'bk-test' });
 * backend.reply({ text: 'hi' });                        // queue replies; each request takes the next one
 * backend.reply({ toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] });
 * backend.reply((req) => ({ text: `you said ${req.body.messages?.length} messages` }));
 * // OPENAI_BASE_URL = backend.url ("http://127.0.0.1:PORT/v1"), OPENAI_API_KEY = backend.apiKey
 * ...
 * backend.requests[0].body.model;                       // what the proxy sent (parsed JSON)
 * await backend.close();
 * ```
 *
 * Strict like real backends (see chat-validation.ts): it requires `Authorization: Bearer <apiKey>` (401 otherwise),
 * a JSON body with a model and valid messages (400 otherwise, OpenAI's error shape), and `max_tokens` within
 * `maxTokensLimit`. A rejected request does not take a reply from the queue. When the queue is empty the default
 * reply answers (`defaultReply`, else the text `Hello from the scripted backend.`).
 * Streamed answers are SSE (`data: {...}\n\n`, then `data: [DONE]\n\n`) and honour `stream_options.include_usage`.
 * `GET /v1/models` lists `models`.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { validateChatRequest } from './chat-validation';
import type { ChatRequestBody, ChatValidationOptions } from './chat-validation';
import { completionBody, stepBytes, streamSteps } from './scripted-replies';
import type { ReplyContext, ScriptedReply } from './scripted-replies';

export type { ChatMessage, ChatRequestBody, ChatToolCall } from './chat-validation';
export type { ChatUsageBody, ScriptedReply, ScriptedToolCall, StreamStep } from './scripted-replies';

/** A reply, or a function choosing one from the request. */
export type Reply = ScriptedReply | ((req: RecordedRequest) => ScriptedReply | Promise<ScriptedReply>);

/** One request the backend received. */
export interface RecordedRequest {
  method: string;
  /** The path with its query, e.g. `/v1/chat/completions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as received. */
  raw: string;
  /** The parsed JSON body (an empty object when it was not JSON). */
  body: ChatRequestBody;
  /** The status answered (0 until the headers are sent). */
  status: number;
  /** True when the client closed the connection before the answer was complete. */
  aborted: boolean;
  /** Settles when the answer is complete or the connection closed. */
  done: Promise<void>;
}

export interface ScriptedBackendOptions extends ChatValidationOptions {
  /** The key clients must send as `Authorization: Bearer <apiKey>` (default `bk-test`). */
  apiKey?: string;
  /** Model ids listed by `GET /v1/models` (default `['scripted-model']`); editable later via `backend.models`. */
  models?: string[];
  /** Extra strictness: return a message to reject a (parsed, otherwise valid) request with a 400. */
  validate?: (body: ChatRequestBody) => string | undefined;
  /** What answers when the queue is empty. */
  defaultReply?: Reply;
}

export interface ScriptedBackend {
  /** The base URL to configure as OPENAI_BASE_URL: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string;
  readonly apiKey: string;
  /** Every request received (chat completions, models, anything else), in order. */
  readonly requests: RecordedRequest[];
  /** Only the `POST /v1/chat/completions` requests. */
  readonly chatRequests: RecordedRequest[];
  /** Model ids served by `GET /v1/models` (mutable). */
  models: string[];
  /** Queues replies, taken one per valid chat request. */
  reply(...replies: Reply[]): ScriptedBackend;
  /** Sets what answers when the queue is empty. */
  setDefaultReply(reply: Reply): void;
  /** Replies still queued. */
  pending(): number;
  /** Resolves with `requests[index]` once it has arrived (default: the next one). */
  waitForRequest(index?: number): Promise<RecordedRequest>;
  /** Clears the queue and the recorded requests. */
  reset(): void;
  /** Closes the server and every open connection. */
  close(): Promise<void>;
}

/** Starts a scripted backend on 127.0.0.1 (a free port). */
export async function startScriptedBackend(options: ScriptedBackendOptions = {}): Promise<ScriptedBackend> {
  const apiKey = options.apiKey ?? 'bk-test';
  const queue: Reply[] = [];
  const requests: RecordedRequest[] = [];
  const waiters: { index: number; resolve: (r: RecordedRequest) => void }[] = [];
  let defaultReply: Reply = options.defaultReply ?? {};
  let seq = 0;

  const backend: ScriptedBackend = {
    url: '',
    origin: '',
    apiKey,
    requests,
    get chatRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path.split('?')[0] === '/v1/chat/completions');
    },
    models: options.models ?? ['scripted-model'],
    reply(...replies) {
      queue.push(...replies);
      return backend;
    },
    setDefaultReply(reply) {
      defaultReply = reply;
    },
    pending: () => queue.length,
    waitForRequest(index = requests.length) {
      const have = requests[index];
      if (have) return Promise.resolve(have);
      return new Promise((resolve) => waiters.push({ index, resolve }));
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let settle = (): void => {};
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: parseBody(raw),
        status: 0,
        aborted: false,
        done: new Promise<void>((resolve) => (settle = resolve)),
      };
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
        settle();
      });
      requests.push(rec);
      for (const w of waiters.filter((x) => x.index === requests.length - 1)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
      handle(req, res, rec).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, rec, 500, openaiError(`Scripted backend failure: ${String(err)}`, 'server_error'));
        else res.destroy();
      });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse, rec: RecordedRequest): Promise<void> {
    const path = rec.path.split('?')[0];
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return sendJson(res, rec, 401, openaiError('Incorrect API key provided.', 'invalid_request_error', null, 'invalid_api_key'));
    }
    if (req.method === 'GET' && path === '/v1/models') {
      return sendJson(res, rec, 200, {
        object: 'list',
        data: backend.models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'scripted' })),
      });
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      return sendJson(res, rec, 404, openaiError(`Unknown request URL: ${req.method} ${path}.`, 'invalid_request_error', null, 'unknown_url'));
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(rec.raw);
    } catch {
      return sendJson(res, rec, 400, openaiError('We could not parse the JSON body of your request.', 'invalid_request_error'));
    }
    const invalid = validateChatRequest(parsed, options);
    if (invalid) return sendJson(res, rec, 400, openaiError(invalid.message, 'invalid_request_error', invalid.param, invalid.code));
    const extra = options.validate?.(rec.body);
    if (extra) return sendJson(res, rec, 400, openaiError(extra, 'invalid_request_error'));

    const next = queue.shift() ?? defaultReply;
    const reply = typeof next === 'function' ? await next(rec) : next;
    const ctx: ReplyContext = {
      id: reply.id ?? `chatcmpl-scripted-${++seq}`,
      model: rec.body.model ?? 'scripted-model',
      messages: rec.body.messages,
      includeUsage: rec.body.stream_options?.include_usage === true,
    };
    const closed = closedSignal(res);
    if (reply.delayMs) await sleep(reply.delayMs, closed);
    if (closed.aborted) return;
    if (reply.error) {
      const { status, body, headers } = reply.error;
      if (typeof body === 'string') {
        rec.status = status;
        res.writeHead(status, { 'content-type': 'text/plain', ...headers });
        res.end(body);
        return;
      }
      return sendJson(res, rec, status, body ?? openaiError('Scripted backend error.', 'server_error'), headers);
    }
    if (rec.body.stream !== true) return sendJson(res, rec, 200, completionBody(reply, ctx), reply.headers);

    rec.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', ...reply.headers });
    res.flushHeaders();
    let first = true;
    for (const step of streamSteps(reply, ctx)) {
      if (closed.aborted) return;
      if ('pauseMs' in step) {
        await sleep(step.pauseMs, closed, step.until);
        continue;
      }
      if ('destroy' in step) {
        res.destroy();
        return;
      }
      if (!first && reply.chunkDelayMs) await sleep(reply.chunkDelayMs, closed);
      first = false;
      if (closed.aborted) return;
      const bytes = stepBytes(step, reply, ctx);
      if (bytes !== undefined) res.write(bytes);
    }
    if (closed.aborted) return;
    res.end(reply.omitDone ? undefined : 'data: [DONE]\n\n');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  Object.assign(backend, { origin, url: `${origin}/v1` });
  return backend;
}

/** OpenAI's error body. */
export function openaiError(message: string, type: string, param: string | null = null, code: string | null = null): unknown {
  return { error: { message, type, param, code } };
}

function sendJson(res: ServerResponse, rec: RecordedRequest, status: number, body: unknown, headers: Record<string, string> = {}): void {
  rec.status = status;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function parseBody(raw: string): ChatRequestBody {
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as ChatRequestBody) : {};
  } catch {
    return {};
  }
}

/** An AbortSignal that fires when the response's connection closes. */
function closedSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => controller.abort());
  return controller.signal;
}

/** Waits `ms`, or less if `signal` fires (so a closed connection leaves no timer behind) or `until` settles. */
function sleep(ms: number, signal: AbortSignal, until?: PromiseLike<unknown>): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
    until?.then(done, done);
  });
}
