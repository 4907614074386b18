/**
 * The chat checks of the backend probe (see backend-probe.ts): streaming and usage in streams, streamed tool calls,
 * the reasoning field, the largest `max_tokens`. Each one sends its requests through `ProbeContext.send`, pushes
 * its own checks and adds what it would change to `suggested`.
 */
import type { DoctorCheck, Settings, SettingsPatch } from '../../shared/types';
import { readBackendError } from '../translate/errors';
import { reasoningFields } from '../translate/reasoning';
import { parseToolArguments, RAW_ARGUMENTS_KEY } from '../translate/tool-args';
import type { Exchange, ReasoningField, StreamSummary } from './probe-exchange';
import { isRecord } from '../../shared/json';

/** What Claude Code asks for as `max_tokens`: the first value the probe tries. */
export const CLAUDE_CODE_MAX_TOKENS = 64000;

/** The `max_tokens` values tried, largest first. */
export const MAX_TOKENS_STEPS: readonly number[] = [CLAUDE_CODE_MAX_TOKENS, 32768, 16384, 8192, 4096];

/** A short prompt with a short answer. */
export const PING = [{ role: 'user', content: 'Reply with the single word: OK' }];

/** The state one probe run shares between its checks. */
export interface ProbeContext {
  /** The settings requests are sent with (no retries, the probe's timeout). */
  settings: Settings;
  /** The backend model the chat checks use. */
  model: string;
  checks: DoctorCheck[];
  suggested: SettingsPatch;
  /** Reasoning fields any answer carried so far. */
  reasoningSeen: Set<ReasoningField>;
  /** Sends a Chat Completions body (the model filled in) and reads the answer. */
  send(body: Record<string, unknown>, stopWhen?: (s: StreamSummary) => boolean): Promise<Exchange>;
}

/** Requests the `max_tokens` check may send. */
const MAX_ATTEMPTS = 8;

const STREAM = { stream: true, stream_options: { include_usage: true } };

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Get the current weather in a city.',
    parameters: { type: 'object', properties: { city: { type: 'string', description: 'The city name.' } }, required: ['city'] },
  },
};

/** Tool-call markup a model wrote as text because the backend did not parse it into `tool_calls`. */
const TOOL_MARKUP = /<tool_call>|<\|tool_call|\[TOOL_CALLS\]|<function[=>]|"name"\s*:\s*"get_weather"/i;

/** `streaming` and `stream usage`: a tiny streamed request asking for usage. */
export async function checkStreaming(ctx: ProbeContext): Promise<void> {
  const ex = await ctx.send({ messages: PING, max_tokens: 64, ...STREAM });
  const s = ex.stream;
  if (ex.status !== 200) return void ctx.checks.push(fail('streaming', httpProblem(ex)));
  if (!s) {
    return void ctx.checks.push(
      fail('streaming', `Asked for a stream, the backend answered with one ${ex.contentType || 'untyped'} body: InfiniProxy needs an event stream (text/event-stream).`),
    );
  }
  noteReasoning(ctx, s);
  if (s.error) return void ctx.checks.push(fail('streaming', `The stream carried an error: ${clip(s.error)}`));
  if (s.events === 0) return void ctx.checks.push(fail('streaming', 'The event stream carried no JSON events.'));
  if (!s.done && !s.finishReason) return void ctx.checks.push(fail('streaming', `The stream ended after ${s.events} events without a finish_reason or [DONE].`));
  const facts = `${s.events} events in ${s.reads} read${s.reads === 1 ? '' : 's'}, finish_reason ${s.finishReason ?? 'none'}${s.done ? ', then [DONE]' : ', no [DONE]'}`;
  const notes: string[] = [];
  if (s.badEvents > 0) notes.push(`${s.badEvents} event(s) were not JSON and are skipped`);
  if (s.reads === 1 && s.events > 2) notes.push('everything arrived at once: the backend, or a proxy in between, may buffer streams');
  ctx.checks.push(notes.length ? warn('streaming', `${facts}; ${notes.join('; ')}.`) : pass('streaming', `${facts}.`));
  const u = s.usage;
  ctx.checks.push(
    u
      ? pass('stream usage', `Usage arrives in the stream (${num(u.prompt_tokens)} prompt + ${num(u.completion_tokens)} completion tokens).`)
      : warn(
          'stream usage',
          'No usage in the stream, even with stream_options.include_usage: token counts of streamed requests will be estimated (marked in the request log).',
        ),
  );
}

/** `tool calls`: a streamed request that should call a tool; its arguments must arrive as JSON. */
export async function checkToolCalls(ctx: ProbeContext): Promise<void> {
  const ex = await ctx.send({
    messages: [{ role: 'user', content: 'What is the weather in Paris right now? Use the get_weather tool.' }],
    tools: [WEATHER_TOOL],
    tool_choice: 'auto',
    max_tokens: 1024,
    ...STREAM,
  });
  const s = ex.stream;
  if (ex.status !== 200 || !s) {
    const problem = ex.status !== 200 ? httpProblem(ex) : 'the answer was not an event stream';
    const hint = /tool/i.test(problem) ? ' The backend does not take tools as sent (vLLM needs --enable-auto-tool-choice and a --tool-call-parser).' : '';
    return void ctx.checks.push(fail('tool calls', `${problem}${hint}`));
  }
  noteReasoning(ctx, s);
  if (s.error) return void ctx.checks.push(fail('tool calls', `The stream carried an error: ${clip(s.error)}`));
  const call = s.toolCalls.find(Boolean);
  if (!call) {
    if (TOOL_MARKUP.test(s.content)) {
      return void ctx.checks.push(
        fail(
          'tool calls',
          `The tool call came back as text ("${clip(s.content, 80)}"), not as tool_calls: the backend does not parse the model's tool calls ` +
            '(vLLM/SGLang: --tool-call-parser; Ollama: a model with tool support).',
        ),
      );
    }
    return void ctx.checks.push(
      warn(
        'tool calls',
        `The model answered in text instead of calling the tool (finish_reason ${s.finishReason ?? 'none'}). A model may do that with tool_choice auto; ` +
          'if Claude Code never runs tools, the backend or model lacks tool support.',
      ),
    );
  }
  const shown = `${call.name || '(no name)'}(${clip(call.arguments, 80)})`;
  const facts = `${shown} in ${call.argumentDeltas} argument delta${call.argumentDeltas === 1 ? '' : 's'}, finish_reason ${s.finishReason ?? 'none'}`;
  if (!call.name) return void ctx.checks.push(fail('tool calls', `A tool call without a function name: ${facts}.`));
  if (isJsonObject(call.arguments)) return void ctx.checks.push(pass('tool calls', `${facts}.`));
  const repaired = parseToolArguments(call.arguments);
  ctx.checks.push(
    RAW_ARGUMENTS_KEY in repaired
      ? fail('tool calls', `The arguments are not a JSON object: ${facts}.`)
      : warn('tool calls', `The arguments needed repair (fenced or double-encoded JSON); InfiniProxy reads them: ${facts}.`),
  );
}

/** `reasoning`: which field carries the model's thinking, asked with the configured `reasoning_request`. */
export async function checkReasoning(ctx: ProbeContext, plainWorks: boolean): Promise<void> {
  const style = ctx.settings.reasoning_request;
  const ex = await ctx.send(
    {
      messages: [{ role: 'user', content: 'What is 17 times 23? Think it through briefly, then reply with just the number.' }],
      max_tokens: 1024,
      ...STREAM,
      ...reasoningFields(style, { type: 'enabled', budget_tokens: 1024 }, undefined),
    },
    (s) => s.reasoningFields.length > 0 || s.content.trim().length >= 40,
  );
  const asked = `reasoning_request "${style}"`;
  if (ex.status !== 200) {
    if (style !== 'none' && plainWorks) {
      ctx.suggested.reasoning_request = 'none';
      return void ctx.checks.push(fail('reasoning', `The backend refused the reasoning switch of ${asked} (${httpProblem(ex)}); "none" is suggested.`));
    }
    return void ctx.checks.push(fail('reasoning', httpProblem(ex)));
  }
  if (ex.stream) noteReasoning(ctx, ex.stream);
  const seen = [...ctx.reasoningSeen];
  const content = ex.stream?.content ?? '';
  if (seen.length > 0) {
    const fields = seen.map((f) => `"${f}"`).join(' and ');
    return void ctx.checks.push(pass('reasoning', `Thinking arrives as ${fields} (asked with ${asked}).`));
  }
  if (/<think(ing)?>/i.test(content)) {
    return void ctx.checks.push(
      warn('reasoning', 'Thinking arrives inside the text as <think>…</think>: the backend needs a reasoning parser (vLLM/SGLang: --reasoning-parser).'),
    );
  }
  ctx.checks.push(
    style === 'none'
      ? pass('reasoning', 'No reasoning field (asked without a reasoning switch). If the model can think, choose the switch your backend uses (reasoning_request).')
      : warn('reasoning', `No reasoning came back although asked with ${asked}: the model may not think, or the backend uses another switch.`),
  );
}

/** `max_tokens`: the largest value accepted, from Claude Code's ask down; a smaller one is suggested as the cap. */
export async function checkMaxTokens(ctx: ProbeContext, steps: readonly number[]): Promise<void> {
  const queue = [...steps].sort((a, b) => b - a);
  const first = queue[0] ?? CLAUDE_CODE_MAX_TOKENS;
  const refusals: string[] = [];
  let ceiling = Infinity;
  let attempts = 0;
  for (let n = queue.shift(); n !== undefined && attempts < MAX_ATTEMPTS; n = queue.shift()) {
    if (n >= ceiling) continue;
    attempts++;
    const ex = await ctx.send({ messages: PING, max_tokens: n, ...STREAM }, (s) => s.events > 0);
    const inStream = ex.status === 200 ? ex.stream?.error : undefined;
    if (ex.status === 200 && !inStream) return accepted(ctx, n, first, refusals);
    if (ex.status !== 200 && ![400, 413, 422].includes(ex.status)) {
      return void ctx.checks.push(fail('max_tokens', `Could not tell: max_tokens ${n} got ${httpProblem(ex)}`));
    }
    const message = inStream ?? readBackendError(ex.status, ex.text).message;
    refusals.push(`${n} refused (${clip(message, 120)})`);
    ceiling = n;
    const limit = limitFromMessage(message, n);
    // A named limit goes next, and nothing above it is worth a request.
    if (limit !== null) ceiling = limit + 1;
    if (limit !== null && !queue.includes(limit)) queue.push(limit);
    queue.sort((a, b) => b - a);
  }
  ctx.checks.push(fail('max_tokens', `Every max_tokens tried was refused: ${refusals.join('; ')}.`));
}

function accepted(ctx: ProbeContext, n: number, first: number, refusals: string[]): void {
  const before = refusals.length ? `${refusals.join('; ')}; ` : '';
  if (n >= first) return void ctx.checks.push(pass('max_tokens', `${n} accepted (what Claude Code asks for).`));
  const cap = ctx.settings.max_tokens_cap;
  if (cap !== null && cap <= n) {
    return void ctx.checks.push(pass('max_tokens', `${before}${n} accepted; max_tokens_cap ${cap} keeps requests within it.`));
  }
  ctx.suggested.max_tokens_cap = n;
  ctx.checks.push(fail('max_tokens', `${before}${n} accepted: cap max_tokens at ${n} (max_tokens_cap, suggested).`));
}

const LIMIT_PATTERNS = [
  /at most (\d+)/i,
  /valid range of \w+ is \[\s*\d+\s*,\s*(\d+)\s*\]/i,
  /\[\s*[01]\s*,\s*(\d+)\s*\]/,
  /(?:<=|≤|less than or equal to|no (?:more|greater) than|must not exceed|cannot exceed|up to|maximum of|max(?:imum)? (?:value|allowed)(?: is)?:?)\s*(\d+)/i,
  /max(?:imum)?[_ ](?:output[_ ]|completion[_ ]|new[_ ])?tokens?\b[^\d]{0,30}?\b(?:is|of|=|:)\s*(\d+)/i,
  /maximum context length is (\d+)/i,
  /context (?:length|window|size)[^\d]{0,20}(\d+)/i,
];

/**
 * The limit a backend's refusal of `max_tokens = tried` names, when it names one below `tried`
 * (`supports at most 16384 completion tokens`, `valid range of max_tokens is [1, 8192]`, `maximum context length is
 * 32768`); null otherwise.
 */
export function limitFromMessage(message: string, tried: number): number | null {
  const text = message.replace(/(\d),(?=\d{3}\b)/g, '$1');
  for (const pattern of LIMIT_PATTERNS) {
    const n = Number(pattern.exec(text)?.[1]);
    if (Number.isInteger(n) && n >= 1 && n < tried) return n;
  }
  return null;
}

/** `HTTP 400: <the backend's message>`. */
export function httpProblem(ex: Exchange): string {
  return `HTTP ${ex.status}: ${clip(readBackendError(ex.status, ex.text).message)}`;
}

export function pass(name: string, detail: string): DoctorCheck {
  return { name, ok: true, detail };
}

/** Passed, with a caveat worth reading. */
export function warn(name: string, detail: string): DoctorCheck {
  return { name, ok: true, warning: true, detail };
}

export function fail(name: string, detail: string): DoctorCheck {
  return { name, ok: false, detail };
}

/** One line of at most `max` characters. */
export function clip(text: string, max = 200): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function noteReasoning(ctx: ProbeContext, s: StreamSummary): void {
  for (const f of s.reasoningFields) ctx.reasoningSeen.add(f);
}

function isJsonObject(text: string): boolean {
  try {
    return isRecord(JSON.parse(text));
  } catch {
    return false;
  }
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(v) : '?';
}
