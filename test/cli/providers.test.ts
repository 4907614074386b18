/**
 * `cli providers`: the pure parts (a provider from a preset or custom, the saved list changed), and the real CLI
 * against a running proxy: add from a preset, list with masked keys and health, remove; `PUT /admin/settings`
 * with providers and model_routes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { providerToAdd, savedProviderInputs, withoutProvider, withProvider } from '../../main/cli/providers';
import type { ProviderHealth, ProviderView } from '../../shared/types';
import { cleanEnv, runCli } from '../support/cli';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { rawRequest } from '../proxy/raw-request';

const DEEPSEEK_KEY = 'sk-deepseek-cli-secret-000111';

describe('cli providers: the pure parts', () => {
  test('a provider from a preset: its kind, URL and quirks, the key, another name or URL when given', () => {
    const p = providerToAdd({ preset: 'deepseek', key: 'k1' });
    assert.equal(p.name, 'deepseek');
    assert.equal(p.kind, 'openai');
    assert.equal(p.base_url, 'https://api.deepseek.com/v1');
    assert.equal(p.reasoning_send_back, true);
    assert.equal(p.api_key, 'k1');
    const named = providerToAdd({ preset: 'glm-anthropic', key: 'k2', name: 'zai', baseUrl: 'https://open.bigmodel.cn/api/anthropic' });
    assert.deepEqual([named.name, named.kind, named.base_url], ['zai', 'anthropic', 'https://open.bigmodel.cn/api/anthropic']);
    assert.throws(() => providerToAdd({ preset: 'nope' }), /no preset "nope"; presets: deepseek/);
    assert.throws(() => providerToAdd({ preset: 'deepseek' }), /needs a key/);
    assert.doesNotThrow(() => providerToAdd({ preset: 'ollama' }), 'a local backend needs no key');
  });

  test('a custom provider needs a name and URL; the kind is checked', () => {
    assert.deepEqual(providerToAdd({ name: 'mine', baseUrl: 'http://127.0.0.1:9/v1', kind: 'anthropic', key: 'k' }), {
      name: 'mine',
      kind: 'anthropic',
      base_url: 'http://127.0.0.1:9/v1',
      api_key: 'k',
    });
    assert.throws(() => providerToAdd({ name: 'mine' }), /--base-url/);
    assert.throws(() => providerToAdd({ name: 'mine', baseUrl: 'http://x', kind: 'grpc' }), /--kind must be openai or anthropic/);
  });

  test('the saved list: masked views back to inputs without keys or `default`; add replaces by name; remove', () => {
    const view = (name: string, legacy = false): ProviderView => ({
      name,
      kind: 'openai',
      base_url: 'http://x',
      reasoning_request: 'none',
      reasoning_send_back: false,
      max_tokens_field: 'max_tokens',
      max_tokens_cap: null,
      strip_schema_keys: [],
      headers: {},
      models: {},
      think_tags: false,
      pdf_input: 'text',
      prompt_cache_key: false,
      api_key_set: true,
      api_key_hint: 'sk-…1234',
      ...(legacy ? { legacy: true } : {}),
    });
    const saved = savedProviderInputs([view('default', true), view('a'), view('b')]);
    assert.deepEqual(saved.map((p) => p.name), ['a', 'b']);
    assert.ok(saved.every((p) => !('api_key' in p) && !('api_key_hint' in p)), 'no key: the saved one is kept');
    assert.deepEqual(withProvider(saved, { name: 'a', base_url: 'http://y' }).map((p) => p.base_url), ['http://y', 'http://x']);
    assert.deepEqual(withProvider(saved, { name: 'c' }).map((p) => p.name), ['a', 'b', 'c']);
    assert.deepEqual(withoutProvider(saved, 'a').map((p) => p.name), ['b']);
    assert.throws(() => withoutProvider(saved, 'zz'), /no provider "zz"/);
    assert.throws(() => withoutProvider(saved, 'default'), /OPENAI_BASE_URL/);
  });
});

describe('cli providers against a running proxy', () => {
  let h: ProxyHarness;
  before(async () => (h = await startProxyHarness()));
  after(() => h.close());
  const cli = (...args: string[]) => runCli([...args, '--data-dir', h.dataDir], { cwd: h.dataDir, env: cleanEnv({ HOME: h.dataDir }) });

  test('add from a preset, list with masked keys and health, remove', async () => {
    const add = await cli('providers', 'add', '--preset', 'deepseek', '--key', DEEPSEEK_KEY, '--no-test', '--json');
    assert.equal(add.code, 0, add.stderr);
    assert.ok(!add.stdout.includes(DEEPSEEK_KEY), 'the key is masked');
    const listed = JSON.parse(add.stdout) as { providers: ProviderView[]; health: ProviderHealth[] };
    assert.deepEqual(listed.providers.map((p) => p.name), ['default', 'deepseek']);
    assert.deepEqual(listed.health.map((p) => [p.name, p.state]), [['default', 'healthy'], ['deepseek', 'healthy']]);
    assert.equal(h.runtime.settings().providers.find((p) => p.name === 'deepseek')?.api_key, DEEPSEEK_KEY, 'saved with its key');

    const again = await cli('providers', 'add', '--name', 'local', '--base-url', 'http://127.0.0.1:11434', '--kind', 'anthropic', '--no-test');
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /local\s+anthropic\s+http:\/\/127\.0\.0\.1:11434/);
    assert.match(again.stdout, /deepseek\s+openai\s+https:\/\/api\.deepseek\.com\/v1\s+\S+…\S*\s+healthy/);
    assert.equal(h.runtime.settings().providers.find((p) => p.name === 'deepseek')?.api_key, DEEPSEEK_KEY, 'a later change keeps the key');

    // Without --no-test the doctor runs against the provider: here the harness's own scripted backend.
    const tested = await cli('providers', 'add', '--name', 'mirror', '--base-url', h.backend.url, '--key', h.backend.apiKey);
    assert.equal(tested.code, 0, tested.stdout + tested.stderr);
    assert.match(tested.stdout, /Doctor for mirror:/);
    assert.match(tested.stdout, /completion/);
    assert.ok(!tested.stdout.includes(h.backend.apiKey), 'the key is not printed');
    const failing = await cli('providers', 'add', '--name', 'nowhere', '--base-url', 'http://127.0.0.1:9/v1');
    assert.equal(failing.code, 1, 'a failed check exits 1');
    assert.match(failing.stdout, /reachable/);
    assert.ok(h.runtime.settings().providers.some((p) => p.name === 'nowhere'), 'saved all the same');

    const removed = await cli('providers', 'remove', 'local');
    assert.equal(removed.code, 0, removed.stderr);
    assert.doesNotMatch(removed.stdout, /local\s/);
    const bad = await cli('providers', 'add', '--preset', 'nosuch');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no preset "nosuch"/);
  });

  test('PUT /admin/settings takes providers and model_routes; a route naming an unknown provider is refused', async () => {
    const put = (body: unknown) =>
      rawRequest({ url: h.url, method: 'PUT', path: '/admin/settings', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const ok = await put({
      providers: [{ name: 'kimi', kind: 'openai', base_url: 'https://api.moonshot.ai/v1', api_key: 'sk-kimi-secret-999' }],
      model_routes: [{ match: 'haiku', targets: ['kimi/kimi-k2.5', 'default/scripted-model'] }],
    });
    assert.equal(ok.status, 200, ok.text);
    assert.ok(!ok.text.includes('sk-kimi-secret-999'));
    const bad = await put({ model_routes: [{ match: 'opus', targets: ['nobody/x'] }] });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /no provider named \\"nobody\\"/);
  });
});
