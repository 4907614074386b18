import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import OpenAI from 'openai';
import { parseChatRequest } from '../../main/translate/chat-schema';
import { startFaultBackend, type FaultBackend } from '../support/fault-backend';

const user = (content: unknown) => ({ role: 'user', content });
const minimal = { model: 'gpt-4o', messages: [user('Hello')] };

/** A request using most of the API, with nulls where the SDK types allow them and backend extensions on top. */
const full = {
  model: 'qwen3-coder',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'developer', content: [{ type: 'text', text: 'Use tools.' }], name: 'ops' },
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is in this image?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBOR', detail: 'low' } },
        { type: 'input_audio', input_audio: { data: 'UklGR', format: 'wav' } },
        { type: 'file', file: { file_id: 'file-1', filename: 'a.pdf' } },
        { type: 'video_url', video_url: { url: 'https://example.com/v.mp4' } },
      ],
    },
    {
      role: 'assistant',
      content: null,
      reasoning_content: 'The user wants the weather.',
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '18 °C' }] },
    { role: 'assistant', content: [{ type: 'text', text: 'It is 18 °C.' }, { type: 'refusal', refusal: 'No more.' }] },
    { role: 'function', name: 'legacy', content: null },
    { role: 'user', content: 'Thanks', name: null },
  ],
  stream: true,
  stream_options: { include_usage: true },
  max_tokens: null,
  max_completion_tokens: 4096,
  temperature: 0,
  top_p: 1,
  n: 1,
  stop: ['\n\n', 'END'],
  presence_penalty: -2,
  frequency_penalty: 2,
  logit_bias: { '50256': -100 },
  logprobs: false,
  top_logprobs: 0,
  seed: -7,
  user: 'u-1',
  tools: [
    {
      type: 'function',
      function: { name: 'weather', description: 'Weather', parameters: { type: 'object', properties: {} }, strict: true },
    },
    { type: 'custom', custom: { name: 'grammar' } },
  ],
  tool_choice: { type: 'function', function: { name: 'weather' } },
  parallel_tool_calls: true,
  response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object' }, strict: true } },
  reasoning_effort: 'high',
  metadata: { team: 'infra' },
  // Backend extensions, at the top and deep inside: they must pass through as they are.
  chat_template_kwargs: { enable_thinking: true },
  top_k: 20,
  extra_body: { anything: [1, { two: 2 }] },
};

describe('valid requests', () => {
  test('a minimal and a full request pass, unchanged (extensions included)', () => {
    for (const body of [minimal, full]) {
      const r = parseChatRequest(structuredClone(body));
      assert.equal(r.ok, true, r.ok ? '' : r.message);
      assert.deepEqual(r.ok && r.value, body);
    }
    const withExtras = { ...minimal, messages: [{ role: 'user', content: [{ type: 'text', text: 'x', cache_control: { type: 'ephemeral' } }] }] };
    const r = parseChatRequest(withExtras);
    assert.deepEqual(r.ok && r.value, withExtras, 'an unknown key inside a content part is kept');
  });

  test('own __proto__ keys are dropped, never turned into a prototype', () => {
    const body = JSON.parse('{"model":"m","messages":[{"role":"user","content":"x","__proto__":{"role":"x"}}],"__proto__":{"polluted":1}}');
    const r = parseChatRequest(body);
    assert.equal(r.ok, true);
    const value = r.ok ? (r.value as Record<string, unknown>) : {};
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(value.polluted, undefined);
    assert.deepEqual(Object.keys(value), ['model', 'messages']);
  });

  test('every tool_choice form and stop form is accepted', () => {
    const choices = ['none', 'auto', 'required', { type: 'custom', custom: { name: 'g' } },
      { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', function: { name: 'w' } }] } }];
    for (const tool_choice of choices) assert.equal(parseChatRequest({ ...minimal, tool_choice }).ok, true, JSON.stringify(tool_choice));
    for (const stop of ['END', [], ['a', 'b'], null]) assert.equal(parseChatRequest({ ...minimal, stop }).ok, true);
  });

  describe('what the official OpenAI SDK sends', () => {
    let backend: FaultBackend;
    before(async () => {
      backend = await startFaultBackend();
    });
    after(() => backend.close());

    test('passes, streamed or not, with tools and a tool round trip', async () => {
      const client = new OpenAI({ apiKey: 'sk-test', baseURL: backend.url, maxRetries: 0 });
      await client.chat.completions.create({
        model: 'm',
        messages: [
          { role: 'system', content: 'sys' },
          { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: 'done' },
        ],
        tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: {} } } }],
        tool_choice: 'auto',
        max_completion_tokens: 100,
        temperature: 0.5,
      });
      const stream = await client.chat.completions.create({
        model: 'm',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      for await (const chunk of stream) void chunk;
      assert.equal(backend.requests.length, 2);
      for (const r of backend.requests) {
        const parsed = parseChatRequest(r.body);
        assert.equal(parsed.ok, true, parsed.ok ? '' : parsed.message);
        assert.deepEqual(parsed.ok && parsed.value, r.body);
      }
    });
  });
});

test('each violation names its field', () => {
  const cases: [unknown, string | null, RegExp][] = [
    ['text', null, /must be a JSON object/],
    [[minimal], null, /must be a JSON object/],
    [{ messages: [user('x')] }, 'model', /^model: required$/],
    [{ model: '', messages: [user('x')] }, 'model', /must not be empty/],
    [{ model: 'm', messages: [] }, 'messages', /^messages: must not be empty$/],
    [
      { model: 'm', messages: [user('a'), user('b'), user([{ type: 'picture' }])] },
      'messages.2.content.0.type',
      /expected one of 'text' \| 'image_url'.*got string 'picture'/,
    ],
    [
      { model: 'm', messages: [{ role: 'bot', content: 'x' }] },
      'messages.0.role',
      /expected one of 'system' \| 'developer' \| 'user' \| 'assistant' \| 'tool' \| 'function'/,
    ],
    [{ model: 'm', messages: [user(42)] }, 'messages.0.content', /expected string or array, got number 42/],
    [{ model: 'm', messages: [user([{ type: 'text' }])] }, 'messages.0.content.0.text', /required/],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages.0.tool_call_id', /required/],
    [{ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: {} } }] }] },
      'messages.0.tool_calls.0.function.arguments', /expected string, got object/],
    [{ ...minimal, stream: 'true' }, 'stream', /expected boolean/],
    [{ ...minimal, stream_options: { include_usage: 1 } }, 'stream_options.include_usage', /expected boolean/],
    [{ ...minimal, max_tokens: 0 }, 'max_tokens', /must be > 0/],
    [{ ...minimal, max_completion_tokens: 10.5 }, 'max_completion_tokens', /expected integer/],
    [{ ...minimal, temperature: 2.1 }, 'temperature', /must be <= 2/],
    [{ ...minimal, temperature: -0.1 }, 'temperature', /must be >= 0/],
    [{ ...minimal, n: 0 }, 'n', /must be > 0/],
    [{ ...minimal, stop: 3 }, 'stop', /expected string or array/],
    [{ ...minimal, tools: [{ type: 'function', function: { description: 'no name' } }] }, 'tools.0.function.name', /required/],
    [{ ...minimal, tools: [{ type: 'retrieval' }] }, 'tools.0.type', /expected one of 'function' \| 'custom'/],
    [{ ...minimal, tool_choice: 'any' }, 'tool_choice', /expected one of 'none' \| 'auto' \| 'required' or object/],
    [{ ...minimal, response_format: { type: 'json_schema' } }, 'response_format.json_schema', /required/],
    [{ ...minimal, metadata: { n: 1 } }, 'metadata.n', /expected string/],
  ];
  for (const [body, param, message] of cases) {
    const r = parseChatRequest(body);
    assert.equal(r.ok, false, `should fail: ${JSON.stringify(body)}`);
    if (r.ok) continue;
    assert.equal(r.param, param, r.message);
    assert.match(r.message, message);
    if (param !== null) assert.ok(r.message.startsWith(`${param}: `), r.message);
  }
});

// ---- property-based ----

const text = fc.string({ maxLength: 20 });
const nullish = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
const textPart = fc.record({ type: fc.constant('text'), text });
const userPart = fc.oneof(
  textPart,
  fc.record({ type: fc.constant('image_url'), image_url: fc.record({ url: fc.webUrl() }, { requiredKeys: ['url'] }) }),
  fc.record({ type: fc.constant('input_audio'), input_audio: fc.record({ data: text, format: fc.constantFrom('wav', 'mp3') }) }),
);
const toolCall = fc.record({
  id: text,
  type: fc.constant('function'),
  function: fc.record({ name: text, arguments: fc.json() }),
});
const message = fc.oneof(
  fc.record({ role: fc.constantFrom('system', 'developer'), content: fc.oneof(text, fc.array(textPart, { maxLength: 3 })) }),
  fc.record(
    { role: fc.constant('user'), content: fc.oneof(text, fc.array(userPart, { maxLength: 3 })), name: nullish(text) },
    { requiredKeys: ['role', 'content'] },
  ),
  fc.record(
    { role: fc.constant('assistant'), content: nullish(text), tool_calls: fc.array(toolCall, { maxLength: 2 }) },
    { requiredKeys: ['role'] },
  ),
  fc.record({ role: fc.constant('tool'), content: text, tool_call_id: text }),
);
const validRequest = fc.record(
  {
    model: fc.string({ minLength: 1, maxLength: 20 }),
    messages: fc.array(message, { minLength: 1, maxLength: 5 }),
    stream: nullish(fc.boolean()),
    stream_options: fc.record({ include_usage: fc.boolean() }),
    max_tokens: fc.integer({ min: 1, max: 200_000 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    stop: fc.oneof(text, fc.array(text, { maxLength: 4 })),
    tools: fc.array(fc.record({ type: fc.constant('function'), function: fc.record({ name: fc.string({ minLength: 1 }) }) }), { maxLength: 2 }),
    tool_choice: fc.constantFrom('auto', 'none', 'required'),
    top_k: fc.jsonValue(),
  },
  { requiredKeys: ['model', 'messages'] },
);

type Json = unknown;
/** A JSON value without own `__proto__` keys (the parser drops them from the objects it checks; see the test above). */
function withoutProto(v: Json): Json {
  if (Array.isArray(v)) return v.map(withoutProto);
  if (typeof v !== 'object' || v === null) return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => k !== '__proto__').map(([k, x]) => [k, withoutProto(x)]));
}
/** Every path into a JSON value below its root. */
function paths(v: Json, base: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(v)) return v.flatMap((x, i) => [[...base, i], ...paths(x, [...base, i])]);
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v).flatMap(([k, x]) => [[...base, k], ...paths(x, [...base, k])]);
  }
  return [];
}

function mutate(root: Json, path: (string | number)[], action: 'replace' | 'delete', value: Json): void {
  let parent = root as Record<string | number, Json>;
  for (const seg of path.slice(0, -1)) parent = parent[seg] as Record<string | number, Json>;
  const last = path[path.length - 1] as string | number;
  if (action === 'delete' && !Array.isArray(parent)) delete parent[last];
  else parent[last] = value;
}

/** Whether every segment but the last of `param` names something present in `value`. */
function parentExists(value: Json, param: string): boolean {
  let at = value;
  for (const seg of param.split('.').slice(0, -1)) {
    if (typeof at !== 'object' || at === null || !(seg in at)) return false;
    at = (at as Record<string, Json>)[seg];
  }
  return true;
}

test('property: generated valid requests pass unchanged', () => {
  fc.assert(
    fc.property(validRequest, (generated) => {
      const body = structuredClone(generated); // plain objects, as JSON.parse makes them
      const r = parseChatRequest(structuredClone(body));
      assert.equal(r.ok, true, r.ok ? '' : r.message);
      assert.deepEqual(r.ok && r.value, body);
    }),
    { numRuns: 300 },
  );
});

test('property: mutated requests never throw; they pass unchanged or name a field that is there', () => {
  let passed = 0;
  let failed = 0;
  const replacement = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(undefined, null, '', 0, -1, 1.5, 3, [], {}, 'x'));
  fc.assert(
    fc.property(validRequest, fc.nat(), fc.constantFrom('replace', 'delete'), replacement, (body, pick, action, value) => {
      const all = paths(body);
      const path = all[pick % all.length] as (string | number)[];
      const input = structuredClone(body) as Json;
      mutate(input, path, action as 'replace' | 'delete', value);
      const snapshot = structuredClone(input);
      const r = parseChatRequest(input);
      if (r.ok) {
        passed += 1;
        // zod drops own `__proto__` keys of the objects it checks, not of values it passes through (unknown fields).
        assert.deepEqual(withoutProto(r.value), withoutProto(snapshot));
        return;
      }
      failed += 1;
      assert.equal(typeof r.param, 'string', `a field is named: ${r.message}`);
      const param = r.param as string;
      assert.ok(r.message.startsWith(`${param}: `) && r.message.length > param.length + 2, r.message);
      assert.ok(parentExists(snapshot, param), `${param} points into the request`);
      assert.deepEqual(input, snapshot, 'the input is left as it was');
    }),
    { numRuns: 1000 },
  );
  assert.ok(passed > 0 && failed > 0, `mutations both passed (${passed}) and failed (${failed})`);
});
