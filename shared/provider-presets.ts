/**
 * Built-in provider templates: kind, base URL, the quirk settings the backend needs and its usual model names.
 * Picked in Settings ("Add provider") and by `cli providers add --preset <id> --key …`; the provider made from one
 * is an ordinary provider afterwards (every field editable).
 *
 * In shared/ because the renderer's "Add provider" offers them too; pure data and functions.
 *
 * Base URLs are the vendors' documented ones (checked December 2026). Backends with both dialects have two presets:
 * `<vendor>` (Chat Completions, translated) and `<vendor>-anthropic` (their Messages endpoint, forwarded as is).
 */
import type { ProviderConfig, ProviderInput, ProviderPreset, ProviderView } from './types';

const CONTEXT_200K = { context_window: 200_000 };

export const PRESETS: readonly ProviderPreset[] = [
  {
    id: 'deepseek',
    label: 'DeepSeek',
    kind: 'openai',
    base_url: 'https://api.deepseek.com/v1',
    needs_key: true,
    model_names: ['deepseek-v4-pro', 'deepseek-v4-flash', 'deepseek-chat', 'deepseek-reasoner'],
    // Thinking mode with tools answers 400 "Missing reasoning_content" unless earlier reasoning goes back.
    config: { reasoning_request: 'thinking', reasoning_send_back: true, strip_schema_keys: ['$schema'] },
    note: 'Keys at platform.deepseek.com.',
  },
  {
    id: 'deepseek-anthropic',
    label: 'DeepSeek (Anthropic API)',
    kind: 'anthropic',
    base_url: 'https://api.deepseek.com/anthropic',
    needs_key: true,
    model_names: ['deepseek-v4-pro', 'deepseek-v4-flash'],
    config: {},
  },
  {
    id: 'glm',
    label: 'Z.ai / GLM',
    kind: 'openai',
    base_url: 'https://api.z.ai/api/paas/v4',
    needs_key: true,
    model_names: ['glm-5', 'glm-4.7', 'glm-4.6', 'glm-4.5-air'],
    config: {
      reasoning_request: 'thinking',
      strip_schema_keys: ['$schema'],
      models: { 'glm-4.6': { context_window: 200_000, max_tokens: 128_000 }, 'glm-4.5-air': { context_window: 128_000, max_tokens: 96_000 } },
    },
    note: 'Coding Plan: https://api.z.ai/api/coding/paas/v4; mainland China: https://open.bigmodel.cn/api/paas/v4.',
  },
  {
    id: 'glm-anthropic',
    label: 'Z.ai / GLM (Anthropic API)',
    kind: 'anthropic',
    base_url: 'https://api.z.ai/api/anthropic',
    needs_key: true,
    model_names: ['glm-5', 'glm-4.7', 'glm-4.6', 'glm-4.5-air'],
    config: { models: { 'glm-4.6': { context_window: 200_000, max_tokens: 128_000 } } },
  },
  {
    id: 'kimi',
    label: 'Moonshot / Kimi',
    kind: 'openai',
    base_url: 'https://api.moonshot.ai/v1',
    needs_key: true,
    model_names: ['kimi-k2.5', 'kimi-k2-thinking', 'kimi-k2-0905-preview', 'kimi-k2-turbo-preview'],
    config: { strip_schema_keys: ['$schema'], models: { 'kimi-k2-0905-preview': { context_window: 256_000 }, 'kimi-k2.5': { context_window: 256_000 } } },
    note: 'Mainland China: https://api.moonshot.cn/v1.',
  },
  {
    id: 'kimi-anthropic',
    label: 'Moonshot / Kimi (Anthropic API)',
    kind: 'anthropic',
    base_url: 'https://api.moonshot.ai/anthropic',
    needs_key: true,
    model_names: ['kimi-k2.5', 'kimi-k2-thinking', 'kimi-k2-0905-preview'],
    config: {},
  },
  {
    id: 'qwen',
    label: 'Qwen (DashScope)',
    kind: 'openai',
    base_url: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    needs_key: true,
    model_names: ['qwen3-coder-plus', 'qwen3-max', 'qwen-plus', 'qwen-flash'],
    config: {
      reasoning_request: 'enable_thinking',
      strip_schema_keys: ['$schema'],
      models: { 'qwen3-coder-plus': { context_window: 1_000_000, max_tokens: 65_536 } },
    },
    note: 'Mainland China: https://dashscope.aliyuncs.com/compatible-mode/v1.',
  },
  {
    id: 'minimax',
    label: 'MiniMax',
    kind: 'openai',
    base_url: 'https://api.minimax.io/v1',
    needs_key: true,
    model_names: ['MiniMax-M3', 'MiniMax-M2.7', 'MiniMax-M2.7-highspeed', 'MiniMax-M2'],
    config: { strip_schema_keys: ['$schema'], models: { 'MiniMax-M2.7': { context_window: 204_800 }, 'MiniMax-M2': { context_window: 204_800 } } },
    note: 'Mainland China: https://api.minimaxi.com/v1.',
  },
  {
    id: 'minimax-anthropic',
    label: 'MiniMax (Anthropic API)',
    kind: 'anthropic',
    base_url: 'https://api.minimax.io/anthropic',
    needs_key: true,
    model_names: ['MiniMax-M3', 'MiniMax-M2.7', 'MiniMax-M2.7-highspeed'],
    config: { models: { 'MiniMax-M2.7': { context_window: 204_800 } } },
  },
  {
    id: 'openrouter',
    label: 'OpenRouter',
    kind: 'openai',
    base_url: 'https://openrouter.ai/api/v1',
    needs_key: true,
    model_names: ['anthropic/claude-sonnet-4.5', 'z-ai/glm-4.6', 'deepseek/deepseek-chat-v3.1', 'qwen/qwen3-coder', 'moonshotai/kimi-k2'],
    config: { reasoning_request: 'openrouter', strip_schema_keys: ['$schema'] },
  },
  {
    id: 'siliconflow',
    label: 'SiliconFlow',
    kind: 'openai',
    base_url: 'https://api.siliconflow.com/v1',
    needs_key: true,
    model_names: ['deepseek-ai/DeepSeek-V3.1', 'zai-org/GLM-4.6', 'moonshotai/Kimi-K2-Instruct-0905', 'Qwen/Qwen3-Coder-480B-A35B-Instruct'],
    config: { reasoning_request: 'enable_thinking', strip_schema_keys: ['$schema'] },
    note: 'Mainland China: https://api.siliconflow.cn/v1.',
  },
  {
    id: 'groq',
    label: 'Groq',
    kind: 'openai',
    base_url: 'https://api.groq.com/openai/v1',
    needs_key: true,
    model_names: ['openai/gpt-oss-120b', 'moonshotai/kimi-k2-instruct-0905', 'llama-3.3-70b-versatile', 'qwen/qwen3-32b'],
    config: {
      reasoning_request: 'reasoning_effort',
      strip_schema_keys: ['$schema'],
      models: {
        'openai/gpt-oss-120b': { context_window: 131_072, max_tokens: 65_536 },
        'moonshotai/kimi-k2-instruct-0905': { context_window: 262_144, max_tokens: 16_384 },
        'llama-3.3-70b-versatile': { context_window: 131_072, max_tokens: 32_768 },
      },
    },
  },
  {
    id: 'openai',
    label: 'OpenAI',
    kind: 'openai',
    base_url: 'https://api.openai.com/v1',
    needs_key: true,
    model_names: ['gpt-5', 'gpt-5-mini', 'gpt-4.1'],
    // Reasoning and GPT-5 models accept only max_completion_tokens.
    config: { reasoning_request: 'reasoning_effort', max_tokens_field: 'max_completion_tokens', strip_schema_keys: ['$schema'] },
  },
  {
    id: 'gemini',
    label: 'Gemini (OpenAI-compatible)',
    kind: 'openai',
    base_url: 'https://generativelanguage.googleapis.com/v1beta/openai',
    needs_key: true,
    model_names: ['gemini-2.5-pro', 'gemini-2.5-flash'],
    // Its schema subset rejects these keys (`format: uri`, `additionalProperties`).
    config: {
      reasoning_request: 'reasoning_effort',
      strip_schema_keys: ['$schema', 'additionalProperties', 'format'],
      models: { 'gemini-2.5-pro': { context_window: 1_048_576, max_tokens: 65_536 }, 'gemini-2.5-flash': { context_window: 1_048_576, max_tokens: 65_536 } },
    },
  },
  {
    id: 'ollama',
    label: 'Ollama (local)',
    kind: 'openai',
    base_url: 'http://127.0.0.1:11434/v1',
    needs_key: false,
    model_names: ['qwen3-coder:30b', 'gpt-oss:20b', 'glm-4.7-flash'],
    config: { strip_schema_keys: ['$schema'], max_tokens_cap: 32_000 },
  },
  {
    id: 'ollama-anthropic',
    label: 'Ollama ≥ 0.14 (Anthropic API, local)',
    kind: 'anthropic',
    base_url: 'http://127.0.0.1:11434',
    needs_key: false,
    model_names: ['qwen3-coder:30b', 'gpt-oss:20b'],
    config: { max_tokens_cap: 32_000 },
  },
  {
    id: 'vllm',
    label: 'vLLM (local)',
    kind: 'openai',
    base_url: 'http://127.0.0.1:8000/v1',
    needs_key: false,
    model_names: ['Qwen/Qwen3-Coder-30B-A3B-Instruct', 'openai/gpt-oss-20b'],
    config: { reasoning_request: 'chat_template_kwargs', strip_schema_keys: ['$schema'] },
  },
  {
    id: 'lmstudio',
    label: 'LM Studio (local)',
    kind: 'openai',
    base_url: 'http://127.0.0.1:1234/v1',
    needs_key: false,
    model_names: ['qwen/qwen3-coder-30b', 'openai/gpt-oss-20b'],
    config: { strip_schema_keys: ['$schema'] },
  },
  {
    id: 'anthropic',
    label: 'Anthropic',
    kind: 'anthropic',
    base_url: 'https://api.anthropic.com',
    needs_key: true,
    model_names: ['claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5'],
    config: { models: { 'claude-sonnet-4-6': CONTEXT_200K, 'claude-haiku-4-5': CONTEXT_200K } },
  },
];

/** The preset with this id, or undefined. */
export function findPreset(id: string): ProviderPreset | undefined {
  const wanted = id.trim().toLowerCase();
  return PRESETS.find((p) => p.id === wanted);
}

/**
 * A provider made from a preset: its kind, URL and settings, the given name (default: the preset's id) and key,
 * and any field given in `overrides` (e.g. another base URL).
 */
export function providerFromPreset(preset: ProviderPreset, input: { name?: string; api_key?: string } & Partial<ProviderConfig> = {}): ProviderInput {
  const { name, api_key, ...overrides } = input;
  return {
    ...structuredClone(preset.config),
    name: name?.trim() || preset.id,
    kind: preset.kind,
    base_url: preset.base_url,
    api_key: api_key ?? '',
    preset: preset.id,
    ...overrides,
  };
}

/** The saved providers as a change's inputs: keys left out (the saved ones are kept), `default` (the backend fields) left out. */
export function savedProviderInputs(views: readonly ProviderView[]): ProviderInput[] {
  return views
    .filter((p) => !p.legacy && p.name !== 'default')
    .map(({ api_key_set: _set, api_key_hint: _hint, legacy: _legacy, ...rest }) => rest);
}

/** `list` with `added` in place of a provider of the same name, else at the end. */
export function withProvider(list: readonly ProviderInput[], added: ProviderInput): ProviderInput[] {
  const at = list.findIndex((p) => p.name === added.name);
  return at < 0 ? [...list, added] : list.map((p, i) => (i === at ? added : p));
}
