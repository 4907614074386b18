/**
 * One process owns a data dir at a time. The owner holds `infiniproxy.lock` (pid, host, start time); a second
 * process gets a DataDirLockedError naming the holder. A lock whose process is gone (crash, kill -9) is taken over.
 */
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export interface LockHolder {
  pid: number;
  host: string;
  started_at: string;
  command: string;
}

export class DataDirLockedError extends Error {
  readonly holder: LockHolder;
  constructor(dataDir: string, holder: LockHolder) {
    super(
      `The data dir ${dataDir} is in use by process ${holder.pid} (${holder.command}, started ${holder.started_at}). ` +
        'Stop that process first, or use another --data-dir.',
    );
    this.name = 'DataDirLockedError';
    this.holder = holder;
  }
}

export const lockPath = (dataDir: string): string => join(dataDir, 'infiniproxy.lock');

/** The live holder of the data dir's lock, or null when it is free or its holder is gone. */
export function readLockHolder(dataDir: string): LockHolder | null {
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockHolder;
  } catch {
    return null;
  }
  return isAlive(holder) ? holder : null;
}

function isAlive(holder: LockHolder): boolean {
  if (typeof holder.pid !== 'number' || holder.host !== hostname()) return holder.host !== hostname();
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

/** Takes the data dir's lock or throws DataDirLockedError. The lock is released on release() or process exit. */
export function acquireDataDirLock(dataDir: string, command = process.argv.slice(1).join(' ')): DataDirLock {
  const path = lockPath(dataDir);
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      const release = (): void => {
        process.off('exit', release);
        try {
          const current = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
          if (current.pid === me.pid && current.started_at === me.started_at) rmSync(path, { force: true });
        } catch {
          /* already gone */
        }
      };
      process.on('exit', release);
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLockHolder(dataDir);
      if (holder) throw new DataDirLockedError(dataDir, holder);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`Could not take the lock ${path}`);
}
