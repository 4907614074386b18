import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPatch, formFromSettings, parseWhole } from '../../renderer/lib/settings-form';
import { settingsView } from '../support/settings-view';

const view = settingsView({
  backend_url: 'https://api.example.com/v1',
  backend_api_key_hint: 'sk-…a1b2',
  default_model: 'gpt-4o',
  model_routes: [{ match: 'opus', model: 'gpt-4o', max_tokens: 16000 }, { match: 'haiku', model: 'gpt-4o-mini' }],
  strip_schema_keys: ['format', '$schema'],
});

describe('settings form', () => {
  test('an untouched form saves nothing', () => {
    assert.deepEqual(buildPatch(view, formFromSettings(view)), { ok: true, patch: {} });
  });

  test('the backend key starts blank and is sent only when typed', () => {
    const form = formFromSettings(view);
    assert.equal(form.backend_api_key, '');
    assert.deepEqual(buildPatch(view, { ...form, backend_api_key: '  sk-new  ' }), { ok: true, patch: { backend_api_key: 'sk-new' } });
  });

  test('only changed fields are in the patch, converted to their types', () => {
    const form = {
      ...formFromSettings(view),
      default_model: 'deepseek-chat',
      max_tokens_cap: '32,000',
      port: '9000',
      timeout_s: '30.5',
      strip_schema_keys: 'format, $schema,  uri ',
      reasoning_request: 'thinking' as const,
      reasoning_send_back: true,
    };
    assert.deepEqual(buildPatch(view, form), {
      ok: true,
      patch: {
        default_model: 'deepseek-chat',
        max_tokens_cap: 32000,
        reasoning_request: 'thinking',
        reasoning_send_back: true,
        strip_schema_keys: ['format', '$schema', 'uri'],
        port: 9000,
        timeout_s: 30.5,
      },
    });
  });

  test('routes: edited rows replace the list, blank max tokens means none', () => {
    const form = formFromSettings(view);
    assert.deepEqual(form.model_routes[0], { match: 'opus', model: 'gpt-4o', max_tokens: '16000', above_tokens: '' });
    form.model_routes = [{ match: ' sonnet ', model: 'qwen3', max_tokens: '' }];
    assert.deepEqual(buildPatch(view, form), { ok: true, patch: { model_routes: [{ match: 'sonnet', model: 'qwen3' }] } });
  });

  test('invalid values are reported per field and nothing is patched', () => {
    const form = {
      ...formFromSettings(view),
      backend_url: 'ftp://x',
      port: '70000',
      retries: '1.5',
      timeout_s: '',
      max_tokens_cap: '-3',
      host: 'a b',
      model_routes: [{ match: '', model: 'x', max_tokens: 'lots' }],
    };
    const result = buildPatch(view, form);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.deepEqual(Object.keys(result.errors).sort(), ['backend_url', 'host', 'max_tokens_cap', 'port', 'retries', 'routes', 'timeout_s']);
    assert.match(result.errors.routes?.[0] ?? '', /Route 1 needs a match and max tokens/);
  });

  test('overridden fields are never sent, even when edited', () => {
    const locked = settingsView({ ...view, overridden: ['backend_url', 'port', 'backend_api_key'] });
    const form = { ...formFromSettings(locked), backend_url: 'http://other/v1', port: 'oops', backend_api_key: 'sk-x', default_model: 'm' };
    assert.deepEqual(buildPatch(locked, form), { ok: true, patch: { default_model: 'm' } });
  });

  test('clearing the cap sends null', () => {
    const capped = { ...view, max_tokens_cap: 8000 };
    assert.deepEqual(buildPatch(capped, { ...formFromSettings(capped), max_tokens_cap: '' }), { ok: true, patch: { max_tokens_cap: null } });
  });

  test('parseWhole', () => {
    assert.equal(parseWhole('', 1), undefined);
    assert.equal(parseWhole('1_000', 1), 1000);
    assert.equal(parseWhole('0', 1), 'invalid');
    assert.equal(parseWhole('2.5', 1), 'invalid');
  });
});
