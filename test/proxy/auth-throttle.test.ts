import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressKey, AuthThrottle } from '../../main/proxy/auth-throttle';

function setup(options: ConstructorParameters<typeof AuthThrottle>[0] = {}) {
  const clock = { now: 1_000_000 };
  return { clock, throttle: new AuthThrottle({ maxFailures: 3, windowMs: 60_000, blockMs: 30_000, now: () => clock.now, ...options }) };
}

test('the failure that reaches the maximum blocks the address for blockMs, and says so once', () => {
  const { clock, throttle } = setup();
  assert.equal(throttle.fail('10.0.0.1'), false);
  assert.equal(throttle.fail('10.0.0.1'), false);
  assert.deepEqual(throttle.check('10.0.0.1'), { blocked: false });
  assert.equal(throttle.fail('10.0.0.1'), true, 'the third failure blocks');
  assert.deepEqual(throttle.check('10.0.0.1'), { blocked: true, retryAfterSeconds: 30 });
  assert.deepEqual(throttle.check('10.0.0.2'), { blocked: false }, 'other addresses are not affected');
  assert.equal(throttle.fail('10.0.0.1'), false, 'failures during a block do not announce another one');
  clock.now += 29_001;
  assert.deepEqual(throttle.check('10.0.0.1'), { blocked: true, retryAfterSeconds: 1 });
  clock.now += 999;
  assert.deepEqual(throttle.check('10.0.0.1'), { blocked: false }, 'the block ends after blockMs');
});

test('failures further apart than the window do not add up', () => {
  const { clock, throttle } = setup();
  throttle.fail('a');
  throttle.fail('a');
  clock.now += 60_000;
  assert.equal(throttle.fail('a'), false);
  assert.equal(throttle.fail('a'), false);
  assert.deepEqual(throttle.check('a'), { blocked: false });
  assert.equal(throttle.fail('a'), true);
});

test('a success forgets the failures, but not a block in force', () => {
  const { throttle } = setup();
  throttle.fail('a');
  throttle.fail('a');
  throttle.succeed('a');
  throttle.fail('a');
  throttle.fail('a');
  assert.deepEqual(throttle.check('a'), { blocked: false });
  assert.equal(throttle.size, 1);
  throttle.fail('a');
  throttle.succeed('a');
  assert.equal(throttle.check('a').blocked, true);
  throttle.succeed('never-seen');
  assert.equal(throttle.size, 1);
});

test('IPv6 addresses count per /64; IPv4-mapped addresses as IPv4', () => {
  assert.equal(addressKey('203.0.113.9'), '203.0.113.9');
  assert.equal(addressKey('::ffff:203.0.113.9'), '203.0.113.9');
  assert.equal(addressKey('2001:db8:0:1:aaaa::1'), '2001:db8:0:1::/64');
  assert.equal(addressKey('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff'), '2001:db8:0:1::/64');
  assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(addressKey('::1'), '0:0:0:0::/64');
  assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(addressKey('not:an::ip::at:all'), 'not:an::ip::at:all', 'anything else is kept as it is');
  assert.equal(addressKey(''), '');

  const { throttle } = setup();
  throttle.fail('2001:db8:0:1::a');
  throttle.fail('2001:db8:0:1::b');
  throttle.fail('2001:db8:0:1:ffff::c');
  assert.equal(throttle.check('2001:db8:0:1::d').blocked, true, 'rotating within a /64 does not help');
  assert.equal(throttle.check('2001:db8:0:2::a').blocked, false);
});

test('memory is capped: past the cap the least recently seen addresses go first', () => {
  const { throttle } = setup({ maxEntries: 100 });
  throttle.fail('victim');
  throttle.fail('victim');
  throttle.fail('victim');
  let largest = 0;
  for (let i = 0; i < 10_000; i++) {
    throttle.fail(`198.51.${i >> 8}.${i & 255}`);
    largest = Math.max(largest, throttle.size);
  }
  assert.equal(largest, 100, 'never more than the cap');
  assert.ok(throttle.size >= 100 - 100 / 8, 'and never far below it');
  assert.equal(throttle.check('victim').blocked, false, 'the oldest entry was evicted');
  throttle.fail('hot');
  throttle.fail('hot');
  for (let i = 0; i < 80; i++) throttle.fail(`192.0.2.${i}`);
  assert.equal(throttle.fail('hot'), true, 'an address seen recently keeps its count');
});

test('idle entries are dropped as time passes; blocked ones stay until their block ends', () => {
  const { clock, throttle } = setup({ blockMs: 120_000 });
  for (let i = 0; i < 500; i++) throttle.fail(`10.1.${i >> 8}.${i & 255}`);
  for (let i = 0; i < 3; i++) throttle.fail('blocked');
  assert.equal(throttle.size, 501);
  clock.now += 60_000;
  throttle.fail('new');
  assert.equal(throttle.size, 2, 'the blocked address and the new one remain');
  assert.equal(throttle.check('blocked').blocked, true);
  clock.now += 120_000;
  throttle.fail('newer');
  assert.equal(throttle.size, 1);
  assert.equal(throttle.check('blocked').blocked, false);
});
