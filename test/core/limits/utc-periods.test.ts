import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatWait,
  retryAfterSeconds,
  startOfNextUtcDay,
  startOfNextUtcMonth,
  startOfUtcDay,
  startOfUtcMonth,
} from '../../../main/core/limits/utc-periods';

test('UTC days and months, across year ends and leap days', () => {
  const t = Date.UTC(2025, 11, 31, 23, 59, 59, 999);
  assert.equal(startOfUtcDay(t), Date.UTC(2025, 11, 31));
  assert.equal(startOfNextUtcDay(t), Date.UTC(2026, 0, 1));
  assert.equal(startOfUtcMonth(t), Date.UTC(2025, 11, 1));
  assert.equal(startOfNextUtcMonth(t), Date.UTC(2026, 0, 1));
  assert.equal(startOfNextUtcDay(Date.UTC(2028, 1, 28, 12)), Date.UTC(2028, 1, 29));
  assert.equal(startOfNextUtcMonth(Date.UTC(2028, 1, 29)), Date.UTC(2028, 2, 1));
  assert.equal(startOfUtcDay(Date.UTC(2026, 4, 3)), Date.UTC(2026, 4, 3), 'midnight is the start of its own day');
});

test('retry-after is whole seconds, rounded up, at least one', () => {
  assert.equal(retryAfterSeconds(0), 1);
  assert.equal(retryAfterSeconds(1), 1);
  assert.equal(retryAfterSeconds(1000), 1);
  assert.equal(retryAfterSeconds(1001), 2);
});

test('waits are worded for people and never shorter than they are', () => {
  assert.equal(formatWait(12), '12 s');
  assert.equal(formatWait(119), '119 s');
  assert.equal(formatWait(121), '3 min');
  assert.equal(formatWait(3600), '60 min');
  assert.equal(formatWait(2 * 3600), '2 h');
  assert.equal(formatWait(5 * 3600 + 30 * 60), '5 h 30 min');
  assert.equal(formatWait(5 * 3600 + 30 * 60 + 1), '5 h 31 min');
  assert.equal(formatWait(3 * 86400), '3 d');
  assert.equal(formatWait(3 * 86400 + 1), '3 d 1 h');
});
