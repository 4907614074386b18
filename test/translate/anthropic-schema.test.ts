import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseCountTokensRequest, parseMessagesRequest } from '../../main/translate/anthropic-schema';
import { conversation } from './fixtures/conversation';

const claudeCode = JSON.parse(readFileSync(new URL('../fixtures/claude-code-request.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const base = { model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] };
const withMessages = (messages: unknown[]): unknown => ({ ...base, messages });

function message(json: unknown): string {
  const r = parseMessagesRequest(json);
  assert.equal(r.ok, false, 'expected a validation error');
  return r.ok ? '' : r.message;
}

describe('parseMessagesRequest', () => {
  it("accepts Claude Code's real first-turn request, keeping unknown top-level keys", () => {
    const r = parseMessagesRequest({ ...claudeCode, some_future_field: { x: 1 } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    assert.equal(r.value.messages.length, 2);
    assert.equal(r.value.messages[1]?.role, 'system');
    assert.equal(r.value.tools?.length, 24);
    assert.deepEqual(r.value.thinking, { type: 'adaptive' });
    assert.deepEqual(r.value.some_future_field, { x: 1 });
  });

  it('accepts a later-turn conversation (tool results, images, thinking, redacted thinking)', () => {
    const r = parseMessagesRequest(conversation);
    assert.ok(r.ok, r.ok ? '' : r.message);
  });

  it('accepts document blocks (issue 14) and rejects a document without a known source, naming the path', () => {
    assert.ok(parseMessagesRequest(withMessages([{ role: 'user', content: [{ type: 'document', source: { type: 'text', data: 'x' }, title: 't' }] }])).ok);
    const msg = message(withMessages([{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'f' } }] }]));
    assert.match(msg, /^messages\.0\.content\.0\.source\.type/);
  });

  it('rejects search_result and unknown blocks, and blocks of the wrong role', () => {
    assert.match(message(withMessages([{ role: 'user', content: [{ type: 'search_result' }] }])), /^messages\.0\.content\.0\.type: unsupported content block type "search_result"/);
    assert.match(
      message(withMessages([{ role: 'user', content: 'a' }, { role: 'assistant', content: [{ type: 'tool_result', tool_use_id: 'x' }] }])),
      /^messages\.1\.content\.0\.type: unsupported content block type "tool_result" \(expected text, tool_use, thinking, redacted_thinking, server_tool_use, web_search_tool_result\)/,
    );
    assert.match(message(withMessages([{ role: 'user', content: [{ text: 'no type' }] }])), /^messages\.0\.content\.0\.type: content block type is required/);
  });

  it('accepts a document inside a tool_result; rejects other blocks there naming the types', () => {
    const doc = { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } };
    assert.ok(parseMessagesRequest(withMessages([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [doc] }] }])).ok);
    const msg = message(withMessages([{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'search_result' }] }] }]));
    assert.match(msg, /^messages\.0\.content\.0\.content\.0\.type: unsupported content block type "search_result" \(expected text, image, document\)/);
  });

  it('reports a bad field inside a block, not the union', () => {
    assert.match(message(withMessages([{ role: 'user', content: [{ type: 'text', text: 5 }] }])), /^messages\.0\.content\.0\.text: expected string, got number 5$/);
    assert.match(message(withMessages([{ role: 'user', content: 5 }])), /^messages\.0\.content: expected string or array, got number 5$/);
  });

  it('rejects unsupported roles, image sources, tool types and thinking types', () => {
    assert.match(message(withMessages([{ role: 'developer', content: 'x' }])), /^messages\.0\.role: unsupported role "developer" \(expected user, assistant, system\)/);
    assert.match(
      message(withMessages([{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }])),
      /^messages\.0\.content\.0\.source\.type: unsupported image source type "file" \(expected base64, url\)/,
    );
    // Web search is run by the proxy (issue 14); other server tools are still refused.
    assert.ok(parseMessagesRequest({ ...base, tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 5 }] }).ok);
    assert.match(message({ ...base, tools: [{ type: 'bash_20250124', name: 'bash' }] }), /^tools\.0\.type: unsupported tool type "bash_20250124"/);
    assert.match(message({ ...base, thinking: { type: 'sometimes' } }), /^thinking\.type: unsupported thinking type "sometimes"/);
    assert.match(message({ ...base, tool_choice: { type: 'whatever' } }), /^tool_choice\.type: unsupported tool_choice type/);
  });

  it('requires model, a non-empty messages array and a positive integer max_tokens', () => {
    assert.match(message({ ...base, model: undefined }), /^model: /);
    assert.match(message({ ...base, messages: [] }), /^messages: /);
    assert.match(message({ ...base, max_tokens: undefined }), /^max_tokens: /);
    assert.match(message({ ...base, max_tokens: 0 }), /^max_tokens: /);
    assert.match(message({ ...base, temperature: 'hot' }), /^temperature: /);
  });

  it('rejects bodies that are not objects', () => {
    for (const body of [null, [], 'x', 3]) assert.equal(message(body), 'request body must be a JSON object');
  });

  it('accepts Anthropic-only fields and ignores their content', () => {
    const r = parseMessagesRequest({ ...base, service_tier: 'auto', container: 'c', mcp_servers: [{}], betas: ['x'], output_config: { effort: 'max', format: {} } });
    assert.ok(r.ok);
  });
});

describe('parseCountTokensRequest', () => {
  it('accepts a body without max_tokens', () => {
    const { max_tokens: _omit, ...body } = base;
    assert.ok(parseCountTokensRequest(body).ok);
    assert.equal(parseMessagesRequest(body).ok, false);
  });
});
