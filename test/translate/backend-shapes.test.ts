/**
 * Backend answer shapes that used to be dropped (issue 14 §3), streamed and not, with the streamed text split at
 * every chunk boundary: Magistral's typed content parts, `<think>` tags in content, xAI's reasoning tokens counted
 * apart, Gemini's thought signatures and OpenRouter's reasoning_details carried to the next turn.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ChatCompletionChunk, ChatCompletionResponse, ChatUsage } from '../../main/translate/chat-types';
import { DETAILS_PREFIX, splitToolId } from '../../main/translate/carried';
import { readUsage } from '../../main/translate/usage';
import { fromChatResponse } from '../../main/translate/response';
import { toChatRequest } from '../../main/translate/request';
import { StreamTranslator } from '../../main/translate/stream';
import { TEXT_STRINGS } from '../../main/translate/strings';
import { PROXY_SIGNATURE_PREFIX } from '../../main/translate/ids';
import { checkAndReplay } from '../support/anthropic-stream-check';

const chunk = (delta: Record<string, unknown>, finish: string | null = null): ChatCompletionChunk => ({
  choices: [{ index: 0, delta, finish_reason: finish }],
});

async function stream(chunks: ChatCompletionChunk[], thinkTags = false) {
  const t = new StreamTranslator({ requestedModel: 'claude-x', messageId: 'msg_t', estimatedInputTokens: 10, stopSequences: [], thinkTags });
  let body = t.start();
  for (const c of chunks) body += t.push(c);
  body += t.finish();
  return { ...(await checkAndReplay(body)), t };
}

const respond = (message: Record<string, unknown>, usage?: ChatUsage, thinkTags = false) =>
  fromChatResponse({ choices: [{ index: 0, message, finish_reason: 'stop' }], ...(usage ? { usage } : {}) } as ChatCompletionResponse, {
    requestedModel: 'claude-x',
    stopSequences: [],
    messageId: 'msg_r',
    thinkTags,
  }).message;

/** `text` as content deltas cut at position i and j (every pair, for short texts). */
function* splits(text: string): Generator<string[]> {
  for (let i = 0; i <= text.length; i++) for (let j = i; j <= text.length; j++) yield [text.slice(0, i), text.slice(i, j), text.slice(j)];
}

const blocks = (content: ReadonlyArray<{ type: string; text?: string; thinking?: string }>) =>
  content.map((b) => [b.type, b.type === 'thinking' ? b.thinking : b.text]);

describe('Magistral content parts', () => {
  const parts = [
    [{ type: 'thinking', thinking: [{ type: 'text', text: 'Let me ' }] }],
    [{ type: 'thinking', thinking: [{ type: 'text', text: 'think.' }] }],
    [{ type: 'text', text: 'The answer ' }],
    [{ type: 'text', text: 'is 4.' }],
  ];

  it('streamed: thinking parts become a thinking block, text parts a text block', async () => {
    const { message } = await stream([...parts.map((p) => chunk({ content: p })), chunk({ content: '' }, 'stop')]);
    assert.deepEqual(blocks(message.content as never), [
      ['thinking', 'Let me think.'],
      ['text', 'The answer is 4.'],
    ]);
  });

  it('not streamed: the same, thinking before text; a string `thinking` member works too', () => {
    const message = respond({ content: [{ type: 'thinking', thinking: 'Hmm.' }, { type: 'text', text: 'Four.' }] });
    assert.deepEqual(blocks(message.content as never), [
      ['thinking', 'Hmm.'],
      ['text', 'Four.'],
    ]);
    assert.ok((message.content[0] as { signature: string }).signature.startsWith(PROXY_SIGNATURE_PREFIX));
  });
});

describe('think tags (think_tags on)', () => {
  const text = '<think>\nstep 1</think>\n\nDone.';

  it('streamed, split at every pair of boundaries: thinking then text, tags removed', async () => {
    for (const pieces of splits(text)) {
      const { message } = await stream([...pieces.map((p) => chunk({ content: p })), chunk({}, 'stop')], true);
      assert.deepEqual(blocks(message.content as never), [['thinking', 'step 1'], ['text', 'Done.']], JSON.stringify(pieces));
    }
  });

  it('off: the tags stay text', async () => {
    const { message } = await stream([chunk({ content: text }, 'stop')]);
    assert.deepEqual(blocks(message.content as never), [['text', text]]);
  });

  it('a `<` that is no tag is text, also at the end of the stream', async () => {
    const { message } = await stream([chunk({ content: 'a <b> c <thi' }), chunk({}, 'stop')], true);
    assert.deepEqual(blocks(message.content as never), [['text', 'a <b> c <thi']]);
  });

  it('MiniMax: reasoning in its field and again in tags is thinking once', async () => {
    const { message } = await stream([chunk({ reasoning: 'plan' }), chunk({ content: '<think>plan</think>Answer' }, 'stop')], true);
    assert.deepEqual(blocks(message.content as never), [['thinking', 'plan'], ['text', 'Answer']]);
  });

  it('not streamed', () => {
    const message = respond({ content: text }, undefined, true);
    assert.deepEqual(blocks(message.content as never), [['thinking', 'step 1'], ['text', 'Done.']]);
  });
});

describe('reasoning tokens counted apart (xAI)', () => {
  it('total = prompt + completion + reasoning: output counts both', () => {
    const u = readUsage({ prompt_tokens: 100, completion_tokens: 26, total_tokens: 353, completion_tokens_details: { reasoning_tokens: 227 } });
    assert.equal(u?.outputTokens, 253);
  });
  it('OpenAI (total = prompt + completion): reasoning already included', () => {
    const u = readUsage({ prompt_tokens: 100, completion_tokens: 300, total_tokens: 400, completion_tokens_details: { reasoning_tokens: 227 } });
    assert.equal(u?.outputTokens, 300);
  });
  it('no total, more reasoning than completion: counted apart', () => {
    assert.equal(readUsage({ prompt_tokens: 1, completion_tokens: 26, completion_tokens_details: { reasoning_tokens: 227 } })?.outputTokens, 253);
  });
  it('streamed usage chunk reaches message_delta', async () => {
    const { message } = await stream([
      chunk({ content: 'x' }, 'stop'),
      { choices: [], usage: { prompt_tokens: 10, completion_tokens: 26, total_tokens: 263, completion_tokens_details: { reasoning_tokens: 227 } } },
    ]);
    assert.equal(message.usage.output_tokens, 253);
  });
});

describe('Gemini thought signatures', () => {
  const signature = 'CiQBVKhc7+/sig==';
  const call = { id: 'fc_1', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/a"}' }, extra_content: { google: { thought_signature: signature } } };

  it('streamed and not: the signature rides in the tool_use id and comes back on the call, the backend id restored', async () => {
    const { message } = await stream([chunk({ tool_calls: [{ index: 0, ...call }] }, 'tool_calls')]);
    const streamedId = (message.content[0] as { id: string }).id;
    const jsonId = (respond({ content: null, tool_calls: [call] }).content[0] as { id: string }).id;
    assert.equal(streamedId, jsonId);
    assert.match(streamedId, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(splitToolId(streamedId), { id: 'fc_1', signature });

    const req = toChatRequest(
      {
        model: 'm',
        messages: [
          { role: 'user', content: 'read /a' },
          { role: 'assistant', content: [{ type: 'tool_use', id: streamedId, name: 'Read', input: { file_path: '/a' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: streamedId, content: 'data' }] },
        ],
      },
      { model: 'm', strings: TEXT_STRINGS },
    );
    const assistant = req.messages[1] as { tool_calls: Array<{ id: string; extra_content?: unknown }> };
    assert.equal(assistant.tool_calls[0]?.id, 'fc_1');
    assert.deepEqual(assistant.tool_calls[0]?.extra_content, { google: { thought_signature: signature } });
    assert.deepEqual(req.messages[2], { role: 'tool', tool_call_id: 'fc_1', content: 'data' });
  });

  it('ids without a signature are sent as they are, and nothing is invented', () => {
    const req = toChatRequest(
      { model: 'm', messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'call_9', name: 'Bash', input: {} }] }] },
      { model: 'm', strings: TEXT_STRINGS },
    );
    const assistant = req.messages[0] as unknown as { tool_calls: Array<Record<string, unknown>> };
    assert.equal(assistant.tool_calls[0]?.id, 'call_9');
    assert.equal('extra_content' in (assistant.tool_calls[0] ?? {}), false);
  });
});

describe('OpenRouter reasoning_details', () => {
  const details = [
    { type: 'reasoning.text', text: 'First', index: 0, format: 'anthropic-claude-v1' },
    { type: 'reasoning.text', text: ' step', index: 0, signature: 'sig-abc' },
  ];
  const merged = [{ type: 'reasoning.text', text: 'First step', index: 0, format: 'anthropic-claude-v1', signature: 'sig-abc' }];

  it('streamed: merged into whole items, carried in the thinking signature, sent back as they came', async () => {
    const { message } = await stream([
      chunk({ reasoning: 'First', reasoning_details: [details[0]] }),
      chunk({ reasoning: ' step', reasoning_details: [details[1]] }),
      chunk({ content: 'Hi' }, 'stop'),
    ]);
    const thinking = message.content[0] as { type: string; signature: string; thinking: string };
    assert.equal(thinking.type, 'thinking');
    assert.ok(thinking.signature.startsWith(DETAILS_PREFIX));
    const req = toChatRequest(
      { model: 'm', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [thinking as never, { type: 'text', text: 'Hi' }] }] },
      { model: 'm', strings: TEXT_STRINGS },
    );
    assert.deepEqual((req.messages[1] as { reasoning_details?: unknown }).reasoning_details, merged);
  });

  it('not streamed: encrypted details without reasoning text get an empty thinking block', () => {
    const enc = [{ type: 'reasoning.encrypted', data: 'opaque', index: 0 }];
    const message = respond({ content: 'Hi', reasoning_details: enc });
    const thinking = message.content[0] as { type: string; signature: string; thinking: string };
    assert.equal(thinking.type, 'thinking');
    assert.equal(thinking.thinking, '');
    const req = toChatRequest(
      { model: 'm', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: message.content as never }] },
      { model: 'm', strings: TEXT_STRINGS },
    );
    assert.deepEqual((req.messages[1] as { reasoning_details?: unknown }).reasoning_details, enc);
  });

  it('proxy signatures never become reasoning_details', () => {
    const req = toChatRequest(
      { model: 'm', messages: [{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 't', signature: 'infiniproxy-unsigned:msg_1:0' }, { type: 'text', text: 'a' }] }] },
      { model: 'm', strings: TEXT_STRINGS },
    );
    assert.equal('reasoning_details' in (req.messages[1] ?? {}), false);
  });
});
