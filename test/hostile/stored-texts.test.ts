/**
 * Hostile clients, issue 11 defect 3 (second part): the store stays small whatever clients send. Distinct model
 * names per key and hour are aggregated up to a bound (the rest under one bucket), and stored error texts are cut.
 * Before, 40 distinct 1 MB model names grew the store from 150 KB to 84 MB.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cutText, MAX_STORED_ERROR_CHARS } from '../../main/core/store/stored-event';
import { MAX_MODELS_PER_KEY_BUCKET, OTHER_MODELS, UsageAggregates } from '../../main/core/store/usage-aggregates';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

describe('hostile clients: what the store keeps', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  const chat = (model: string) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    });

  test(`${MAX_MODELS_PER_KEY_BUCKET + 20} distinct model names from one key: at most ${MAX_MODELS_PER_KEY_BUCKET} kept, the rest under one bucket`, async () => {
    const names = Array.from({ length: MAX_MODELS_PER_KEY_BUCKET + 20 }, (_, i) => `invented-${i}-${'m'.repeat(200)}`);
    for (const name of names) {
      h.backend.reply({ text: 'ok' });
      assert.equal((await chat(name)).status, 200);
    }
    const report = await h.runtime.store.usage.report({});
    const models = new Set(report.rows.filter((r) => r.endpoint === '/v1/chat/completions').map((r) => r.model));
    assert.ok(models.size <= MAX_MODELS_PER_KEY_BUCKET + 1, `${models.size} models aggregated`);
    assert.ok(models.has(OTHER_MODELS));
    const other = report.rows.find((r) => r.model === OTHER_MODELS);
    assert.ok(other && other.requests >= 20, 'the requests past the bound are counted, not lost');
    assert.ok(report.totals.requests >= names.length);
  });

  test('a backend error of 50 KB is stored cut to its start', async () => {
    h.backend.reply({ error: { status: 400, body: { error: { message: `bad request: ${'x'.repeat(50_000)}`, type: 'invalid_request_error' } } } });
    assert.equal((await chat('scripted-model')).status, 400);
    await new Promise((r) => setTimeout(r, 50));
    const [last] = await h.runtime.store.requests.list({ limit: 1 });
    assert.ok(last?.error, 'the error is logged');
    assert.ok(last.error.length <= MAX_STORED_ERROR_CHARS, `${last.error.length} characters stored`);
    assert.match(last.error, /bad request: x+/);
    assert.equal(cutText('a'.repeat(5000), MAX_STORED_ERROR_CHARS), `${'a'.repeat(MAX_STORED_ERROR_CHARS - 1)}…`);
  });

  test('rolled up into days, the bound holds per key and day', () => {
    const hourly = new UsageAggregates();
    const day = Date.UTC(2026, 0, 1);
    for (let hour = 0; hour < 24; hour++) {
      for (let m = 0; m < 10; m++) {
        hourly.add({ time: day + hour * 3_600_000, key_id: 1, model: `h${hour}-m${m}`, endpoint: '/v1/messages', error: false, input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0 });
      }
    }
    hourly.rollup(day + 60 * 86_400_000);
    const { daily, hourly: left } = hourly.toData();
    assert.equal(left.length, 0);
    assert.equal(new Set(daily.map((b) => b.m)).size, MAX_MODELS_PER_KEY_BUCKET + 1);
    assert.equal(daily.reduce((n, b) => n + b.r, 0), 240, 'every request still counted');
  });
});
