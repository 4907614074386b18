/**
 * Anthropic tool definitions and tool_choice → Chat Completions `tools` and `tool_choice`.
 */
import { type AnthropicAnyTool, type AnthropicToolChoice, isWebSearchTool } from './anthropic-schema';
import type { ChatTool, ChatToolChoice } from './chat-types';
import { deepFreeze, FrozenMemo } from './frozen';

/** Keywords whose value is a map from names (property names…) to schemas: the names are never stripped. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

type Json = unknown;

/** Keywords whose value is data, not a schema: never walked. */
const DATA_KEYWORDS = new Set(['required', 'enum', 'const', 'default', 'examples']);
const REMOVED = Symbol('removed');

/** `node` without the `keys` keywords at any depth; a part with nothing to remove is the same object (not a copy). */
function stripSchema(node: Json, keys: ReadonlySet<string>): Json {
  if (Array.isArray(node)) {
    let out: Json[] | undefined;
    for (let i = 0; i < node.length; i++) {
      const item = stripSchema(node[i], keys);
      if (item !== node[i]) (out ??= [...node])[i] = item;
    }
    return out ?? node;
  }
  if (node === null || typeof node !== 'object') return node;
  return mapRecord(node as Record<string, Json>, (key, value) => {
    if (keys.has(key)) return REMOVED;
    if (DATA_KEYWORDS.has(key)) return value;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      // Names of properties (…) are kept whatever they are; their schemas are stripped.
      return mapRecord(value as Record<string, Json>, (_name, schema) => stripSchema(schema, keys));
    }
    return stripSchema(value, keys);
  });
}

/** `record` with each value replaced by `next(key, value)` (REMOVED drops the entry); `record` itself if none changed. */
function mapRecord(record: Record<string, Json>, next: (key: string, value: Json) => Json): Record<string, Json> {
  const names = Object.keys(record);
  let out: Record<string, Json> | undefined;
  for (let i = 0; i < names.length; i++) {
    const key = names[i]!;
    const value = next(key, record[key]);
    if (value !== record[key] && !out) {
      out = {};
      for (let j = 0; j < i; j++) out[names[j]!] = record[names[j]!];
    }
    if (out && value !== REMOVED) out[key] = value;
  }
  return out ?? record;
}

/**
 * Removes the given JSON-Schema keywords (e.g. `$schema`, `format`, `additionalProperties`) at every
 * depth of a schema. Property names are left alone: a parameter called `format` survives stripping
 * the `format` keyword.
 */
export function stripSchemaKeys(schema: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  if (keys.length === 0) return schema;
  return stripSchema(schema, new Set(keys)) as Record<string, unknown>;
}

/** An object schema every backend accepts: `type: "object"` and `properties` always present. */
function functionParameters(schema: Record<string, unknown>): Record<string, unknown> {
  const withType = schema.type === undefined ? { type: 'object', ...schema } : schema;
  return withType.type === 'object' && withType.properties === undefined ? { ...withType, properties: {} } : withType;
}

const translatedTools = new FrozenMemo<readonly AnthropicAnyTool[], readonly ChatTool[]>();

/**
 * Anthropic tools → Chat Completions function tools, schemas stripped of `stripKeys`. Frozen tools (frozen.ts) are
 * translated once per `stripKeys`, into frozen tools. Server tools (web search) are left out: the proxy runs them
 * itself (proxy/web-search/), they are no function of the backend's.
 */
export function toChatTools(tools: readonly AnthropicAnyTool[], stripKeys: readonly string[] = []): ChatTool[] {
  if (!Object.isFrozen(tools)) return translateTools(tools, stripKeys);
  return translatedTools.get(tools, stripKeys.join('\n'), () => deepFreeze(translateTools(tools, stripKeys))) as ChatTool[];
}

function translateTools(tools: readonly AnthropicAnyTool[], stripKeys: readonly string[]): ChatTool[] {
  return tools.flatMap((tool): ChatTool[] =>
    isWebSearchTool(tool) || !('input_schema' in tool)
      ? []
      : [
          {
            type: 'function',
            function: {
              name: tool.name,
              ...(tool.description ? { description: tool.description } : {}),
              parameters: functionParameters(stripSchemaKeys(tool.input_schema, stripKeys)),
            },
          },
        ],
  );
}

/**
 * Anthropic tool_choice → Chat Completions `tool_choice` and `parallel_tool_calls`:
 * auto→"auto", any→"required", tool→{type:"function",function:{name}}, none→"none";
 * `disable_parallel_tool_use` → `parallel_tool_calls: false`.
 */
export function toChatToolChoice(choice: AnthropicToolChoice): {
  tool_choice: ChatToolChoice;
  parallel_tool_calls?: false;
} {
  const noParallel = 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use === true;
  const extra = noParallel ? { parallel_tool_calls: false as const } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...extra };
    case 'any':
      return { tool_choice: 'required', ...extra };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...extra };
    case 'none':
      return { tool_choice: 'none' };
  }
}
