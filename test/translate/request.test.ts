import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ReasoningRequestStyle } from '../../shared/types';
import { type MessagesRequest, parseMessagesRequest } from '../../main/translate/anthropic-schema';
import type { ChatAssistantMessage, ChatMessage } from '../../main/translate/chat-types';
import { chatRequestOptions, clampMaxTokens, MAX_USER_LENGTH, toChatRequest } from '../../main/translate/request';
import { EMPTY_RESULT_TEXT, NO_RESULT_TEXT, toChatMessages } from '../../main/translate/request-messages';
import { stripSchemaKeys } from '../../main/translate/tools';
import { conversation, PNG_BASE64 } from './fixtures/conversation';
import { TEXT_STRINGS } from '../../main/translate/strings';

function parse(json: unknown): MessagesRequest {
  const r = parseMessagesRequest(json);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

const claudeCode = parse(JSON.parse(readFileSync(new URL('../fixtures/claude-code-request.json', import.meta.url), 'utf8')));
const convo = parse(conversation);
const STRIP = ['$schema', 'format', 'additionalProperties'];

const roles = (messages: ChatMessage[]): string => messages.map((m) => m.role).join(',');
const mini = (messages: unknown[], extra: Record<string, unknown> = {}): MessagesRequest =>
  parse({ model: 'claude-haiku-4-5', max_tokens: 100, messages, ...extra });

describe('toChatRequest on Claude Code requests', () => {
  it('first turn: system blocks joined without cache_control or billing header, mid-conversation system kept in place', () => {
    const out = toChatRequest(claudeCode, { strings: TEXT_STRINGS, model: 'glm-4.6', stripSchemaKeys: STRIP });
    assert.equal(out.model, 'glm-4.6');
    assert.equal(roles(out.messages), 'system,user,system');
    const system = out.messages[0]?.content as string;
    assert.ok(system.startsWith("You are a Claude agent, built on Anthropic's Claude Agent SDK.\n\n"));
    assert.ok(!system.includes('x-anthropic-billing-header'));
    const user = out.messages[1]?.content as string;
    assert.ok(user.includes('<system-reminder>') && user.endsWith('say hi'));
    const json = JSON.stringify(out);
    assert.ok(!json.includes('cache_control'));
    assert.ok(!json.includes('"$schema"'));
    assert.ok(!json.includes('context_management') && !json.includes('output_config'));
    assert.equal(out.tools?.length, 24);
    assert.deepEqual(out.stream_options, { include_usage: true });
    assert.equal(out.stream, true);
    assert.equal(out.max_tokens, 64000);
  });

  it('later turns: tool results in call order after their assistant message, the rest as a user message', () => {
    const out = toChatRequest(convo, { strings: TEXT_STRINGS, model: 'm' });
    assert.equal(roles(out.messages), 'system,user,system,assistant,tool,tool,user,assistant,tool,user,assistant,tool,user');
    const [, , , a1, t1, t2, u1, a2, t3, u2, a3, t4, u3] = out.messages;
    assert.deepEqual(a1, {
      role: 'assistant',
      content: 'Running two tools.',
      tool_calls: [
        { id: 'call_ls', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
        { id: 'call_read', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/a.txt"}' } },
      ],
    });
    assert.deepEqual(t1, { role: 'tool', tool_call_id: 'call_ls', content: 'a.txt' });
    assert.deepEqual(t2, { role: 'tool', tool_call_id: 'call_read', content: 'file body' });
    assert.deepEqual(u1, { role: 'user', content: 'Now show the screenshot.' });
    // assistant with only a tool call: content null, thinking dropped
    assert.deepEqual(a2, { role: 'assistant', content: null, tool_calls: [{ id: 'call_shot', type: 'function', function: { name: 'Read', arguments: '{"file_path":"/shot.png"}' } }] });
    // tool content is text; the image moves to the next user message
    assert.deepEqual(t3, { role: 'tool', tool_call_id: 'call_shot', content: 'Screenshot:' });
    assert.deepEqual(u2, {
      role: 'user',
      content: [
        { type: 'text', text: 'Image output of tool call call_shot:' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
      ],
    });
    assert.equal((a3 as ChatAssistantMessage).tool_calls?.[0]?.id, 'call_lost');
    // an unanswered call gets a tool message; an orphan result becomes user text
    assert.deepEqual(t4, { role: 'tool', tool_call_id: 'call_lost', content: NO_RESULT_TEXT });
    assert.deepEqual(u3, { role: 'user', content: 'Result of tool call call_ghost (error):\nno such call\n\nContinue.' });
  });

  it('every tool message answers a call of the assistant message right before it (strict backends)', () => {
    for (const req of [convo, claudeCode]) {
      const out = toChatRequest(req, { strings: TEXT_STRINGS, model: 'm' });
      let open: string[] = [];
      for (const m of out.messages) {
        if (m.role === 'tool') {
          assert.ok(open.includes(m.tool_call_id), `stray tool message ${m.tool_call_id}`);
          open = open.filter((id) => id !== m.tool_call_id);
          continue;
        }
        assert.deepEqual(open, [], `calls left unanswered before a ${m.role} message`);
        open = m.role === 'assistant' ? (m.tool_calls?.map((c) => c.id) ?? []) : [];
        if (m.role === 'assistant' && !m.tool_calls) assert.ok(typeof m.content === 'string' && m.content.trim() !== '');
      }
      assert.deepEqual(open, []);
    }
  });

  it('thinking: dropped by default, sent back as reasoning_content when asked; no signature ever sent', () => {
    const off = toChatRequest(convo, { strings: TEXT_STRINGS, model: 'm' });
    assert.ok(off.messages.every((m) => m.role !== 'assistant' || !('reasoning_content' in m)));
    const on = toChatRequest(convo, { strings: TEXT_STRINGS, model: 'm', reasoningSendBack: true });
    const assistants = on.messages.filter((m): m is ChatAssistantMessage => m.role === 'assistant');
    assert.deepEqual(
      assistants.map((m) => m.reasoning_content),
      ['I will list then read.', 'Signed by Anthropic.', ''],
    );
    for (const out of [off, on]) {
      const json = JSON.stringify(out);
      assert.ok(!json.includes('infiniproxy-unsigned') && !json.includes('EuYBCk') && !json.includes('EqQBCg'), 'no signatures or redacted data');
    }
  });

  it('strips $schema/format/additionalProperties keywords but keeps a property named "format"', () => {
    const out = toChatRequest(convo, { strings: TEXT_STRINGS, model: 'm', stripSchemaKeys: STRIP });
    assert.deepEqual(out.tools?.[0], {
      type: 'function',
      function: {
        name: 'WebFetch',
        description: 'Fetch a URL.',
        parameters: {
          type: 'object',
          properties: {
            url: { type: 'string', description: 'The URL' },
            format: { type: 'string', enum: ['markdown', 'html'] },
            headers: { type: 'object' },
          },
          required: ['url', 'format'],
        },
      },
    });
    const kept = toChatRequest(convo, { strings: TEXT_STRINGS, model: 'm' });
    assert.equal((kept.tools?.[0]?.function.parameters as Record<string, unknown>).$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  it('stripping does not modify the request', () => {
    const schema = { $schema: 'x', type: 'object', properties: { a: { type: 'string', format: 'uri' } } };
    const copy = structuredClone(schema);
    stripSchemaKeys(schema, STRIP);
    assert.deepEqual(schema, copy);
  });

  it('clamps max_tokens to the route cap, then the global cap; sends user, stop, temperature, top_p; drops top_k', () => {
    const req = mini([{ role: 'user', content: 'x' }], {
      max_tokens: 64000,
      temperature: 0.3,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['END'],
      metadata: { user_id: 'u'.repeat(200) },
    });
    assert.equal(toChatRequest(req, { strings: TEXT_STRINGS, model: 'm', routeMaxTokens: 32000, maxTokensCap: 16384 }).max_tokens, 16384);
    assert.equal(toChatRequest(req, { strings: TEXT_STRINGS, model: 'm', routeMaxTokens: 8192, maxTokensCap: 16384 }).max_tokens, 8192);
    assert.equal(toChatRequest(req, { strings: TEXT_STRINGS, model: 'm', maxTokensCap: null }).max_tokens, 64000);
    const out = toChatRequest(req, { strings: TEXT_STRINGS, model: 'm', maxTokensField: 'max_completion_tokens' });
    assert.equal(out.max_completion_tokens, 64000);
    assert.equal(out.max_tokens, undefined);
    assert.equal(out.temperature, 0.3);
    assert.equal(out.top_p, 0.9);
    assert.equal('top_k' in out, false);
    assert.deepEqual(out.stop, ['END']);
    assert.equal(out.user?.length, MAX_USER_LENGTH);
    assert.equal(out.stream, false);
    assert.equal(out.stream_options, undefined);
    assert.equal(clampMaxTokens(0.5), 1);
  });

  it('chatRequestOptions carries settings and the resolved model', () => {
    const opts = chatRequestOptions(
      { max_tokens_cap: 8000, max_tokens_field: 'max_tokens', reasoning_request: 'thinking', reasoning_send_back: true, strip_schema_keys: ['format'] },
      { model: 'deepseek-chat', maxTokens: 4000 },
      TEXT_STRINGS,
    );
    assert.deepEqual(opts, {
      model: 'deepseek-chat',
      strings: TEXT_STRINGS,
      routeMaxTokens: 4000,
      maxTokensCap: 8000,
      maxTokensField: 'max_tokens',
      reasoningRequest: 'thinking',
      reasoningSendBack: true,
      stripSchemaKeys: ['format'],
    });
    assert.equal(toChatRequest(convo, opts).max_tokens, 4000);
    const completion = toChatRequest(convo, { ...opts, maxTokensField: 'max_completion_tokens' });
    assert.equal(completion.max_completion_tokens, 4000);
    assert.equal(completion.max_tokens, undefined, 'only one of the two fields is sent');
  });
});

describe('tool_choice', () => {
  const tools = [{ name: 'Bash', input_schema: { type: 'object', properties: {} } }];
  const with_ = (tool_choice: unknown) => toChatRequest(mini([{ role: 'user', content: 'x' }], { tools, tool_choice }), { strings: TEXT_STRINGS, model: 'm' });

  it('maps auto, any, tool and none', () => {
    assert.equal(with_({ type: 'auto' }).tool_choice, 'auto');
    assert.equal(with_({ type: 'any' }).tool_choice, 'required');
    assert.deepEqual(with_({ type: 'tool', name: 'Bash' }).tool_choice, { type: 'function', function: { name: 'Bash' } });
    assert.equal(with_({ type: 'none' }).tool_choice, 'none');
    assert.equal(with_(undefined).tool_choice, undefined);
  });

  it('disable_parallel_tool_use → parallel_tool_calls: false', () => {
    assert.equal(with_({ type: 'auto', disable_parallel_tool_use: true }).parallel_tool_calls, false);
    assert.equal(with_({ type: 'auto' }).parallel_tool_calls, undefined);
  });

  it('no tools: no tool_choice either (backends reject it alone)', () => {
    const out = toChatRequest(mini([{ role: 'user', content: 'x' }], { tool_choice: { type: 'any' } }), { strings: TEXT_STRINGS, model: 'm' });
    assert.equal(out.tool_choice, undefined);
    assert.equal(out.tools, undefined);
  });

  it('fills in type and properties for bare schemas', () => {
    const out = toChatRequest(mini([{ role: 'user', content: 'x' }], { tools: [{ name: 'T', input_schema: {} }] }), { strings: TEXT_STRINGS, model: 'm' });
    assert.deepEqual(out.tools?.[0]?.function.parameters, { type: 'object', properties: {} });
  });
});

describe('reasoning switch', () => {
  const req = (thinking?: unknown, effort?: string) =>
    mini([{ role: 'user', content: 'x' }], { ...(thinking ? { thinking } : {}), ...(effort ? { output_config: { effort } } : {}) });
  const fields = (style: ReasoningRequestStyle, r: MessagesRequest) => {
    const { model: _m, messages: _ms, stream: _s, max_tokens: _mt, ...rest } = toChatRequest(r, { strings: TEXT_STRINGS, model: 'm', reasoningRequest: style });
    return rest;
  };

  it('enabled/adaptive → each style’s on form, effort from output_config or budget', () => {
    assert.deepEqual(fields('reasoning_effort', req({ type: 'enabled', budget_tokens: 4000 })), { reasoning_effort: 'low' });
    assert.deepEqual(fields('reasoning_effort', req({ type: 'enabled', budget_tokens: 10000 })), { reasoning_effort: 'medium' });
    assert.deepEqual(fields('reasoning_effort', req({ type: 'enabled', budget_tokens: 31999 })), { reasoning_effort: 'high' });
    assert.deepEqual(fields('reasoning_effort', req({ type: 'adaptive' }, 'high')), { reasoning_effort: 'high' });
    assert.deepEqual(fields('reasoning_effort', req({ type: 'adaptive' })), { reasoning_effort: 'medium' });
    assert.deepEqual(fields('thinking', req({ type: 'adaptive' })), { thinking: { type: 'enabled' } });
    assert.deepEqual(fields('enable_thinking', req({ type: 'enabled', budget_tokens: 2048 })), { enable_thinking: true, thinking_budget: 2048 });
    assert.deepEqual(fields('chat_template_kwargs', req({ type: 'adaptive' })), { chat_template_kwargs: { enable_thinking: true } });
    assert.deepEqual(fields('openrouter', req({ type: 'adaptive' }, 'max')), { reasoning: { effort: 'high' } });
    assert.deepEqual(fields('none', req({ type: 'adaptive' })), {});
  });

  it('disabled or absent → the off form where one exists', () => {
    for (const r of [req({ type: 'disabled' }), req()]) {
      assert.deepEqual(fields('reasoning_effort', r), {});
      assert.deepEqual(fields('thinking', r), { thinking: { type: 'disabled' } });
      assert.deepEqual(fields('enable_thinking', r), { enable_thinking: false });
      assert.deepEqual(fields('chat_template_kwargs', r), { chat_template_kwargs: { enable_thinking: false } });
      assert.deepEqual(fields('openrouter', r), { reasoning: { enabled: false } });
      assert.deepEqual(fields('none', r), {});
    }
  });
});

describe('toChatMessages edge cases', () => {
  const keep = { inlineSystem: 'keep' as const, reasoningSendBack: false };
  const merge = { inlineSystem: 'merge-into-user' as const, reasoningSendBack: false };
  const call = (id: string) => ({ type: 'tool_use', id, name: 'Bash', input: {} });
  const result = (id: string, content: unknown = 'ok', is_error?: boolean) => ({ type: 'tool_result', tool_use_id: id, content, ...(is_error ? { is_error } : {}) });

  it('merge-into-user: system after a user message joins it; leading system joins the top system', () => {
    const req = mini([
      { role: 'system', content: 'S0' },
      { role: 'user', content: 'U1' },
      { role: 'system', content: 'S1' },
      { role: 'assistant', content: 'A1' },
      { role: 'system', content: 'S2' },
      { role: 'user', content: 'U2' },
    ], { system: 'TOP' });
    assert.deepEqual(toChatMessages(req.system, req.messages, merge), [
      { role: 'system', content: 'TOP\n\nS0' },
      { role: 'user', content: 'U1\n\nS1' },
      { role: 'assistant', content: 'A1' },
      { role: 'user', content: 'S2\n\nU2' },
    ]);
  });

  it('a system message between tool calls and their results waits until after the tool messages', () => {
    const req = mini([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [call('c1')] },
      { role: 'system', content: 'NOTE' },
      { role: 'user', content: [result('c1')] },
    ]);
    assert.equal(roles(toChatMessages(undefined, req.messages, keep)), 'user,assistant,tool,system');
    const merged = toChatMessages(undefined, req.messages, merge);
    assert.equal(roles(merged), 'user,assistant,tool,user');
    assert.deepEqual(merged.at(-1), { role: 'user', content: 'NOTE' });
  });

  it('is_error results are prefixed once; empty results read (no output)', () => {
    const req = mini([
      { role: 'user', content: 'go' },
      { role: 'assistant', content: [call('a'), call('b'), call('c')] },
      { role: 'user', content: [result('a', 'boom', true), result('b', 'Error: already said', true), result('c', '')] },
    ]);
    const tools = toChatMessages(undefined, req.messages, keep).filter((m) => m.role === 'tool');
    assert.deepEqual(tools.map((m) => m.content), ['Error: boom', 'Error: already said', EMPTY_RESULT_TEXT]);
  });

  it('drops empty assistant messages and empty user turns; keeps an assistant prefill last', () => {
    const req = mini([
      { role: 'user', content: 'q' },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }] },
      { role: 'assistant', content: '' },
      { role: 'user', content: '' },
      { role: 'user', content: 'again' },
      { role: 'assistant', content: 'Prefill' },
    ]);
    assert.deepEqual(toChatMessages(undefined, req.messages, keep), [
      { role: 'user', content: 'q' },
      { role: 'user', content: 'again' },
      { role: 'assistant', content: 'Prefill' },
    ]);
  });

  it('a conversation ending in unanswered calls gets no-result tool messages', () => {
    const req = mini([{ role: 'user', content: 'go' }, { role: 'assistant', content: [call('x')] }]);
    assert.deepEqual(toChatMessages(undefined, req.messages, keep).at(-1), { role: 'tool', tool_call_id: 'x', content: NO_RESULT_TEXT });
  });

  it('a results turn after a text-only assistant message: every result is an orphan, as user text', () => {
    const req = mini([{ role: 'user', content: 'go' }, { role: 'assistant', content: 'hi' }, { role: 'user', content: [result('nope', 'data')] }]);
    const out = toChatMessages(undefined, req.messages, keep);
    assert.equal(roles(out), 'user,assistant,user');
    assert.deepEqual(out[2], { role: 'user', content: 'Result of tool call nope:\ndata' });
  });

  it('user images: base64 → data: URL, url → url, in order with text', () => {
    const req = mini([
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } },
        ],
      },
    ]);
    assert.deepEqual(toChatMessages(undefined, req.messages, keep), [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'look' },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,AAAA' } },
        ],
      },
    ]);
  });

  it('does not modify its input', () => {
    const copy = structuredClone(convo);
    toChatRequest(convo, { strings: TEXT_STRINGS, model: 'm', inlineSystem: 'merge-into-user', reasoningSendBack: true, stripSchemaKeys: STRIP });
    assert.deepEqual(convo, copy);
  });
});
