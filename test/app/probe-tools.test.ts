/** Doctor checks of issue 14: a backend rejecting a forced tool_choice, and the web search service. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { probeBackend } from '../../main/app/backend-probe';
import { DEFAULT_SETTINGS } from '../../main/core/config';
import { createUpstreamClient } from '../../main/upstream/client';
import { startScriptedBackend } from '../support/scripted-backend';
import type { ScriptedBackend } from '../support/scripted-backend';
import { startScriptedSearch } from '../support/scripted-search';
import type { ScriptedSearch } from '../support/scripted-search';
import type { Settings } from '../../shared/types';

describe('doctor: tool_choice and web search', () => {
  let backend: ScriptedBackend;
  let search: ScriptedSearch;
  const upstream = createUpstreamClient();
  before(async () => {
    backend = await startScriptedBackend({
      validate: (body) => (typeof body.tool_choice === 'object' && body.tool_choice !== null ? 'deepseek-reasoner does not support this tool_choice' : undefined),
      defaultReply: (req) => (req.body.tools ? { toolCalls: [{ name: 'get_weather', arguments: { city: 'Paris' } }] } : { text: 'OK' }),
    });
    search = await startScriptedSearch([{ url: 'https://a.test/', title: 'A', content: 'a' }]);
  });
  after(async () => {
    await backend.close();
    await search.close();
  });
  const settings = (patch: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, backend_url: backend.url, backend_api_key: backend.apiKey, default_model: 'scripted-model', ...patch });

  test('a rejected forced tool_choice is a warning naming the fallback; a working search service passes', async () => {
    const report = await probeBackend(settings({ web_search: { provider: 'searxng', base_url: search.url, api_key: '' } }), upstream, { maxTokensSteps: [1024] });
    const forced = report.checks.find((c) => c.name === 'forced tool_choice');
    assert.equal(forced?.warning, true);
    assert.match(forced?.detail ?? '', /retries such requests without it/);
    const web = report.checks.find((c) => c.name === 'web search');
    assert.equal(web?.ok, true);
    assert.match(web?.detail ?? '', /answered with 1 result/);
  });

  test('a failing search service fails the check without showing its key', async () => {
    search.failWith = 500;
    const report = await probeBackend(settings({ web_search: { provider: 'tavily', base_url: search.url, api_key: 'tvly-secret-key-abcdef' } }), upstream, { maxTokensSteps: [1024] });
    const web = report.checks.find((c) => c.name === 'web search');
    assert.equal(web?.ok, false);
    assert.match(web?.detail ?? '', /unavailable/);
    assert.doesNotMatch(JSON.stringify(report), /tvly-secret-key-abcdef/);
  });
});
