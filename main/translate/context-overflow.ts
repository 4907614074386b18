/**
 * Recognises a backend's "context window exceeded" error and rewords it the way Anthropic words it,
 * because Claude Code recovers from Anthropic's two phrasings by itself:
 *
 * - `input length and \`max_tokens\` exceed context limit: N + M > L` → it retries with a smaller
 *   `max_tokens`;
 * - `prompt is too long: N tokens > L maximum` → it compacts the conversation. (Anthropic's API
 *   writes it in lower case; Claude Code matches it without regard to case.)
 *
 * Phrasings recognised (collected from public issue trackers): OpenAI and old vLLM ("This model's
 * maximum context length is L tokens. However, you requested T tokens (N in the messages, M in the
 * completion)", "…your messages resulted in N tokens", code `context_length_exceeded`), newer vLLM
 * ("…your request has N input tokens", "'max_tokens' … is too large: M … maximum context length is
 * L tokens and your request has N input tokens"), SGLang ("The input (N tokens) is longer than the
 * model's context length (L tokens)"), llama.cpp (`exceed_context_size_error` with `n_prompt_tokens`
 * and `n_ctx`), llama-cpp-python, DeepSeek (OpenAI wording), GLM (code 1261 "Prompt exceeds max
 * length", "Request N input tokens exceeds the model's maximum context length L"), Kimi ("Your request
 * exceeded model token limit: L"), Qwen/DashScope ("Range of input length should be [1, L]"),
 * OpenRouter ("(N of text input, K of tool input, M in the output)"), LM Studio.
 */

/** What a backend's error said about the overflow; any number may be missing. */
export interface OverflowFacts {
  limit?: number;
  input?: number;
  completion?: number;
  total?: number;
  /** The phrasing is about the input alone (max_tokens plays no part). */
  inputOnly?: boolean;
}

const DETECT: readonly RegExp[] = [
  /maximum context length/i,
  /context[_ ]length[_ ]exceeded/i,
  /exceed_context_size_error/i,
  /exceeds? the available context size/i,
  /longer than the model'?s context length/i,
  /prompt is too long/i,
  /prompt exceeds max(imum)? length/i,
  /exceeded model token limit/i,
  /model max length exceeded/i,
  /range of input length should be/i,
  /input prompt \(\d+ tokens\) is too long/i,
  /exceeds? (the )?context window/i,
  /context size has been exceeded/i,
  /input tokens exceed the configured limit/i,
  /input length and `?max_tokens`? exceed context limit/i,
];

/** Phrasings that blame the input alone. */
const INPUT_ONLY: readonly RegExp[] = [
  /prompt is too long/i,
  /prompt exceeds max(imum)? length/i,
  /range of input length should be/i,
  /input prompt \(\d+ tokens\) is too long/i,
  /longer than the model'?s context length/i,
  /messages resulted in \d+ tokens/i,
  /input tokens exceed the configured limit/i,
];

const LIMIT: readonly RegExp[] = [
  /maximum context length is (\d+)/i,
  /maximum context length (?:of )?(\d+)/i,
  /context length \((\d+) tokens?\)/i,
  /model token limit:?\s*(\d+)/i,
  /max length:\s*(\d+)/i,
  /input length should be \[\d+,\s*(\d+)\]/i,
  /"n_ctx"\s*:\s*(\d+)/,
  /context window of (\d+)/i,
  /exceeds limit of (\d+)/i,
  /configured limit of (\d+)/i,
  /(\d+) maximum/i,
  /context limit: \d+ \+ \d+ > (\d+)/i,
];

const INPUT: readonly RegExp[] = [
  /(\d+) in the messages/i,
  /messages resulted in (\d+) tokens/i,
  /request has (\d+) input tokens/i,
  /request (\d+) input tokens/i,
  /the input \((\d+) tokens?\)/i,
  /input prompt \((\d+) tokens?\)/i,
  /"n_prompt_tokens"\s*:\s*(\d+)/,
  /prompt is too long:\s*(\d+) tokens/i,
  /context limit: (\d+) \+/i,
];

const COMPLETION: readonly RegExp[] = [
  /(\d+) in the completion/i,
  /(\d+) in the output/i,
  /plus (\d+) '?max_tokens/i,
  /max_completion_tokens'? is too large: (\d+)/i,
  /context limit: \d+ \+ (\d+)/i,
];

const TOTAL: readonly RegExp[] = [/you requested (?:about )?(\d+) tokens/i];

function first(text: string, patterns: readonly RegExp[]): number | undefined {
  for (const re of patterns) {
    const m = re.exec(text);
    if (m?.[1] !== undefined) return Number(m[1]);
  }
  return undefined;
}

/** OpenRouter splits input by kind: "(4502 of text input, 3476 of tool input, 1000000 in the output)". */
function splitInput(text: string): number | undefined {
  const group = /\(((?:\d+ of \w+ input,?\s*)+)/i.exec(text)?.[1];
  if (group === undefined) return undefined;
  return [...group.matchAll(/(\d+) of \w+ input/gi)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/**
 * The facts of a context overflow in a backend error text (message, code and raw body together), or
 * undefined when the text is not about a context overflow.
 */
export function detectContextOverflow(text: string, code?: string | number | null): OverflowFacts | undefined {
  const glmTooLong = String(code ?? '') === '1261';
  if (!glmTooLong && !DETECT.some((re) => re.test(text))) return undefined;
  const facts: OverflowFacts = {};
  const limit = first(text, LIMIT);
  const input = first(text, INPUT) ?? splitInput(text);
  const completion = first(text, COMPLETION);
  const total = first(text, TOTAL);
  if (limit !== undefined) facts.limit = limit;
  if (input !== undefined) facts.input = input;
  if (completion !== undefined) facts.completion = completion;
  if (total !== undefined) facts.total = total;
  if (glmTooLong || INPUT_ONLY.some((re) => re.test(text))) facts.inputOnly = true;
  return facts;
}

/** What the caller knows about the request: its estimated input tokens and the max_tokens it sent. */
export interface RequestSize {
  inputTokens?: number;
  maxTokens?: number;
}

/**
 * Anthropic's wording of an overflow: `input length and \`max_tokens\` exceed context limit: N + M > L`
 * when the input alone fits, `prompt is too long: N tokens > L maximum` when it does not (or when the
 * backend's phrasing is about the input alone). Numbers the backend did not give come from `known`;
 * an estimated input that contradicts an input-only overflow is raised to L + 1 (the least it can
 * be). When the limit is unknown the message keeps Anthropic's prefix and quotes the backend.
 */
export function overflowMessage(facts: OverflowFacts, known: RequestSize, backendMessage: string): string {
  const { limit, total } = facts;
  let { input, completion } = facts;
  if (input === undefined && total !== undefined && completion !== undefined) input = total - completion;
  if (completion === undefined && total !== undefined && input !== undefined) completion = total - input;
  completion ??= known.maxTokens;
  if (limit !== undefined) {
    if (input === undefined && facts.inputOnly) input = Math.max(known.inputTokens ?? 0, limit + 1);
    input ??= known.inputTokens;
    if (input !== undefined && (input >= limit || facts.inputOnly)) {
      return `prompt is too long: ${input} tokens > ${limit} maximum`;
    }
    if (input !== undefined && completion !== undefined) {
      return `input length and \`max_tokens\` exceed context limit: ${input} + ${completion} > ${limit}`;
    }
  }
  return `prompt is too long: the backend's context window was exceeded (${backendMessage})`;
}
