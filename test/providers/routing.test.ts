import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelRoute, ProviderInput, Settings } from '../../shared/types';
import { DEFAULT_SETTINGS } from '../../main/core/config';
import { providerSchema } from '../../main/core/provider-config';
import { planRoute } from '../../main/providers/routing';
import type { RoutingRequest } from '../../main/providers/routing';
import { findPreset, PRESETS, providerFromPreset } from '../../main/providers/presets';

function settings(providers: ProviderInput[], routes: ModelRoute[], extra: Partial<Settings> = {}): Settings {
  return { ...DEFAULT_SETTINGS, providers: providers.map((p) => providerSchema.parse(p)), model_routes: routes, ...extra };
}

const A = { name: 'alpha', base_url: 'http://a.test/v1' };
const B = { name: 'beta', base_url: 'http://b.test/v1', models: { small: { context_window: 8000, max_tokens: 2000 } } };
const C = { name: 'claude', kind: 'anthropic' as const, base_url: 'http://c.test' };

function req(model: string, over: Partial<RoutingRequest> = {}): RoutingRequest {
  return { api: 'messages', model, thinking: false, maxTokens: 1000, inputTokens: () => 100, ...over };
}

const names = (plan: ReturnType<typeof planRoute>): string[] => (plan.ok ? plan.targets.map((t) => `${t.provider.name}/${t.model}`) : []);

describe('routing', () => {
  const routes: ModelRoute[] = [
    { match: 'haiku', targets: ['beta/small', 'alpha/cheap'] },
    { match: 'claude-opus-4-8', targets: ['claude/claude-opus-4-8', 'alpha/big'] },
    { match: 'thinking', targets: ['alpha/thinker'] },
    { match: 'long_context', targets: ['alpha/long'], above_tokens: 5000 },
    { match: 'opus', targets: ['alpha/opus-like'] },
    { match: 'claude-3-*', model: 'legacy-model' },
  ];
  const s = settings([A, B, C], routes, { default_model: 'beta/default-model' });

  test('exact name first, over kinds and tiers', () => {
    assert.deepEqual(names(planRoute(s, req('claude-opus-4-8', { thinking: true, inputTokens: () => 9000 }))), ['claude/claude-opus-4-8', 'alpha/big']);
  });
  test('kinds before tiers: thinking, then long_context with above_tokens', () => {
    assert.deepEqual(names(planRoute(s, req('claude-opus-4-7', { thinking: true }))), ['alpha/thinker']);
    assert.deepEqual(names(planRoute(s, req('claude-opus-4-7', { inputTokens: () => 5001 }))), ['alpha/long']);
    assert.deepEqual(names(planRoute(s, req('claude-opus-4-7', { inputTokens: () => 5000 }))), ['alpha/opus-like']);
  });
  test('tiers and globs; the old {match, model} form goes to the default provider', () => {
    assert.deepEqual(names(planRoute(s, req('claude-haiku-4-5'))), ['beta/small', 'alpha/cheap']);
    // No provider named "default": the first provider is the default one.
    assert.deepEqual(names(planRoute(s, req('claude-3-sonnet'))), ['alpha/legacy-model']);
  });
  test('default_model accepts provider/model; a plain default_model is the default provider’s', () => {
    assert.deepEqual(names(planRoute(s, req('claude-sonnet-4-6'))), ['beta/default-model']);
    const legacy = settings([A], [], { backend_url: 'http://legacy.test/v1', default_model: 'openrouter-style/model-name' });
    assert.deepEqual(names(planRoute(legacy, req('claude-sonnet-4-6'))), ['default/openrouter-style/model-name']);
  });
  test('the input estimate is computed only when needed, and once', () => {
    let calls = 0;
    planRoute(settings([A], [{ match: 'opus', targets: ['alpha/x'] }]), req('claude-opus-4-8', { inputTokens: () => ++calls }));
    assert.equal(calls, 0);
    planRoute(s, req('claude-opus-4-7', { inputTokens: () => ++calls }));
    assert.equal(calls, 1);
  });
  test('a target whose context window is too small is skipped; when none fits, the prompt is too long', () => {
    // beta/small: window 8000, output capped at 2000 by the model: 6001 + 2000 > 8000.
    const noKinds = settings([A, B, C], routes.filter((r) => r.match !== 'long_context'));
    const plan = planRoute(noKinds, req('claude-haiku-4-5', { inputTokens: () => 6001, maxTokens: 64000 }));
    assert.deepEqual(names(plan), ['alpha/cheap']);
    assert.ok(plan.ok && plan.skipped[0]?.reason.includes('context window 8000'));
    const only = settings([B], [{ match: 'haiku', targets: ['beta/small'] }]);
    const tooLong = planRoute(only, req('claude-haiku-4-5', { inputTokens: () => 7000, maxTokens: 1500 }));
    assert.deepEqual(tooLong.ok ? null : { reason: tooLong.reason }, { reason: 'too_long' });
    assert.ok(!tooLong.ok && tooLong.reason === 'too_long' && tooLong.contextWindow === 8000 && tooLong.inputTokens === 7000);
    assert.deepEqual(names(planRoute(only, req('claude-haiku-4-5', { inputTokens: () => 7000, maxTokens: 1000 }))), ['beta/small']);
  });
  test('chat: never an anthropic provider; the client model as it is, or provider/model', () => {
    const chat = (model: string) => planRoute(s, req(model, { api: 'chat' }));
    assert.deepEqual(names(chat('claude-opus-4-8')), ['alpha/big']);
    assert.deepEqual(names(chat('gpt-4o')), ['alpha/gpt-4o']);
    assert.deepEqual(names(chat('beta/some-model')), ['beta/some-model']);
    const onlyAnthropic = settings([C], [{ match: 'opus', targets: ['claude/claude-opus-4-8'] }]);
    const plan = planRoute(onlyAnthropic, req('claude-opus-4-8', { api: 'chat' }));
    assert.ok(!plan.ok && plan.reason === 'unroutable' && /anthropic provider cannot answer/.test(plan.message), JSON.stringify(plan));
  });
  test('unroutable: no provider, no default model, targets of removed providers', () => {
    const none = planRoute(settings([], []), req('claude-opus-4-8'));
    assert.ok(!none.ok && none.reason === 'unroutable' && /no backend configured/.test(none.message));
    const noModel = planRoute(settings([A], []), req('claude-opus-4-8'));
    assert.ok(!noModel.ok && noModel.reason === 'unroutable' && /no default model/.test(noModel.message));
    const gone = planRoute(settings([A], [{ match: 'opus', targets: ['removed/x', 'alpha/y'] }]), req('claude-opus-4-8'));
    assert.deepEqual(names(gone), ['alpha/y']);
  });
  test('caps: the route’s and the model’s max_tokens, the smaller one', () => {
    const plan = planRoute(settings([B], [{ match: 'haiku', targets: ['beta/small'], max_tokens: 4000 }]), req('claude-haiku-4-5'));
    assert.ok(plan.ok);
    assert.equal(plan.targets[0]?.maxTokens, 2000);
  });
});

describe('presets', () => {
  test('every required backend has a preset that makes a valid provider', () => {
    for (const id of ['deepseek', 'glm', 'kimi', 'qwen', 'minimax', 'openrouter', 'siliconflow', 'groq', 'openai', 'gemini', 'ollama', 'vllm', 'lmstudio', 'anthropic']) {
      const preset = findPreset(id);
      assert.ok(preset, `preset ${id}`);
      const provider = providerSchema.parse(providerFromPreset(preset, { api_key: 'k' }));
      assert.equal(provider.name, id);
      assert.equal(provider.preset, id);
      assert.ok(preset.model_names.length > 0);
    }
    assert.equal(new Set(PRESETS.map((p) => p.id)).size, PRESETS.length, 'ids are unique');
    for (const p of PRESETS) assert.doesNotThrow(() => providerSchema.parse(providerFromPreset(p)), p.id);
    assert.equal(findPreset('anthropic')?.kind, 'anthropic');
    assert.equal(findPreset('openai')?.config.max_tokens_field, 'max_completion_tokens');
  });
});
