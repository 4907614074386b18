/**
 * `POST /v1/messages` (non-streamed), `/v1/messages/count_tokens` and `GET /v1/models` over real HTTP, driven by
 * the official Anthropic SDK against the proxy in front of the strict scripted backend: what the client gets back,
 * what the backend received, and what the proxy recorded.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { postAnthropic, startAnthropicHarness } from '../support/anthropic-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { asciiJson } from '../support/ascii-json';
import { loggedEntry } from '../support/request-log';

/** A 1×1 transparent PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const BASH_TOOL: Anthropic.Tool = {
  name: 'Bash',
  description: 'Run a shell command',
  input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
};

describe('POST /v1/messages through the Anthropic SDK', () => {
  let h: ProxyHarness;
  let client: Anthropic;

  before(async () => ({ h, client } = await startAnthropicHarness({ backendOptions: { maxTokensLimit: 8192, rejectSchemaKeys: ['$schema', 'format'] } })));
  after(() => h.close());
  beforeEach(async () => {
    h.backend.reset();
    await h.runtime.admin.updateSettings({ model_routes: [], max_tokens_cap: null, retries: 0, strip_schema_keys: ['$schema'] });
  });

  // An explicit timeout: the SDK refuses non-streamed requests whose max_tokens could take longer than 10 minutes.
  const ask = (over: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}): Promise<Anthropic.Message> =>
    client.messages.create(
      { model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }], ...over },
      { timeout: 30_000 },
    );

  test('a text answer, reporting the requested model and the backend usage (cached tokens apart)', async () => {
    h.backend.reply({
      text: 'Hello there!',
      usage: { prompt_tokens: 100, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 60 } },
    });
    const message = await ask();
    assert.equal(message.type, 'message');
    assert.equal(message.role, 'assistant');
    assert.match(message.id, /^msg_/);
    assert.equal(message.model, 'claude-sonnet-4-6');
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello there!' }]);
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.input_tokens, 40, 'prompt_tokens minus cached');
    assert.equal(message.usage.cache_read_input_tokens, 60);
    assert.equal(message.usage.output_tokens, 7);

    const sent = h.backend.chatRequests[0]!;
    assert.equal(sent.body.model, 'scripted-model', 'no route: the default model');
    assert.equal(sent.body.stream, false);
    assert.equal(sent.headers.authorization, `Bearer ${h.backend.apiKey}`, 'the backend key, not the client key');
    assert.ok(!sent.raw.includes(h.apiKey), 'the client key never reaches the backend');
  });

  test('a tool call: stop_reason tool_use, arguments parsed, the backend id kept', async () => {
    h.backend.reply({ toolCalls: [{ id: 'call_5axp0hn4', name: 'Bash', arguments: { command: 'ls -la' } }] });
    const message = await ask({ tools: [BASH_TOOL] });
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(message.content, [{ type: 'tool_use', id: 'call_5axp0hn4', name: 'Bash', input: { command: 'ls -la' } }]);
  });

  test('reasoning_content becomes a signed thinking block ahead of the text', async () => {
    h.backend.reply({ reasoning: 'The user greets; greet back.', text: 'Hi!' });
    const message = await ask();
    assert.equal(message.content.length, 2);
    const [thinking, text] = message.content;
    assert.equal(thinking?.type, 'thinking');
    if (thinking?.type === 'thinking') {
      assert.equal(thinking.thinking, 'The user greets; greet back.');
      assert.ok(thinking.signature.length > 0, 'a signature is present');
    }
    assert.deepEqual(text, { type: 'text', text: 'Hi!' });
  });

  test('the request the backend receives: system, images, tool turns in order, tools, stop, user', async () => {
    h.backend.reply({ text: 'Summary.' });
    await ask({
      system: [
        { type: 'text', text: 'You are terse.', cache_control: { type: 'ephemeral' } },
        { type: 'text', text: 'Answer in English.' },
      ],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in the directory?', cache_control: { type: 'ephemeral' } },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
          ],
        },
        {
          role: 'assistant',
          content: [
            { type: 'text', text: 'Looking.' },
            { type: 'tool_use', id: 'toolu_a', name: 'Bash', input: { command: 'ls' } },
            { type: 'tool_use', id: 'toolu_b', name: 'Bash', input: { command: 'pwd' } },
          ],
        },
        {
          role: 'user',
          content: [
            // Completion order, not call order, as Claude Code may send them; the text comes first here.
            { type: 'text', text: 'Now summarise.' },
            { type: 'tool_result', tool_use_id: 'toolu_b', content: '/work' },
            { type: 'tool_result', tool_use_id: 'toolu_a', content: [{ type: 'text', text: 'a.txt' }], cache_control: { type: 'ephemeral' } },
          ],
        },
      ],
      tools: [BASH_TOOL],
      tool_choice: { type: 'tool', name: 'Bash' },
      stop_sequences: ['END'],
      metadata: { user_id: 'user-42' },
    });
    const sent = h.backend.chatRequests[0]!;
    assert.ok(!sent.raw.includes('cache_control'), 'cache_control is dropped everywhere');
    assert.deepEqual(sent.body.messages, [
      { role: 'system', content: 'You are terse.\n\nAnswer in English.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in the directory?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` } },
        ],
      },
      {
        role: 'assistant',
        content: 'Looking.',
        tool_calls: [
          { id: 'toolu_a', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } },
          { id: 'toolu_b', type: 'function', function: { name: 'Bash', arguments: '{"command":"pwd"}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'toolu_a', content: 'a.txt' },
      { role: 'tool', tool_call_id: 'toolu_b', content: '/work' },
      { role: 'user', content: 'Now summarise.' },
    ]);
    assert.deepEqual(sent.body.tools, [
      {
        type: 'function',
        function: { name: 'Bash', description: 'Run a shell command', parameters: BASH_TOOL.input_schema },
      },
    ]);
    assert.deepEqual(sent.body.tool_choice, { type: 'function', function: { name: 'Bash' } });
    assert.deepEqual(sent.body.stop, ['END']);
    assert.equal(sent.body.user, 'user-42');
  });

  test('tool_choice any with parallel use disabled; a system string', async () => {
    h.backend.reply({ toolCalls: [{ name: 'Bash', arguments: { command: 'date' } }] });
    await ask({ system: 'Be brief.', tools: [BASH_TOOL], tool_choice: { type: 'any', disable_parallel_tool_use: true } });
    const sent = h.backend.chatRequests[0]!.body;
    assert.equal(sent.tool_choice, 'required');
    assert.equal(sent.parallel_tool_calls, false);
    assert.deepEqual(sent.messages?.[0], { role: 'system', content: 'Be brief.' });
  });

  test('schema keys a strict backend rejects are stripped as configured, at every depth', async () => {
    await h.runtime.admin.updateSettings({ strip_schema_keys: ['$schema', 'format'] });
    h.backend.reply({ text: 'fetched' });
    const fetchTool: Anthropic.Tool = {
      name: 'WebFetch',
      description: 'Fetch a URL',
      input_schema: {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
        properties: { url: { type: 'string', format: 'uri' }, headers: { type: 'array', items: { type: 'string', format: 'byte' } } },
        required: ['url'],
        additionalProperties: false,
      },
    };
    const message = await ask({ tools: [fetchTool] });
    assert.deepEqual(message.content, [{ type: 'text', text: 'fetched' }]);
    assert.deepEqual(h.backend.chatRequests[0]?.body.tools?.[0]?.function.parameters, {
      type: 'object',
      properties: { url: { type: 'string' }, headers: { type: 'array', items: { type: 'string' } } },
      required: ['url'],
      additionalProperties: false,
    });
  });

  test('Claude Code\'s body on ?beta=true: a system message inside messages, sampling kept, Anthropic-only fields ignored', async () => {
    h.backend.reply({ text: 'ok' });
    const body = {
      model: 'claude-opus-4-8',
      max_tokens: 1000,
      system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'first question' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'first answer' }] },
        { role: 'system', content: 'The date changed.' },
        { role: 'user', content: [{ type: 'text', text: 'second question' }] },
      ],
      temperature: 0.2,
      top_p: 0.9,
      thinking: { type: 'adaptive' },
      output_config: { effort: 'high' },
      context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
      metadata: { user_id: JSON.stringify({ device_id: 'd'.repeat(64), session_id: 's'.repeat(36) }) },
    };
    const res = await postAnthropic(h, JSON.stringify(body), '/v1/messages?beta=true');
    assert.equal(res.status, 200, await res.clone().text());
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const message = (await res.json()) as Anthropic.Message;
    assert.deepEqual(message.content, [{ type: 'text', text: 'ok' }]);

    const sent = h.backend.chatRequests[0]!;
    const texts = (sent.body.messages ?? []).map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content)));
    const at = texts.findIndex((t) => t.includes('The date changed.'));
    assert.ok(at > texts.findIndex((t) => t.includes('first answer')), 'the mid-conversation system text stays after the answer');
    assert.ok(at < texts.findIndex((t) => t.includes('second question')) || texts[at]?.includes('second question'));
    assert.equal(sent.body.temperature, 0.2);
    assert.equal(sent.body.top_p, 0.9);
    for (const field of ['thinking', 'output_config', 'context_management', 'metadata']) {
      assert.equal(field in sent.body, false, `${field} is not sent to the backend`);
    }
    assert.ok(typeof sent.body.user === 'string' && sent.body.user.length <= 64, 'a long user_id is cut to a length backends accept');
  });

  test('model routes: a tier maps to its backend model and cap; max_tokens 64000 is clamped; the answer names the Claude model', async () => {
    await h.runtime.admin.updateSettings({
      model_routes: [
        { match: 'opus', model: 'big-model', max_tokens: 4096 },
        { match: 'haiku', model: 'small-model' },
      ],
    });
    h.backend.reply({ text: 'from big' }, { text: 'from small' });
    const opus = await ask({ model: 'claude-opus-4-8', max_tokens: 64000 });
    assert.equal(opus.model, 'claude-opus-4-8');
    assert.equal(h.backend.chatRequests[0]?.body.model, 'big-model');
    assert.equal(h.backend.chatRequests[0]?.body.max_tokens, 4096);

    const haiku = await ask({ model: 'claude-3-5-haiku-latest', max_tokens: 500 });
    assert.equal(haiku.model, 'claude-3-5-haiku-latest');
    assert.equal(h.backend.chatRequests[1]?.body.model, 'small-model');
    assert.equal(h.backend.chatRequests[1]?.body.max_tokens, 500, 'under the cap: unchanged');

    const entry = await loggedEntry(h, (e) => e.model === 'claude-opus-4-8');
    assert.equal(entry.backend_model, 'big-model');
    assert.equal(entry.endpoint, '/v1/messages');
  });

  test('texts in any script reach the backend exactly, sent as characters or as \\u escapes; a non-ASCII model routes', async () => {
    await h.runtime.admin.updateSettings({ model_routes: [{ match: 'claude-中文*', model: 'modèle-β' }] });
    const text = 'naïve — 中文 😀 \u00a0\u2028 "quoted" \\ tab\t';
    const request = {
      model: 'claude-中文-1',
      max_tokens: 100,
      system: `System ${text}`,
      stop_sequences: [`Stop ${text}`],
      metadata: { user_id: `user-${text}` },
      tools: [{ ...BASH_TOOL, description: `Tool ${text}`, input_schema: { type: 'object' as const, properties: { [`arg ${text}`]: { type: 'string' } } } }],
      messages: [{ role: 'user' as const, content: `User ${text}` }],
    };
    const expectSent = (i: number): void => {
      const body = h.backend.chatRequests[i]?.body;
      assert.equal(body?.model, 'modèle-β');
      assert.deepEqual(
        body?.messages?.map((m) => m.content),
        [`System ${text}`, `User ${text}`],
      );
      assert.deepEqual(body?.stop, [`Stop ${text}`]);
      assert.equal(body?.user, `user-${text}`);
      assert.equal(body?.tools?.[0]?.function.description, `Tool ${text}`);
      assert.deepEqual(Object.keys(body?.tools?.[0]?.function.parameters?.properties ?? {}), [`arg ${text}`]);
    };
    h.backend.reply({ text: `Answer ${text}` }, { text: `Answer ${text}` });
    const message = await ask(request);
    assert.equal(message.model, 'claude-中文-1');
    assert.deepEqual(message.content, [{ type: 'text', text: `Answer ${text}` }]);
    expectSent(0);

    const escaped = await postAnthropic(h, asciiJson(request));
    assert.equal(escaped.status, 200);
    expectSent(1);
    const entry = await loggedEntry(h, (e) => e.model === 'claude-中文-1');
    assert.equal(entry.backend_model, 'modèle-β');
  });

  test('the global max_tokens cap applies without a route', async () => {
    await h.runtime.admin.updateSettings({ max_tokens_cap: 8000 });
    h.backend.reply({ text: 'capped' });
    const message = await ask({ max_tokens: 64000 });
    assert.deepEqual(message.content, [{ type: 'text', text: 'capped' }]);
    assert.equal(h.backend.chatRequests[0]?.body.max_tokens, 8000);
  });

  test('usage is recorded under /v1/messages (request log, aggregates and GET /usage/me)', async () => {
    h.backend.reply({ text: 'counted', usage: { prompt_tokens: 31, completion_tokens: 5 } });
    await ask({ model: 'claude-sonnet-4-6-usage' });
    const entry = await loggedEntry(h, (e) => e.model === 'claude-sonnet-4-6-usage');
    assert.equal(entry.endpoint, '/v1/messages');
    assert.equal(entry.status, 200);
    assert.equal(entry.stream, false);
    assert.equal(entry.input_tokens, 31);
    assert.equal(entry.output_tokens, 5);
    assert.equal(entry.usage_estimated, false);

    const res = await fetch(`${h.url}/usage/me`, { headers: { 'x-api-key': h.apiKey } });
    assert.equal(res.status, 200);
    const usage = (await res.json()) as { usage_by_endpoint: { endpoint: string; model: string; input_tokens: number; output_tokens: number }[] };
    const row = usage.usage_by_endpoint.find((r) => r.endpoint === '/v1/messages' && r.model === 'claude-sonnet-4-6-usage');
    assert.ok(row, JSON.stringify(usage.usage_by_endpoint));
    assert.equal(row.input_tokens, 31);
    assert.equal(row.output_tokens, 5);
  });

  test('a backend without usage: counts are estimated and the log says so', async () => {
    h.backend.reply({ text: 'no usage from me', usage: null });
    const message = await ask({ model: 'claude-sonnet-4-6-estimate', messages: [{ role: 'user', content: 'Count these words please' }] });
    assert.ok(message.usage.input_tokens > 0);
    assert.ok(message.usage.output_tokens > 0);
    const entry = await loggedEntry(h, (e) => e.model === 'claude-sonnet-4-6-estimate');
    assert.equal(entry.usage_estimated, true);
    assert.ok(entry.input_tokens > 0);
  });
});

describe('POST /v1/messages/count_tokens and GET /v1/models through the Anthropic SDK', () => {
  let h: ProxyHarness;
  let client: Anthropic;

  before(async () => ({ h, client } = await startAnthropicHarness()));
  after(() => h.close());

  test('countTokens: a local count, growing with the content, without a backend call', async () => {
    const short = await client.messages.countTokens({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'Hello' }] });
    assert.ok(short.input_tokens > 0);
    const long = await client.messages.countTokens({
      model: 'claude-opus-4-8',
      system: 'You are a careful assistant.',
      messages: [{ role: 'user', content: 'Hello '.repeat(500) }],
      tools: [BASH_TOOL],
    });
    assert.ok(long.input_tokens > short.input_tokens + 400, `${long.input_tokens} vs ${short.input_tokens}`);
    const beta = await postAnthropic(h, JSON.stringify({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'Hello' }] }), '/v1/messages/count_tokens?beta=true');
    assert.equal(beta.status, 200);
    assert.deepEqual(await beta.json(), { input_tokens: short.input_tokens });
    assert.equal(h.backend.chatRequests.length, 0);
  });

  test('countTokens rejects an invalid body with a 400 naming the field', async () => {
    const bad = { model: 'claude-opus-4-8', messages: [{ role: 'user', content: [{ type: 'bogus' }] }] };
    await assert.rejects(
      client.messages.countTokens(bad as unknown as Anthropic.MessageCountTokensParams),
      (err: unknown) => err instanceof Anthropic.BadRequestError && err.type === 'invalid_request_error' && /messages\.0\.content/.test(err.message),
    );
  });

  test('models.list (anthropic-version sent): Anthropic\'s shape with the Claude names served', async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) {
      assert.equal(model.type, 'model');
      assert.equal(typeof model.display_name, 'string');
      assert.ok(!Number.isNaN(Date.parse(model.created_at)));
      ids.push(model.id);
    }
    assert.ok(ids.includes('claude-opus-4-8'), ids.join(', '));
    assert.ok(ids.every((id) => /^(claude|anthropic)/.test(id)));
    assert.equal(h.backend.requests.length, 0, 'no backend call for the Anthropic list');
  });
});
