/**
 * Sessions (issue 14 §4): Claude Code's `x-claude-code-session-id` recorded as the request log's `session_id` (and
 * filterable), passed as `prompt_cache_key` only where the provider allows it; `metadata.user_id` (a JSON string)
 * never forwarded raw.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startAnthropicHarness } from '../support/anthropic-harness';
import type { ProxyHarness } from '../support/proxy-harness';

describe('sessions', () => {
  let h: ProxyHarness;
  before(async () => ({ h } = await startAnthropicHarness()));
  after(() => h.close());
  beforeEach(() => h.backend.reset());

  const ask = (session: string | null) =>
    new Anthropic({ baseURL: h.url, apiKey: h.apiKey, maxRetries: 0, defaultHeaders: session ? { 'x-claude-code-session-id': session } : {} }).messages.create({
      model: 'claude-x',
      max_tokens: 50,
      messages: [{ role: 'user', content: 'hi' }],
      metadata: { user_id: JSON.stringify({ device_id: 'dev', session_id: 'abc' }) },
    });

  test('the session id is recorded, filterable, and sent as prompt_cache_key only when the provider allows it', async () => {
    const session = '4f0c6a1e-1111-4222-8333-944455556666';
    await ask(session);
    await ask('other-session');
    await ask('bad session id with spaces');
    assert.equal(h.backend.requests[0]?.body.prompt_cache_key, undefined, 'off by default');

    const mine = await h.runtime.admin.requests({ session_id: session });
    assert.equal(mine.length, 1);
    assert.equal(mine[0]?.session_id, session);
    const all = await h.runtime.admin.requests({ limit: 3 });
    assert.deepEqual(all.map((e) => e.session_id), [null, 'other-session', session]);

    await h.runtime.admin.updateSettings({ prompt_cache_key: true });
    await ask(session);
    assert.equal(h.backend.requests[3]?.body.prompt_cache_key, session);
    await h.runtime.admin.updateSettings({ prompt_cache_key: false });
  });

  test('metadata.user_id (a JSON string) goes as a stable pseudonym a strict backend accepts', async () => {
    await ask(null);
    await ask(null);
    const users = h.backend.requests.map((r) => r.body.user);
    assert.match(String(users[0]), /^u_[0-9a-f]{32}$/);
    assert.equal(users[0], users[1]);
  });
});
