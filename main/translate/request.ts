/**
 * A validated Anthropic Messages request → a Chat Completions request. Pure: no I/O, input untouched.
 *
 * Field by field: `model` is the backend model chosen by `resolveModel`; `max_tokens` is clamped to
 * the route's cap and then the global cap; `temperature` and `top_p` pass through; `top_k` is dropped
 * (OpenAI rejects it); `stop_sequences` → `stop`; `metadata.user_id` → `user`, cut to
 * {@link MAX_USER_LENGTH} characters (bytes, for byte strings: strings.ts) — Claude Code's, a JSON string, is never
 * sent raw (backends that validate `user` reject it) but as a stable pseudonym (`u_` + 32 hex of its SHA-256);
 * `promptCacheKey` → `prompt_cache_key`; `thinking` → the backend's reasoning switch (`reasoning.ts`);
 * tools and tool_choice as in `tools.ts`; conversation as in `request-messages.ts`. Streaming requests
 * always ask for usage (`stream_options.include_usage`). Anthropic-only fields are not sent.
 */
import { createHash } from 'node:crypto';
import type { ReasoningRequestStyle, Settings } from '../../shared/types';
import type { CountTokensRequest } from './anthropic-schema';
import type { ChatCompletionRequest } from './chat-types';
import type { ResolvedModel } from './model-map';
import { reasoningFields } from './reasoning';
import { type InlineSystemMode, toChatMessages } from './request-messages';
import type { StringForm } from './strings';
import { toChatToolChoice, toChatTools } from './tools';

/** Longest `user` sent to a backend (Claude Code's `metadata.user_id` is a ~150-character JSON string). */
export const MAX_USER_LENGTH = 64;

export interface ChatRequestOptions {
  /** The backend model (from `resolveModel`), as text: it is written in the request's string form. */
  model: string;
  /** The route's output cap (`ResolvedModel.maxTokens`). */
  routeMaxTokens?: number;
  /** The global output cap (`Settings.max_tokens_cap`); null = none. */
  maxTokensCap?: number | null;
  /** Which field carries the output limit; OpenAI's reasoning models accept only `max_completion_tokens`. Default `max_tokens`. */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Default `keep`. */
  inlineSystem?: InlineSystemMode;
  /** Default `none`. */
  reasoningRequest?: ReasoningRequestStyle;
  reasoningSendBack?: boolean;
  /** JSON-Schema keywords removed from tool schemas. */
  stripSchemaKeys?: readonly string[];
  /** How the request's strings are held (strings.ts); the backend request's strings are in the same form. */
  strings: StringForm;
  /** Sent as `prompt_cache_key` (the client's session id, where the provider allows it). */
  promptCacheKey?: string;
}

/** The options for one request in string form `strings` from the settings and the resolved model. */
export function chatRequestOptions(
  settings: Pick<Settings, 'max_tokens_cap' | 'max_tokens_field' | 'reasoning_request' | 'reasoning_send_back' | 'strip_schema_keys'>,
  resolved: ResolvedModel,
  strings: StringForm,
): ChatRequestOptions {
  return {
    model: resolved.model,
    strings,
    ...(resolved.maxTokens !== undefined ? { routeMaxTokens: resolved.maxTokens } : {}),
    maxTokensCap: settings.max_tokens_cap,
    maxTokensField: settings.max_tokens_field,
    reasoningRequest: settings.reasoning_request,
    reasoningSendBack: settings.reasoning_send_back,
    stripSchemaKeys: settings.strip_schema_keys,
  };
}

/** `metadata.user_id` as sent: a JSON value (Claude Code's) as a pseudonym, anything else cut to the length backends accept. */
function userField(user: string, strings: StringForm): string {
  if (!/^[\t\n\r ]*[{[]/.test(user)) return strings.cut(user, MAX_USER_LENGTH);
  const digest = createHash('sha256').update(user, strings.name === 'bytes' ? 'latin1' : 'utf8').digest('hex');
  return `u_${digest.slice(0, 32)}`;
}

/** `requested` clamped to every cap that is set (and to at least 1). */
export function clampMaxTokens(requested: number, ...caps: Array<number | null | undefined>): number {
  let value = requested;
  for (const cap of caps) if (typeof cap === 'number' && cap > 0 && cap < value) value = cap;
  return Math.max(1, Math.floor(value));
}

/**
 * Translates a request. Accepts a count_tokens body too (no `max_tokens`: then none is sent), which
 * lets a caller inspect what a request would become.
 */
export function toChatRequest(req: CountTokensRequest, opts: ChatRequestOptions): ChatCompletionRequest {
  const stream = req.stream === true;
  const out: ChatCompletionRequest = {
    model: opts.strings.fromText(opts.model),
    messages: toChatMessages(req.system, req.messages, {
      inlineSystem: opts.inlineSystem ?? 'keep',
      reasoningSendBack: opts.reasoningSendBack ?? false,
      strings: opts.strings.name,
    }),
    stream,
  };
  if (req.max_tokens !== undefined) {
    out[opts.maxTokensField ?? 'max_tokens'] = clampMaxTokens(req.max_tokens, opts.routeMaxTokens, opts.maxTokensCap);
  }
  if (stream) out.stream_options = { include_usage: true };
  if (req.temperature !== undefined) out.temperature = req.temperature;
  if (req.top_p !== undefined) out.top_p = req.top_p;
  if (req.stop_sequences?.length) out.stop = [...req.stop_sequences];
  const user = req.metadata?.user_id;
  if (typeof user === 'string' && user !== '') out.user = userField(user, opts.strings);
  if (opts.promptCacheKey) out.prompt_cache_key = opts.strings.fromText(opts.promptCacheKey);

  if (req.tools?.length) {
    out.tools = toChatTools(req.tools, opts.stripSchemaKeys ?? []);
    if (req.tool_choice) Object.assign(out, toChatToolChoice(req.tool_choice));
  }
  Object.assign(out, reasoningFields(opts.reasoningRequest ?? 'none', req.thinking, req.output_config?.effort));
  return out;
}
