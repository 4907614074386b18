/**
 * The OpenAI Chat Completions wire format as InfiniProxy sends and receives it, including the
 * fields that OpenAI-compatible backends add (`reasoning_content`, `reasoning`, vLLM's `stop_reason`,
 * DeepSeek's cache counters). Responses come from other servers: every field is optional-minded and
 * the translators read them defensively.
 */

/** A text, image or file part of a user message (`file`: a PDF for backends that take files; documents.ts). */
export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'file'; file: { filename: string; file_data: string } };

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
  /** Gemini: the thought signature the backend put on this call, sent back as it came (carried.ts). */
  extra_content?: { google: { thought_signature: string } };
}

export interface ChatSystemMessage {
  role: 'system';
  content: string;
}

export interface ChatUserMessage {
  role: 'user';
  content: string | ChatContentPart[];
}

export interface ChatAssistantMessage {
  role: 'assistant';
  /** `null` only when `tool_calls` is present: strict backends reject empty content without calls. */
  content: string | null;
  tool_calls?: ChatToolCall[];
  /** Earlier reasoning sent back (DeepSeek thinking mode with tools); only with `reasoningSendBack`. */
  reasoning_content?: string;
  /** OpenRouter: the reasoning details it returned with this message, sent back as they came (carried.ts). */
  reasoning_details?: unknown[];
}

export interface ChatToolMessage {
  role: 'tool';
  tool_call_id: string;
  content: string;
}

export type ChatMessage = ChatSystemMessage | ChatUserMessage | ChatAssistantMessage | ChatToolMessage;

export interface ChatTool {
  type: 'function';
  function: { name: string; description?: string; parameters: Record<string, unknown> };
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

/** The request body sent to `POST {backend}/chat/completions`. */
export interface ChatCompletionRequest {
  model: string;
  messages: ChatMessage[];
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  top_p?: number;
  stop?: string[];
  stream: boolean;
  stream_options?: { include_usage: boolean };
  tools?: ChatTool[];
  tool_choice?: ChatToolChoice;
  parallel_tool_calls?: boolean;
  user?: string;
  /** OpenAI: requests sharing the key share a prompt cache (the client's session). */
  prompt_cache_key?: string;
  /** OpenAI reasoning models. */
  reasoning_effort?: 'low' | 'medium' | 'high';
  /** GLM, DeepSeek V3.1+. */
  thinking?: { type: 'enabled' | 'disabled' };
  /** Qwen on DashScope. */
  enable_thinking?: boolean;
  thinking_budget?: number;
  /** vLLM / SGLang chat templates. */
  chat_template_kwargs?: { enable_thinking: boolean };
  /** OpenRouter. */
  reasoning?: { effort?: 'low' | 'medium' | 'high'; enabled?: boolean };
}

/** Token counts as backends report them (OpenAI, DeepSeek and Moonshot spellings of the cache hit). */
export interface ChatUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
  completion_tokens_details?: { reasoning_tokens?: number | null } | null;
  /** DeepSeek. */
  prompt_cache_hit_tokens?: number;
  /** Moonshot. */
  cached_tokens?: number;
}

/** A tool call as found in a response message or, partially, in a stream delta. */
export interface ChatToolCallDelta {
  index?: number;
  id?: string | null;
  type?: string | null;
  function?: { name?: string | null; arguments?: string | Record<string, unknown> | null } | null;
  /** Gemini: `{google: {thought_signature}}`. */
  extra_content?: unknown;
}

/** The assistant message of a non-streamed response. */
export interface ChatResponseMessage {
  role?: string;
  /** A string, or typed parts (Magistral: text and thinking parts; content-parts.ts). */
  content?: string | null | unknown[];
  reasoning_content?: string | null;
  reasoning?: string | null;
  /** OpenRouter. */
  reasoning_details?: unknown[] | null;
  refusal?: string | null;
  tool_calls?: ChatToolCallDelta[] | null;
}

export interface ChatChoice {
  index?: number;
  message?: ChatResponseMessage | null;
  finish_reason?: string | null;
  /** vLLM: the matched stop string (or token id). */
  stop_reason?: string | number | null;
  /** SGLang: the matched stop string (or token id). */
  matched_stop?: string | number | null;
}

/** A non-streamed Chat Completions response. */
export interface ChatCompletionResponse {
  id?: string;
  model?: string;
  choices?: ChatChoice[] | null;
  usage?: ChatUsage | null;
}

export interface ChatDelta {
  role?: string | null;
  /** A string, or typed parts (Magistral: text and thinking parts; content-parts.ts). */
  content?: string | null | unknown[];
  reasoning_content?: string | null;
  reasoning?: string | null;
  /** OpenRouter. */
  reasoning_details?: unknown[] | null;
  refusal?: string | null;
  tool_calls?: ChatToolCallDelta[] | null;
}

export interface ChatChunkChoice {
  index?: number;
  delta?: ChatDelta | null;
  finish_reason?: string | null;
  stop_reason?: string | number | null;
  matched_stop?: string | number | null;
}

/** One parsed `data:` payload of a streamed response. */
export interface ChatCompletionChunk {
  id?: string;
  model?: string;
  choices?: ChatChunkChoice[] | null;
  usage?: ChatUsage | null;
  /** Some backends (OpenRouter, vLLM) report a failure mid-stream as a chunk with an error. */
  error?: { message?: string; type?: string; code?: string | number | null } | string | null;
}
