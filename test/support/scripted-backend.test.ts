import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startScriptedBackend } from './scripted-backend';
import type { ScriptedBackend } from './scripted-backend';
import { validateChatRequest } from './chat-validation';

describe('scripted backend', () => {
  let backend: ScriptedBackend;
  let client: OpenAI;
  before(async () => {
    backend = await startScriptedBackend({ apiKey: 'bk-test', maxTokensLimit: 8192, models: ['a', 'b'] });
    client = new OpenAI({ baseURL: backend.url, apiKey: 'bk-test', maxRetries: 0 });
  });
  after(() => backend.close());
  beforeEach(() => backend.reset());

  test('requires its key, lists models, records requests', async () => {
    const wrong = new OpenAI({ baseURL: backend.url, apiKey: 'nope', maxRetries: 0 });
    await assert.rejects(wrong.models.list(), OpenAI.AuthenticationError);
    assert.deepEqual((await client.models.list()).data.map((m) => m.id), ['a', 'b']);
    assert.equal(backend.requests.length, 2);
    assert.equal(backend.requests[1]?.headers.authorization, 'Bearer bk-test');
  });

  test('answers text, reasoning and tool calls, non-streamed and streamed', async () => {
    const reply = { text: 'Let me look.', reasoning: 'thinking…', toolCalls: [{ id: 'call_1', name: 'Bash', arguments: { command: 'ls' } }] };
    backend.reply(reply, reply);
    const plain = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    const msg = plain.choices[0]!.message as OpenAI.ChatCompletionMessage & { reasoning_content?: string };
    assert.equal(msg.content, 'Let me look.');
    assert.equal(msg.reasoning_content, 'thinking…');
    assert.equal(msg.tool_calls?.[0]?.id, 'call_1');
    assert.equal(plain.choices[0]?.finish_reason, 'tool_calls');

    const stream = await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], stream: true });
    let text = '';
    let args = '';
    let finish: string | null = null;
    let usageSeen = false;
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? '';
      args += c.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = c.choices[0]?.finish_reason ?? finish;
      if (c.usage) usageSeen = true;
    }
    assert.equal(text, 'Let me look.');
    assert.deepEqual(JSON.parse(args), { command: 'ls' });
    assert.equal(finish, 'tool_calls');
    assert.equal(usageSeen, false, 'no usage chunk unless asked for');
  });

  test('honours stream_options.include_usage and reports scripted errors', async () => {
    backend.reply({ text: 'x', usage: { prompt_tokens: 3, completion_tokens: 1 } });
    const stream = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const c of stream) usage = c.usage ?? usage;
    assert.deepEqual(usage, { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 });

    backend.reply({ error: { status: 500, body: { error: { message: 'boom', type: 'server_error' } } } });
    await assert.rejects(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }), OpenAI.InternalServerError);
    assert.equal(backend.pending(), 0);
  });

  test('rejects what strict backends reject, without taking a queued reply', async () => {
    backend.reply({ text: 'kept' });
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64000 }),
      (e: unknown) => e instanceof OpenAI.BadRequestError && /max_tokens is too large: 64000/.test(e.message),
    );
    assert.equal(backend.pending(), 1);
  });
});

describe('validateChatRequest', () => {
  const user = { role: 'user', content: 'hi' };
  const call = (id: string) => ({ id, type: 'function', function: { name: 'f', arguments: '{}' } });
  const v = (messages: unknown[], extra: Record<string, unknown> = {}) => validateChatRequest({ model: 'm', messages, ...extra })?.message ?? null;

  test('accepts a well-formed tool round trip, parallel calls in any order', () => {
    assert.equal(
      v([user, { role: 'assistant', content: null, tool_calls: [call('a'), call('b')] }, { role: 'tool', tool_call_id: 'b', content: 'B' }, { role: 'tool', tool_call_id: 'a', content: 'A' }, user]),
      null,
    );
    assert.equal(v([{ role: 'user', content: [{ type: 'text', text: 'x' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA' } }] }]), null);
  });

  test('rejects the mistakes translators make', () => {
    assert.match(v([user, { role: 'tool', tool_call_id: 'x', content: 'r' }]) ?? '', /preceeding message with 'tool_calls'/);
    assert.match(v([user, { role: 'assistant', tool_calls: [call('a'), call('b')] }, { role: 'tool', tool_call_id: 'a', content: 'A' }, user]) ?? '', /did not have response messages: b/);
    assert.match(v([user, { role: 'assistant', tool_calls: [call('a')] }]) ?? '', /did not have response messages: a/);
    assert.match(v([user, { role: 'assistant', tool_calls: [{ ...call('a'), function: { name: 'f', arguments: '{bad' } }] }, { role: 'tool', tool_call_id: 'a', content: 'A' }]) ?? '', /not valid JSON/);
    assert.match(v([user, { role: 'assistant', content: '' }]) ?? '', /must have 'content' or 'tool_calls'/);
    assert.match(v([{ role: 'developer', content: 'x' }]) ?? '', /Supported values/);
    assert.match(v([{ role: 'user', content: [{ type: 'image', source: {} }] }]) ?? '', /text or image_url/);
    assert.match(v([user], { stream_options: { include_usage: true } }) ?? '', /only allowed when 'stream' is enabled/);
    assert.match(v([]) ?? '', /empty array/);
    assert.match(
      validateChatRequest(
        { model: 'm', messages: [user], tools: [{ type: 'function', function: { name: 't', parameters: { $schema: 'x', type: 'object' } } }] },
        { rejectSchemaKeys: ['$schema'] },
      )?.message ?? '',
      /'\$schema' is not supported/,
    );
    const schema = { type: 'object', properties: { format: { type: 'string', format: 'uri' } } };
    const tools = [{ type: 'function', function: { name: 't', parameters: schema } }];
    assert.match(validateChatRequest({ model: 'm', messages: [user], tools }, { rejectSchemaKeys: ['format'] })?.message ?? '', /'format'/);
    const named = [{ type: 'function', function: { name: 't', parameters: { type: 'object', properties: { format: { type: 'string' } } } } }];
    assert.equal(validateChatRequest({ model: 'm', messages: [user], tools: named }, { rejectSchemaKeys: ['format'] }), null, 'a property named format is fine');
  });
});
