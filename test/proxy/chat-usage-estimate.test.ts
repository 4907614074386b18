import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { completionTextBytes, estimateChatInputTokens, SseOutputCounter } from '../../main/proxy/chat-usage-estimate';
import { parseChatRequest } from '../../main/translate/chat-schema';
import type { ChatRequest } from '../../main/translate/chat-schema';
import { IMAGE_TOKENS, MESSAGE_OVERHEAD, TOOL_OVERHEAD, tokensForBytes } from '../../main/translate/tokens';
import { TEXT_STRINGS } from '../../main/translate/strings';

function checked(body: unknown): ChatRequest {
  const parsed = parseChatRequest(body);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.value;
}

test('input estimate: message texts, tool calls and definitions by bytes, images at a flat cost, not base64 bytes', () => {
  const text = 'x'.repeat(420);
  assert.equal(estimateChatInputTokens(checked({ model: 'm', messages: [{ role: 'user', content: text }] }), TEXT_STRINGS), MESSAGE_OVERHEAD + 100);

  const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(500_000)}` } };
  const withImage = checked({ model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text }, image] }] });
  assert.equal(estimateChatInputTokens(withImage, TEXT_STRINGS), MESSAGE_OVERHEAD + 100 + IMAGE_TOKENS);

  const tool = { type: 'function', function: { name: 'read', parameters: { type: 'object' } } };
  const call = { id: 'c1', type: 'function', function: { name: 'read', arguments: '{"path":"a"}' } };
  const withTools = checked({
    model: 'm',
    messages: [{ role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', content: 'ok', tool_call_id: 'c1' }],
    tools: [tool],
  });
  const bytes = 'read'.length + '{"path":"a"}'.length + 'ok'.length + JSON.stringify(tool).length;
  assert.equal(estimateChatInputTokens(withTools, TEXT_STRINGS), 2 * MESSAGE_OVERHEAD + TOOL_OVERHEAD + tokensForBytes(bytes));
});

test('completionTextBytes: content, reasoning, refusal and tool calls of every choice, from message or delta', () => {
  assert.equal(completionTextBytes({ choices: [{ message: { content: 'héllo', reasoning_content: 'ab' } }] }), 6 + 2);
  assert.equal(
    completionTextBytes({ choices: [{ delta: { tool_calls: [{ index: 0, function: { name: 'f', arguments: '{"a":1}' } }] } }, { delta: { refusal: 'no' } }] }),
    1 + 7 + 2,
  );
  for (const nothing of [undefined, null, 'x', { choices: 'x' }, { choices: [null, { delta: null }] }, { error: { message: 'boom' } }]) {
    assert.equal(completionTextBytes(nothing), 0);
  }
});

test('SseOutputCounter passes every byte through and counts text split anywhere, multibyte characters included', async () => {
  const events = [
    `data: ${JSON.stringify({ choices: [{ delta: { role: 'assistant', content: 'ünï' } }] })}\n\n`,
    `data: ${JSON.stringify({ choices: [{ delta: { reasoning: 'think' } }] })}\r\n\r\n`,
    ': keep-alive comment\n\n',
    'data: not json\n\n',
    `data: ${JSON.stringify({ choices: [{ delta: { content: '😀' } }] })}\n\n`,
    'data: [DONE]',
  ];
  const whole = Buffer.from(events.join(''), 'utf8');
  const expected = Buffer.byteLength('ünï') + 'think'.length + Buffer.byteLength('😀');
  for (const size of [1, 3, 7, whole.length]) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < whole.length; i += size) pieces.push(whole.subarray(i, i + size));
    const counter = new SseOutputCounter();
    const out: Buffer[] = [];
    await pipeline(Readable.from(pieces), counter, new Writable({ write: (c: Buffer, _e, cb) => void (out.push(c), cb()) }));
    assert.equal(Buffer.concat(out).toString('utf8'), whole.toString('utf8'), `unchanged (pieces of ${size})`);
    assert.equal(counter.bytes, expected, `counted (pieces of ${size})`);
  }
});

test('SseOutputCounter does not keep an endless line: past 1 MB it is counted as raw bytes and dropped', async () => {
  const counter = new SseOutputCounter();
  const big = Buffer.alloc(1024 * 1024 + 10, 0x61);
  await pipeline(Readable.from([big, Buffer.from('\n')]), counter, new Writable({ write: (_c, _e, cb) => cb() }));
  assert.equal(counter.bytes, big.length);
});
