import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyLimits } from '../../../shared/types';
import { CONCURRENCY_RETRY_SECONDS, KeyLimiter, type Admission, type LimitedKey } from '../../../main/core/limits/key-limiter';
import { openStore } from '../../../main/core/store/lowdb-store';

const none: KeyLimits = { requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null };
const key = (limits: Partial<KeyLimits>, id = 1, name = 'laptop'): LimitedKey => ({ id, name, limits: { ...none, ...limits } });

/** A limiter on a hand-moved clock, with token usage set by the test. */
function setup(start = Date.UTC(2026, 2, 10, 9, 0, 48)) {
  const clock = { now: start };
  const used = { day: 0, month: 0 };
  const calls: { keyId: number; since: Date }[] = [];
  const limiter = new KeyLimiter({
    now: () => clock.now,
    tokensSince: (keyId, since) => {
      calls.push({ keyId, since });
      const d = new Date(clock.now);
      const today = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
      return since.getTime() === today ? used.day : used.month;
    },
  });
  return { clock, used, calls, limiter };
}

const refused = (a: Admission) => {
  assert.equal(a.ok, false, 'expected a refusal');
  return a as Extract<Admission, { ok: false }>;
};

test('a key without limits is always admitted and asks nothing of the store', () => {
  const { limiter, calls } = setup();
  for (let i = 0; i < 1000; i++) assert.equal(limiter.admit(key({})).ok, true);
  assert.equal(calls.length, 0);
  assert.deepEqual(limiter.remaining(key({})), {
    requests_this_minute: null,
    concurrent: null,
    tokens_today: null,
    tokens_this_month: null,
  });
});

test('requests per minute: refusal names the key, the limit and the wait; a refusal counts against nothing', () => {
  const { limiter, clock } = setup(Date.UTC(2026, 2, 10, 9, 0, 0));
  const k = key({ requests_per_minute: 60 });
  for (let i = 0; i < 60; i++) assert.equal(limiter.admit(k).ok, true, `request ${i + 1}`);
  assert.equal(limiter.remaining(k).requests_this_minute, 0);
  clock.now += 48_000;
  const r = refused(limiter.admit(k));
  assert.equal(r.limit, 'requests_per_minute');
  assert.equal(r.retryAfterSeconds, 12, 'the 60 made at 09:00:00 stop counting at 09:01:00');
  assert.equal(r.reason, "Key 'laptop' is over its limit of 60 requests per minute; retry in 12 s");
  for (let i = 0; i < 100; i++) limiter.admit(k);
  clock.now += r.retryAfterSeconds * 1000;
  assert.equal(limiter.admit(k).ok, true, 'admitted once the wait is over, refusals having counted for nothing');
  assert.equal(limiter.admit(key({ requests_per_minute: 60 }, 2, 'desktop')).ok, true, 'other keys are counted apart');
});

test('concurrent streams: slots are held until released, and release frees exactly one however often it is called', () => {
  const { limiter } = setup();
  const k = key({ concurrent_streams: 2 });
  const a = limiter.admit(k);
  const b = limiter.admit(k);
  assert.ok(a.ok && b.ok);
  assert.equal(limiter.remaining(k).concurrent, 0);
  const r = refused(limiter.admit(k));
  assert.equal(r.limit, 'concurrent_streams');
  assert.equal(r.retryAfterSeconds, CONCURRENCY_RETRY_SECONDS);
  assert.equal(r.reason, "Key 'laptop' is over its limit of 2 concurrent streams; retry in 1 s");
  a.release();
  a.release();
  a.release();
  assert.equal(limiter.inFlight(1), 1);
  const c = limiter.admit(k);
  assert.equal(c.ok, true, 'a released slot is reused');
  assert.equal(limiter.admit(k).ok, false, 'but a repeated release freed no more than one');
  b.release();
  if (c.ok) c.release();
  assert.equal(limiter.inFlight(1), 0);
  assert.equal(limiter.entries, 0, 'no state is left for a key with nothing in flight and no minute limit');
});

test('token budgets: counted from UTC midnight and the first of the month; the wait runs to the next one', () => {
  const now = Date.UTC(2026, 2, 10, 18, 29, 30); // 10 March, 18:29:30 UTC
  const { limiter, used, calls } = setup(now);
  const k = key({ tokens_per_day: 1000, tokens_per_month: 50_000 });
  used.day = 999;
  used.month = 20_000;
  assert.equal(limiter.admit(k).ok, true, 'under budget by one token');
  const sinces = calls.map((c) => c.since.toISOString()).sort();
  assert.deepEqual(sinces, ['2026-03-01T00:00:00.000Z', '2026-03-10T00:00:00.000Z']);
  assert.deepEqual(limiter.remaining(k), { requests_this_minute: null, concurrent: null, tokens_today: 1, tokens_this_month: 30_000 });

  used.day = 1000;
  const r = refused(limiter.admit(k));
  assert.equal(r.limit, 'tokens_per_day');
  assert.equal(r.retryAfterSeconds, 5 * 3600 + 30 * 60 + 30);
  assert.equal(r.reason, "Key 'laptop' has used its budget of 1000 tokens per day; retry in 5 h 31 min");
  assert.equal(limiter.remaining(k).tokens_today, 0);

  used.month = 60_000;
  const m = refused(limiter.admit(k));
  assert.equal(m.limit, 'tokens_per_month', 'when several limits refuse, the longest wait is the one that matters');
  assert.equal(m.retryAfterSeconds, (Date.UTC(2026, 3, 1) - now) / 1000);
  assert.match(m.reason, /^Key 'laptop' has used its budget of 50000 tokens per month; retry in 21 d 6 h$/);
  assert.equal(limiter.remaining(k).tokens_this_month, 0, 'never negative');
});

test('the longest of several waits is reported, and a refusal for one limit uses no slot of another', () => {
  const { limiter, clock } = setup(Date.UTC(2026, 2, 10, 9, 0, 0));
  const k = key({ requests_per_minute: 1, concurrent_streams: 1 });
  const first = limiter.admit(k);
  assert.equal(first.ok, true);
  const r = refused(limiter.admit(k));
  assert.equal(r.limit, 'requests_per_minute', 'over both: the minute limit waits longer than the concurrency one');
  assert.equal(r.retryAfterSeconds, 60);
  if (first.ok) first.release();
  clock.now += 60_000;
  const again = limiter.admit(k);
  assert.equal(again.ok, true);
});

test('property: in-flight requests never exceed the limit, whatever the order of admits and (repeated) releases', () => {
  const op = fc.oneof(fc.constant({ op: 'admit' as const }), fc.record({ op: fc.constant('release' as const), which: fc.nat() }));
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (limit, ops) => {
      const { limiter } = setup();
      const k = key({ concurrent_streams: limit });
      const handles: { release(): void }[] = [];
      const live = new Set<number>();
      for (const o of ops) {
        if (o.op === 'admit') {
          const a = limiter.admit(k);
          assert.equal(a.ok, live.size < limit, 'admitted exactly when a slot is free');
          if (a.ok) {
            live.add(handles.length);
            handles.push(a);
          }
        } else if (handles.length > 0) {
          const i = o.which % handles.length;
          handles[i]?.release();
          live.delete(i);
        }
        assert.equal(limiter.inFlight(1), live.size);
        assert.equal(limiter.remaining(k).concurrent, limit - live.size);
      }
    }),
    { numRuns: 300 },
  );
});

test('a limit of 0 refuses every request', () => {
  const { limiter } = setup();
  assert.equal(refused(limiter.admit(key({ requests_per_minute: 0 }))).limit, 'requests_per_minute');
  assert.equal(refused(limiter.admit(key({ concurrent_streams: 0 }))).limit, 'concurrent_streams');
  assert.equal(refused(limiter.admit(key({ tokens_per_day: 0 }))).limit, 'tokens_per_day');
});

test('state of idle keys is dropped', () => {
  const { limiter, clock } = setup();
  for (let id = 1; id <= 5000; id++) {
    const a = limiter.admit(key({ requests_per_minute: 10 }, id));
    if (a.ok) a.release();
  }
  assert.equal(limiter.entries, 5000);
  clock.now += 3 * 60_000;
  limiter.admit(key({ requests_per_minute: 10 }, 1));
  assert.equal(limiter.entries, 2, 'the one recent key: its minute window and its request in flight');
});

test('budgets with the real store: tokens recorded for a key count against it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'infiniproxy-limits-'));
  const store = await openStore(dir);
  try {
    const user = await store.users.create({ username: 'ada' });
    const { info } = await store.keys.create({ user_id: user.id, name: 'laptop', limits: { tokens_per_day: 500 } });
    const authed = { id: info.id, name: info.name, limits: info.limits };
    const limiter = new KeyLimiter({ tokensSince: (id, since) => store.usage.tokensSince(id, since) });
    assert.equal(limiter.admit(authed).ok, true);
    store.usage.record({
      time: new Date(),
      key_id: info.id,
      user_id: user.id,
      endpoint: '/v1/chat/completions',
      model: 'm',
      backend_model: null,
      status: 200,
      latency_ms: 5,
      stream: false,
      input_tokens: 400,
      output_tokens: 100,
      cache_read_input_tokens: 0,
      usage_estimated: false,
      error: null,
    });
    assert.equal(limiter.remaining(authed).tokens_today, 0);
    const r = refused(limiter.admit(authed));
    assert.equal(r.limit, 'tokens_per_day');
    assert.match(r.reason, /^Key 'laptop' has used its budget of 500 tokens per day; retry in /);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('token budgets reserve estimates at admission: a request fits beside the others in flight, or runs alone', () => {
  const { limiter, used } = setup();
  const k = key({ tokens_per_day: 100 });
  const a = limiter.admit(k, 40);
  const b = limiter.admit(k, 40);
  assert.ok(a.ok && b.ok);
  assert.equal(limiter.reserved(1), 80);
  const r = refused(limiter.admit(k, 40));
  assert.equal(r.limit, 'tokens_per_day');
  assert.equal(r.retryAfterSeconds, CONCURRENCY_RETRY_SECONDS);
  assert.match(r.reason, /has reserved the rest of its budget of 100 tokens per day/);
  assert.equal(limiter.admit(k, 20).ok, true, 'a smaller one still fits');
  // a settles with what it used: the reservation goes, the usage counts instead.
  used.day = 30;
  a.settle(30);
  a.settle(30);
  assert.equal(limiter.reserved(1), 60, 'settled once');
  assert.equal(refused(limiter.admit(k, 40)).limit, 'tokens_per_day', '30 used + 60 reserved leave 10');
  assert.equal(limiter.admit(key({ tokens_per_day: 100 }, 2), Infinity).ok, true, 'an unknown cost is admitted alone');
  assert.equal(refused(limiter.admit(key({ tokens_per_day: 100 }, 2), 1)).limit, 'tokens_per_day', 'and holds the rest');
});

test('property: however admits and settles interleave, usage passes the budget by at most one request', () => {
  fc.assert(
    fc.property(fc.array(fc.record({ estimate: fc.integer({ min: 1, max: 60 }), settleFirst: fc.nat(3) }), { maxLength: 60 }), (ops) => {
      const { limiter, used } = setup();
      const k = key({ tokens_per_day: 100 });
      const live: { cost: number; settle(n: number): void }[] = [];
      for (const op of ops) {
        const a = limiter.admit(k, op.estimate);
        if (a.ok) live.push({ cost: op.estimate, settle: a.settle });
        for (let i = 0; i < op.settleFirst && live.length; i++) {
          const done = live.shift()!;
          used.day += done.cost; // a request uses at most its estimate
          done.settle(done.cost);
        }
      }
      for (const done of live) {
        used.day += done.cost;
        done.settle(done.cost);
      }
      assert.ok(used.day <= 100 + 60, `used ${used.day}`);
    }),
  );
});
