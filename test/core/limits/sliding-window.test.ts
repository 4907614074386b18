import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SlidingWindowCounter, WINDOW_MS } from '../../../main/core/limits/sliding-window';

const T0 = Date.UTC(2026, 0, 1); // a window boundary

test('counts up to the limit, then says how long to wait', () => {
  const c = new SlidingWindowCounter();
  for (let i = 0; i < 3; i++) assert.deepEqual(c.hit('k', 3, T0 + 1500), { ok: true });
  assert.equal(c.remaining('k', 3, T0 + 1500), 0);
  const refused = c.hit('k', 3, T0 + 1500);
  // The three stop counting 60 s after the second they were made in began.
  assert.deepEqual(refused, { ok: false, retryAfterMs: WINDOW_MS - 500 });
  assert.equal(c.remaining('k', 3, T0 + 1500), 0, 'a refused request does not count');
  assert.equal(c.hit('k', 3, T0 + 1000 + WINDOW_MS).ok, true);
});

test('a request counts for the 60 s from the start of its second', () => {
  const c = new SlidingWindowCounter();
  for (let i = 0; i < 10; i++) c.hit('k', 15, T0 + 500);
  for (let i = 0; i < 5; i++) c.hit('k', 15, T0 + 30_000);
  assert.equal(c.remaining('k', 15, T0 + 59_999), 0);
  const wait = c.check('k', 15, T0 + 59_999);
  assert.deepEqual(wait, { ok: false, retryAfterMs: 1 });
  assert.equal(c.remaining('k', 15, T0 + WINDOW_MS), 10);
  assert.equal(c.remaining('k', 15, T0 + 89_999), 10);
  assert.equal(c.remaining('k', 15, T0 + 90_000), 15);
  assert.equal(c.remaining('k', 15, T0 + 10 * WINDOW_MS), 15, 'a long pause clears everything');
  assert.equal(c.remaining('other', 15, T0), 15);
});

test('the wait frees just enough of the oldest requests', () => {
  const c = new SlidingWindowCounter();
  c.hit('k', 4, T0 + 2_000);
  c.hit('k', 4, T0 + 2_000);
  c.hit('k', 4, T0 + 10_000);
  c.hit('k', 4, T0 + 20_000);
  // Full: one more needs one request out of the window, which the two at 2 s give first.
  assert.deepEqual(c.check('k', 4, T0 + 30_000), { ok: false, retryAfterMs: 32_000 });
  // Under a lower limit of 2, three must go: the two at 2 s and the one at 10 s.
  assert.deepEqual(c.check('k', 2, T0 + 30_000), { ok: false, retryAfterMs: 40_000 });
});

test('a limit of 0 refuses everything', () => {
  const c = new SlidingWindowCounter();
  assert.deepEqual(c.hit('k', 0, T0 + 15_000), { ok: false, retryAfterMs: WINDOW_MS });
  assert.equal(c.remaining('k', 0, T0), 0);
});

test('ids idle for a whole window are dropped', () => {
  const c = new SlidingWindowCounter();
  for (let id = 0; id < 1000; id++) c.hit(id, 5, T0 + (id % 1000));
  assert.equal(c.size, 1000);
  c.hit('late', 5, T0 + 59_999);
  assert.equal(c.size, 1001, 'within the window they still count');
  c.hit('later', 5, T0 + WINDOW_MS);
  assert.equal(c.size, 2, 'a window later only the two recent ids remain');
});

test('property: the wait is exact, and no fixed minute admits more than the limit', () => {
  const step = fc.record({ advance: fc.integer({ min: 0, max: 45_000 }), burst: fc.integer({ min: 1, max: 6 }) });
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 8 }), fc.array(step, { minLength: 1, maxLength: 40 }), (limit, steps) => {
      const c = new SlidingWindowCounter();
      const perMinute = new Map<number, number>();
      const admitted: number[] = [];
      const admit = (t: number): void => {
        admitted.push(t);
        const m = Math.floor(t / WINDOW_MS);
        perMinute.set(m, (perMinute.get(m) ?? 0) + 1);
      };
      let now = T0 + 7;
      for (const { advance, burst } of steps) {
        now += advance;
        for (let i = 0; i < burst; i++) {
          const r = c.hit('k', limit, now);
          if (r.ok) {
            admit(now);
            continue;
          }
          assert.ok(r.retryAfterMs > 0);
          assert.equal(c.hit('k', limit, now + r.retryAfterMs - 1).ok, false, 'a millisecond early is still too early');
          now += r.retryAfterMs;
          assert.equal(c.hit('k', limit, now).ok, true, 'at the wait it is admitted');
          admit(now);
        }
      }
      for (const n of perMinute.values()) assert.ok(n <= limit, `${n} requests in one minute, limit ${limit}`);
      // Stronger: any 60 consecutive seconds hold at most `limit` admitted requests.
      const secs = admitted.map((t) => Math.floor(t / 1000));
      for (const s of secs) assert.ok(secs.filter((x) => x > s - 60 && x <= s).length <= limit, 'sliding minute over the limit');
    }),
    { numRuns: 300 },
  );
});
