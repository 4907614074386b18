/**
 * Issue 11 defect 12: processes starting together against a stale data-dir lock must not both take it. Real
 * processes (not threads) race for the lock over many rounds; in each round exactly one may win.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { lockPath } from '../../main/core/store/data-dir-lock';
import { tempDir } from '../support/proxy-harness';

const WORKERS = 10;
const ROUNDS = 12;

interface Worker {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
}

function startWorker(dataDir: string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'lock-worker.ts'), dataDir], { stdio: 'pipe' });
  const queue: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const resolve = waiting.shift();
    if (resolve) resolve(line);
    else queue.push(line);
  });
  return { child, next: () => (queue.length ? Promise.resolve(queue.shift() as string) : new Promise((r) => waiting.push(r))) };
}

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

test('a stale lock is taken over by exactly one of many processes starting together', { timeout: 180_000 }, async () => {
  const dir = tempDir();
  const workers = Array.from({ length: WORKERS }, () => startWorker(dir.path));
  try {
    for (const w of workers) assert.equal(await w.next(), 'ready');
    const stale = { pid: await deadPid(), host: hostname(), started_at: '2020-01-01T00:00:00.000Z', command: 'crashed' };
    for (let round = 0; round < ROUNDS; round++) {
      writeFileSync(lockPath(dir.path), JSON.stringify(stale), { mode: 0o600 });
      for (const w of workers) w.child.stdin.write('go\n');
      const answers = await Promise.all(workers.map((w) => w.next()));
      const winners = workers.filter((_, i) => answers[i] === 'got');
      assert.deepEqual(answers.filter((a) => a !== 'got' && a !== 'locked'), [], 'no other outcome');
      assert.equal(winners.length, 1, `round ${round}: ${winners.length} processes took the lock (${answers.join(' ')})`);
      for (const w of winners) {
        w.child.stdin.write('release\n');
        assert.equal(await w.next(), 'released');
      }
    }
  } finally {
    for (const w of workers) w.child.stdin.end();
    await Promise.all(workers.map((w) => new Promise((resolve) => (w.child.exitCode !== null ? resolve(null) : w.child.once('exit', resolve)))));
    dir.remove();
  }
});
