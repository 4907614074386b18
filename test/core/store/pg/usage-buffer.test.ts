/**
 * The usage buffer's bounds and bookkeeping (no database needed): what is pending per key and period, the lag of
 * the oldest entry, and the request-log bound while the database is away.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageBuffer } from '../../../../main/core/store/pg/usage-buffer';
import type { UsageEvent } from '../../../../main/core/store/store';
import { usageEvent } from '../../../support/usage-event';

const event = (key_id: number, time: Date, tokens = 10): UsageEvent => usageEvent(key_id, tokens, time);

test('pending tokens per key from a time on (hour buckets), and the lag of the oldest entry', () => {
  const buffer = new UsageBuffer();
  assert.equal(buffer.pending, false);
  assert.equal(buffer.lagMs(), 0);
  const now = Date.UTC(2026, 5, 10, 12, 30);
  buffer.add(event(1, new Date(now)));
  buffer.add(event(1, new Date(now - 2 * 3_600_000)));
  buffer.add(event(2, new Date(now)));
  assert.equal(buffer.pending, true);
  assert.equal(buffer.pendingTokens(1, now), 20, 'the current hour');
  assert.equal(buffer.pendingTokens(1, now - 3 * 3_600_000), 40);
  assert.equal(buffer.pendingTokens(3, 0), 0);
  assert.ok(buffer.lagMs(Date.now() + 500) >= 500);
});

test('bounded: request-log entries beyond the cap are dropped oldest first, and counted', () => {
  const buffer = new UsageBuffer({ maxRequests: 3, maxAggregates: 2 });
  const t = new Date();
  for (let i = 0; i < 5; i++) buffer.add(event(1, t, i));
  assert.equal(buffer.dropped, 2);
  buffer.add(event(2, t));
  buffer.add(event(3, t));
  assert.equal(buffer.dropped, 4, 'a third aggregate row does not fit (and its log entry is not kept)');
  assert.equal(buffer.pendingTokens(1, 0), 2 * (0 + 1 + 2 + 3 + 4), 'aggregates of known rows keep counting');
});
