/**
 * Anthropic `thinking` (+ `output_config.effort`) → the reasoning switch of the backend, chosen by
 * the `ReasoningRequestStyle` setting.
 *
 * Effort comes from `output_config.effort` when present (low/medium/high; `max` → high), else from
 * `thinking.budget_tokens` (< 6000 → low, < 20000 → medium, else high: Claude Code's "think",
 * "think hard" and "ultrathink" budgets land on low, medium and high), else medium.
 * A missing `thinking` means no thinking, as in the Anthropic API, and is sent like `disabled`.
 * `disabled` uses the backend's "off" form where one exists; `reasoning_effort` has none that all
 * OpenAI models accept, so it sends nothing.
 */
import type { ReasoningRequestStyle } from '../../shared/types';
import type { AnthropicThinkingConfig } from './anthropic-schema';
import type { ChatCompletionRequest } from './chat-types';

export type ReasoningEffort = 'low' | 'medium' | 'high';

type ReasoningFields = Pick<
  ChatCompletionRequest,
  'reasoning_effort' | 'thinking' | 'enable_thinking' | 'thinking_budget' | 'chat_template_kwargs' | 'reasoning'
>;

/** The effort implied by an `output_config.effort` value or a thinking budget. */
export function reasoningEffort(thinking: AnthropicThinkingConfig | undefined, effort: string | undefined): ReasoningEffort {
  switch (effort?.toLowerCase()) {
    case 'low':
    case 'minimal':
      return 'low';
    case 'medium':
      return 'medium';
    case 'high':
    case 'max':
    case 'xhigh':
      return 'high';
  }
  if (thinking?.type === 'enabled') {
    if (thinking.budget_tokens < 6000) return 'low';
    if (thinking.budget_tokens < 20000) return 'medium';
    return 'high';
  }
  return 'medium';
}

/** The request fields that switch reasoning on or off at the backend. */
export function reasoningFields(
  style: ReasoningRequestStyle,
  thinking: AnthropicThinkingConfig | undefined,
  effort: string | undefined,
): ReasoningFields {
  const on = thinking?.type === 'enabled' || thinking?.type === 'adaptive';
  const level = reasoningEffort(thinking, effort);
  const budget = thinking?.type === 'enabled' && thinking.budget_tokens > 0 ? thinking.budget_tokens : undefined;
  switch (style) {
    case 'none':
      return {};
    case 'reasoning_effort':
      return on ? { reasoning_effort: level } : {};
    case 'thinking':
      return { thinking: { type: on ? 'enabled' : 'disabled' } };
    case 'enable_thinking':
      return on ? { enable_thinking: true, ...(budget ? { thinking_budget: budget } : {}) } : { enable_thinking: false };
    case 'chat_template_kwargs':
      return { chat_template_kwargs: { enable_thinking: on } };
    case 'openrouter':
      return { reasoning: on ? { effort: level } : { enabled: false } };
  }
}
