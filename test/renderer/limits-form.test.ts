import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { limitsFromForm, limitsSummary, limitsToForm, remainingSummary } from '../../renderer/lib/limits-form';

describe('key limits form', () => {
  test('round-trips limits, blank meaning unlimited', () => {
    const limits = { requests_per_minute: 60, concurrent_streams: null, tokens_per_day: 100000, tokens_per_month: null };
    const form = limitsToForm(limits);
    assert.deepEqual(form, { requests_per_minute: '60', concurrent_streams: '', tokens_per_day: '100000', tokens_per_month: '' });
    assert.deepEqual(limitsFromForm(form), { ok: true, limits });
  });

  test('rejects non-whole or non-positive numbers per field', () => {
    const result = limitsFromForm({ requests_per_minute: '0', concurrent_streams: 'two', tokens_per_day: '5', tokens_per_month: '1.5' });
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual(Object.keys(result.errors).sort(), ['concurrent_streams', 'requests_per_minute', 'tokens_per_month']);
  });

  test('summary', () => {
    assert.equal(limitsSummary({ requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null }), 'None');
    assert.equal(
      limitsSummary({ requests_per_minute: 60, concurrent_streams: 1, tokens_per_day: 100000, tokens_per_month: 2_000_000 }),
      '60/min · 1 stream · 100k/day · 2M/month',
    );
  });

  test('what is left, for the limits a key has', () => {
    assert.equal(remainingSummary(undefined), '');
    assert.equal(remainingSummary({ requests_this_minute: null, concurrent: null, tokens_today: null, tokens_this_month: null }), '');
    assert.equal(
      remainingSummary({ requests_this_minute: 58, concurrent: 0, tokens_today: 91_000, tokens_this_month: null }),
      'Left: 58/min · 0 streams · 91k today',
    );
    assert.equal(remainingSummary({ requests_this_minute: null, concurrent: 1, tokens_today: null, tokens_this_month: 2_000_000 }), 'Left: 1 stream · 2M this month');
  });
});
