/**
 * `kill -9` under load (scripts/kill9-check.ts): `serve` runs as a child process on a temp data dir, is killed with
 * SIGKILL while requests flow, and must leave a readable store, start again on the same data dir, and have on
 * record every request answered more than a flush interval (plus margin) before the kill.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kill9Check } from '../../scripts/kill9-check';

test('kill -9 under load: the store stays readable, serve restarts, at most the last flush interval is lost', async (t) => {
  const report = await kill9Check({ loadMs: 2500, workers: 8 });
  t.diagnostic(
    `answered ${report.answered}, in the last flush interval ${report.answeredLastFlush}, recorded ${report.recorded}, lost ${report.lost}`,
  );
  assert.deepEqual(report.failures, []);
  assert.ok(report.storeReadable);
  assert.ok(report.restarted);
  assert.ok(report.answered > 0, 'the proxy was under load');
  assert.ok(report.lost <= report.answeredLastInterval, `lost ${report.lost} > answered in the last interval`);
  assert.ok(report.ok);
});
