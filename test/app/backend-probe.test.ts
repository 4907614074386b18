import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DoctorReport, Settings } from '../../shared/types';
import { limitFromMessage, probeBackend } from '../../main/app/backend-probe';
import { DEFAULT_SETTINGS } from '../../main/core/config';
import { createUpstreamClient } from '../../main/upstream/client';
import type { UpstreamClient } from '../../main/upstream/client';
import { openaiError, startScriptedBackend } from '../support/scripted-backend';
import type { RecordedRequest, ScriptedBackend, ScriptedBackendOptions, ScriptedReply } from '../support/scripted-backend';
import { freePort } from '../../scripts/free-port.mjs';

let upstream: UpstreamClient;
before(() => {
  upstream = createUpstreamClient({ retryDelayMs: 1 });
});
after(() => upstream.close());

/** A capable backend's answer: a tool call when tools are offered, else text; streamed chunk by chunk. */
function capable(extra: Partial<ScriptedReply> = {}): (req: RecordedRequest) => ScriptedReply {
  return (req) => ({
    chunkDelayMs: 2,
    ...(req.body.tools ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } : { text: 'OK' }),
    ...extra,
  });
}

function settingsFor(backend: ScriptedBackend, patch: Partial<Settings> = {}): Settings {
  return { ...DEFAULT_SETTINGS, backend_url: backend.url, backend_api_key: backend.apiKey, default_model: 'scripted-model', ...patch };
}

/** Starts a backend, probes it, closes it. */
async function probe(
  options: ScriptedBackendOptions,
  patch: Partial<Settings> = {},
  checkTimeoutMs?: number,
): Promise<{ report: DoctorReport; requests: RecordedRequest[] }> {
  const backend = await startScriptedBackend({ defaultReply: capable(), ...options });
  try {
    const report = await probeBackend(settingsFor(backend, patch), upstream, { checkTimeoutMs });
    return { report, requests: [...backend.requests] };
  } finally {
    await backend.close();
  }
}

function check(report: DoctorReport, name: string) {
  const found = report.checks.find((c) => c.name === name);
  assert.ok(found, `no "${name}" check in ${JSON.stringify(report.checks.map((c) => c.name))}`);
  return found;
}

describe('probeBackend against the scripted backend', () => {
  test('a healthy backend: every check passes without a caveat, nothing to suggest', async () => {
    const { report, requests } = await probe({});
    assert.deepEqual(
      report.checks.map((c) => c.name),
      ['reachable', 'backend key', 'models', 'default model', 'completion', 'streaming', 'stream usage', 'tool calls', 'forced tool_choice', 'reasoning', 'max_tokens', 'web search'],
    );
    for (const c of report.checks) assert.ok(c.ok && !c.warning, `${c.name}: ${c.detail}`);
    assert.equal(report.ok, true);
    assert.deepEqual(report.suggested, {});
    assert.deepEqual(report.models, ['scripted-model']);
    assert.match(check(report, 'tool calls').detail, /get_weather\(\{"city":"Paris"\}\)/);
    assert.match(check(report, 'max_tokens').detail, /64000 accepted/);

    const chats = requests.filter((r) => r.path === '/v1/chat/completions');
    assert.ok(chats.every((r) => r.body.model === 'scripted-model' && r.headers.authorization === 'Bearer bk-test'));
    const streamed = chats.filter((r) => r.body.stream === true);
    assert.ok(streamed.length >= 3 && streamed.every((r) => r.body.stream_options?.include_usage === true));
    assert.equal(chats.filter((r) => r.body.tools?.[0]?.function.name === 'get_weather').length, 1);
    assert.ok(chats.some((r) => r.body.max_tokens === 64000));
  });

  test('a wrong backend key: a clear "backend key rejected", no chat request, the key never shown', async () => {
    const backend = await startScriptedBackend();
    try {
      const report = await probeBackend(settingsFor(backend, { backend_api_key: 'sk-wrong-key-123456' }), upstream);
      assert.equal(report.ok, false);
      assert.equal(check(report, 'reachable').ok, true);
      const key = check(report, 'backend key');
      assert.equal(key.ok, false);
      assert.match(key.detail, /^Backend key rejected \(HTTP 401/);
      assert.match(key.detail, /OPENAI_API_KEY/);
      assert.equal(backend.chatRequests.length, 0);
      assert.ok(!JSON.stringify(report).includes('sk-wrong-key-123456'));
    } finally {
      await backend.close();
    }
  });

  test('a key the backend echoes in an error is redacted from every detail', async () => {
    const { report } = await probe({
      defaultReply: (req) =>
        req.body.stream ? capable()(req) : { error: { status: 400, body: openaiError('Bad request from key bk-test.', 'invalid_request_error') } },
    });
    const completion = check(report, 'completion');
    assert.equal(completion.ok, false);
    assert.match(completion.detail, /HTTP 400: Bad request from key \[backend key\]\./);
    assert.ok(!JSON.stringify(report).includes('bk-test'));
  });

  test('no usage in streams: passes with a caveat that usage will be estimated', async () => {
    const { report } = await probe({ defaultReply: capable({ streamUsage: 'never' }) });
    const usage = check(report, 'stream usage');
    assert.equal(usage.ok, true);
    assert.equal(usage.warning, true);
    assert.match(usage.detail, /estimated/);
    assert.equal(report.ok, true);
    assert.equal(check(report, 'streaming').ok, true);
  });

  test('reasoning_content vs reasoning, asked with the configured switch', async () => {
    const deepseek = await probe(
      { defaultReply: capable({ reasoning: 'Seventeen times twenty-three…', reasoningField: 'reasoning_content' }) },
      { reasoning_request: 'thinking' },
    );
    assert.match(check(deepseek.report, 'reasoning').detail, /"reasoning_content"/);
    assert.doesNotMatch(check(deepseek.report, 'reasoning').detail, /"reasoning"/);
    const asked = deepseek.requests.find((r) => JSON.stringify(r.body.messages ?? '').includes('17 times 23'));
    assert.deepEqual(asked?.body.thinking, { type: 'enabled' });

    const openrouter = await probe(
      { defaultReply: capable({ reasoning: 'Let me see…', reasoningField: 'reasoning' }) },
      { reasoning_request: 'openrouter' },
    );
    const detail = check(openrouter.report, 'reasoning').detail;
    assert.match(detail, /"reasoning"/);
    assert.doesNotMatch(detail, /reasoning_content/);
    assert.equal(openrouter.report.ok, true);

    const none = await probe({});
    assert.match(check(none.report, 'reasoning').detail, /^No reasoning field/);
  });

  test('a refused reasoning switch suggests reasoning_request "none"', async () => {
    const { report } = await probe(
      { validate: (body) => (body.enable_thinking !== undefined ? 'Unrecognized request argument supplied: enable_thinking' : undefined) },
      { reasoning_request: 'enable_thinking' },
    );
    const reasoning = check(report, 'reasoning');
    assert.equal(reasoning.ok, false);
    assert.match(reasoning.detail, /Unrecognized request argument/);
    assert.deepEqual(report.suggested, { reasoning_request: 'none' });
  });

  test('thinking inside the text as <think> is flagged', async () => {
    const { report } = await probe({ defaultReply: capable({ text: '<think>17*23 = 391</think>391' }) });
    const reasoning = check(report, 'reasoning');
    assert.equal(reasoning.warning, true);
    assert.match(reasoning.detail, /--reasoning-parser/);
  });

  test('a max_tokens limit named in the refusal becomes the suggested cap', async () => {
    const { report, requests } = await probe({ maxTokensLimit: 10000 });
    const mt = check(report, 'max_tokens');
    assert.equal(mt.ok, false);
    assert.match(mt.detail, /64000 refused .*at most 10000.*10000 accepted/);
    assert.deepEqual(report.suggested, { max_tokens_cap: 10000 });
    const tried = requests.flatMap((r) => (r.body.messages?.[0]?.content === 'Reply with the single word: OK' && r.body.stream ? [r.body.max_tokens] : []));
    assert.deepEqual(tried.slice(-2), [64000, 10000], 'the named limit is tried straight after the refusal');
  });

  test('a limit the backend does not name is found by stepping down; a cap already within it is kept', async () => {
    const validate = (body: { max_tokens?: number }) => ((body.max_tokens ?? 0) > 8192 ? 'max_tokens is too large.' : undefined);
    const stepped = await probe({ validate });
    assert.deepEqual(stepped.report.suggested, { max_tokens_cap: 8192 });
    assert.match(check(stepped.report, 'max_tokens').detail, /32768 refused .*16384 refused .*8192 accepted/);

    const capped = await probe({ validate }, { max_tokens_cap: 4096 });
    const mt = check(capped.report, 'max_tokens');
    assert.equal(mt.ok, true);
    assert.match(mt.detail, /max_tokens_cap 4096 keeps requests within it/);
    assert.deepEqual(capped.report.suggested, {});
    assert.equal(capped.report.ok, true);
  });

  test('a backend that refuses max_tokens and names max_completion_tokens: the field is switched and suggested', async () => {
    const refuse = (body: { max_tokens?: number }) =>
      body.max_tokens !== undefined
        ? "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."
        : undefined;
    const { report, requests } = await probe({ validate: refuse, maxTokensLimit: 32768 });
    const field = check(report, 'max_tokens field');
    assert.equal(field.ok, false);
    assert.match(field.detail, /refused "max_tokens" .* accepts "max_completion_tokens"/);
    assert.deepEqual(report.suggested, { max_tokens_field: 'max_completion_tokens', max_tokens_cap: 32768 });
    for (const name of ['completion', 'streaming', 'tool calls', 'reasoning']) assert.equal(check(report, name).ok, true, name);
    const after = requests.filter((r) => r.method === 'POST').slice(2);
    assert.ok(after.every((r) => r.body.max_tokens === undefined && typeof r.body.max_completion_tokens === 'number'));

    const already = await probe({ validate: refuse }, { max_tokens_field: 'max_completion_tokens' });
    assert.equal(already.report.ok, true);
    assert.ok(!already.report.checks.some((c) => c.name === 'max_tokens field'));
  });

  test('an unreachable URL fails at once and clearly, with no further checks', async () => {
    const port = await freePort();
    const settings: Settings = { ...DEFAULT_SETTINGS, backend_url: `http://127.0.0.1:${port}/v1`, backend_api_key: 'k', default_model: 'm' };
    const report = await probeBackend(settings, upstream);
    assert.equal(report.ok, false);
    assert.equal(report.checks.length, 1);
    const reachable = check(report, 'reachable');
    assert.equal(reachable.ok, false);
    assert.match(reachable.detail, /Cannot reach the backend at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/);
    assert.match(reachable.detail, /OPENAI_BASE_URL/);

    const unset = await probeBackend({ ...DEFAULT_SETTINGS }, upstream);
    assert.deepEqual(unset.checks.map((c) => [c.name, c.ok]), [['configured', false]]);
  });

  test('a backend that accepts connections but never answers: "reachable" fails within the check timeout', async () => {
    const silent = createHttpServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const settings: Settings = { ...DEFAULT_SETTINGS, backend_url: `http://127.0.0.1:${port}/v1`, default_model: 'm' };
      const report = await probeBackend(settings, upstream, { checkTimeoutMs: 200 });
      assert.deepEqual(report.checks.map((c) => [c.name, c.ok]), [['reachable', false]]);
      assert.match(report.checks[0]!.detail, /within 0\.2 s/);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('a slow answer fails its own check within the timeout; the other checks still run', async () => {
    const { report } = await probe(
      { defaultReply: (req) => (req.body.stream ? capable()(req) : { text: 'late', delayMs: 5000 }) },
      {},
      300,
    );
    const completion = check(report, 'completion');
    assert.equal(completion.ok, false);
    assert.match(completion.detail, /within 0\.3 s/);
    assert.equal(check(report, 'streaming').ok, true);
    assert.equal(check(report, 'tool calls').ok, true);
    assert.equal(check(report, 'max_tokens').ok, true);
  });

  test('tool calls: as text markup (fails), plain text (caveat), arguments that are not JSON (fails)', async () => {
    const markup = await probe({
      defaultReply: (req) => (req.body.tools ? { text: '<tool_call>{"name": "get_weather", "arguments": {"city": "Paris"}}</tool_call>' } : capable()(req)),
    });
    assert.equal(check(markup.report, 'tool calls').ok, false);
    assert.match(check(markup.report, 'tool calls').detail, /came back as text/);

    const prose = await probe({ defaultReply: (req) => (req.body.tools ? { text: 'It is sunny in Paris.' } : capable()(req)) });
    assert.equal(check(prose.report, 'tool calls').warning, true);
    assert.equal(prose.report.ok, true);

    const broken = await probe({
      defaultReply: (req) => (req.body.tools ? { toolCalls: [{ name: 'get_weather', arguments: '{"city": "Par' }] } : capable()(req)),
    });
    assert.equal(check(broken.report, 'tool calls').ok, false);
    assert.match(check(broken.report, 'tool calls').detail, /not a JSON object/);
  });

  test('a backend that answers a stream request with one JSON body fails "streaming"', async () => {
    const { report } = await probe({
      defaultReply: (req) =>
        req.body.stream && !req.body.tools && req.body.max_tokens === 64
          ? { error: { status: 200, body: { id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'OK' } }] } } }
          : capable()(req),
    });
    const streaming = check(report, 'streaming');
    assert.equal(streaming.ok, false);
    assert.match(streaming.detail, /application\/json body/);
    assert.ok(!report.checks.some((c) => c.name === 'stream usage'), 'no usage verdict without a stream');
  });

  test('default model: unlisted but answering passes with a caveat; unset suggests the first listed', async () => {
    const unlisted = await probe({ models: ['glm-4.6'] });
    const dm = check(unlisted.report, 'default model');
    assert.equal(dm.ok, true);
    assert.equal(dm.warning, true);
    assert.match(dm.detail, /does not list "scripted-model", but it answers/);

    const unset = await probe({ models: ['glm-4.6', 'glm-4.5-air'] }, { default_model: '' });
    assert.equal(check(unset.report, 'default model').ok, false);
    assert.deepEqual(unset.report.suggested, { default_model: 'glm-4.6' });
    assert.ok(unset.requests.filter((r) => r.method === 'POST').every((r) => r.body.model === 'glm-4.6'));
  });
});

test('limitFromMessage reads the limits real backends name', () => {
  const openai = 'max_tokens is too large: 64000. This model supports at most 16384 completion tokens, whereas you provided 64000.';
  assert.equal(limitFromMessage(openai, 64000), 16384);
  assert.equal(limitFromMessage('Invalid max_tokens value, the valid range of max_tokens is [1, 8192]', 64000), 8192);
  const vllm = "This model's maximum context length is 32768 tokens. However, you requested 64020 tokens (20 in the messages, 64000 in the completion).";
  assert.equal(limitFromMessage(vllm, 64000), 32768);
  assert.equal(limitFromMessage('max_tokens must be less than or equal to 4,096', 64000), 4096);
  assert.equal(limitFromMessage('max_tokens is too large.', 64000), null);
  assert.equal(limitFromMessage('supports at most 64000 tokens', 64000), null, 'never the value that was refused');
});

