/**
 * The provider settings model over a real store: the single-backend settings (env, saved) as the provider `default`,
 * a store file written by the version before providers, the provider list saved through the admin service, old and
 * new route forms, and every provider key masked.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProviderInput } from '../../shared/types';
import { ProxyRuntime } from '../../main/app/runtime';
import { normaliseProviderUrl, providerSchema, effectiveProviders } from '../../main/core/provider-config';
import { parseSettingsPatch, resolveSettings } from '../../main/core/config';
import { tempDir } from '../support/proxy-harness';
import { adminError } from '../support/admin-error';

const DEEPSEEK_KEY = 'sk-deepseek-0123456789abcdef';
const GLM_KEY = 'glm-key-abcdefghijklmnop.qrstuv';
const LEGACY_KEY = 'sk-legacy-backend-key-987654321';

describe('provider settings', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const runtimes: ProxyRuntime[] = [];
  after(async () => {
    for (const r of runtimes) await r.close();
    for (const d of dirs) d.remove();
  });
  async function open(env: Record<string, string> = {}, prepare?: (dir: string) => void): Promise<ProxyRuntime> {
    const dir = tempDir();
    dirs.push(dir);
    prepare?.(dir.path);
    const runtime = await ProxyRuntime.open({ dataDir: dir.path, cwd: dir.path, env, log: () => {} });
    runtimes.push(runtime);
    return runtime;
  }

  test('OPENAI_BASE_URL / OPENAI_API_KEY / OPENAI_MODEL define the provider "default"', async () => {
    const runtime = await open({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1/', OPENAI_API_KEY: LEGACY_KEY, OPENAI_MODEL: 'glm-4.6' });
    const [provider, ...rest] = effectiveProviders(runtime.settings());
    assert.equal(rest.length, 0);
    assert.equal(provider?.name, 'default');
    assert.equal(provider?.kind, 'openai');
    assert.equal(provider?.base_url, 'http://127.0.0.1:9/v1');
    assert.equal(provider?.api_key, LEGACY_KEY);
    const view = await runtime.admin.getSettings();
    assert.equal(view.providers[0]?.name, 'default');
    assert.equal(view.providers[0]?.legacy, true);
    assert.equal(view.providers[0]?.api_key_set, true);
    assert.ok(!JSON.stringify(view).includes(LEGACY_KEY), 'the key never appears in the view');
    const status = await runtime.admin.status();
    assert.deepEqual(status.providers.map((p) => [p.name, p.state]), [['default', 'healthy']]);
  });

  test('a store saved by the version before providers loads and keeps its settings, keys and request log', async () => {
    const runtime = await open({}, (dir) => {
      const old = {
        version: 1,
        seq: { user: 1, key: 0, request: 1 },
        users: [{ id: 1, username: 'ada', email: null, created_at: '2026-11-01T00:00:00.000Z' }],
        keys: [],
        usage: { hourly: [{ k: 1, m: 'claude-opus-4-8', e: '/v1/messages', t: 1764547200000, r: 2, x: 0, i: 100, o: 20, c: 0 }], daily: [] },
        requests: [
          {
            id: 1, time: '2026-11-01T00:00:00.000Z', key_id: 1, user_id: 1, endpoint: '/v1/messages', model: 'claude-opus-4-8',
            backend_model: 'glm-4.6', status: 200, latency_ms: 12, stream: true, input_tokens: 50, output_tokens: 10,
            usage_estimated: false, error: null,
          },
        ],
        settings: {
          backend_url: 'https://open.bigmodel.cn/api/paas/v4',
          backend_api_key: LEGACY_KEY,
          default_model: 'glm-4.6',
          model_routes: [{ match: 'haiku', model: 'glm-4.5-air', max_tokens: 8000 }],
          reasoning_request: 'thinking',
        },
      };
      writeFileSync(join(dir, 'infiniproxy.json'), JSON.stringify(old));
    });
    const settings = runtime.settings();
    assert.deepEqual(settings.model_routes, [{ match: 'haiku', model: 'glm-4.5-air', max_tokens: 8000 }]);
    assert.deepEqual(settings.providers, []);
    const [provider] = effectiveProviders(settings);
    assert.equal(provider?.name, 'default');
    assert.equal(provider?.reasoning_request, 'thinking', 'the global quirk settings are the default provider’s');
    const [entry] = await runtime.admin.requests({});
    assert.equal(entry?.provider, null);
    assert.deepEqual(entry?.attempts, []);
    const usage = await runtime.admin.usage({});
    assert.equal(usage.rows[0]?.provider, '');
    assert.equal(usage.totals.input_tokens, 100);
  });

  test('providers saved through the admin service: defaults filled, URLs normalised, keys masked and kept', async () => {
    const runtime = await open({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: LEGACY_KEY, OPENAI_MODEL: 'm' });
    const providers: ProviderInput[] = [
      { name: 'deepseek', base_url: 'https://api.deepseek.com/v1/chat/completions', api_key: DEEPSEEK_KEY, reasoning_send_back: true },
      { name: 'glm', kind: 'anthropic', base_url: 'https://api.z.ai/api/anthropic/v1/messages', api_key: GLM_KEY, models: { 'glm-4.6': { context_window: 200000, max_tokens: 32000 } } },
    ];
    const view = await runtime.admin.updateSettings({
      providers,
      model_routes: [
        { match: 'opus', targets: ['glm/glm-4.6', 'deepseek/deepseek-chat'] },
        { match: 'haiku', model: 'small-model' },
        { match: 'long_context', targets: ['glm/glm-4.6'], above_tokens: 100000 },
      ],
    });
    const text = JSON.stringify(view);
    for (const key of [DEEPSEEK_KEY, GLM_KEY, LEGACY_KEY]) assert.ok(!text.includes(key), 'no provider key in the view');
    assert.deepEqual(view.providers.map((p) => p.name), ['default', 'deepseek', 'glm']);
    const deepseek = view.providers[1]!;
    assert.equal(deepseek.base_url, 'https://api.deepseek.com/v1');
    assert.equal(deepseek.kind, 'openai');
    assert.equal(deepseek.reasoning_send_back, true);
    assert.deepEqual(deepseek.strip_schema_keys, ['$schema']);
    assert.equal(deepseek.api_key_hint, 'sk-…cdef');
    assert.equal(view.providers[2]?.base_url, 'https://api.z.ai/api/anthropic');

    // Saved again as the UI would (keys left out): the saved keys stay.
    const resaved = await runtime.admin.updateSettings({ providers: view.providers.filter((p) => !p.legacy).map(({ api_key_set: _s, api_key_hint: _h, legacy: _l, ...p }) => p) });
    assert.equal(resaved.providers[1]?.api_key_set, true);
    const saved = runtime.settings().providers;
    assert.deepEqual(saved.map((p) => p.api_key), [DEEPSEEK_KEY, GLM_KEY]);

    // Status lists every provider.
    const status = await runtime.admin.status();
    assert.deepEqual(status.providers.map((p) => `${p.name}:${p.kind}:${p.state}`), ['default:openai:healthy', 'deepseek:openai:healthy', 'glm:anthropic:healthy']);
  });

  test('bad provider lists and routes are refused naming the field', async () => {
    const runtime = await open({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' });
    const admin = runtime.admin;
    const bad = async (patch: Record<string, unknown>, field: RegExp) => {
      const err = await adminError(() => admin.updateSettings(patch));
      assert.equal(err.status, 400);
      assert.match(err.message, field);
    };
    await bad({ providers: [{ name: 'Deep Seek', base_url: 'https://x.test' }] }, /^providers\.0\.name: must be lowercase/);
    await bad({ providers: [{ name: 'default', base_url: 'https://x.test' }] }, /^providers\.0\.name: "default" is the backend/);
    await bad({ providers: [{ name: 'a', base_url: 'https://x.test' }, { name: 'a', base_url: 'https://y.test' }] }, /^providers\.1\.name: "a" is used twice/);
    await bad({ providers: [{ name: 'a', base_url: 'ftp://x.test' }] }, /^providers\.0\.base_url/);
    await bad({ providers: [{ name: 'a', kind: 'gemini', base_url: 'https://x.test' }] }, /^providers\.0\.kind/);
    await bad({ providers: [{ name: 'a', base_url: 'https://x.test', headers: { Host: 'evil' } }] }, /^providers\.0\.headers/);
    await bad({ providers: [{ name: 'a', base_url: 'https://x.test', colour: 'red' }] }, /colour/);
    await bad({ model_routes: [{ match: 'opus', targets: ['nobody/model'] }] }, /^model_routes\.0\.targets\.0: no provider named "nobody"/);
    await bad({ model_routes: [{ match: 'opus', targets: ['no-slash'] }] }, /^model_routes\.0\.targets\.0: must be provider\/model/);
    await bad({ model_routes: [{ match: 'opus' }] }, /^model_routes\.0: needs targets/);
    assert.deepEqual(runtime.settings().providers, [], 'nothing was saved');
  });

  test('pure parts: URL normalisation, the schema’s defaults, and layers', () => {
    assert.equal(normaliseProviderUrl('https://api.anthropic.com/v1/', 'anthropic'), 'https://api.anthropic.com');
    assert.equal(normaliseProviderUrl('http://localhost:11434', 'anthropic'), 'http://localhost:11434');
    assert.equal(normaliseProviderUrl('https://openrouter.ai/api/v1/', 'openai'), 'https://openrouter.ai/api/v1');
    const parsed = providerSchema.parse({ name: 'x', base_url: 'https://x.test/v1' });
    assert.deepEqual(parsed, {
      name: 'x', kind: 'openai', base_url: 'https://x.test/v1', api_key: '', reasoning_request: 'none', reasoning_send_back: false,
      max_tokens_field: 'max_tokens', max_tokens_cap: null, strip_schema_keys: ['$schema'], think_tags: false, pdf_input: 'text', prompt_cache_key: false, headers: {}, models: {},
    });
    // A saved provider list with a bad entry is reported and skipped, never thrown.
    const resolved = resolveSettings({ saved: { providers: [{ name: 'BAD' }] as never } });
    assert.deepEqual(resolved.settings.providers, []);
    assert.match(resolved.problems[0] ?? '', /saved setting providers/);
    assert.equal(parseSettingsPatch({ model_routes: [{ match: 'haiku', model: 'm' }] }).ok, true, 'the old route form stays valid');
  });
});
