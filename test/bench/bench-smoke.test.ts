/**
 * `npm run bench`, as the README and bench/README.md write it, run for a few seconds: the table with every target
 * (the PostgreSQL case included when PostgreSQL is installed) and the before/after comparison against a commit. The
 * figures of so short a run mean nothing; what is checked is that the commands work and report what they say.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pgBinDir } from '../../scripts/pg-cluster.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function npmRunBench(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('npm', ['run', 'bench', '--', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('npm run bench (smoke)', () => {
  test('--quick on one case: every target measured, the targets checked, partial results written', () => {
    const r = npmRunBench(['--quick', '--only=messages-tiny', '--no-peer', '--seconds=0.5']);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    for (const label of ['backend direct (floor)', '| InfiniProxy |', 'InfiniProxy, 2 providers with failover']) {
      assert.ok(r.stdout.includes(label), `the table has ${label}`);
    }
    if (pgBinDir()) {
      const row = r.stdout.split('\n').find((l) => l.includes('InfiniProxy on PostgreSQL, 2 instances round-robin'));
      assert.ok(row, 'the PostgreSQL case is in the table');
      assert.match(row, /\| \d+ \|/, 'with a throughput figure');
    }
    assert.match(r.stdout, /added p50 at 1 connection, tiny not streamed \| ≤ 1 ms \| \d/);
    assert.ok(readFileSync(join(ROOT, 'bench', 'results', 'partial.md.tmp'), 'utf8').includes('messages tiny not streamed'));
  });

  test('--compare=HEAD: this tree against a commit, both measured', () => {
    const r = npmRunBench(['--compare=HEAD', '--quick', '--only=messages-tiny', '--seconds=0.5']);
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /# Before\/after: HEAD \([0-9a-f]{10}\) → this tree/);
    assert.match(r.stdout, /\| messages tiny not streamed \| [\d.]+ \| [\d.]+ \| [+-][\d.]+% \|/);
  });
});
