/**
 * A real OpenAI-compatible backend on 127.0.0.1 that misbehaves on demand, for testing how the proxy copes with refused
 * connections, resets, hangs, broken streams, odd errors and huge answers.
 *
 * ```ts
 * const backend = await startFaultBackend();
 * // point the proxy's backend_url at backend.url (`http://127.0.0.1:PORT/v1`)
 * backend.enqueue('reset-before-headers');          // the next request only
 * await backend.setMode({ kind: 'slow-ok', delayMs: 20 }); // every request after the queue is empty
 * const seen = backend.nextRequest();               // resolves when the backend receives one
 * …
 * assert.equal(backend.count('reset-before-headers'), 1);
 * await backend.idle();                              // every request it received has ended (no leak)
 * await backend.close();
 * ```
 *
 * Serves `POST /v1/chat/completions` (streamed when the body says `stream: true`) and `GET /v1/models`; other paths
 * answer 404. Every request is recorded with the mode that answered it.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

/** One way of answering (or not answering) a request. */
export type FaultMode =
  /** A correct answer: a completion of `text`, streamed when asked, with usage unless `usage: false`. */
  | {
      kind: 'ok';
      text?: string;
      usage?: { prompt_tokens: number; completion_tokens: number } | false;
      finish_reason?: string;
    }
  /** Nothing listens: connections are refused (ECONNREFUSED). Only for setMode, since no request arrives. */
  | { kind: 'refuse' }
  /** Reads the request, then destroys the socket without a byte of answer. */
  | { kind: 'reset-before-headers' }
  /** Sends 200 and `chunks` SSE chunks (half the body when not streamed), then destroys the socket. */
  | { kind: 'reset-mid-stream'; chunks?: number }
  /** Reads the request and never answers; the socket stays open until the client gives up. */
  | { kind: 'hang-before-headers' }
  /** Sends 200 and `chunks` SSE chunks (half the body when not streamed), then nothing, forever. */
  | { kind: 'hang-mid-stream'; chunks?: number }
  /** 200 `text/event-stream` whose body is `body` (default: truncated JSON, non-JSON data, glued events), no [DONE]. */
  | { kind: 'garbage-sse'; body?: string }
  /** `status` (default 502) with an HTML page, as gateways send. */
  | { kind: 'non-json-error'; status?: number; body?: string }
  /**
   * Any status, body (objects as JSON, strings as is) and headers (`retry-after`…). Default: 500, OpenAI error.
   * `cut`: send only the first half of the body, then hang (`hang`) or destroy the socket (`reset`).
   */
  | { kind: 'status'; status?: number; body?: unknown; headers?: Record<string, string>; cut?: 'hang' | 'reset' }
  /** A correct answer of `bytes` (default 5 MiB) of content, streamed in 16 KiB chunks when asked. */
  | { kind: 'huge'; bytes?: number }
  /** A correct answer in `chunks` chunks `delayMs` apart (not streamed: one answer after all the delays). */
  | { kind: 'slow-ok'; chunks?: number; delayMs?: number; text?: string };

export type FaultKind = FaultMode['kind'];
/** A mode, or its kind alone for the defaults. */
export type FaultModeInput = FaultMode | FaultKind;
/** Modes that answer a request (all but `refuse`), for the one-shot queue. */
export type QueuedModeInput = Exclude<FaultMode, { kind: 'refuse' }> | Exclude<FaultKind, 'refuse'>;

/** One request the backend received. `ended` and `aborted` are filled in when it ends. */
export interface FaultRequest {
  /** 1, 2, 3… in order of arrival. */
  seq: number;
  /** When it arrived (performance.now()), e.g. to check the wait between a retried request and its retry. */
  receivedAt: number;
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The JSON body, or the raw text when it was not JSON, or undefined when empty. */
  body: unknown;
  stream: boolean;
  /** The mode that answered it; null for a path the backend does not serve. */
  mode: FaultKind | null;
  ended: boolean;
  /** True when the connection closed before the backend finished its answer (the client gave up, or a reset mode). */
  aborted: boolean;
}

export interface FaultBackend {
  /** Base URL to configure as the backend: `http://127.0.0.1:PORT/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received so far, in order. */
  readonly requests: readonly FaultRequest[];
  /** Sockets open now (clients' idle keep-alive sockets included). */
  readonly openSockets: number;
  /** Requests received whose answer has not ended (hangs included). */
  readonly activeRequests: number;
  /** Sets the mode of every request once the queue is empty. `refuse` stops listening; any other mode listens again. */
  setMode(mode: FaultModeInput): Promise<void>;
  /** Modes for the next requests, one each, before the default mode applies again. */
  enqueue(...modes: QueuedModeInput[]): void;
  /** Requests answered by `kind`, or all requests received. */
  count(kind?: FaultKind): number;
  /** Resolves with the next request to arrive (after it is read). */
  nextRequest(): Promise<FaultRequest>;
  /** Resolves when no request is in flight; rejects after `timeoutMs` (default 5 s) saying what is still open. */
  idle(timeoutMs?: number): Promise<void>;
  /** Destroys every socket, ends every pending answer and stops listening. Idempotent. */
  close(): Promise<void>;
}

export interface FaultBackendOptions {
  /** Initial mode; default `ok`. */
  mode?: FaultModeInput;
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
}

const DEFAULT_TEXT = 'Hello from the fault backend.';
const HUGE_CHUNK = 16 * 1024;
const HUGE_WORDS = 'lorem ipsum dolor sit amet ';

const DEFAULT_GARBAGE =
  'data: {"id":"chatcmpl-garbage","choices":[{"index":0,"delta":{"content":"tru\n\n' + // JSON cut short
  'data: this is not json\n\n' +
  'data: {"choices":[{"index":0,"delta":{"content":"a"}}]}data: {"choices":[]}\n\n' + // two events glued together
  'event: mystery\ndata: {"unexpected": true}\n\n' +
  'data: {"choices":[{"index":0,"delta":{"content":"no blank line"}}]}\n' +
  ': a comment\n' +
  'data: {"choices":[{"index":0,"delta":{"content":"missing newline"}}]}';

const HTML_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
  '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** Starts a fault backend on 127.0.0.1 at a free port. */
export async function startFaultBackend(options: FaultBackendOptions = {}): Promise<FaultBackend> {
  const sockets = new Set<Socket>();
  const pending = new Map<FaultRequest, AbortController>();
  const requests: FaultRequest[] = [];
  const queue: FaultMode[] = [];
  const arrivals: ((r: FaultRequest) => void)[] = [];
  const idleWaiters = new Set<() => void>();
  const models = options.models ?? ['fault-model', 'fault-model-large'];
  let mode: FaultMode = toMode(options.mode ?? 'ok');
  let closed = false;
  let listening = false;

  const server = createServer((req, res) => {
    void handle(req, res);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    res.on('error', () => {});
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const body = await readBody(req);
    const routed =
      (req.method === 'POST' && path === '/v1/chat/completions') || (req.method === 'GET' && path === '/v1/models');
    const use = routed ? (queue.shift() ?? mode) : undefined;
    const record: FaultRequest = {
      seq: requests.length + 1,
      receivedAt: performance.now(),
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body,
      stream: path === '/v1/chat/completions' && isObject(body) && body.stream === true,
      mode: use?.kind ?? null,
      ended: false,
      aborted: false,
    };
    requests.push(record);
    const abort = new AbortController();
    pending.set(record, abort);
    res.on('close', () => {
      record.ended = true;
      record.aborted = !res.writableFinished;
      abort.abort();
      pending.delete(record);
      if (pending.size === 0) for (const wake of [...idleWaiters]) wake();
    });
    for (const notify of arrivals.splice(0)) notify(record);

    if (!use) return void sendJson(res, 404, openAiError(`No route for ${record.method} ${path}`, 'not_found_error'));
    const answer = path === '/v1/models' ? modelsAnswer(models) : completionAnswer(record, use);
    try {
      await respond(req, res, use, answer, abort.signal);
    } catch {
      // The client went away or close() ended the answer: nothing left to do.
    }
  }

  async function listen(port: number): Promise<void> {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
    listening = true;
  }

  async function stopListening(): Promise<void> {
    if (!listening) return;
    listening = false;
    const done = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const abort of pending.values()) abort.abort();
    server.closeAllConnections();
    for (const s of sockets) s.destroy();
    await done;
  }

  await listen(0);
  const port = (server.address() as AddressInfo).port;

  const backend: FaultBackend = {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get openSockets() {
      return sockets.size;
    },
    get activeRequests() {
      return pending.size;
    },
    async setMode(next) {
      mode = toMode(next);
      if (closed) return;
      if (mode.kind === 'refuse') await stopListening();
      else if (!listening) await listen(port);
    },
    enqueue(...modes) {
      queue.push(...modes.map(toMode));
    },
    count(kind) {
      return kind === undefined ? requests.length : requests.filter((r) => r.mode === kind).length;
    },
    nextRequest() {
      return new Promise((resolve) => arrivals.push(resolve));
    },
    idle(timeoutMs = 5000) {
      if (pending.size === 0) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const wake = (): void => {
          clearTimeout(timer);
          idleWaiters.delete(wake);
          resolve();
        };
        const timer = setTimeout(() => {
          idleWaiters.delete(wake);
          const open = [...pending.keys()].map((r) => `#${r.seq} ${r.method} ${r.path} (${r.mode})`).join(', ');
          reject(new Error(`fault backend: ${pending.size} request(s) still open after ${timeoutMs} ms: ${open}`));
        }, timeoutMs);
        idleWaiters.add(wake);
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await stopListening();
    },
  };
  return backend;
}

/** A port on 127.0.0.1 with nothing listening (it was free a moment ago), for a backend that refuses connections. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A backend base URL where connections are refused. */
export async function refusedUrl(): Promise<string> {
  return `http://127.0.0.1:${await unusedPort()}/v1`;
}

// ---- answers ----

/** What a correct answer would be: SSE frames (the role frame, content frames, the end), or one JSON body. */
type Answer =
  | { type: 'sse'; head: string; content: () => Iterable<string>; tail: string[] }
  | { type: 'json'; body: string };

function completionAnswer(req: FaultRequest, mode: FaultMode): Answer {
  const model = isObject(req.body) && typeof req.body.model === 'string' ? req.body.model : 'fault-model';
  const id = `chatcmpl-fault-${req.seq}`;
  const created = Math.floor(Date.now() / 1000);
  const pieces = contentPieces(mode);
  const opts: Partial<Extract<FaultMode, { kind: 'ok' }>> = mode.kind === 'ok' ? mode : {};
  const usage =
    opts.usage === false
      ? undefined
      : (opts.usage ?? { prompt_tokens: 12, completion_tokens: Math.max(1, pieces.length) });
  const usageBlock = usage && { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };
  const finish = opts.finish_reason ?? 'stop';

  if (!req.stream) {
    const content = [...pieces].join('');
    const body = {
      id,
      object: 'chat.completion',
      created,
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: finish },
      ],
      ...(usageBlock ? { usage: usageBlock } : {}),
    };
    return { type: 'json', body: JSON.stringify(body) };
  }
  const wantsUsage =
    isObject(req.body) && isObject(req.body.stream_options) && req.body.stream_options.include_usage === true;
  const base = { id, object: 'chat.completion.chunk', created, model };
  const chunk = (delta: object, finish_reason: string | null): string =>
    frame({ ...base, choices: [{ index: 0, delta, logprobs: null, finish_reason }] });
  const tail = [chunk({}, finish)];
  if (wantsUsage && usageBlock) tail.push(frame({ ...base, choices: [], usage: usageBlock }));
  tail.push('data: [DONE]\n\n');
  return {
    type: 'sse',
    head: chunk({ role: 'assistant', content: '' }, null),
    *content() {
      for (const content of pieces) yield chunk({ content }, null);
    },
    tail,
  };
}

/** The content of a completion, in the pieces it is streamed in (lazily for `huge`). */
function contentPieces(mode: FaultMode): Iterable<string> & { length: number } {
  if (mode.kind === 'huge') {
    const bytes = mode.bytes ?? 5 * 1024 * 1024;
    const block = HUGE_WORDS.repeat(Math.ceil(HUGE_CHUNK / HUGE_WORDS.length)).slice(0, HUGE_CHUNK);
    const n = Math.ceil(bytes / HUGE_CHUNK);
    return {
      length: n,
      *[Symbol.iterator]() {
        for (let i = 0; i < n; i++) yield i === n - 1 ? block.slice(0, bytes - i * HUGE_CHUNK) : block;
      },
    };
  }
  const text = (mode.kind === 'ok' || mode.kind === 'slow-ok' ? mode.text : undefined) ?? DEFAULT_TEXT;
  const words = text.match(/\S+\s*/g) ?? [text];
  if (mode.kind !== 'slow-ok') return words;
  // slow-ok: exactly `chunks` pieces (some may be empty strings when the text is short).
  const n = Math.max(1, mode.chunks ?? 5);
  const cut = (i: number): number => Math.floor((i * words.length) / n);
  return Array.from({ length: n }, (_, i) => words.slice(cut(i), cut(i + 1)).join(''));
}

function modelsAnswer(models: string[]): Answer {
  const data = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fault-backend' }));
  return { type: 'json', body: JSON.stringify({ object: 'list', data }) };
}

// ---- writing ----

async function respond(
  req: IncomingMessage,
  res: ServerResponse,
  mode: FaultMode,
  answer: Answer,
  signal: AbortSignal,
): Promise<void> {
  switch (mode.kind) {
    case 'refuse': // a request cannot arrive while refusing; answer normally if one raced in
    case 'ok':
    case 'huge':
      return writeAnswer(res, answer, signal);
    case 'reset-before-headers':
      req.socket.destroy();
      return;
    case 'hang-before-headers':
      return;
    case 'reset-mid-stream':
    case 'hang-mid-stream': {
      await writePart(res, answer, mode.chunks ?? 2, signal);
      if (mode.kind === 'reset-mid-stream') req.socket.destroy();
      return;
    }
    case 'garbage-sse':
      res.writeHead(200, sseHeaders());
      res.end(mode.body ?? DEFAULT_GARBAGE);
      return;
    case 'non-json-error': {
      const html = mode.body ?? HTML_502;
      res.writeHead(mode.status ?? 502, { 'content-type': 'text/html', 'content-length': Buffer.byteLength(html) });
      res.end(html);
      return;
    }
    case 'status': {
      const status = mode.status ?? 500;
      const raw = mode.body === undefined ? openAiError(`fault backend answered ${status}`, 'server_error') : mode.body;
      const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
      const type = typeof raw === 'string' ? 'text/plain; charset=utf-8' : 'application/json';
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), ...mode.headers });
      if (!mode.cut) return void res.end(text);
      await write(res, text.slice(0, Math.floor(text.length / 2)), signal);
      if (mode.cut === 'reset') req.socket.destroy();
      return;
    }
    case 'slow-ok': {
      const delayMs = mode.delayMs ?? 50;
      if (answer.type === 'json') {
        await sleep(delayMs * Math.max(1, mode.chunks ?? 5), undefined, { signal });
        return writeAnswer(res, answer, signal);
      }
      res.writeHead(200, sseHeaders());
      await write(res, answer.head, signal);
      for (const f of answer.content()) {
        await sleep(delayMs, undefined, { signal });
        await write(res, f, signal);
      }
      for (const f of answer.tail) await write(res, f, signal);
      res.end();
      return;
    }
  }
}

async function writeAnswer(res: ServerResponse, answer: Answer, signal: AbortSignal): Promise<void> {
  if (answer.type === 'json') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
    return;
  }
  res.writeHead(200, sseHeaders());
  await write(res, answer.head, signal);
  for (const f of answer.content()) await write(res, f, signal);
  for (const f of answer.tail) await write(res, f, signal);
  res.end();
}

/**
 * Headers and the start of an answer: the role frame and up to `chunks` content frames (never the end), or half a
 * JSON body.
 */
async function writePart(res: ServerResponse, answer: Answer, chunks: number, signal: AbortSignal): Promise<void> {
  if (answer.type === 'json') {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer.body) });
    await write(res, answer.body.slice(0, Math.floor(answer.body.length / 2)), signal);
    return;
  }
  res.writeHead(200, sseHeaders());
  await write(res, answer.head, signal);
  let n = 0;
  for (const f of answer.content()) {
    if (n++ >= chunks) break;
    await write(res, f, signal);
  }
}

/**
 * Writes and waits until the data is handed to the socket (so a reset that follows comes after it, and a slow reader
 * holds the writer back); rejects when the connection closes (or close() aborts) first.
 */
function write(res: ServerResponse, data: string, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    res.write(data, (err) => {
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    });
  });
}

function sseHeaders(): Record<string, string> {
  return { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function frame(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

function openAiError(message: string, type: string): unknown {
  return { error: { message, type, param: null, code: null } };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  try {
    for await (const part of req) parts.push(part as Buffer);
  } catch {
    return undefined;
  }
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function toMode(input: FaultModeInput): FaultMode {
  return typeof input === 'string' ? ({ kind: input } as FaultMode) : input;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
