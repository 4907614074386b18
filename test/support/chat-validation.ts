/**
 * The checks a strict OpenAI-compatible backend makes on a Chat Completions request, as a pure function, so the
 * scripted backend rejects what real backends reject (wording modelled on OpenAI's own errors).
 */

/** A Chat Completions request body, loosely typed for assertions in tests. */
export interface ChatRequestBody {
  model?: string;
  messages?: ChatMessage[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [k: string]: unknown };
  max_tokens?: number;
  max_completion_tokens?: number;
  tools?: { type: string; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[];
  tool_choice?: unknown;
  [key: string]: unknown;
}

export interface ChatToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ChatMessage {
  role: string;
  content?: string | null | { type: string; text?: string; image_url?: { url: string } }[];
  tool_calls?: ChatToolCall[];
  tool_call_id?: string;
  reasoning_content?: string;
  [key: string]: unknown;
}

/** A rejection: the parameter at fault and OpenAI-style message. */
export interface ChatValidationError {
  param: string | null;
  message: string;
  code: string | null;
}

export interface ChatValidationOptions {
  /** `max_tokens` / `max_completion_tokens` above this are rejected. */
  maxTokensLimit?: number;
  /** JSON-Schema keys a tool's `parameters` may not contain anywhere (e.g. `$schema`, `format`). */
  rejectSchemaKeys?: readonly string[];
}

const ROLES = ['system', 'user', 'assistant', 'tool'];

/** Checks a parsed request body; null when a strict backend would accept it. */
export function validateChatRequest(body: unknown, opts: ChatValidationOptions = {}): ChatValidationError | null {
  const fail = (param: string | null, message: string, code: string | null = null): ChatValidationError => ({ param, message, code });
  if (!isRecord(body)) return fail(null, 'The request body must be a JSON object.');
  if (typeof body.model !== 'string' || body.model === '') return fail('model', "you must provide a model parameter", 'missing_required_parameter');
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return fail('messages', "Invalid 'messages': empty array. Expected an array with minimum length 1.", 'empty_array');
  }
  if (body.stream !== undefined && typeof body.stream !== 'boolean') return fail('stream', "Invalid type for 'stream': expected a boolean.");
  if (body.stream_options !== undefined && body.stream !== true) {
    return fail('stream_options', "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
  }
  for (const field of ['max_tokens', 'max_completion_tokens'] as const) {
    const v = body[field];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) return fail(field, `Invalid '${field}': expected an integer of at least 1.`);
    if (opts.maxTokensLimit !== undefined && v > opts.maxTokensLimit) {
      return fail(
        field,
        `${field} is too large: ${v}. This model supports at most ${opts.maxTokensLimit} completion tokens, whereas you provided ${v}.`,
        'invalid_value',
      );
    }
  }
  const toolsError = validateTools(body.tools, opts.rejectSchemaKeys ?? []);
  if (toolsError) return toolsError;
  return validateMessages(body.messages);
}

function validateMessages(messages: unknown[]): ChatValidationError | null {
  let pending: string[] = [];
  let pendingFrom = -1;
  const unanswered = (): ChatValidationError => ({
    param: `messages.[${pendingFrom}].role`,
    code: null,
    message:
      "An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. " +
      `The following tool_call_ids did not have response messages: ${pending.join(', ')}`,
  });
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i];
    const at = `messages.[${i}]`;
    if (!isRecord(m)) return { param: at, code: null, message: `Invalid type for '${at}': expected an object.` };
    if (typeof m.role !== 'string' || !ROLES.includes(m.role)) {
      return { param: `${at}.role`, code: null, message: `Invalid value: '${String(m.role)}'. Supported values are: 'system', 'assistant', 'user', and 'tool'.` };
    }
    if (m.role === 'tool') {
      if (typeof m.tool_call_id !== 'string' || !pending.includes(m.tool_call_id)) {
        return {
          param: `${at}.role`,
          code: null,
          message: "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
        };
      }
      pending = pending.filter((id) => id !== m.tool_call_id);
      const err = checkTextContent(m.content, at, false);
      if (err) return err;
      continue;
    }
    if (pending.length > 0 && !(m.role === 'assistant' && messages[i - 1] && isRecord(messages[i - 1]) && (messages[i - 1] as ChatMessage).role === 'assistant')) {
      return unanswered();
    }
    if (m.role === 'system') {
      const err = checkTextContent(m.content, at, false);
      if (err) return err;
    } else if (m.role === 'user') {
      const err = checkUserContent(m.content, at);
      if (err) return err;
    } else {
      const err = checkAssistant(m, at);
      if (err) return err;
      const ids = Array.isArray(m.tool_calls) ? (m.tool_calls as ChatToolCall[]).map((c) => c.id) : [];
      if (ids.length > 0) {
        pending = [...pending, ...ids];
        pendingFrom = i;
      }
    }
  }
  return pending.length > 0 ? unanswered() : null;
}

function checkAssistant(m: Record<string, unknown>, at: string): ChatValidationError | null {
  const calls = m.tool_calls;
  if (calls !== undefined && calls !== null) {
    if (!Array.isArray(calls)) return { param: `${at}.tool_calls`, code: null, message: `Invalid type for '${at}.tool_calls': expected an array.` };
    for (let j = 0; j < calls.length; j++) {
      const c = calls[j];
      const cat = `${at}.tool_calls.[${j}]`;
      if (!isRecord(c) || typeof c.id !== 'string' || c.id === '' || c.type !== 'function' || !isRecord(c.function)) {
        return { param: cat, code: null, message: `Invalid '${cat}': expected {id, type: 'function', function: {name, arguments}}.` };
      }
      if (typeof c.function.name !== 'string' || c.function.name === '') {
        return { param: `${cat}.function.name`, code: null, message: `Missing required parameter: '${cat}.function.name'.` };
      }
      if (typeof c.function.arguments !== 'string') {
        return { param: `${cat}.function.arguments`, code: null, message: `Invalid type for '${cat}.function.arguments': expected a string.` };
      }
      try {
        JSON.parse(c.function.arguments);
      } catch {
        return { param: `${cat}.function.arguments`, code: null, message: `Invalid '${cat}.function.arguments': not valid JSON.` };
      }
    }
  }
  const hasCalls = Array.isArray(calls) && calls.length > 0;
  const err = checkTextContent(m.content, at, true);
  if (err) return err;
  const hasContent = typeof m.content === 'string' ? m.content !== '' : Array.isArray(m.content) && m.content.length > 0;
  if (!hasContent && !hasCalls) {
    return { param: `${at}.content`, code: null, message: `Invalid '${at}': an assistant message must have 'content' or 'tool_calls'.` };
  }
  return null;
}

/** String, or an array of text parts (null allowed for assistants). */
function checkTextContent(content: unknown, at: string, nullable: boolean): ChatValidationError | null {
  if (typeof content === 'string') return null;
  if ((content === null || content === undefined) && nullable) return null;
  if (Array.isArray(content)) {
    for (let k = 0; k < content.length; k++) {
      const p = content[k];
      if (!isRecord(p) || p.type !== 'text' || typeof p.text !== 'string') {
        return { param: `${at}.content.[${k}]`, code: null, message: `Invalid '${at}.content.[${k}]': expected a text part {type: 'text', text}.` };
      }
    }
    return null;
  }
  return { param: `${at}.content`, code: null, message: `Invalid type for '${at}.content': expected a string or an array of text parts.` };
}

function checkUserContent(content: unknown, at: string): ChatValidationError | null {
  if (typeof content === 'string') return null;
  if (!Array.isArray(content) || content.length === 0) {
    return { param: `${at}.content`, code: null, message: `Invalid type for '${at}.content': expected a string or a non-empty array of parts.` };
  }
  for (let k = 0; k < content.length; k++) {
    const p = content[k];
    const ok =
      isRecord(p) &&
      ((p.type === 'text' && typeof p.text === 'string') ||
        (p.type === 'image_url' && isRecord(p.image_url) && typeof p.image_url.url === 'string'));
    if (!ok) return { param: `${at}.content.[${k}]`, code: null, message: `Invalid '${at}.content.[${k}]': expected a text or image_url part.` };
  }
  return null;
}

function validateTools(tools: unknown, rejectKeys: readonly string[]): ChatValidationError | null {
  if (tools === undefined) return null;
  if (!Array.isArray(tools)) return { param: 'tools', code: null, message: "Invalid type for 'tools': expected an array." };
  for (let i = 0; i < tools.length; i++) {
    const t = tools[i];
    if (!isRecord(t) || t.type !== 'function' || !isRecord(t.function) || typeof t.function.name !== 'string' || t.function.name === '') {
      return { param: `tools.[${i}]`, code: null, message: `Invalid 'tools.[${i}]': expected {type: 'function', function: {name, parameters}}.` };
    }
    const found = findKey(t.function.parameters, rejectKeys);
    if (found) {
      return { param: `tools.[${i}].function.parameters`, code: null, message: `Invalid schema for function '${t.function.name}': '${found}' is not supported.` };
    }
  }
  return null;
}

/**
 * The first of `keys` used as a schema keyword anywhere in `value`. The names of `properties` (and other maps of
 * sub-schemas) are property names, not keywords: a property called `format` is fine.
 */
function findKey(value: unknown, keys: readonly string[], namesHere = false): string | undefined {
  if (keys.length === 0) return undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const f = findKey(v, keys);
      if (f) return f;
    }
  } else if (isRecord(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!namesHere && keys.includes(k)) return k;
      const f = findKey(v, keys, !namesHere && SCHEMA_MAPS.has(k));
      if (f) return f;
    }
  }
  return undefined;
}

/** Keywords whose value maps names to sub-schemas. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
