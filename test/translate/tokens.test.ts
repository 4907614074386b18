import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { countTokens as tokenize } from 'gpt-tokenizer';
import { type AnthropicToolParam, type MessagesRequest, parseMessagesRequest } from '../../main/translate/anthropic-schema';
import { TEXT_STRINGS } from '../../main/translate/strings';
import { countTokens, estimateTextTokens, estimateTokens, IMAGE_TOKENS, MAX_RUN_CHARS, SLICE_CHARS, tokenizerPieces } from '../../main/translate/tokens';
import { conversation } from './fixtures/conversation';

function parse(json: unknown): MessagesRequest {
  const r = parseMessagesRequest(json);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const claudeCode = parse(JSON.parse(readFileSync(new URL('../fixtures/claude-code-request.json', import.meta.url), 'utf8')));
const mini = (messages: unknown[], extra: Record<string, unknown> = {}) => parse({ model: 'm', max_tokens: 1, messages, ...extra });

describe('countTokens', () => {
  it('counts a real Claude Code request in the right range (system + tools dominate)', async () => {
    const n = await countTokens(claudeCode);
    const tools = (claudeCode.tools ?? []) as AnthropicToolParam[];
    const toolText = tools.map((t) => JSON.stringify(t.input_schema) + (t.description ?? '')).join('');
    assert.ok(n > tokenize(toolText), `count ${n} must exceed the tool text alone`);
    assert.ok(n > 10000 && n < 30000, String(n));
    assert.equal(await countTokens(claudeCode), n, 'stable across calls (cache)');
  });

  it('grows with content: text, tool calls, tool results, images, tools', async () => {
    const one = await countTokens(mini([{ role: 'user', content: 'hello there' }]));
    const more = await countTokens(mini([{ role: 'user', content: 'hello there, and a much longer sentence follows here' }]));
    assert.ok(more > one);
    const img = await countTokens(mini([{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }]));
    assert.ok(img >= IMAGE_TOKENS);
    const withTool = await countTokens(mini([{ role: 'user', content: 'hi' }], { tools: [{ name: 'Bash', description: 'Run it', input_schema: { type: 'object' } }] }));
    assert.ok(withTool > await countTokens(mini([{ role: 'user', content: 'hi' }])));
    assert.ok(await countTokens(parse(conversation)) > 100);
  });

  it('counts special-token markers in user text as text instead of throwing', async () => {
    assert.ok(await countTokens(mini([{ role: 'user', content: 'a <|endoftext|> b <|im_start|>' }])) > 5);
  });

  it('does not count earlier thinking or base64 image bytes', async () => {
    const base = mini([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]);
    const thinking = mini([{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'long '.repeat(500), signature: 's' }, { type: 'text', text: 'a' }] }]);
    assert.equal(await countTokens(thinking), await countTokens(base));
    const big = mini([{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100000) } }] }]);
    assert.ok(await countTokens(big) < IMAGE_TOKENS + 20);
  });
});

describe('estimateTokens', () => {
  it('is within 10% of countTokens on a real Claude Code request', async () => {
    const exact = await countTokens(claudeCode);
    const est = estimateTokens(claudeCode, TEXT_STRINGS);
    assert.ok(Math.abs(est - exact) / exact < 0.1, `estimate ${est} vs count ${exact}`);
  });

  it('is never 0 for a non-empty prompt; CJK counts more per character than ASCII', async () => {
    assert.ok(estimateTokens(mini([{ role: 'user', content: 'x' }]), TEXT_STRINGS) >= 1);
    assert.equal(estimateTextTokens(''), 0);
    assert.equal(estimateTextTokens('a'), 1);
    assert.ok(estimateTextTokens('汉字汉字汉字汉字汉字') > estimateTextTokens('abcdefghij'));
  });
});

describe('tokenizerPieces', () => {
  it('long runs of blanks or non-blanks come alone, every character in order, other spans stay small', () => {
    const text = `intro ${'漢'.repeat(1000)} mid${' '.repeat(300)}${'ab'.repeat(200)}\n${'word '.repeat(20000)}end`;
    const pieces = [...tokenizerPieces(text)];
    assert.equal(pieces.map((p) => p.text).join(''), text);
    assert.deepEqual(pieces.filter((p) => p.longRun).map((p) => p.text.length), [1000, 300, 400]);
    for (const piece of pieces.filter((p) => !p.longRun)) {
      assert.ok(piece.text.length <= SLICE_CHARS);
      assert.ok(!new RegExp(`\\S{${MAX_RUN_CHARS + 1}}|\\s{${MAX_RUN_CHARS + 1}}`).test(piece.text), 'no long run left in a span');
    }
  });

  it('long runs are counted close to the tokenizer on the whole run', async () => {
    for (const run of ['漢'.repeat(2000), 'abc123XYZ/+'.repeat(200), ' '.repeat(1000)]) {
      const exact = tokenize(run, { disallowedSpecial: new Set() });
      const counted = (await countTokens(mini([{ role: 'user', content: run }]))) - 4; // less the message overhead
      assert.ok(Math.abs(counted - exact) <= Math.max(30, exact * 0.15), `${counted} vs ${exact}`);
    }
  });
});
