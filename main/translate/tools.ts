/**
 * Anthropic tool definitions and tool_choice → Chat Completions `tools` and `tool_choice`.
 */
import type { AnthropicToolChoice, AnthropicToolParam } from './anthropic-schema';
import type { ChatTool, ChatToolChoice } from './chat-types';

/** Keywords whose value is a map from names (property names…) to schemas: the names are never stripped. */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

type Json = unknown;

function stripSchema(node: Json, keys: ReadonlySet<string>): Json {
  if (Array.isArray(node)) return node.map((item) => stripSchema(item, keys));
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(node)) {
    if (keys.has(key)) continue;
    if (SCHEMA_MAPS.has(key) && value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const map: Record<string, Json> = {};
      for (const [name, schema] of Object.entries(value)) map[name] = stripSchema(schema, keys);
      out[key] = map;
    } else if (key === 'required' || key === 'enum' || key === 'const' || key === 'default' || key === 'examples') {
      out[key] = value; // data, not schema: never walked
    } else {
      out[key] = stripSchema(value, keys);
    }
  }
  return out;
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

/** Anthropic tools → Chat Completions function tools, schemas stripped of `stripKeys`. */
export function toChatTools(tools: readonly AnthropicToolParam[], stripKeys: readonly string[] = []): ChatTool[] {
  return tools.map((tool) => ({
    type: 'function',
    function: {
      name: tool.name,
      ...(tool.description ? { description: tool.description } : {}),
      parameters: functionParameters(stripSchemaKeys(tool.input_schema, stripKeys)),
    },
  }));
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
