/**
 * Chat Completions usage → Anthropic usage.
 *
 * `input_tokens` = prompt_tokens − cached tokens, `cache_read_input_tokens` = cached tokens (OpenAI's
 * `prompt_tokens_details.cached_tokens`, DeepSeek's `prompt_cache_hit_tokens` or Moonshot's
 * `cached_tokens`), `cache_creation_input_tokens` = 0, `output_tokens` = completion_tokens, plus
 * `completion_tokens_details.reasoning_tokens` when the backend counts them apart ({@link reasoningCountedApart}:
 * xAI reports 26 completion and 227 reasoning tokens for one answer and bills both; OpenAI's completion_tokens
 * already include them).
 *
 * {@link readUsage} is the one reader of a backend's usage: the translated routes and the pass-through's usage tap
 * (proxy/usage-tap.ts, through {@link usageCounts}) both read it.
 */
import { isRecord } from '../../shared/json';
import type { TranslatedUsage } from './anthropic-types';
import type { ChatUsage } from './chat-types';

/** The counts a backend reported; a field is undefined when the backend did not report it. */
export interface ReportedUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadTokens: number;
}

const count = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** Reads a backend's usage object; undefined when it carries no token counts. */
export function readUsage(usage: ChatUsage | null | undefined): ReportedUsage | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const prompt = count(usage.prompt_tokens);
  const completion = count(usage.completion_tokens);
  if (prompt === undefined && completion === undefined) return undefined;
  const cached =
    count(usage.prompt_tokens_details?.cached_tokens) ?? count(usage.prompt_cache_hit_tokens) ?? count(usage.cached_tokens) ?? 0;
  const cacheRead = prompt === undefined ? cached : Math.min(cached, prompt);
  const reasoning = count(usage.completion_tokens_details?.reasoning_tokens) ?? 0;
  const output = completion !== undefined && reasoningCountedApart(usage, reasoning) ? completion + reasoning : completion;
  return {
    ...(prompt !== undefined ? { inputTokens: prompt - cacheRead } : {}),
    ...(output !== undefined ? { outputTokens: output } : {}),
    cacheReadTokens: cacheRead,
  };
}

/**
 * True when a backend's `completion_tokens` leave out its `reasoning_tokens` (xAI), seen from the numbers alone:
 * `total_tokens` = prompt + completion + reasoning, or (without a total that settles it) more reasoning than
 * completion tokens, impossible when the reasoning is part of the completion. Otherwise (OpenAI: total = prompt +
 * completion) they are included.
 */
export function reasoningCountedApart(usage: ChatUsage, reasoning: number): boolean {
  if (reasoning <= 0) return false;
  const prompt = count(usage.prompt_tokens) ?? 0;
  const completion = count(usage.completion_tokens) ?? 0;
  const total = count(usage.total_tokens);
  if (total !== undefined && total !== prompt + completion) return total === prompt + completion + reasoning;
  return reasoning > completion;
}

/** Final usage: reported counts where known, the estimates elsewhere (then `estimated` is true). */
export function finalUsage(
  reported: ReportedUsage | undefined,
  estimatedInput: number,
  estimatedOutput: number,
): TranslatedUsage {
  const input = reported?.inputTokens;
  const output = reported?.outputTokens;
  return {
    input_tokens: input ?? estimatedInput,
    output_tokens: output ?? estimatedOutput,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: reported?.cacheReadTokens ?? 0,
    estimated: input === undefined || output === undefined,
  };
}

/** A backend's counts as the request log records them: the whole prompt (cached part included), output, cached part. */
export interface UsageCounts {
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
}

/** The counts of a backend's `usage` member (any JSON value); null when it carries no token counts. */
export function usageCounts(usage: unknown): UsageCounts | null {
  const reported = isRecord(usage) ? readUsage(usage as ChatUsage) : undefined;
  if (!reported) return null;
  return {
    prompt_tokens: (reported.inputTokens ?? 0) + reported.cacheReadTokens,
    completion_tokens: reported.outputTokens ?? 0,
    cached_tokens: reported.cacheReadTokens,
  };
}
