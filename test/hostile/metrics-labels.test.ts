/**
 * Hostile clients: model names invented by a client cannot grow the Prometheus registry. Every `model` label value is
 * a series kept for the life of the process, so past MAX_MODEL_LABELS distinct names the rest are counted under
 * `(other models)`, still counted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { OTHER_MODELS } from '../../main/core/store/usage-aggregates';
import { MAX_MODEL_LABELS } from '../../main/proxy/metrics';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

describe('hostile clients: model names in metrics', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  test(`at most ${MAX_MODEL_LABELS} model label values; the requests of the rest are counted under "${OTHER_MODELS}"`, async () => {
    const sent = MAX_MODEL_LABELS + 40;
    for (let i = 0; i < sent; i += 20) {
      await Promise.all(
        Array.from({ length: Math.min(20, sent - i) }, async (_, j) => {
          h.backend.reply({ text: 'ok' });
          const res = await fetch(`${h.url}/v1/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01' },
            body: JSON.stringify({ model: `invented-${i + j}`, max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
          });
          assert.equal(res.status, 200);
          await res.arrayBuffer();
        }),
      );
    }
    const res = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    assert.equal(res.status, 200);
    const lines = (await res.text()).split('\n').filter((l) => l.startsWith('infiniproxy_exchanges_total{'));
    const models = new Map<string, number>();
    for (const line of lines) {
      const model = /model="([^"]*)"/.exec(line)?.[1] ?? '';
      models.set(model, (models.get(model) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
    }
    assert.equal(models.size, MAX_MODEL_LABELS + 1, `${models.size} model label values`);
    assert.equal(models.get(OTHER_MODELS), sent - MAX_MODEL_LABELS);
    assert.equal([...models.values()].reduce((a, b) => a + b, 0), sent, 'every request counted');
  });
});
