/**
 * What the scripted backend answers: the reply script type and the pure functions turning a reply into a
 * Chat Completions JSON body or a list of stream steps.
 */

/** Token usage as OpenAI reports it. */
export interface ChatUsageBody {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface ScriptedToolCall {
  /** Default `call_<n>`. */
  id?: string;
  name: string;
  /** A JSON string (sent as is, even if invalid: for tests of bad backends) or an object (serialised). */
  arguments: string | Record<string, unknown>;
}

/**
 * One step of an explicit stream (`ScriptedReply.chunks`):
 * - `{ delta, finish_reason?, usage? }`: a chunk with one choice (id, model, created filled in);
 * - `{ chunk }`: a whole chunk object, written as `data: <json>`;
 * - `{ raw }`: bytes written as they are (malformed events, comments, `event:` lines);
 * - `{ pauseMs, until? }`: wait before the next step, `pauseMs` at most; `until` ends the pause early when it
 *   settles (a test can hold a stream mid-way and release it once it has seen what it waits for);
 * - `{ destroy: true }`: cut the connection (a backend dying mid-stream).
 */
export type StreamStep =
  | { delta: Record<string, unknown>; finish_reason?: string | null; usage?: ChatUsageBody }
  | { chunk: Record<string, unknown> }
  | { raw: string }
  | { pauseMs: number; until?: PromiseLike<unknown> }
  | { destroy: true };

/**
 * A scripted answer. The same reply serves a streamed and a non-streamed request, each in its own form.
 * With none of text/reasoning/toolCalls/chunks/json/error, the answer is the text `Hello from the scripted backend.`
 */
export interface ScriptedReply {
  /** Assistant text. */
  text?: string;
  /** Reasoning text, sent as `reasoning_content` (default) or `reasoning` (see reasoningField). */
  reasoning?: string;
  reasoningField?: 'reasoning_content' | 'reasoning';
  toolCalls?: ScriptedToolCall[];
  /** Default `tool_calls` when there are tool calls, else `stop`. */
  finishReason?: string;
  /** Usage numbers (missing ones are estimated from the lengths); `null`: send no usage at all. */
  usage?: Partial<ChatUsageBody> | null;
  /**
   * When a stream carries usage: `requested` (default: a final `choices: []` chunk only with
   * `stream_options.include_usage`), `always` (that chunk even unasked), `with-finish` (usage on the
   * finish_reason chunk, no separate chunk), `never`.
   */
  streamUsage?: 'requested' | 'always' | 'with-finish' | 'never';
  /** Characters per streamed text/reasoning/arguments delta (default 8). */
  chunkSize?: number;
  /** An explicit stream, written instead of the one built from text/toolCalls (`[DONE]` is appended unless omitDone). */
  chunks?: StreamStep[];
  omitDone?: boolean;
  /** An explicit non-streamed body, sent instead of the one built. */
  json?: unknown;
  /** Answer with this status and body (object → JSON, string → text/plain) instead. */
  error?: { status: number; body?: unknown; headers?: Record<string, string> };
  /** Wait before sending the headers. */
  delayMs?: number;
  /** Wait between stream chunks. */
  chunkDelayMs?: number;
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** The model named in the answer (default: the request's). */
  model?: string;
  /** The answer's id (default `chatcmpl-scripted-<n>`); fix it to compare answers byte for byte. */
  id?: string;
}

export const DEFAULT_TEXT = 'Hello from the scripted backend.';
const CREATED = 1_750_000_000;

/** The request facts a reply depends on. */
export interface ReplyContext {
  id: string;
  model: string;
  /** The request's messages, for usage estimates. */
  messages: unknown;
  includeUsage: boolean;
}

/** The usage a reply reports (explicit numbers, else estimates: a token per 4 characters). */
export function usageFor(reply: ScriptedReply, ctx: ReplyContext): ChatUsageBody | null {
  if (reply.usage === null) return null;
  const out = (reply.text ?? textOf(reply)) + (reply.reasoning ?? '') + (reply.toolCalls ?? []).map((c) => argsOf(c)).join('');
  const prompt = reply.usage?.prompt_tokens ?? Math.max(1, Math.ceil(JSON.stringify(ctx.messages ?? '').length / 4));
  const completion = reply.usage?.completion_tokens ?? Math.max(1, Math.ceil(out.length / 4));
  return { ...reply.usage, prompt_tokens: prompt, completion_tokens: completion, total_tokens: reply.usage?.total_tokens ?? prompt + completion };
}

/** The non-streamed answer body. */
export function completionBody(reply: ScriptedReply, ctx: ReplyContext): unknown {
  if (reply.json !== undefined) return reply.json;
  const message: Record<string, unknown> = { role: 'assistant', content: textOf(reply) || null };
  if (reply.reasoning !== undefined) message[reply.reasoningField ?? 'reasoning_content'] = reply.reasoning;
  if (reply.toolCalls?.length) {
    message.tool_calls = reply.toolCalls.map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: argsOf(c) } }));
  }
  const usage = usageFor(reply, ctx);
  return {
    id: ctx.id,
    object: 'chat.completion',
    created: CREATED,
    model: reply.model ?? ctx.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: finishOf(reply) }],
    ...(usage ? { usage } : {}),
  };
}

/** The stream of an answer, as steps (explicit `chunks`, or built from text, reasoning and tool calls). */
export function streamSteps(reply: ScriptedReply, ctx: ReplyContext): StreamStep[] {
  if (reply.chunks) return reply.chunks;
  const size = Math.max(1, reply.chunkSize ?? 8);
  const steps: StreamStep[] = [{ delta: { role: 'assistant', content: '' } }];
  const field = reply.reasoningField ?? 'reasoning_content';
  for (const piece of split(reply.reasoning ?? '', size)) steps.push({ delta: { [field]: piece } });
  for (const piece of split(textOf(reply), size)) steps.push({ delta: { content: piece } });
  (reply.toolCalls ?? []).forEach((c, index) => {
    steps.push({ delta: { tool_calls: [{ index, id: c.id ?? `call_${index}`, type: 'function', function: { name: c.name, arguments: '' } }] } });
    for (const piece of split(argsOf(c), size)) steps.push({ delta: { tool_calls: [{ index, function: { arguments: piece } }] } });
  });
  const usage = usageFor(reply, ctx);
  const mode = reply.streamUsage ?? 'requested';
  const finish: StreamStep = { delta: {}, finish_reason: finishOf(reply) };
  if (usage && mode === 'with-finish') finish.usage = usage;
  steps.push(finish);
  if (usage && (mode === 'always' || (mode === 'requested' && ctx.includeUsage))) {
    steps.push({ chunk: { id: ctx.id, object: 'chat.completion.chunk', created: CREATED, model: reply.model ?? ctx.model, choices: [], usage } });
  }
  return steps;
}

/** The SSE bytes of a chunk step (`data: {...}\n\n`); undefined for pauses and cuts. */
export function stepBytes(step: StreamStep, reply: ScriptedReply, ctx: ReplyContext): string | undefined {
  if ('raw' in step) return step.raw;
  if ('chunk' in step) return `data: ${JSON.stringify(step.chunk)}\n\n`;
  if ('delta' in step) {
    const chunk: Record<string, unknown> = {
      id: ctx.id,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: reply.model ?? ctx.model,
      choices: [{ index: 0, delta: step.delta, logprobs: null, finish_reason: step.finish_reason ?? null }],
    };
    if (step.usage) chunk.usage = step.usage;
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
  return undefined;
}

function textOf(reply: ScriptedReply): string {
  const scripted = reply.text !== undefined || reply.reasoning !== undefined || reply.toolCalls !== undefined;
  return reply.text ?? (scripted ? '' : DEFAULT_TEXT);
}

function finishOf(reply: ScriptedReply): string {
  return reply.finishReason ?? (reply.toolCalls?.length ? 'tool_calls' : 'stop');
}

function argsOf(c: ScriptedToolCall): string {
  return typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments);
}

/** Pieces of `size` characters (code points, so no emoji is cut in half). */
function split(text: string, size: number): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}
