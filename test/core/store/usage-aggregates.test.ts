import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, HOUR_MS, HOURLY_RETENTION_DAYS, UsageAggregates } from '../../../main/core/store/usage-aggregates';

const sample = (time: number, key_id = 1, model = 'm') => ({
  time,
  key_id,
  model,
  endpoint: '/v1/messages',
  error: false,
  input_tokens: 100,
  output_tokens: 10,
  cache_read_input_tokens: 1,
});

test('aggregates by key × model × endpoint × hour', () => {
  const u = new UsageAggregates();
  const t0 = Date.UTC(2026, 0, 1, 10, 5);
  u.add(sample(t0));
  u.add(sample(t0 + 10 * 60_000));
  u.add(sample(t0 + HOUR_MS));
  u.add(sample(t0, 2));
  assert.equal(u.toData().hourly.length, 3);
  const { rows } = u.report({ keyIds: new Set([1]) });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.requests, 3);
  assert.equal(rows[0]?.total_tokens, 330);
});

test('old hours roll into days without losing a token; a year stays small', () => {
  const u = new UsageAggregates();
  const start = Date.UTC(2025, 0, 1);
  for (let h = 0; h < 365 * 24; h++) for (const model of ['a', 'b']) u.add(sample(start + h * HOUR_MS, 1, model));
  const now = start + 365 * DAY_MS;
  u.rollup(now);
  const data = u.toData();
  assert.equal(data.hourly.length, HOURLY_RETENTION_DAYS * 24 * 2);
  assert.equal(data.daily.length, (365 - HOURLY_RETENTION_DAYS) * 2);
  const { rows } = u.report({});
  assert.equal(rows.reduce((n, r) => n + r.requests, 0), 365 * 24 * 2);
  assert.ok(JSON.stringify(data).length < 200_000, 'a year of one key on two models is under 200 KB');
});

test('range filters, tokensSince and the series step', () => {
  const u = new UsageAggregates();
  const t0 = Date.UTC(2026, 0, 1, 0);
  for (let h = 0; h < 48; h++) u.add(sample(t0 + h * HOUR_MS));
  assert.equal(u.tokensSince(1, t0 + 47 * HOUR_MS + 30 * 60_000), 110, 'since counts the whole current hour');
  const day2 = u.report({ since: t0 + DAY_MS, until: t0 + 2 * DAY_MS });
  assert.equal(day2.rows[0]?.requests, 24);
  assert.equal(day2.series.length, 24, 'short ranges are charted by hour');
  const wide = u.report({ since: t0, until: t0 + 10 * DAY_MS });
  assert.equal(wide.series.length, 2, 'long ranges are charted by day');
});
