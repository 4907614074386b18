/**
 * A scripted Anthropic-format backend (what Anthropic, and the Messages endpoints of DeepSeek, Z.ai, Kimi, MiniMax,
 * Ollama, vLLM serve): a real HTTP server on 127.0.0.1 that checks requests the way Anthropic's API does and answers
 * from a script with real-shaped JSON messages or SSE events, recording every request and every byte it sent.
 *
 * ```ts
 * const backend = await startAnthropicBackend({ apiKey: 'ak-test' });
 * backend.reply({ text: 'hi' }, { toolUses: [{ name: 'Bash', input: { command: 'ls' } }] });
 * backend.reply({ error: { status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } } });
 * // provider: { kind: 'anthropic', base_url: backend.url, api_key: backend.apiKey }
 * backend.requests[0].headers['anthropic-beta']; backend.requests[0].sent;   // what came, what went out
 * ```
 *
 * Strict like Anthropic: `x-api-key` must be the key (401 authentication_error), `anthropic-version` is required
 * (400), the body must be JSON with `model`, `max_tokens` (a positive integer; not on count_tokens) and non-empty
 * `messages` of roles user/assistant (`system` only with the `mid-conversation-system` beta), content blocks of known
 * types, each `tool_result` answering a `tool_use` of the message before it, and no unknown top-level field
 * ("Extra inputs are not permitted"). Errors are `{"type":"error","error":{type,message},"request_id"}` with a
 * `request-id` header. A model not in `models` (when given) is a 404 not_found_error.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface AnthropicReply {
  text?: string;
  thinking?: string;
  toolUses?: { name: string; input: Record<string, unknown>; id?: string }[];
  usage?: { input_tokens?: number; output_tokens?: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
  /** Answer this status and body (object → JSON, string → text) instead. */
  error?: { status: number; body: unknown; headers?: Record<string, string> };
  /** Wait before the headers. */
  delayMs?: number;
  /** Wait between events. */
  eventDelayMs?: number;
  /** Destroy the connection after this many events (a stream cut short after its first bytes). */
  cutAfterEvents?: number;
  /** Characters per text delta (default 6). */
  chunkSize?: number;
}

export type AnthropicReplyFn = AnthropicReply | ((req: AnthropicRequest) => AnthropicReply);

export interface AnthropicRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  body: Record<string, unknown>;
  status: number;
  /** The exact bytes of the answer body sent. */
  sent: Buffer;
  /** The client closed before the answer was complete. */
  aborted: boolean;
  done: Promise<void>;
}

export interface AnthropicBackend {
  /** The base URL of an `anthropic` provider: `http://127.0.0.1:PORT` (paths are `/v1/messages`…). */
  readonly url: string;
  readonly apiKey: string;
  readonly requests: AnthropicRequest[];
  /** Only the `POST /v1/messages` requests. */
  readonly messageRequests: AnthropicRequest[];
  reply(...replies: AnthropicReplyFn[]): AnthropicBackend;
  setDefaultReply(reply: AnthropicReplyFn): void;
  close(): Promise<void>;
}

export interface AnthropicBackendOptions {
  apiKey?: string;
  /** Served models; when given, others are a 404. */
  models?: string[];
}

const TOP_LEVEL = new Set([
  'model', 'messages', 'system', 'max_tokens', 'metadata', 'stop_sequences', 'stream', 'temperature', 'top_k', 'top_p',
  'tools', 'tool_choice', 'thinking', 'service_tier', 'container', 'mcp_servers', 'context_management', 'output_config',
]);
const BLOCKS = new Set([
  'text', 'image', 'document', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'server_tool_use',
  'web_search_tool_result', 'search_result', 'web_fetch_tool_result',
]);

export async function startAnthropicBackend(opts: AnthropicBackendOptions = {}): Promise<AnthropicBackend> {
  const apiKey = opts.apiKey ?? 'ak-test-0123456789';
  const queue: AnthropicReplyFn[] = [];
  const requests: AnthropicRequest[] = [];
  let defaultReply: AnthropicReplyFn = {};
  let seq = 0;

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let settle = (): void => {};
      const raw = Buffer.concat(chunks);
      const rec: AnthropicRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        raw,
        body: {},
        status: 0,
        sent: Buffer.alloc(0),
        aborted: false,
        done: new Promise<void>((r) => (settle = r)),
      };
      const sent: Buffer[] = [];
      const write = res.write.bind(res);
      res.write = ((chunk: string | Buffer, ...rest: never[]) => {
        sent.push(Buffer.from(chunk));
        rec.sent = Buffer.concat(sent);
        return write(chunk, ...rest);
      }) as typeof res.write;
      res.on('close', () => {
        if (!res.writableFinished) rec.aborted = true;
        settle();
      });
      requests.push(rec);
      handle(rec, res).catch(() => res.destroy());
    });
  });

  const fail = (res: ServerResponse, rec: AnthropicRequest, status: number, type: string, message: string): void => {
    const id = `req_backend_${++seq}`;
    rec.status = status;
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': id });
    res.write(JSON.stringify({ type: 'error', error: { type, message }, request_id: id }));
    res.end();
  };

  async function handle(rec: AnthropicRequest, res: ServerResponse): Promise<void> {
    const path = rec.path.split('?')[0];
    if (rec.headers['x-api-key'] !== apiKey) return fail(res, rec, 401, 'authentication_error', 'invalid x-api-key');
    if (!rec.headers['anthropic-version']) return fail(res, rec, 400, 'invalid_request_error', 'anthropic-version: header is required');
    if (rec.method === 'GET' && path === '/v1/models') {
      const data = (opts.models ?? ['claude-sonnet-4-6']).map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }));
      return void res.end();
    }
    const countTokens = path === '/v1/messages/count_tokens';
    if (rec.method !== 'POST' || (path !== '/v1/messages' && !countTokens)) return fail(res, rec, 404, 'not_found_error', `Not found: ${rec.method} ${path}`);
    let body: unknown;
    try {
      body = JSON.parse(rec.raw.toString('utf8'));
    } catch {
      return fail(res, rec, 400, 'invalid_request_error', 'There was an issue with your request body: not valid JSON');
    }
    const problem = validate(body, rec.headers, countTokens);
    if (problem) return fail(res, rec, 400, 'invalid_request_error', problem);
    rec.body = body as Record<string, unknown>;
    const model = String(rec.body.model);
    if (opts.models && !opts.models.includes(model)) return fail(res, rec, 404, 'not_found_error', `model: ${model}`);
    if (countTokens) {
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write(JSON.stringify({ input_tokens: Math.max(1, Math.round(rec.raw.length / 4)) }));
      return void res.end();
    }

    const next = queue.shift() ?? defaultReply;
    const reply = typeof next === 'function' ? next(rec) : next;
    if (reply.delayMs) await sleep(reply.delayMs);
    if (res.destroyed) return;
    if (reply.error) {
      rec.status = reply.error.status;
      const text = typeof reply.error.body === 'string' ? reply.error.body : JSON.stringify(reply.error.body);
      res.writeHead(reply.error.status, { 'content-type': typeof reply.error.body === 'string' ? 'text/plain' : 'application/json', ...reply.error.headers });
      res.write(text);
      return void res.end();
    }
    const id = `msg_backend_${++seq}`;
    const usage = {
      input_tokens: reply.usage?.input_tokens ?? Math.max(1, Math.round(rec.raw.length / 4)),
      output_tokens: reply.usage?.output_tokens ?? 7,
      cache_read_input_tokens: reply.usage?.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: reply.usage?.cache_creation_input_tokens ?? 0,
    };
    const text = reply.text ?? (reply.toolUses ? '' : 'Hello from the Anthropic backend.');
    const tools = (reply.toolUses ?? []).map((t, i) => ({ type: 'tool_use', id: t.id ?? `toolu_backend_${seq}_${i}`, name: t.name, input: t.input }));
    const stopReason = tools.length > 0 ? 'tool_use' : 'end_turn';
    if (rec.body.stream !== true) {
      const content = [
        ...(reply.thinking ? [{ type: 'thinking', thinking: reply.thinking, signature: 'sig_backend' }] : []),
        ...(text ? [{ type: 'text', text }] : []),
        ...tools,
      ];
      rec.status = 200;
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_backend_${seq}` });
      res.write(JSON.stringify({ id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }));
      return void res.end();
    }

    const events: [string, unknown][] = [];
    events.push(['message_start', { type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } }]);
    events.push(['ping', { type: 'ping' }]);
    let index = 0;
    if (reply.thinking) {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: reply.thinking } }]);
      events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: 'sig_backend' } }]);
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
      index++;
    }
    if (text) {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'text', text: '' } }]);
      const size = reply.chunkSize ?? 6;
      for (let i = 0; i < text.length; i += size) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'text_delta', text: text.slice(i, i + size) } }]);
      }
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
      index++;
    }
    for (const t of tools) {
      events.push(['content_block_start', { type: 'content_block_start', index, content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} } }]);
      const json = JSON.stringify(t.input);
      const half = Math.ceil(json.length / 2);
      for (const part of [json.slice(0, half), json.slice(half)]) {
        events.push(['content_block_delta', { type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: part } }]);
      }
      events.push(['content_block_stop', { type: 'content_block_stop', index }]);
      index++;
    }
    events.push(['message_delta', { type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }]);
    events.push(['message_stop', { type: 'message_stop' }]);
    rec.status = 200;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': `req_backend_${seq}` });
    for (const [n, [event, data]] of events.entries()) {
      if (reply.cutAfterEvents !== undefined && n >= reply.cutAfterEvents) return void res.destroy();
      if (res.destroyed) return;
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      if (reply.eventDelayMs) await sleep(reply.eventDelayMs);
    }
    res.end();
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const backend: AnthropicBackend = {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    get messageRequests() {
      return requests.filter((r) => r.method === 'POST' && r.path.split('?')[0] === '/v1/messages');
    },
    reply(...replies) {
      queue.push(...replies);
      return backend;
    },
    setDefaultReply(reply) {
      defaultReply = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return backend;
}

/** What Anthropic's API would say is wrong with a Messages (or count_tokens) body, or null. */
export function validate(body: unknown, headers: IncomingHttpHeaders, countTokens: boolean): string | null {
  if (!isRecord(body)) return 'body: Input should be an object';
  for (const key of Object.keys(body)) if (!TOP_LEVEL.has(key)) return `${key}: Extra inputs are not permitted`;
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!countTokens && (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1)) {
    return 'max_tokens: Field required (a positive integer)';
  }
  if (countTokens && 'max_tokens' in body) return 'max_tokens: Extra inputs are not permitted';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  const betas = String(headers['anthropic-beta'] ?? '');
  if (body.metadata !== undefined && (!isRecord(body.metadata) || (body.metadata.user_id !== undefined && typeof body.metadata.user_id !== 'string'))) {
    return 'metadata.user_id: Input should be a valid string';
  }
  let previousToolIds = new Set<string>();
  for (const [i, m] of body.messages.entries()) {
    if (!isRecord(m)) return `messages.${i}: Input should be an object`;
    const systemOk = m.role === 'system' && betas.includes('mid-conversation-system');
    if (m.role !== 'user' && m.role !== 'assistant' && !systemOk) return `messages.${i}.role: Input should be 'user' or 'assistant'`;
    const toolIds = new Set<string>();
    if (typeof m.content !== 'string') {
      if (!Array.isArray(m.content)) return `messages.${i}.content: Input should be a valid string or list`;
      for (const [j, b] of m.content.entries()) {
        if (!isRecord(b) || typeof b.type !== 'string' || !BLOCKS.has(b.type)) return `messages.${i}.content.${j}.type: Input tag does not match any expected tag`;
        if (b.type === 'tool_use') toolIds.add(String(b.id));
        if (b.type === 'tool_result' && !previousToolIds.has(String(b.tool_use_id))) {
          return `messages.${i}.content.${j}: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${String(b.tool_use_id)}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
        }
      }
    }
    previousToolIds = toolIds;
  }
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
