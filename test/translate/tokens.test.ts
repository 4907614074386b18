import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { countTokens as tokenize } from 'gpt-tokenizer';
import { type AnthropicToolParam, type MessagesRequest, parseMessagesRequest } from '../../main/translate/anthropic-schema';
import { TEXT_STRINGS } from '../../main/translate/strings';
import { countTokens, estimateTextTokens, estimateTokens, IMAGE_TOKENS } from '../../main/translate/tokens';
import { conversation } from './fixtures/conversation';

function parse(json: unknown): MessagesRequest {
  const r = parseMessagesRequest(json);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const claudeCode = parse(JSON.parse(readFileSync(new URL('../fixtures/claude-code-request.json', import.meta.url), 'utf8')));
const mini = (messages: unknown[], extra: Record<string, unknown> = {}) => parse({ model: 'm', max_tokens: 1, messages, ...extra });

describe('countTokens', () => {
  it('counts a real Claude Code request in the right range (system + tools dominate)', () => {
    const n = countTokens(claudeCode);
    const tools = (claudeCode.tools ?? []) as AnthropicToolParam[];
    const toolText = tools.map((t) => JSON.stringify(t.input_schema) + (t.description ?? '')).join('');
    assert.ok(n > tokenize(toolText), `count ${n} must exceed the tool text alone`);
    assert.ok(n > 10000 && n < 30000, String(n));
    assert.equal(countTokens(claudeCode), n, 'stable across calls (cache)');
  });

  it('grows with content: text, tool calls, tool results, images, tools', () => {
    const one = countTokens(mini([{ role: 'user', content: 'hello there' }]));
    const more = countTokens(mini([{ role: 'user', content: 'hello there, and a much longer sentence follows here' }]));
    assert.ok(more > one);
    const img = countTokens(mini([{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }]));
    assert.ok(img >= IMAGE_TOKENS);
    const withTool = countTokens(mini([{ role: 'user', content: 'hi' }], { tools: [{ name: 'Bash', description: 'Run it', input_schema: { type: 'object' } }] }));
    assert.ok(withTool > countTokens(mini([{ role: 'user', content: 'hi' }])));
    assert.ok(countTokens(parse(conversation)) > 100);
  });

  it('counts special-token markers in user text as text instead of throwing', () => {
    assert.ok(countTokens(mini([{ role: 'user', content: 'a <|endoftext|> b <|im_start|>' }])) > 5);
  });

  it('does not count earlier thinking or base64 image bytes', () => {
    const base = mini([{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }]);
    const thinking = mini([{ role: 'user', content: 'q' }, { role: 'assistant', content: [{ type: 'thinking', thinking: 'long '.repeat(500), signature: 's' }, { type: 'text', text: 'a' }] }]);
    assert.equal(countTokens(thinking), countTokens(base));
    const big = mini([{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(100000) } }] }]);
    assert.ok(countTokens(big) < IMAGE_TOKENS + 20);
  });
});

describe('estimateTokens', () => {
  it('is within 10% of countTokens on a real Claude Code request', () => {
    const exact = countTokens(claudeCode);
    const est = estimateTokens(claudeCode, TEXT_STRINGS);
    assert.ok(Math.abs(est - exact) / exact < 0.1, `estimate ${est} vs count ${exact}`);
  });

  it('is never 0 for a non-empty prompt; CJK counts more per character than ASCII', () => {
    assert.ok(estimateTokens(mini([{ role: 'user', content: 'x' }]), TEXT_STRINGS) >= 1);
    assert.equal(estimateTextTokens(''), 0);
    assert.equal(estimateTextTokens('a'), 1);
    assert.ok(estimateTextTokens('汉字汉字汉字汉字汉字') > estimateTextTokens('abcdefghij'));
  });
});
