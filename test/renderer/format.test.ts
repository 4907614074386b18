import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCompact, formatDateTime, formatInt, formatLatency, formatLimit, formatRelative, formatTime } from '../../renderer/lib/format';

const en = { locale: 'en-US', timeZone: 'UTC' };

describe('format', () => {
  test('formatInt groups thousands', () => {
    assert.equal(formatInt(1234567, en), '1,234,567');
    assert.equal(formatInt(0, en), '0');
  });

  test('formatCompact shortens large counts', () => {
    assert.equal(formatCompact(950), '950');
    assert.equal(formatCompact(1000), '1k');
    assert.equal(formatCompact(1250), '1.3k');
    assert.equal(formatCompact(125_000), '125k');
    assert.equal(formatCompact(3_400_000), '3.4M');
    assert.equal(formatCompact(2_000_000_000), '2B');
  });

  test('formatLatency picks ms, s or min', () => {
    const cases: [number, string][] = [
      [850, '850 ms'],
      [1234, '1.23 s'],
      [12_340, '12.3 s'],
      [125_000, '2 min 5 s'],
      [120_000, '2 min'],
      [-1, '–'],
    ];
    for (const [ms, text] of cases) assert.equal(formatLatency(ms), text, `${ms} ms`);
  });

  test('formatDateTime and formatTime use the given zone, and survive bad input', () => {
    assert.equal(formatDateTime('2025-03-04T14:03:22Z', en), 'Mar 4, 2025, 14:03');
    assert.equal(formatTime('2025-03-04T14:03:22Z', en), '14:03:22');
    assert.equal(formatDateTime(null, en), '–');
    assert.equal(formatDateTime('not a date', en), '–');
  });

  test('formatRelative', () => {
    const now = new Date('2025-03-04T12:00:00Z');
    assert.equal(formatRelative(null, now), 'never');
    assert.equal(formatRelative('2025-03-04T11:59:50Z', now), 'just now');
    assert.equal(formatRelative('2025-03-04T11:55:00Z', now), '5 min ago');
    assert.equal(formatRelative('2025-03-04T09:00:00Z', now), '3 h ago');
    assert.equal(formatRelative('2025-03-03T12:00:00Z', now), '1 day ago');
    assert.equal(formatRelative('2025-02-25T12:00:00Z', now), '7 days ago');
  });

  test('formatLimit says Unlimited for null', () => {
    assert.equal(formatLimit(null, en), 'Unlimited');
    assert.equal(formatLimit(60000, en), '60,000');
  });
});
