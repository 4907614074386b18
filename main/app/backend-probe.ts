/**
 * The backend probe behind `cli doctor` and "Test connection": small real requests sent the way the proxy sends
 * them (same client, same settings), each judged on its own, then settings to suggest.
 *
 * Checks, in order: `reachable` and `backend key` (GET /models; a refused key or no answer ends the probe there),
 * `models`, `default model`, then with that model `completion` (not streamed; `max_tokens field` when the backend
 * wants the other output-limit field), `streaming` and `stream usage`,
 * `tool calls` (streamed), `reasoning` (asked with the configured `reasoning_request`) and `max_tokens` (the
 * largest accepted, from Claude Code's 64000 down). A failing check does not stop the others. Each request is
 * bounded by `checkTimeoutMs` and not retried. `suggested` holds only values that differ from the settings now in
 * force. The backend key never appears in a detail, even when the backend echoes it.
 */
import type { DoctorCheck, DoctorReport, Settings, SettingsPatch } from '../../shared/types';
import { readBackendError } from '../translate/errors';
import type { UpstreamClient } from '../upstream/client';
import { exchange } from './probe-exchange';
import type { Exchange, ReasoningField } from './probe-exchange';
import {
  checkMaxTokens,
  checkReasoning,
  checkStreaming,
  checkToolCalls,
  clip,
  fail,
  httpProblem,
  MAX_TOKENS_STEPS,
  pass,
  PING,
  warn,
} from './probe-checks';
import type { ProbeContext } from './probe-checks';
import { isRecord } from '../../shared/json';
import { checkForcedToolChoice, checkWebSearch } from './probe-tools';

export interface ProbeOptions {
  /** Longest wait for one request, headers and body (default 20 s; never longer than the TIMEOUT setting). */
  checkTimeoutMs?: number;
  /** `max_tokens` values to try, largest first (default {@link MAX_TOKENS_STEPS}). */
  maxTokensSteps?: readonly number[];
}

/** The backend client calls the probe makes. */
export type ProbeUpstream = Pick<UpstreamClient, 'getModels' | 'postChat'>;

const DEFAULT_CHECK_TIMEOUT_MS = 20_000;

/** The non-streamed request of the `completion` check. */
const TINY = { messages: PING, max_tokens: 64, stream: false };

export { CLAUDE_CODE_MAX_TOKENS, MAX_TOKENS_STEPS, limitFromMessage } from './probe-checks';

/** Probes the backend the settings point at. Never throws for a backend's failure: each one is a failed check. */
export async function probeBackend(settings: Settings, upstream: ProbeUpstream, opts: ProbeOptions = {}): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const suggested: SettingsPatch = {};
  let models: string[] = [];
  const done = (): DoctorReport => ({
    backend_url: settings.backend_url,
    ok: checks.every((c) => c.ok),
    models,
    checks: checks.map((c) => ({ ...c, detail: redact(c.detail, settings.backend_api_key) })),
    suggested: differing(suggested, settings),
  });
  if (!settings.backend_url) {
    checks.push(fail('configured', 'No backend URL: set OPENAI_BASE_URL or fill in the Settings tab.'));
    return done();
  }
  const timeoutMs = Math.min(opts.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS, settings.timeout_s * 1000);
  const ctx: ProbeContext = {
    settings: { ...settings, retries: 0, timeout_s: timeoutMs / 1000 },
    model: settings.default_model,
    checks,
    suggested,
    reasoningSeen: new Set<ReasoningField>(),
    send: (body, stopWhen) => exchange(upstream, ctx.settings, chatBody(ctx, body), { timeoutMs, stopWhen }),
  };

  const listing = await checkModels(ctx, upstream, timeoutMs);
  if (!listing) return done();
  models = listing.models;
  const modelCheck = chooseModel(ctx, listing);
  if (!modelCheck) return done();

  const plainWorks = await run(ctx, 'completion', () => checkCompletion(ctx, listing, modelCheck));
  await run(ctx, 'streaming', () => checkStreaming(ctx));
  await run(ctx, 'tool calls', () => checkToolCalls(ctx));
  await run(ctx, 'forced tool_choice', () => checkForcedToolChoice(ctx));
  await run(ctx, 'reasoning', () => checkReasoning(ctx, plainWorks === true));
  await run(ctx, 'max_tokens', () => checkMaxTokens(ctx, opts.maxTokensSteps ?? MAX_TOKENS_STEPS));
  await run(ctx, 'web search', () => checkWebSearch(ctx));
  return done();
}

interface Listing {
  /** Model ids listed; null when the backend has no usable model list. */
  ids: string[] | null;
  models: string[];
  status: number;
}

/** `reachable`, `backend key` and `models`; null when the probe cannot go on (no answer, key refused). */
async function checkModels(ctx: ProbeContext, upstream: ProbeUpstream, timeoutMs: number): Promise<Listing | null> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let res;
  try {
    res = await upstream.getModels(ctx.settings, { signal });
  } catch (err) {
    const why = signal.aborted ? `GET …/models got no answer within ${timeoutMs / 1000} s.` : errorText(err);
    ctx.checks.push(fail('reachable', `${why} Is the backend running, and is the URL (OPENAI_BASE_URL) right?`));
    return null;
  }
  ctx.checks.push(pass('reachable', `GET …/models answered HTTP ${res.status} in ${ms(started)}.`));
  if (res.status === 401 || res.status === 403) {
    const said = readBackendError(res.status, res.text).message;
    const hint = ctx.settings.backend_api_key
      ? 'check OPENAI_API_KEY (or the backend key in Settings).'
      : 'no backend key is set: set OPENAI_API_KEY (or the backend key in Settings).';
    ctx.checks.push(fail('backend key', `Backend key rejected (HTTP ${res.status}: ${clip(said)}): ${hint}`));
    return null;
  }
  ctx.checks.push(pass('backend key', ctx.settings.backend_api_key ? 'Accepted.' : 'None set, and the backend asked for none.'));
  const data = isRecord(res.json) && Array.isArray(res.json.data) ? res.json.data : null;
  if (res.status !== 200 || !data) {
    ctx.checks.push(warn('models', `No OpenAI model list (HTTP ${res.status}), so model names cannot be checked.`));
    return { ids: null, models: [], status: res.status };
  }
  const ids = data.flatMap((m) => (isRecord(m) && typeof m.id === 'string' ? [m.id] : []));
  ctx.checks.push(pass('models', `${ids.length} model${ids.length === 1 ? '' : 's'} listed.`));
  return { ids, models: ids, status: res.status };
}

/** `default model`: picks the model the chat checks use; null when there is none to use. */
function chooseModel(ctx: ProbeContext, listing: Listing): DoctorCheck | null {
  const first = listing.ids?.[0];
  if (!ctx.model) {
    if (!first) {
      ctx.checks.push(fail('default model', 'No default model: set OPENAI_MODEL or choose one in Settings.'));
      return null;
    }
    ctx.model = first;
    ctx.suggested.default_model = first;
    const check = fail('default model', `No default model (OPENAI_MODEL): probing with "${first}", the first one listed.`);
    ctx.checks.push(check);
    return check;
  }
  const listed = !listing.ids || listing.ids.length === 0 || listing.ids.includes(ctx.model);
  const check = listed ? pass('default model', `"${ctx.model}"`) : warn('default model', `The backend does not list "${ctx.model}".`);
  ctx.checks.push(check);
  return check;
}

/** `completion`: a tiny non-streamed request. Resolves true when it worked. */
async function checkCompletion(ctx: ProbeContext, listing: Listing, modelCheck: DoctorCheck): Promise<boolean> {
  const first = await ctx.send(TINY);
  const ex = (await otherLimitField(ctx, first)) ?? first;
  const message = ex.status === 200 ? firstMessage(ex.json) : null;
  if (!message) {
    const problem = ex.status === 200 ? `HTTP 200 but not a Chat Completions answer: ${clip(ex.text, 120)}` : httpProblem(ex);
    const hints: string[] = [];
    if (ex.status === 404 && listing.status === 404) hints.push('check the URL: OpenAI-compatible APIs usually end in /v1.');
    if (modelCheck.warning && listing.ids?.[0] && (ex.status === 400 || ex.status === 404)) {
      Object.assign(modelCheck, fail('default model', `The backend does not list "${ctx.model}", and a request with it failed.`));
      ctx.suggested.default_model = listing.ids[0];
      hints.push(`try "${listing.ids[0]}" (suggested).`);
    }
    ctx.checks.push(fail('completion', [problem, ...hints].join('; ')));
    return false;
  }
  if (modelCheck.warning) modelCheck.detail = `The backend does not list "${ctx.model}", but it answers to it.`;
  for (const field of ['reasoning_content', 'reasoning'] as const) {
    if (typeof message[field] === 'string' && message[field] !== '') ctx.reasoningSeen.add(field);
  }
  const text = typeof message.content === 'string' ? message.content.trim() : '';
  const facts = `HTTP 200 in ${Math.round(ex.ms)} ms: ${text ? `"${clip(text, 40)}"` : 'no text'}`;
  ctx.checks.push(
    isRecord(ex.json) && isRecord(ex.json.usage) ? pass('completion', `${facts}.`) : warn('completion', `${facts}; no usage in the answer: it will be estimated.`),
  );
  return true;
}

/**
 * After a 400 that names `max_completion_tokens` (OpenAI's reasoning models refuse `max_tokens` and say so; other
 * backends may not know the new name), the same request once with the other field; when that works, the probe
 * goes on with it and suggests it (`max_tokens field` check). Null when there is nothing to switch.
 */
async function otherLimitField(ctx: ProbeContext, refused: Exchange): Promise<Exchange | null> {
  const said = readBackendError(refused.status, refused.text).message;
  if (refused.status !== 400 || !said.includes('max_completion_tokens')) return null;
  const current = ctx.settings.max_tokens_field;
  const other = current === 'max_tokens' ? 'max_completion_tokens' : 'max_tokens';
  ctx.settings.max_tokens_field = other;
  const ex = await ctx.send(TINY);
  if (ex.status !== 200) {
    ctx.settings.max_tokens_field = current;
    return null;
  }
  ctx.suggested.max_tokens_field = other;
  ctx.checks.push(fail('max_tokens field', `The backend refused "${current}" (${clip(said, 120)}) and accepts "${other}" (suggested).`));
  return ex;
}

/** A probe body: the model filled in, the output limit in the field the settings choose (as the proxy sends it). */
function chatBody(ctx: ProbeContext, body: Record<string, unknown>): Record<string, unknown> {
  const { max_tokens, ...rest } = body;
  return { model: ctx.model, ...rest, ...(max_tokens === undefined ? {} : { [ctx.settings.max_tokens_field]: max_tokens }) };
}

/** Runs a check; a thrown error (no answer, timeout) becomes that check failing. */
async function run<T>(ctx: ProbeContext, name: string, fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    ctx.checks.push(fail(name, errorText(err)));
    return undefined;
  }
}

/** The patch without values already in force. */
function differing(patch: SettingsPatch, settings: Settings): SettingsPatch {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(patch)) {
    if (JSON.stringify(v) !== JSON.stringify(settings[k as keyof Settings])) out[k] = v;
  }
  return out as SettingsPatch;
}

/** Replaces the backend key wherever it appears (a backend may echo it in an error). */
function redact(text: string, key: string): string {
  return key.length >= 4 ? text.split(key).join('[backend key]') : text;
}

function errorText(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return /[.!?]$/.test(message) ? message : `${message}.`;
}

function firstMessage(json: unknown): Record<string, unknown> | null {
  const choice = isRecord(json) && Array.isArray(json.choices) ? json.choices[0] : undefined;
  return isRecord(choice) && isRecord(choice.message) ? choice.message : null;
}

function ms(started: number): string {
  return `${Math.round(performance.now() - started)} ms`;
}
