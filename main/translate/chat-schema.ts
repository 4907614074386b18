/**
 * The OpenAI Chat Completions request, checked at the edge before it is forwarded. Permissive but correct: the fields
 * OpenAI defines must have the right shapes (so a bad body gets a 400 naming the field, not a confusing backend error
 * or a crash further in), optional fields may be null as the official SDKs allow, and keys we do not know pass through
 * unchanged because backends have their own extensions (`chat_template_kwargs`, `enable_thinking`, `top_k`…).
 */
import { z } from 'zod';
import { MAX_MODEL_BYTES } from './anthropic-schema';
import { formatIssue } from '../../shared/zod-issue';

const obj = z.looseObject;
/** Optional, and null is as good as absent (the SDK types allow both). */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

const textPart = obj({ type: z.literal('text'), text: z.string() });
const refusalPart = obj({ type: z.literal('refusal'), refusal: z.string() });
const imagePart = obj({
  type: z.literal('image_url'),
  image_url: obj({ url: z.string(), detail: opt(z.string()) }),
});
const audioPart = obj({
  type: z.literal('input_audio'),
  input_audio: obj({ data: z.string(), format: z.string() }),
});
const filePart = obj({
  type: z.literal('file'),
  file: obj({ file_data: opt(z.string()), file_id: opt(z.string()), filename: opt(z.string()) }),
});
/** vLLM, SGLang and Qwen accept video and audio by URL in user messages. */
const videoUrlPart = obj({ type: z.literal('video_url'), video_url: obj({ url: z.string() }) });
const audioUrlPart = obj({ type: z.literal('audio_url'), audio_url: obj({ url: z.string() }) });

const userPart = z.discriminatedUnion('type', [textPart, imagePart, audioPart, filePart, videoUrlPart, audioUrlPart]);
const assistantPart = z.discriminatedUnion('type', [textPart, refusalPart]);

const textContent = z.union([z.string(), z.array(textPart)]);
const name = opt(z.string());

const toolCall = z.discriminatedUnion('type', [
  obj({ id: z.string(), type: z.literal('function'), function: obj({ name: z.string(), arguments: z.string() }) }),
  obj({ id: z.string(), type: z.literal('custom'), custom: obj({ name: z.string(), input: z.string() }) }),
]);

const message = z.discriminatedUnion('role', [
  obj({ role: z.literal('system'), content: textContent, name }),
  obj({ role: z.literal('developer'), content: textContent, name }),
  obj({ role: z.literal('user'), content: z.union([z.string(), z.array(userPart)]), name }),
  obj({
    role: z.literal('assistant'),
    // Absent or null when the turn is only tool calls.
    content: opt(z.union([z.string(), z.array(assistantPart)])),
    name,
    refusal: opt(z.string()),
    tool_calls: opt(z.array(toolCall)),
    function_call: opt(obj({ name: z.string(), arguments: z.string() })),
    audio: opt(obj({ id: z.string() })),
    // DeepSeek, GLM, Qwen: earlier reasoning sent back.
    reasoning_content: opt(z.string()),
  }),
  obj({ role: z.literal('tool'), content: textContent, tool_call_id: z.string() }),
  obj({ role: z.literal('function'), content: z.string().nullable(), name: z.string() }),
]);

const functionDefinition = obj({
  name: z.string().min(1),
  description: opt(z.string()),
  parameters: opt(z.record(z.string(), z.unknown())),
  strict: opt(z.boolean()),
});

const tool = z.discriminatedUnion('type', [
  obj({ type: z.literal('function'), function: functionDefinition }),
  obj({ type: z.literal('custom'), custom: obj({ name: z.string().min(1), description: opt(z.string()) }) }),
]);

const toolChoice = z.union([
  z.enum(['none', 'auto', 'required']),
  z.discriminatedUnion('type', [
    obj({ type: z.literal('function'), function: obj({ name: z.string() }) }),
    obj({ type: z.literal('custom'), custom: obj({ name: z.string() }) }),
    obj({
      type: z.literal('allowed_tools'),
      allowed_tools: obj({ mode: z.enum(['auto', 'required']), tools: z.array(z.record(z.string(), z.unknown())) }),
    }),
  ]),
]);

const responseFormat = z.discriminatedUnion('type', [
  obj({ type: z.literal('text') }),
  obj({ type: z.literal('json_object') }),
  obj({
    type: z.literal('json_schema'),
    json_schema: obj({
      name: z.string(),
      description: opt(z.string()),
      schema: opt(z.record(z.string(), z.unknown())),
      strict: opt(z.boolean()),
    }),
  }),
]);

const positiveInt = z.int().positive();

/** The request schema; unknown keys at every level are kept as they are. */
export const chatRequestSchema = obj({
  model: z.string().min(1).max(MAX_MODEL_BYTES),
  messages: z.array(message).min(1),
  stream: opt(z.boolean()),
  stream_options: opt(obj({ include_usage: opt(z.boolean()), include_obfuscation: opt(z.boolean()) })),
  max_tokens: opt(positiveInt),
  max_completion_tokens: opt(positiveInt),
  temperature: opt(z.number().min(0).max(2)),
  top_p: opt(z.number().min(0).max(1)),
  n: opt(positiveInt),
  stop: opt(z.union([z.string(), z.array(z.string())])),
  presence_penalty: opt(z.number().min(-2).max(2)),
  frequency_penalty: opt(z.number().min(-2).max(2)),
  logit_bias: opt(z.record(z.string(), z.number())),
  logprobs: opt(z.boolean()),
  top_logprobs: opt(z.int().min(0)),
  seed: opt(z.int()),
  user: opt(z.string()),
  tools: opt(z.array(tool)),
  tool_choice: opt(toolChoice),
  parallel_tool_calls: opt(z.boolean()),
  functions: opt(z.array(functionDefinition)),
  function_call: opt(z.union([z.enum(['none', 'auto']), obj({ name: z.string() })])),
  response_format: opt(responseFormat),
  reasoning_effort: opt(z.string()),
  metadata: opt(z.record(z.string(), z.string())),
  modalities: opt(z.array(z.string())),
  store: opt(z.boolean()),
  service_tier: opt(z.string()),
});

/** A Chat Completions request that passed the schema; extra keys are typed `unknown`. */
export type ChatRequest = z.infer<typeof chatRequestSchema>;

/** A checked request, or the first problem as an OpenAI-style 400 would name it. */
export type ChatRequestParse =
  | { ok: true; value: ChatRequest }
  | { ok: false; message: string; param: string | null };

/**
 * Checks a parsed JSON body against the Chat Completions request schema. Never throws. On success `value` holds the
 * same data as `json`, unknown keys included (own `__proto__` keys are dropped, never turned into prototypes). On
 * failure `message` reads `path.to.field: what is wrong` and `param` is that path, for
 * `{"error": {"message", "type": "invalid_request_error", "param", "code"}}`.
 */
export function parseChatRequest(json: unknown): ChatRequestParse {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, message: 'The request body must be a JSON object.', param: null };
  }
  const result = chatRequestSchema.safeParse(json, { reportInput: true });
  if (result.success) return { ok: true, value: result.data };
  const { message, param } = formatIssue(result.error);
  return { ok: false, message, param };
}
