/**
 * Validation of incoming Anthropic Messages requests (`/v1/messages` and `/v1/messages/count_tokens`).
 *
 * Known fields are checked; unknown top-level keys are kept (Claude Code sends Anthropic-only fields
 * such as `context_management` that we accept and ignore). Content block types the proxy cannot
 * carry to an OpenAI-compatible backend (`search_result`, server tool blocks…) are
 * rejected with a readable error instead of being dropped: a silent drop would lose user content.
 */
import { z } from 'zod';
import { formatIssue, type FieldLabel } from '../../shared/zod-issue';

const cacheControl = z.unknown().optional();

export const textBlockSchema = z.object({
  type: z.literal('text'),
  text: z.string(),
  cache_control: cacheControl,
});

export const imageBlockSchema = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
  cache_control: cacheControl,
});

export const toolUseBlockSchema = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

/**
 * A document: a base64 PDF, plain text, a URL (not fetched: this proxy has no internet of its own) or content
 * blocks; `title` and `context` go with its text (documents.ts).
 */
export const documentBlockSchema = z.object({
  type: z.literal('document'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.string().min(1), data: z.string() }),
    z.object({ type: z.literal('text'), media_type: z.string().optional(), data: z.string() }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
    z.object({ type: z.literal('content'), content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema]))]) }),
  ]),
  title: z.string().nullish(),
  context: z.string().nullish(),
  citations: z.unknown().optional(),
  cache_control: cacheControl,
});

export const toolResultBlockSchema = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, documentBlockSchema]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

export const thinkingBlockSchema = z.object({
  type: z.literal('thinking'),
  thinking: z.string(),
  signature: z.string().optional(),
});

export const redactedThinkingBlockSchema = z.object({
  type: z.literal('redacted_thinking'),
  data: z.string(),
});

/** Web search blocks of an earlier answer, sent back in history (search-history.ts). */
export const serverToolUseBlockSchema = z.object({
  type: z.literal('server_tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

export const webSearchToolResultBlockSchema = z.object({
  type: z.literal('web_search_tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([
    z.array(z.looseObject({ type: z.string().optional(), url: z.string(), title: z.string().nullish(), encrypted_content: z.string().nullish(), page_age: z.string().nullish() })),
    z.looseObject({ type: z.string(), error_code: z.string().optional() }),
  ]),
  cache_control: cacheControl,
});

const userBlock = z.discriminatedUnion('type', [textBlockSchema, imageBlockSchema, toolResultBlockSchema, documentBlockSchema]);
const assistantBlock = z.discriminatedUnion('type', [
  textBlockSchema,
  toolUseBlockSchema,
  thinkingBlockSchema,
  redactedThinkingBlockSchema,
  serverToolUseBlockSchema,
  webSearchToolResultBlockSchema,
]);

const messageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(userBlock)]) }),
  z.object({ role: z.literal('assistant'), content: z.union([z.string(), z.array(assistantBlock)]) }),
  // Claude Code's mid-conversation-system beta: string content (text blocks accepted too).
  z.object({ role: z.literal('system'), content: z.union([z.string(), z.array(textBlockSchema)]) }),
]);

const toolSchema = z.object({
  // Only client tools can run through a Chat Completions backend; server tools
  // (`web_search_20250305`, `bash_20250124`…) have other type names and are rejected.
  type: z.literal('custom').optional(),
  name: z.string().min(1),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

/**
 * Anthropic's web search server tool (`web_search_20250305`, later dates too). The proxy runs the search itself
 * (proxy/web-search/); the translator never sends it to a backend as a function.
 */
export const webSearchToolSchema = z.object({
  type: z.string().regex(/^web_search_\d+$/),
  name: z.string().min(1),
  max_uses: z.number().int().positive().optional(),
  allowed_domains: z.array(z.string()).nullish(),
  blocked_domains: z.array(z.string()).nullish(),
  user_location: z.looseObject({ country: z.string().nullish(), region: z.string().nullish(), city: z.string().nullish(), timezone: z.string().nullish() }).nullish(),
  cache_control: cacheControl,
});

const toolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

const thinkingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().nonnegative() }),
  z.object({ type: z.literal('disabled') }),
  z.object({ type: z.literal('adaptive') }),
]);

/**
 * The longest `model` accepted, in bytes of UTF-8 (the routes read bodies as byte strings, so a string's length is
 * its UTF-8 length there): real model names are far shorter, and a name is echoed, logged and stored (issue 11).
 */
export const MAX_MODEL_BYTES = 256;

const baseFields = {
  model: z.string().min(1).max(MAX_MODEL_BYTES),
  messages: z.array(messageSchema).min(1),
  system: z.union([z.string(), z.array(textBlockSchema)]).optional(),
  // Client tools first: a bad tool is reported as one (schema-errors.ts picks the first of equally deep branches).
  tools: z.array(z.union([toolSchema, webSearchToolSchema])).optional(),
  tool_choice: toolChoiceSchema.optional(),
  temperature: z.number().min(0).max(2).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().nonnegative().optional(),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  metadata: z.looseObject({ user_id: z.string().nullish() }).optional(),
  thinking: thinkingSchema.optional(),
  output_config: z.looseObject({ effort: z.string().optional() }).optional(),
  // Anthropic-only; accepted and ignored.
  context_management: z.unknown().optional(),
  service_tier: z.unknown().optional(),
  container: z.unknown().optional(),
  mcp_servers: z.unknown().optional(),
  betas: z.unknown().optional(),
};

/** Schema of a `/v1/messages` body. */
export const messagesRequestSchema = z.looseObject({
  ...baseFields,
  max_tokens: z.number().int().positive(),
});

/** Schema of a `/v1/messages/count_tokens` body (no `max_tokens`). */
export const countTokensRequestSchema = z.looseObject({
  ...baseFields,
  max_tokens: z.number().int().positive().optional(),
});

export type MessagesRequest = z.infer<typeof messagesRequestSchema>;
export type CountTokensRequest = z.infer<typeof countTokensRequestSchema>;
export type AnthropicMessageParam = MessagesRequest['messages'][number];
export type AnthropicTextBlockParam = z.infer<typeof textBlockSchema>;
export type AnthropicImageBlockParam = z.infer<typeof imageBlockSchema>;
export type AnthropicToolUseBlockParam = z.infer<typeof toolUseBlockSchema>;
export type AnthropicToolResultBlockParam = z.infer<typeof toolResultBlockSchema>;
export type AnthropicDocumentBlockParam = z.infer<typeof documentBlockSchema>;
/** A client tool (name, description, input_schema). */
export type AnthropicToolParam = z.infer<typeof toolSchema>;
/** Anthropic's web search server tool. */
export type AnthropicWebSearchTool = z.infer<typeof webSearchToolSchema>;
/** Any tool a request may carry. */
export type AnthropicAnyTool = NonNullable<MessagesRequest['tools']>[number];

/** True for Anthropic's web search server tool. */
export const isWebSearchTool = (tool: AnthropicAnyTool): tool is AnthropicWebSearchTool =>
  typeof tool.type === 'string' && /^web_search_\d+$/.test(tool.type);
export type AnthropicToolChoice = NonNullable<MessagesRequest['tool_choice']>;
export type AnthropicThinkingConfig = NonNullable<MessagesRequest['thinking']>;

/** Outcome of validating a request body; `message` names the failing field path. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; message: string };

/** Anthropic's words for its tag fields (`unsupported content block type "document" (expected text, image)`). */
const anthropicLabel: FieldLabel = (path, key) => {
  const names = path.map(String);
  if (key === 'role') return { label: 'role' };
  if (key !== 'type' || names.includes('cache_control')) return undefined;
  if (names[0] === 'tools') {
    return { label: 'tool type', hint: 'only client tools (name, description, input_schema) and web search can run on an OpenAI-compatible backend' };
  }
  if (names.includes('source')) return { label: 'image source type' };
  if (names.includes('content') || names.includes('system')) return { label: 'content block type' };
  if (names[0] === 'tool_choice') return { label: 'tool_choice type' };
  if (names[0] === 'thinking') return { label: 'thinking type' };
  return undefined;
};

function parseWith<T>(schema: z.ZodType<T>, json: unknown): ParseResult<T> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    return { ok: false, message: 'request body must be a JSON object' };
  }
  const result = schema.safeParse(json, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, message: formatIssue(result.error, anthropicLabel).message };
}

/**
 * Validates a `/v1/messages` body. On failure `message` reads like
 * `messages.2.content.0.type: unsupported content block type "document" (expected text, image, tool_result)`.
 */
export function parseMessagesRequest(json: unknown): ParseResult<MessagesRequest> {
  return parseWith(messagesRequestSchema, json);
}

/** Validates a `/v1/messages/count_tokens` body (as `parseMessagesRequest`, `max_tokens` optional). */
export function parseCountTokensRequest(json: unknown): ParseResult<CountTokensRequest> {
  return parseWith(countTokensRequestSchema, json);
}
