/**
 * Hostile clients, issue 11 defect 1: `count_tokens` on text the tokenizer is slow on (long runs of one character,
 * base64) never holds the event loop: `/health` keeps answering while it counts. And `count_tokens` counts toward
 * the key's request limits.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

describe('hostile clients: count_tokens', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  const count = (secret: string, content: string) =>
    fetch(`${h.url}/v1/messages/count_tokens`, {
      method: 'POST',
      headers: { 'x-api-key': secret, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content }] }),
    });

  test('80,000 repeated CJK characters and 1 MB of base64 are counted while /health keeps answering', { timeout: 120_000 }, async () => {
    // Before: ~30 s for the CJK run alone, with every other request waiting.
    const content = `${'漢'.repeat(80_000)} ${randomBytes(750_000).toString('base64')}`;
    assert.equal((await count(h.apiKey, 'warm up')).status, 200); // loading the tokenizer is a one-time cost
    let counting = true;
    const slowest: number[] = [];
    const probe = (async () => {
      while (counting) {
        const started = performance.now();
        const res = await fetch(`${h.url}/health`);
        await res.arrayBuffer();
        slowest.push(performance.now() - started);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const started = performance.now();
    const res = await count(h.apiKey, content);
    const took = performance.now() - started;
    counting = false;
    await probe;
    assert.equal(res.status, 200);
    const { input_tokens } = (await res.json()) as { input_tokens: number };
    assert.ok(input_tokens > 80_000, String(input_tokens));
    const worst = Math.max(...slowest);
    // The body is ~1.2 MB: the bound is ~50 ms per MB of one uninterrupted block; /health's answer time includes
    // one slice of counting at most, well below a second even on a loaded machine (it was 30 s before).
    assert.ok(slowest.length >= 2, `health probed ${slowest.length} times during a ${took.toFixed(0)} ms count`);
    assert.ok(worst < 1500, `/health took ${worst.toFixed(0)} ms while counting`);
  });

  test('count_tokens counts toward the key requests-per-minute limit (429 in the Anthropic format)', async () => {
    const created = await h.runtime.admin.createKey({ user_id: h.userId, name: `count-limited-${Date.now()}` });
    await h.runtime.admin.setKeyLimits(created.id, { requests_per_minute: 2 });
    assert.equal((await count(created.api_key, 'one')).status, 200);
    assert.equal((await count(created.api_key, 'two')).status, 200);
    const refused = await count(created.api_key, 'three');
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    const body = (await refused.json()) as { type: string; error: { type: string } };
    assert.equal(body.type, 'error');
    assert.equal(body.error.type, 'rate_limit_error');
  });
});
