/**
 * Property-based fuzzing of both APIs over real HTTP: fast-check mutates valid /v1/messages and /v1/chat/completions
 * bodies (fields dropped or replaced, wrong types, huge strings, deep nesting, lone surrogates, invalid UTF-8,
 * truncated JSON, other roots) and sends them to a running proxy in front of a strict scripted backend. Whatever
 * arrives, the proxy never answers 5xx, never hangs (each request is bounded), stays alive, and every 4xx is in the
 * route's own error format. Counterexamples print fast-check's seed and path for replay.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

/** Runs per endpoint (a few thousand requests in all). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
/** A request still unanswered after this counts as hung. */
const BOUND_MS = 15_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const chatBody: Json = {
  model: 'scripted-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: [{ type: 'text', text: 'What is the weather?' }] },
    {
      role: 'assistant',
      content: null,
      tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
    },
    { role: 'tool', tool_call_id: 'call_1', content: '18 °C' },
    { role: 'user', content: 'Thanks' },
  ],
  tools: [{ type: 'function', function: { name: 'weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
  tool_choice: 'auto',
  max_tokens: 100,
  temperature: 0.5,
  stream: false,
};

const messagesBody: Json = {
  model: 'claude-sonnet-4-5',
  max_tokens: 1000,
  system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: 'List the files.' },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'Use Bash.', signature: 'sig' },
        { type: 'text', text: 'Listing.' },
        { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt\nb.txt' }], is_error: false },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'text', text: 'What now?' },
      ],
    },
  ],
  tools: [
    {
      name: 'Bash',
      description: 'Run a command',
      input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] },
    },
  ],
  tool_choice: { type: 'auto' },
  thinking: { type: 'enabled', budget_tokens: 1024 },
  metadata: { user_id: 'u1' },
  stop_sequences: ['END'],
  temperature: 1,
  stream: false,
};

/** One change to a JSON value at the node picked by `at` (an index into its nodes, modulo their count). */
type Mutation =
  | { op: 'drop'; at: number }
  | { op: 'replace'; at: number; value: Json }
  | { op: 'nest'; at: number; depth: number }
  | { op: 'huge'; at: number; kb: number };

/** How the serialised body is then broken at the byte level. */
type ByteFault =
  | { kind: 'none' }
  | { kind: 'truncate'; at: number }
  | { kind: 'invalid-utf8'; at: number }
  | { kind: 'lone-surrogate'; at: number }
  | { kind: 'root'; text: string };

const strange = fc.constantFrom<Json>(
  '\ud800',
  'a\udfffb',
  '\u0000',
  '🙂'.repeat(3),
  '\u202e',
  -1,
  0,
  1e308,
  -1e-308,
  2 ** 53 + 1,
  '',
  [],
  {},
  null,
  true,
  '{"nested": "json"}',
  '__proto__',
  { __proto__: { polluted: true } } as unknown as Json,
  { constructor: { prototype: { polluted: true } } },
);

const jsonValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> },
  { weight: 2, arbitrary: strange },
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constant('drop' as const), at: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: jsonValue }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('nest' as const), at: fc.nat(), depth: fc.constantFrom(50, 250, 1000, 20_000, 200_000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('huge' as const), at: fc.nat(), kb: fc.constantFrom(64, 1024) }) },
);

const byteFault: fc.Arbitrary<ByteFault> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid-utf8' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lone-surrogate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('root' as const),
      text: fc.constantFrom('', 'null', '[]', '"text"', '42', '[{"model":"x"}]', '{', '{}', '{"a":1,}', 'NaN', '\ufeff{}'),
    }),
  },
);

/** The container nodes of a JSON value with their parent links, in a stable order (the root first). */
function nodes(root: Json): { parent: Json[] | { [k: string]: Json } | null; key: string | number | null; value: Json }[] {
  const out: { parent: Json[] | { [k: string]: Json } | null; key: string | number | null; value: Json }[] = [
    { parent: null, key: null, value: root },
  ];
  for (let i = 0; i < out.length; i++) {
    const v = out[i]!.value;
    if (Array.isArray(v)) v.forEach((child, k) => out.push({ parent: v, key: k, value: child }));
    else if (v && typeof v === 'object') for (const [k, child] of Object.entries(v)) out.push({ parent: v, key: k, value: child });
  }
  return out;
}

/** A placeholder for a value nested `depth` deep, expanded in the serialised text (JSON.stringify would overflow). */
const nestToken = (depth: number): string => `__nest_${depth}__`;

/** Replaces the nesting placeholders in serialised JSON with `[{"d":[{"d":…"deep"…}]}]` of that depth. */
function expandNesting(text: string): string {
  return text.replace(/"__nest_(\d+)__"/g, (_m, depth: string) => {
    const half = Math.ceil(Number(depth) / 2);
    return `${'[{"d":'.repeat(half)}"deep"${'}]'.repeat(half)}`;
  });
}

/** A mutated copy of `base` (the root is never dropped or replaced: byte faults cover other roots). */
function mutate(base: Json, mutations: Mutation[]): Json {
  const body = structuredClone(base);
  for (const m of mutations) {
    const all = nodes(body).slice(1);
    const target = all[m.at % all.length];
    if (!target?.parent || target.key === null) continue;
    const { parent, key } = target;
    const set = (value: Json): void => {
      if (Array.isArray(parent)) parent[key as number] = value;
      else parent[key as string] = value;
    };
    switch (m.op) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete parent[key as string];
        break;
      case 'replace':
        set(m.value);
        break;
      case 'nest':
        set(nestToken(m.depth));
        break;
      case 'huge':
        set('x'.repeat(m.kb * 1024));
        break;
    }
  }
  return body;
}

/** Serialises (nesting placeholders expanded) and applies the byte fault. */
function bytesOf(body: Json, fault: ByteFault): Buffer {
  const text = expandNesting(JSON.stringify(body));
  const buf = Buffer.from(text, 'utf8');
  switch (fault.kind) {
    case 'none':
      return buf;
    case 'truncate':
      return buf.subarray(0, fault.at % Math.max(1, buf.length));
    case 'invalid-utf8': {
      const at = fault.at % Math.max(1, buf.length);
      return Buffer.concat([buf.subarray(0, at), Buffer.from([0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80]), buf.subarray(at)]);
    }
    case 'lone-surrogate': {
      // Inside the first string value after `at`, as a JSON escape.
      const from = fault.at % Math.max(1, text.length);
      const quote = text.indexOf('"', from);
      if (quote < 0) return buf;
      return Buffer.from(`${text.slice(0, quote + 1)}\\udc00${text.slice(quote + 1)}`, 'utf8');
    }
    case 'root':
      return Buffer.from(fault.text, 'utf8');
  }
}

interface Api {
  path: string;
  base: Json;
  headers: (key: string) => Record<string, string>;
  /** Asserts a 4xx body is in the route's format. */
  checkError: (status: number, text: string) => void;
}

const apis: Api[] = [
  {
    path: '/v1/chat/completions',
    base: chatBody,
    headers: (key) => ({ authorization: `Bearer ${key}` }),
    checkError(status, text) {
      const body = JSON.parse(text) as { error?: { message?: unknown; type?: unknown } };
      assert.ok(typeof body.error?.message === 'string' && typeof body.error.type === 'string', `${status} not OpenAI-shaped: ${text.slice(0, 300)}`);
    },
  },
  {
    path: '/v1/messages',
    base: messagesBody,
    headers: (key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
    checkError(status, text) {
      const body = JSON.parse(text) as { type?: unknown; error?: { message?: unknown; type?: unknown } };
      assert.equal(body.type, 'error', `${status} not Anthropic-shaped: ${text.slice(0, 300)}`);
      assert.ok(typeof body.error?.message === 'string' && typeof body.error.type === 'string', text.slice(0, 300));
    },
  },
];

describe(`fuzz: ${RUNS} mutated bodies per endpoint over HTTP`, () => {
  let h: ProxyHarness;

  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  /** POSTs raw bytes; resolves with the status and the whole body. Fails on a hang. */
  async function post(api: Api, bytes: Buffer): Promise<{ status: number; text: string }> {
    const signal = AbortSignal.timeout(BOUND_MS);
    try {
      const res = await fetch(`${h.url}${api.path}`, {
        method: 'POST',
        headers: { ...api.headers(h.apiKey), 'content-type': 'application/json' },
        body: bytes,
        signal,
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      assert.fail(`${api.path}: ${signal.aborted ? `no answer within ${BOUND_MS} ms` : String(err)}`);
    }
  }

  for (const api of apis) {
    test(`${api.path}: never a 5xx, never a hang, 4xx in the route's format`, async (t) => {
      const seen = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), byteFault, fc.boolean(), async (mutations, fault, stream) => {
          const base = structuredClone(api.base) as { [k: string]: Json };
          base.stream = stream;
          const bytes = bytesOf(mutate(base, mutations), fault);
          const { status, text } = await post(api, bytes);
          seen.set(status, (seen.get(status) ?? 0) + 1);
          assert.ok(status < 500, `${status}: ${text.slice(0, 500)}`);
          if (status >= 400) api.checkError(status, text);
        }),
        { numRuns: RUNS },
      );
      // The fuzzing reached both the validation (4xx) and the backend (2xx).
      t.diagnostic(`statuses: ${JSON.stringify(Object.fromEntries(seen))}`);
      const statuses = [...seen.keys()];
      assert.ok(statuses.some((s) => s >= 400), `statuses seen: ${JSON.stringify([...seen])}`);
      assert.ok(statuses.some((s) => s === 200), `statuses seen: ${JSON.stringify([...seen])}`);
    });
  }

  // Deep nesting in every place recursive code walks (validation, schema cleaning, tool input, JSON.stringify), just
  // under and over the depth limit, streamed and not: found a 500 at 20 000 levels in tools[].input_schema.
  for (const depth of [200, 256, 257, 20_000, 200_000]) {
    test(`nesting ${depth} deep in schemas, tool inputs and content: never a 5xx`, async () => {
      const deep = expandNesting(JSON.stringify(nestToken(depth)));
      const cases: [Api, string][] = [];
      for (const stream of [false, true]) {
        const chat = apis[0]!;
        const messages = apis[1]!;
        const user = '[{"role":"user","content":"hi"}]';
        cases.push(
          [chat, `{"model":"scripted-model","stream":${stream},"messages":${user},"x":${deep}}`],
          [chat, `{"model":"scripted-model","stream":${stream},"messages":[{"role":"user","content":${deep}}]}`],
          [chat, `{"model":"scripted-model","stream":${stream},"messages":${user},"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"x":${deep}}}}}]}`],
          [messages, `{"model":"claude-x","max_tokens":10,"stream":${stream},"messages":${user},"metadata":${deep}}`],
          [messages, `{"model":"claude-x","max_tokens":10,"stream":${stream},"messages":${user},"tools":[{"name":"a","input_schema":{"type":"object","properties":{"x":${deep}}}}]}`],
          [messages, `{"model":"claude-x","max_tokens":10,"stream":${stream},"messages":[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"a","input":{"x":${deep}}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t","content":"ok"}]}]}`],
          [messages, `{"model":"claude-x","max_tokens":10,"stream":${stream},"messages":[{"role":"user","content":[{"type":"tool_result","tool_use_id":"a","content":${deep}}]}]}`],
        );
      }
      for (const [api, body] of cases) {
        const { status, text } = await post(api, Buffer.from(body));
        assert.ok(status < 500, `${api.path} ${body.slice(0, 120)}…: ${status} ${text.slice(0, 300)}`);
        if (status >= 400) api.checkError(status, text);
      }
    });
  }

  test('the proxy still serves a valid request afterwards', async () => {
    const { status, text } = await post(apis[1]!, Buffer.from(JSON.stringify(messagesBody)));
    assert.equal(status, 200, text);
  });
});
