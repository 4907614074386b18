/** The Settings form's issue-14 fields: web search (key kept when blank), think tags, PDF input, prompt_cache_key. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildPatch, formFromSettings } from '../../renderer/lib/settings-form';
import { settingsView } from '../support/settings-view';

describe('settings form: web search and backend shapes', () => {
  it('sets, keeps the saved key, and removes the search service', () => {
    const none = settingsView();
    const form = { ...formFromSettings(none), web_search_provider: 'searxng' as const, web_search_url: 'http://localhost:8888' };
    assert.deepEqual(buildPatch(none, form), { ok: true, patch: { web_search: { provider: 'searxng', base_url: 'http://localhost:8888' } } });
    assert.deepEqual(buildPatch(none, { ...form, web_search_url: '' }), { ok: false, errors: { web_search_url: 'SearXNG needs the URL of its instance.' } });
    assert.equal(buildPatch(none, { ...form, web_search_provider: 'brave', web_search_url: '' }).ok, false, 'brave needs a key');

    const brave = settingsView({ web_search: { provider: 'brave', base_url: 'https://api.search.brave.com', api_key_set: true, api_key_hint: 'BSA…1234' } });
    assert.deepEqual(buildPatch(brave, formFromSettings(brave)), { ok: true, patch: {} }, 'nothing changed, the key is kept');
    assert.deepEqual(buildPatch(brave, { ...formFromSettings(brave), web_search_provider: '' }), { ok: true, patch: { web_search: null } });
  });

  it('think tags, PDF input and prompt_cache_key', () => {
    const view = settingsView();
    const patch = buildPatch(view, { ...formFromSettings(view), think_tags: true, pdf_input: 'file', prompt_cache_key: true });
    assert.deepEqual(patch, { ok: true, patch: { think_tags: true, prompt_cache_key: true, pdf_input: 'file' } });
  });
});
