import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionResponse } from '../../main/translate/chat-types';
import { PROXY_SIGNATURE_PREFIX } from '../../main/translate/ids';
import { fromChatResponse, type ResponseContext } from '../../main/translate/response';
import { parseToolArguments, RAW_ARGUMENTS_KEY } from '../../main/translate/tool-args';
import * as fx from './fixtures/responses';

const ctx: ResponseContext = { requestedModel: 'claude-opus-4-8', stopSequences: [], messageId: 'msg_1', estimatedInputTokens: 777 };

/** The Anthropic Message shape, checked field by field. */
function assertAnthropicMessage(m: unknown): void {
  const msg = m as Record<string, unknown>;
  assert.deepEqual(Object.keys(msg).sort(), ['content', 'id', 'model', 'role', 'stop_reason', 'stop_sequence', 'type', 'usage']);
  assert.match(msg.id as string, /^msg_/);
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.ok(['end_turn', 'max_tokens', 'stop_sequence', 'tool_use', 'refusal'].includes(msg.stop_reason as string));
  const usage = msg.usage as Record<string, unknown>;
  for (const k of ['input_tokens', 'output_tokens', 'cache_creation_input_tokens', 'cache_read_input_tokens']) {
    assert.ok(Number.isInteger(usage[k]) && (usage[k] as number) >= 0, k);
  }
  for (const block of msg.content as Array<Record<string, unknown>>) {
    if (block.type === 'text') assert.equal(typeof block.text, 'string');
    else if (block.type === 'thinking') assert.ok(typeof block.thinking === 'string' && typeof block.signature === 'string');
    else if (block.type === 'tool_use') assert.ok(typeof block.id === 'string' && typeof block.name === 'string' && typeof block.input === 'object');
    else assert.fail(`unexpected block ${String(block.type)}`);
  }
}

describe('fromChatResponse', () => {
  it('OpenAI text: model as requested, cached tokens split out of input', () => {
    const { message, usageEstimated } = fromChatResponse(fx.openaiText, ctx);
    assertAnthropicMessage(message);
    assert.equal(message.model, 'claude-opus-4-8');
    assert.equal(message.id, 'msg_1');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello!' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.deepEqual(message.usage, { input_tokens: 86, output_tokens: 300, cache_creation_input_tokens: 0, cache_read_input_tokens: 1920 });
    assert.equal(usageEstimated, false);
  });

  it('tool calls: tool_use blocks with parsed input, stop_reason tool_use', () => {
    const { message } = fromChatResponse(fx.openaiTools, ctx);
    assertAnthropicMessage(message);
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'call_1', name: 'Read', input: { file_path: '/a' } },
      { type: 'tool_use', id: 'call_2', name: 'Bash', input: { command: 'ls' } },
    ]);
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('DeepSeek reasoning_content → a signed thinking block first; prompt_cache_hit_tokens as cache read', () => {
    const { message } = fromChatResponse(fx.deepseekReasoning, ctx);
    assertAnthropicMessage(message);
    const [thinking, text] = message.content;
    assert.ok(thinking?.type === 'thinking' && thinking.thinking === 'Capital of France.' && thinking.signature.startsWith(PROXY_SIGNATURE_PREFIX));
    assert.deepEqual(text, { type: 'text', text: 'Paris.' });
    assert.equal(message.usage.cache_read_input_tokens, 60);
    assert.equal(message.usage.input_tokens, 4);
  });

  it('OpenRouter reasoning and array content', () => {
    const { message } = fromChatResponse(fx.openrouterReasoning, ctx);
    assert.deepEqual(message.content.map((b) => b.type), ['thinking', 'text']);
    assert.equal(message.content[1]?.type === 'text' && message.content[1].text, 'AB');
  });

  it('vLLM without usage: estimated and flagged; matched stop string → stop_sequence', () => {
    const { message, usageEstimated } = fromChatResponse(fx.vllmStop, { ...ctx, stopSequences: ['###'] });
    assertAnthropicMessage(message);
    assert.equal(usageEstimated, true);
    assert.equal(message.usage.input_tokens, 777);
    assert.ok(message.usage.output_tokens > 0);
    assert.equal(message.stop_reason, 'stop_sequence');
    assert.equal(message.stop_sequence, '###');
  });

  it('broken JSON arguments: the raw text is kept, never {}; length → max_tokens', () => {
    const { message } = fromChatResponse(fx.brokenArgs, ctx);
    assertAnthropicMessage(message);
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'call_b', name: 'Write', input: { [RAW_ARGUMENTS_KEY]: '{"file_path": "/x", "content": "abc' } },
    ]);
    assert.equal(message.stop_reason, 'max_tokens');
  });

  it('refusal and content_filter → refusal', () => {
    const resp: ChatCompletionResponse = { choices: [{ message: { content: null, refusal: 'I cannot help.' }, finish_reason: 'content_filter' }] };
    const { message } = fromChatResponse(resp, ctx);
    assert.deepEqual(message.content, [{ type: 'text', text: 'I cannot help.' }]);
    assert.equal(message.stop_reason, 'refusal');
  });

  it('odd shapes never throw: no choices, null message, nameless calls', () => {
    for (const resp of [{}, { choices: null }, { choices: [] }, { choices: [{ message: null }] }, { choices: [{ message: { tool_calls: [{ id: 'x', function: { arguments: '{}' } }] } }] }]) {
      const { message } = fromChatResponse(resp as ChatCompletionResponse, ctx);
      assertAnthropicMessage(message);
      assert.deepEqual(message.content, []);
      assert.equal(message.stop_reason, 'end_turn');
    }
  });
});

describe('parseToolArguments', () => {
  it('reads JSON, fenced JSON, double-encoded JSON and objects', () => {
    assert.deepEqual(parseToolArguments('{"a":1}'), { a: 1 });
    assert.deepEqual(parseToolArguments('```json\n{"a":1}\n```'), { a: 1 });
    assert.deepEqual(parseToolArguments(JSON.stringify('{"a":1}')), { a: 1 });
    assert.deepEqual(parseToolArguments({ a: 1 }), { a: 1 });
  });

  it('empty means no arguments; anything else unreadable is kept raw', () => {
    for (const empty of ['', '  ', 'null', null, undefined]) assert.deepEqual(parseToolArguments(empty), {});
    assert.deepEqual(parseToolArguments('[1,2]'), { [RAW_ARGUMENTS_KEY]: '[1,2]' });
    assert.deepEqual(parseToolArguments("{'a': 1}"), { [RAW_ARGUMENTS_KEY]: "{'a': 1}" });
    assert.deepEqual(parseToolArguments(7), { [RAW_ARGUMENTS_KEY]: '7' });
  });
});
