/**
 * Providers in the request path, over real HTTP on loopback with several backends at once: the `default` provider
 * (a scripted OpenAI backend from OPENAI_*), a second OpenAI backend, a strict Anthropic-format backend, one that
 * refuses connections and one that answers 503/529 or is slow. Driven by the official SDKs and raw fetches.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ModelRoute, ProviderInput } from '../../shared/types';
import { anthropicClient } from '../support/anthropic-harness';
import { startAnthropicBackend } from '../support/anthropic-backend';
import type { AnthropicBackend } from '../support/anthropic-backend';
import { refusedUrl, startFaultBackend } from '../support/fault-backend';
import type { FaultBackend } from '../support/fault-backend';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { loggedEntry } from '../support/request-log';
import { startScriptedBackend } from '../support/scripted-backend';
import type { ScriptedBackend } from '../support/scripted-backend';

const SECOND_KEY = 'sk-second-provider-secret-0001';
const ANTHROPIC_KEY = 'sk-ant-provider-secret-0002';
const COOLDOWN_MS = 400;

describe('providers: routing, failover and the anthropic kind', () => {
  let h: ProxyHarness;
  let client: Anthropic;
  let second: ScriptedBackend;
  let anth: AnthropicBackend;
  let fault: FaultBackend;
  let dead: string;

  before(async () => {
    second = await startScriptedBackend({ apiKey: SECOND_KEY, models: ['cheap-model'] });
    anth = await startAnthropicBackend({ apiKey: ANTHROPIC_KEY });
    fault = await startFaultBackend();
    dead = await refusedUrl();
    h = await startProxyHarness({ breaker: { failureThreshold: 2, cooldownMs: COOLDOWN_MS } });
    client = anthropicClient(h);
  });
  after(async () => {
    await h.close();
    await Promise.all([second.close(), anth.close(), fault.close()]);
  });

  const providers = (): ProviderInput[] => [
    { name: 'second', kind: 'openai', base_url: second.url, api_key: SECOND_KEY, models: { 'small-model': { context_window: 1000 } } },
    { name: 'anth', kind: 'anthropic', base_url: anth.url, api_key: ANTHROPIC_KEY },
    { name: 'flaky', kind: 'openai', base_url: fault.url, api_key: 'sk-flaky-0003' },
    { name: 'dead', kind: 'openai', base_url: dead, api_key: 'sk-dead-0004' },
  ];
  const configure = (model_routes: ModelRoute[]): Promise<unknown> => h.runtime.admin.updateSettings({ providers: providers(), model_routes, retries: 0 });

  beforeEach(async () => {
    h.backend.reset();
    second.reset();
    h.runtime.health.retain(new Set()); // each test starts with every provider healthy
    anth.requests.length = 0;
    await fault.setMode('ok');
    await configure([]);
  });

  const ask = (model: string, over: Partial<Anthropic.MessageCreateParamsNonStreaming> = {}) =>
    client.messages
      .create({ model, max_tokens: 1024, messages: [{ role: 'user', content: 'Hi' }], ...over }, { timeout: 30_000 })
      .withResponse();

  test('routing by exact name, kinds (thinking, long_context), tier and glob; the header and the request log name the provider', async () => {
    await configure([
      { match: 'claude-exact-1', targets: ['second/exact-model'] },
      { match: 'thinking', targets: ['second/thinker'] },
      { match: 'long_context', above_tokens: 2000, targets: ['second/long-model'] },
      { match: 'haiku', targets: ['second/cheap-model'] },
      { match: 'claude-sonnet-*', model: 'glob-model' },
    ]);
    const exact = await ask('claude-exact-1');
    assert.equal(exact.response.headers.get('x-infiniproxy-provider'), 'second');
    assert.equal(second.chatRequests.at(-1)!.body.model, 'exact-model');
    assert.equal(second.chatRequests.at(-1)!.headers.authorization, `Bearer ${SECOND_KEY}`, 'the provider key');

    const haiku = await ask('claude-haiku-4-5');
    assert.equal(haiku.response.headers.get('x-infiniproxy-provider'), 'second');
    assert.equal(second.chatRequests.at(-1)!.body.model, 'cheap-model');

    await ask('claude-haiku-4-5', { thinking: { type: 'enabled', budget_tokens: 2000 }, max_tokens: 4000 });
    assert.equal(second.chatRequests.at(-1)!.body.model, 'thinker', 'a kind route before the tier');

    await ask('claude-haiku-4-5', { messages: [{ role: 'user', content: 'many words '.repeat(2000) }] });
    assert.equal(second.chatRequests.at(-1)!.body.model, 'long-model', 'a long input: the long_context route');

    const glob = await ask('claude-sonnet-4-6');
    assert.equal(glob.response.headers.get('x-infiniproxy-provider'), 'default', 'the older { match, model } form: the default provider');
    assert.equal(h.backend.chatRequests.at(-1)!.body.model, 'glob-model');

    const opus = await ask('claude-opus-4-8');
    assert.equal(opus.response.headers.get('x-infiniproxy-provider'), 'default', 'no route: the default model');
    assert.equal(h.backend.chatRequests.at(-1)!.body.model, 'scripted-model');

    const entry = await loggedEntry(h, (e) => e.model === 'claude-haiku-4-5' && e.backend_model === 'cheap-model');
    assert.equal(entry.provider, 'second');
    assert.deepEqual(entry.attempts, []);
    const report = await h.runtime.admin.usage({ key_id: h.keyId });
    assert.ok(report.rows.some((r) => r.provider === 'second' && r.model === 'claude-haiku-4-5'), 'usage per provider');
    assert.ok(report.rows.some((r) => r.provider === 'default' && r.model === 'claude-opus-4-8'));
  });

  test('the anthropic kind: the client bytes forwarded (model mapped, key swapped, version and betas kept), events unchanged', async () => {
    await configure([{ match: 'opus', targets: ['anth/claude-opus-4-8'] }]);
    anth.reply({ text: 'Forwarded answer.', usage: { input_tokens: 31, output_tokens: 9, cache_read_input_tokens: 20 } });
    const body = `{"model":"claude-opus-4-1" , "max_tokens":500,"stream":true,"messages":[{"role":"user","content":"héllo ✓"}]}`;
    const res = await fetch(`${h.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: {
        'x-api-key': h.apiKey,
        'anthropic-version': '2023-06-01',
        'anthropic-beta': 'interleaved-thinking-2025-05-14,context-1m-2025-08-07',
        'content-type': 'application/json',
      },
      body,
    });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-infiniproxy-provider'), 'anth');
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const got = Buffer.from(await res.arrayBuffer());
    const sent = anth.messageRequests.at(-1)!;
    assert.ok(got.equals(sent.sent), 'the events the client got are the bytes the provider sent');
    assert.equal(sent.raw.toString('utf8'), body.replace('"claude-opus-4-1"', '"claude-opus-4-8"'), 'only the model changed');
    assert.equal(sent.headers['x-api-key'], ANTHROPIC_KEY);
    assert.equal(sent.headers['anthropic-beta'], 'interleaved-thinking-2025-05-14,context-1m-2025-08-07');
    assert.equal(sent.headers['anthropic-version'], '2023-06-01');
    assert.equal(sent.headers.authorization, undefined);
    assert.ok(!sent.raw.includes(h.apiKey) && !JSON.stringify(sent.headers).includes(h.apiKey), 'the client key stays here');

    const entry = await loggedEntry(h, (e) => e.provider === 'anth' && e.stream);
    assert.equal(entry.status, 200);
    assert.equal(entry.input_tokens, 51, 'input + cache reads, from the events');
    assert.equal(entry.output_tokens, 9);
    assert.equal(entry.usage_estimated, false);
  });

  test('the anthropic kind through the SDK: a tool-use answer, and an error body passed through unmodified', async () => {
    await configure([{ match: 'opus', targets: ['anth/claude-opus-4-8'] }]);
    anth.reply({ toolUses: [{ name: 'Bash', input: { command: 'ls' } }] });
    const { data } = await ask('claude-opus-4-8');
    assert.equal(data.stop_reason, 'tool_use');
    assert.deepEqual(data.content.map((b) => b.type), ['tool_use']);

    const overflow = { type: 'error', error: { type: 'invalid_request_error', message: 'prompt is too long: 250000 tokens > 200000 maximum' }, request_id: 'req_x' };
    anth.reply({ error: { status: 400, body: overflow } });
    const res = await fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    });
    assert.equal(res.status, 400);
    assert.equal(await res.text(), JSON.stringify(overflow), 'the body as the provider wrote it');
  });

  test('count_tokens goes to an anthropic provider; an openai route counts locally', async () => {
    await configure([{ match: 'opus', targets: ['anth/claude-opus-4-8'] }]);
    const before = anth.requests.length;
    const counted = await client.messages.countTokens({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'count me' }] });
    assert.ok(counted.input_tokens > 0);
    assert.equal(anth.requests.length, before + 1);
    assert.equal(anth.requests.at(-1)!.path, '/v1/messages/count_tokens');
    await client.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'count me' }] });
    assert.equal(anth.requests.length, before + 1, 'not asked for an openai route');
  });

  test('failover before the first byte: refused, 529 and 503 hand over to the next target; the attempts are logged', async () => {
    await configure([{ match: 'haiku', targets: ['dead/m1', 'flaky/m2', 'second/cheap-model'] }]);
    fault.enqueue({ kind: 'status', status: 529, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } });
    const r = await ask('claude-haiku-4-5');
    assert.equal(r.response.headers.get('x-infiniproxy-provider'), 'second');
    assert.equal(r.data.type, 'message');
    const entry = await loggedEntry(h, (e) => e.provider === 'second' && e.attempts.length > 0);
    assert.deepEqual(
      entry.attempts.map((a) => [a.provider, a.model, a.status]),
      [
        ['dead', 'm1', 0],
        ['flaky', 'm2', 529],
      ],
    );
    assert.equal(entry.status, 200);
    assert.doesNotMatch(JSON.stringify(entry), /sk-dead|sk-flaky/);

    // A header timeout: the slow provider is left for the next.
    await h.runtime.admin.updateSettings({ timeout_s: 1 });
    try {
      await configure([{ match: 'haiku', targets: ['flaky/slow', 'second/cheap-model'] }]);
      fault.enqueue('hang-before-headers');
      const slow = await ask('claude-haiku-4-5');
      assert.equal(slow.response.headers.get('x-infiniproxy-provider'), 'second');
    } finally {
      await h.runtime.admin.updateSettings({ timeout_s: 600 });
    }

    // On /v1/chat/completions too, anthropic targets left out. (529 and the timeout took `flaky` down: forget it.)
    h.runtime.health.retain(new Set());
    await configure([{ match: 'gpt-*', targets: ['anth/claude-opus-4-8', 'flaky/m2', 'second/cheap-model'] }]);
    fault.enqueue({ kind: 'status', status: 503 });
    const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
    const chat = await openai.chat.completions.create({ model: 'gpt-5', messages: [{ role: 'user', content: 'Hi' }] }).withResponse();
    assert.equal(chat.response.headers.get('x-infiniproxy-provider'), 'second');
    assert.equal(second.chatRequests.at(-1)!.body.model, 'cheap-model');
    assert.equal(fault.count('status'), 2, 'flaky answered 529, then 503');
    const chatEntry = await loggedEntry(h, (e) => e.endpoint === '/v1/chat/completions');
    assert.deepEqual(chatEntry.attempts.map((a) => [a.provider, a.status]), [['flaky', 503]]);
  });

  test('/v1/chat/completions on a route of anthropic providers only: a clear OpenAI-format 503, nothing sent', async () => {
    await configure([{ match: 'claude-*', targets: ['anth/claude-opus-4-8'] }]);
    const before = anth.requests.length;
    const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
    await assert.rejects(
      openai.chat.completions.create({ model: 'claude-opus-4-8', messages: [{ role: 'user', content: 'Hi' }] }),
      (err: unknown) => err instanceof OpenAI.APIError && err.status === 503 && /anth\/claude-opus-4-8: an anthropic provider cannot answer this API/.test(err.message),
    );
    assert.equal(anth.requests.length, before);
  });

  test('a client mistake (400) is answered, not failed over', async () => {
    await configure([{ match: 'haiku', targets: ['flaky/m1', 'second/cheap-model'] }]);
    fault.enqueue({ kind: 'status', status: 400, body: { error: { message: 'messages.0: bad role', type: 'invalid_request_error' } } });
    const before = second.chatRequests.length;
    await assert.rejects(ask('claude-haiku-4-5'), (err: unknown) => err instanceof Anthropic.BadRequestError && /bad role/.test(err.message));
    assert.equal(second.chatRequests.length, before, 'the next target was not asked');
  });

  test('no failover after the first byte: a stream cut short is not retried, and recorded once', async () => {
    await configure([{ match: 'opus', targets: ['anth/claude-opus-4-8', 'second/cheap-model'] }]);
    anth.reply({ text: 'a long answer cut short', cutAfterEvents: 3, eventDelayMs: 50 });
    const before = second.chatRequests.length;
    const logged = (await h.runtime.admin.requests({ key_id: h.keyId, limit: 500 })).length;
    const stream = client.messages.stream({ model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
    await assert.rejects(stream.finalMessage());
    assert.equal(second.chatRequests.length, before, 'never retried elsewhere');
    const entry = await loggedEntry(h, (e) => e.provider === 'anth' && e.status !== 200);
    assert.equal(entry.status, 502);
    assert.ok(entry.input_tokens > 0, 'usage read from message_start');
    assert.equal((await h.runtime.admin.requests({ key_id: h.keyId, limit: 500 })).length, logged + 1, 'one record for the request');
  });

  test('the breaker opens after consecutive failures, skips the provider, and closes after a probe succeeds', async () => {
    await configure([{ match: 'haiku', targets: ['flaky/m1', 'second/cheap-model'] }]);
    await fault.setMode({ kind: 'status', status: 503 });
    for (let i = 0; i < 2; i++) await ask('claude-haiku-4-5');
    const down = (await h.runtime.admin.status()).providers.find((p) => p.name === 'flaky')!;
    assert.equal(down.state, 'down');
    assert.match(down.last_error ?? '', /503/);
    const seen = fault.count();
    const skipped = await ask('claude-haiku-4-5');
    assert.equal(skipped.response.headers.get('x-infiniproxy-provider'), 'second');
    assert.equal(fault.count(), seen, 'a down provider is not asked during its cool-down');

    await fault.setMode('ok');
    await new Promise((resolve) => setTimeout(resolve, COOLDOWN_MS + 50));
    const probe = await ask('claude-haiku-4-5');
    assert.equal(probe.response.headers.get('x-infiniproxy-provider'), 'flaky', 'the probe goes to it and succeeds');
    assert.equal((await h.runtime.admin.status()).providers.find((p) => p.name === 'flaky')!.state, 'healthy');
  });

  test('context windows: a target too small is skipped; when none fits, prompt is too long at once', async () => {
    await configure([{ match: 'haiku', targets: ['second/small-model', 'second/cheap-model'] }]);
    const long = 'word '.repeat(3000);
    const fits = await ask('claude-haiku-4-5', { messages: [{ role: 'user', content: long }] });
    assert.equal(fits.response.headers.get('x-infiniproxy-provider'), 'second');
    assert.equal(second.chatRequests.at(-1)!.body.model, 'cheap-model');
    const small = await ask('claude-haiku-4-5', { max_tokens: 100 });
    assert.equal(second.chatRequests.at(-1)!.body.model, 'small-model', 'a short request fits the small model');

    await configure([{ match: 'haiku', targets: ['second/small-model'] }]);
    const before = second.chatRequests.length;
    await assert.rejects(
      ask('claude-haiku-4-5', { messages: [{ role: 'user', content: long }] }),
      (err: unknown) => err instanceof Anthropic.BadRequestError && err.type === 'invalid_request_error' && /"message":"prompt is too long: \d+ tokens > 1000 maximum"/.test(err.message),
    );
    assert.equal(second.chatRequests.length, before, 'no provider asked');
    assert.ok(small);
  });

  test('provider keys are masked in the settings view and redacted from relayed errors', async () => {
    const view = await h.runtime.admin.getSettings();
    const text = JSON.stringify(view);
    for (const key of [SECOND_KEY, ANTHROPIC_KEY, 'sk-flaky-0003', 'sk-dead-0004', h.backend.apiKey]) assert.ok(!text.includes(key), `${key} masked`);
    assert.equal(view.providers.find((p) => p.name === 'second')?.api_key_set, true);

    await configure([{ match: 'opus', targets: ['anth/claude-opus-4-8'] }]);
    anth.reply({ error: { status: 400, body: { type: 'error', error: { type: 'invalid_request_error', message: `bad key ${ANTHROPIC_KEY} given` } } } });
    const res = await fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
    });
    const body = await res.text();
    assert.equal(res.status, 400);
    assert.ok(!body.includes(ANTHROPIC_KEY), 'the provider key is not relayed');
    const entry = await loggedEntry(h, (e) => e.provider === 'anth' && e.status === 400);
    assert.ok(!JSON.stringify(entry).includes(ANTHROPIC_KEY), 'nor recorded');
  });

  test('the doctor against one provider: openai (the whole probe) and anthropic (models and a completion); keys redacted', async () => {
    await configure([
      { match: 'haiku', targets: ['second/cheap-model'] },
      { match: 'opus', targets: ['anth/claude-opus-4-8'] },
    ]);
    const openai = await h.runtime.admin.testConnection({ provider: 'second' });
    assert.equal(openai.backend_url, second.url);
    assert.ok(openai.checks.some((c) => c.name === 'completion' && c.ok), JSON.stringify(openai.checks));
    assert.deepEqual(openai.suggested, {}, 'nothing suggested for the global settings');
    assert.equal(second.chatRequests.at(-1)!.body.model, 'cheap-model', 'the model routed to it');

    const anthropic = await h.runtime.admin.testConnection({ provider: 'anth' });
    assert.deepEqual(anthropic.checks.map((c) => [c.name, c.ok]), [['reachable', true], ['backend key', true], ['models', true], ['completion', true]]);
    assert.equal(anth.messageRequests.at(-1)!.body.model, 'claude-opus-4-8');
    assert.equal(anth.messageRequests.at(-1)!.headers['x-api-key'], ANTHROPIC_KEY);

    await h.runtime.admin.updateSettings({ providers: providers().map((p) => (p.name === 'anth' ? { ...p, api_key: 'sk-wrong-key-000' } : p)) });
    const refused = await h.runtime.admin.testConnection({ provider: 'anth' });
    assert.equal(refused.ok, false);
    assert.deepEqual(refused.checks.map((c) => [c.name, c.ok]), [['reachable', true], ['backend key', false]]);
    assert.ok(!JSON.stringify(refused).includes('sk-wrong-key-000'));
    await assert.rejects(h.runtime.admin.testConnection({ provider: 'nobody' }), /no provider "nobody"/);
  });

  test('GET /v1/models lists what the routes serve', async () => {
    await configure([
      { match: 'haiku', targets: ['second/cheap-model'] },
      { match: 'opus', targets: ['anth/claude-opus-4-8', 'second/cheap-model'] },
    ]);
    const anthropicList = await client.models.list();
    const names = Object.fromEntries(anthropicList.data.map((m) => [m.id, m.display_name]));
    assert.equal(names['claude-opus-4-8'], 'claude-opus-4-8 (anth/claude-opus-4-8, second/cheap-model)');
    assert.equal(names['claude-sonnet-4-6'], 'claude-sonnet-4-6 (scripted-model)');
    const openai = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
    const ids = (await openai.models.list()).data.map((m) => m.id);
    assert.ok(ids.includes('scripted-model'), 'the default provider\'s own list');
    assert.ok(ids.includes('second/cheap-model'), 'a routed openai target');
    assert.ok(!ids.some((id) => id.startsWith('anth/')), 'no anthropic target on the OpenAI list');
  });
});

describe('providers: the single-backend settings of older versions', () => {
  test('OPENAI_* alone: provider `default` answers, is named in the header, the log and the status', async () => {
    const h = await startProxyHarness();
    try {
      const { response } = await anthropicClient(h)
        .messages.create({ model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      assert.equal(response.headers.get('x-infiniproxy-provider'), 'default');
      const entry = await loggedEntry(h, (e) => e.endpoint === '/v1/messages');
      assert.equal(entry.provider, 'default');
      assert.equal(entry.backend_model, 'scripted-model');
      const status = await h.runtime.admin.status();
      assert.deepEqual(status.providers.map((p) => [p.name, p.kind, p.state]), [['default', 'openai', 'healthy']]);
    } finally {
      await h.close();
    }
  });

  test('OPENAI_MODEL as provider/model sends bare names to that provider', async () => {
    const second = await startScriptedBackend({ apiKey: SECOND_KEY });
    const h = await startProxyHarness({ env: { OPENAI_MODEL: 'second/cheap-model' } });
    try {
      await h.runtime.admin.updateSettings({ providers: [{ name: 'second', kind: 'openai', base_url: second.url, api_key: SECOND_KEY }] });
      const { response } = await anthropicClient(h)
        .messages.create({ model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      assert.equal(response.headers.get('x-infiniproxy-provider'), 'second');
      assert.equal(second.chatRequests.at(-1)!.body.model, 'cheap-model');
      assert.equal(h.backend.chatRequests.length, 0);
    } finally {
      await h.close();
      await second.close();
    }
  });
});

describe('providers without OPENAI_BASE_URL', () => {
  test('a provider and default_model provider/model: configured, and requests are served', async () => {
    const second = await startScriptedBackend({ apiKey: SECOND_KEY });
    const h = await startProxyHarness({ noBackendEnv: true });
    try {
      assert.equal(h.runtime.status().backend_configured, false);
      const unconfigured = await fetch(`${h.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }),
      });
      assert.equal(unconfigured.status, 503);
      assert.match(await unconfigured.text(), /"type":"api_error".*add a provider in the Settings tab/);

      await h.runtime.admin.updateSettings({
        providers: [{ name: 'second', kind: 'openai', base_url: second.url, api_key: SECOND_KEY }],
        default_model: 'second/cheap-model',
      });
      assert.equal(h.runtime.status().backend_configured, true);
      const { response } = await anthropicClient(h)
        .messages.create({ model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] })
        .withResponse();
      assert.equal(response.headers.get('x-infiniproxy-provider'), 'second');
      assert.equal(second.chatRequests.at(-1)!.body.model, 'cheap-model');
    } finally {
      await h.close();
      await second.close();
    }
  });
});
