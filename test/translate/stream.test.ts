import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionChunk } from '../../main/translate/chat-types';
import { PROXY_SIGNATURE_PREFIX } from '../../main/translate/ids';
import { StreamTranslator, type StreamContext } from '../../main/translate/stream';
import { RAW_ARGUMENTS_KEY } from '../../main/translate/tool-args';
import { checkAndReplay, checkAnthropicStream, parseSse, replayWithSdk } from '../support/anthropic-stream-check';
import * as fx from './fixtures/streams';

const ctx = (over: Partial<StreamContext> = {}): StreamContext => ({
  requestedModel: 'claude-opus-4-8',
  messageId: 'msg_test',
  estimatedInputTokens: 1234,
  stopSequences: [],
  ...over,
});

function run(chunks: ChatCompletionChunk[], over: Partial<StreamContext> = {}): { body: string; t: StreamTranslator } {
  const t = new StreamTranslator(ctx(over));
  let body = t.start();
  for (const chunk of chunks) body += t.push(chunk);
  body += t.finish();
  return { body, t };
}

const messageDelta = (body: string): Record<string, unknown> => {
  const event = parseSse(body).find((e) => e.event === 'message_delta');
  assert.ok(event, 'message_delta present');
  return event.data;
};

describe('StreamTranslator', () => {
  it('OpenAI text: message_start with the estimate, one text block, real usage from the trailing chunk', async () => {
    const { body, t } = run(fx.openaiText);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['text']);
    const start = summary.events[0]?.data.message as { usage: { input_tokens: number }; model: string };
    assert.equal(start.usage.input_tokens, 1234);
    assert.equal(start.model, 'claude-opus-4-8');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello, world!' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.input_tokens, 176);
    assert.equal(message.usage.cache_read_input_tokens, 1024);
    assert.equal(message.usage.output_tokens, 4);
    assert.equal(t.usage.estimated, false);
    assert.equal(t.stopReason, 'end_turn');
  });

  it('OpenAI parallel tool calls: one whole block per call, in call order, stop_reason tool_use', async () => {
    const { body } = run(fx.openaiParallelTools);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['tool_use', 'tool_use']);
    assert.deepEqual(
      message.content.map((b) => (b.type === 'tool_use' ? [b.id, b.name, b.input] : b.type)),
      [
        ['call_a', 'Read', { file_path: '/a.ts' }],
        ['call_b', 'Bash', { command: 'ls -la' }],
      ],
    );
    assert.equal(message.stop_reason, 'tool_use');
    // each tool block gets exactly one input_json_delta
    const deltas = summary.events.filter((e) => e.event === 'content_block_delta');
    assert.equal(deltas.length, 2);
  });

  it('DeepSeek reasoning_content: thinking block with a proxy signature, then text; usage given with finish', async () => {
    const { body, t } = run(fx.deepseekReasoning);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['thinking', 'text']);
    const [thinking, text] = message.content;
    assert.equal(thinking?.type, 'thinking');
    if (thinking?.type === 'thinking') {
      assert.equal(thinking.thinking, 'The user greets. Reply briefly.');
      assert.ok(thinking.signature.startsWith(PROXY_SIGNATURE_PREFIX));
    }
    assert.deepEqual(text, { type: 'text', text: 'Hi there.' });
    assert.equal(message.usage.input_tokens, 52);
    assert.equal(message.usage.cache_read_input_tokens, 448);
    assert.equal(message.usage.output_tokens, 30);
    assert.equal(t.usage.estimated, false);
    // the signature_delta comes right before the thinking block's stop
    const events = summary.events.map((e) => `${e.event}:${(e.data.delta as { type?: string } | undefined)?.type ?? ''}`);
    const stopAt = events.indexOf('content_block_stop:');
    assert.equal(events[stopAt - 1], 'content_block_delta:signature_delta');
  });

  it('GLM reasoning + text + a whole tool call: thinking, text, tool_use in that order', async () => {
    const { body } = run(fx.glmReasoningTool);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['thinking', 'text', 'tool_use']);
    const tool = message.content[2];
    assert.ok(tool?.type === 'tool_use');
    assert.equal(tool.id, 'call_-8234691527019');
    assert.deepEqual(tool.input, { command: 'ls' });
    assert.equal(message.stop_reason, 'tool_use');
    assert.equal(message.usage.input_tokens, 500);
    assert.equal(message.usage.cache_read_input_tokens, 1500);
  });

  it('OpenRouter `reasoning`: thinking from reasoning, usage after finish in a choices:[] chunk', async () => {
    const { body, t } = run(fx.openrouterReasoning);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['thinking', 'text']);
    assert.equal(message.content[0]?.type === 'thinking' && message.content[0].thinking, 'Thinking about it...');
    assert.equal(message.usage.output_tokens, 12);
    assert.equal(t.usage.estimated, false);
  });

  it('prefers reasoning_content over reasoning when a backend sends both', async () => {
    const { body } = run([
      { choices: [{ index: 0, delta: { reasoning_content: 'once', reasoning: 'once' } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
    const { message } = await checkAndReplay(body);
    assert.equal(message.content[0]?.type === 'thinking' && message.content[0].thinking, 'once');
  });

  it('vLLM without usage: estimates output tokens and flags the usage as estimated', async () => {
    const { body, t } = run(fx.vllmNoUsage);
    const { message } = await checkAndReplay(body);
    assert.equal(message.usage.input_tokens, 1234);
    assert.ok(message.usage.output_tokens >= 3 && message.usage.output_tokens <= 8, String(message.usage.output_tokens));
    assert.equal(t.usage.estimated, true);
    assert.equal((messageDelta(body).usage as { input_tokens: number }).input_tokens, 1234);
  });

  it('stop sequences: from vLLM stop_reason, and from the text tail', async () => {
    const a = run(fx.vllmStopSequence, { stopSequences: ['###'] });
    const ma = await replayWithSdk(a.body);
    assert.equal(ma.stop_reason, 'stop_sequence');
    assert.equal(ma.stop_sequence, '###');
    const b = run(
      [
        { choices: [{ index: 0, delta: { content: 'abc EN' } }] },
        { choices: [{ index: 0, delta: { content: 'D' }, finish_reason: 'stop' }] },
      ],
      { stopSequences: ['XYZ', 'END'] },
    );
    const mb = await replayWithSdk(b.body);
    assert.equal(mb.stop_reason, 'stop_sequence');
    assert.equal(mb.stop_sequence, 'END');
    const c = run(fx.openaiText, { stopSequences: ['END'] });
    assert.equal((await replayWithSdk(c.body)).stop_reason, 'end_turn');
  });

  it('index 0 reused with a new id is a new call (Ollama-compatible), finish "stop" after calls is tool_use', async () => {
    const { body } = run(fx.ollamaIndexReuse);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['tool_use', 'tool_use']);
    assert.deepEqual(
      message.content.map((b) => (b.type === 'tool_use' ? [b.id, b.input] : null)),
      [
        ['call_x1', { file_path: '/x' }],
        ['call_x2', { file_path: '/y' }],
      ],
    );
    assert.equal(message.stop_reason, 'tool_use');
  });

  it('interleaved argument deltas of two calls: each call emitted whole, never split or mixed', async () => {
    const { body } = run(fx.interleavedTools);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['tool_use', 'tool_use']);
    assert.equal(summary.toolJson.get(0), JSON.stringify({ file_path: '/t.txt', content: 'a\nb' }));
    assert.deepEqual(message.content[1]?.type === 'tool_use' && message.content[1].input, { command: 'echo hi' });
  });

  it('ignores empty, null and absent deltas (no empty blocks)', async () => {
    const { body } = run(fx.emptyDeltas);
    const { summary, message } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['text']);
    assert.deepEqual(message.content, [{ type: 'text', text: 'ok' }]);
  });

  it('truncated tool arguments: valid JSON keeping the raw text, stop_reason max_tokens', async () => {
    const { body } = run(fx.truncatedToolArgs);
    const { summary, message } = await checkAndReplay(body);
    const input = message.content[0]?.type === 'tool_use' ? message.content[0].input : undefined;
    assert.deepEqual(input, { [RAW_ARGUMENTS_KEY]: '{"file_path": "/tmp/a", "content": "hel' });
    assert.doesNotThrow(() => JSON.parse(summary.toolJson.get(0) ?? ''));
    assert.equal(message.stop_reason, 'max_tokens');
  });

  it('arguments sent as an object, a call without id, a call with empty arguments', async () => {
    const { body } = run([
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { name: 'A', arguments: { x: 1 } } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'c2', function: { name: 'B', arguments: '' } }] } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]);
    const { message } = await checkAndReplay(body);
    const [a, b] = message.content;
    assert.ok(a?.type === 'tool_use' && b?.type === 'tool_use');
    assert.match(a.id, /^toolu_/);
    assert.deepEqual(a.input, { x: 1 });
    assert.deepEqual(b.input, {});
  });

  it('text arriving after tool-call deltas still yields valid, sequential blocks', async () => {
    const { body } = run([
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'A', arguments: '{}' } }] } }] },
      { choices: [{ index: 0, delta: { content: 'late text' } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
    ]);
    const { summary } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['text', 'tool_use']);
  });

  it('usage and finish_reason in the same chunk, or usage never: message_delta always has usage', () => {
    for (const chunks of [fx.deepseekReasoning, fx.vllmNoUsage, fx.emptyDeltas]) {
      const usage = messageDelta(run(chunks).body).usage as Record<string, unknown>;
      assert.equal(typeof usage.output_tokens, 'number');
      assert.equal(typeof usage.input_tokens, 'number');
    }
  });

  it('a stream with no chunks at all still forms a complete (empty) message', async () => {
    const { body, t } = run([]);
    const { message } = await checkAndReplay(body);
    assert.deepEqual(message.content, []);
    assert.equal(t.usage.output_tokens, 0);
    assert.equal(t.usage.estimated, true);
  });

  it('mid-stream error chunk: closes with an error event, nothing after it, SDK rejects', async () => {
    const t = new StreamTranslator(ctx());
    let body = t.start();
    for (const chunk of fx.midStreamError) body += t.push(chunk);
    const tail = t.finish() + t.ping() + t.push(fx.openaiText[1] as ChatCompletionChunk);
    assert.equal(tail, '');
    const summary = checkAnthropicStream(body);
    assert.ok(summary.errored);
    assert.ok(t.failed);
    const last = summary.events.at(-1);
    assert.deepEqual((last?.data.error as { type: string }).type, 'api_error');
    await assert.rejects(replayWithSdk(body), /Provider disconnected/);
  });

  it('fail(): overloaded error event; ping() before and after', () => {
    const t = new StreamTranslator(ctx());
    const body = t.start() + t.ping() + t.push(fx.openaiText[1] as ChatCompletionChunk) + t.fail('overloaded_error', 'busy');
    assert.equal(t.ping(), '');
    const summary = checkAnthropicStream(body);
    assert.ok(summary.errored);
    assert.equal(summary.events.filter((e) => e.event === 'ping').length, 1);
  });

  it('push() before start() starts the message; start() twice emits once; estimate 0 still reports 1', () => {
    const t = new StreamTranslator(ctx({ estimatedInputTokens: 0 }));
    const body = t.push(fx.openaiText[1] as ChatCompletionChunk) + t.start() + t.finish() + t.finish();
    const summary = checkAnthropicStream(body);
    const start = summary.events[0]?.data.message as { usage: { input_tokens: number } };
    assert.equal(start.usage.input_tokens, 1);
  });

  it('malformed chunks never throw', () => {
    const t = new StreamTranslator(ctx());
    const junk = [null, 42, 'x', { choices: 'no' }, { choices: [null] }, { choices: [{ delta: { tool_calls: 'no' } }] }, { choices: [{ delta: { tool_calls: [null, 5] } }] }];
    let body = t.start();
    for (const chunk of junk) body += t.push(chunk as unknown as ChatCompletionChunk);
    body += t.finish();
    checkAnthropicStream(body);
  });

  it('alternating thinking and text open a new block at each switch', async () => {
    const { body } = run([
      { choices: [{ index: 0, delta: { reasoning_content: 'a' } }] },
      { choices: [{ index: 0, delta: { content: 'b' } }] },
      { choices: [{ index: 0, delta: { reasoning_content: 'c' } }] },
      { choices: [{ index: 0, delta: { content: 'd' } }] },
      { choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] },
    ]);
    const { summary } = await checkAndReplay(body);
    assert.deepEqual(summary.blocks, ['thinking', 'text', 'thinking', 'text']);
  });

  it('content_filter → refusal; choices of index > 0 are ignored', async () => {
    const { body } = run([
      { choices: [{ index: 1, delta: { content: 'other choice' } }] },
      { choices: [{ index: 0, delta: { content: 'no' }, finish_reason: 'content_filter' }] },
    ]);
    const { message } = await checkAndReplay(body);
    assert.equal(message.stop_reason, 'refusal');
    assert.deepEqual(message.content, [{ type: 'text', text: 'no' }]);
  });
});
