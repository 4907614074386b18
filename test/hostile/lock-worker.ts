/**
 * A process that competes for a data dir's lock (test/hostile/data-dir-lock.test.ts). Prints `ready`, then per
 * line on stdin: `go` tries to take the lock (prints `got` or `locked`), `release` lets it go (prints `released`).
 */
import { createInterface } from 'node:readline';
import { acquireDataDirLock, DataDirLockedError } from '../../main/core/store/data-dir-lock';
import type { DataDirLock } from '../../main/core/store/data-dir-lock';

const dataDir = process.argv[2] as string;
let held: DataDirLock | null = null;
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  if (line === 'go') {
    try {
      held = acquireDataDirLock(dataDir, 'lock-worker');
      process.stdout.write('got\n');
    } catch (err) {
      process.stdout.write(err instanceof DataDirLockedError ? 'locked\n' : `error ${(err as Error).message}\n`);
    }
  } else if (line === 'release') {
    held?.release();
    held = null;
    process.stdout.write('released\n');
  }
});
lines.on('close', () => process.exit(0));
process.stdout.write('ready\n');
