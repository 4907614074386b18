/**
 * One process owns a data dir at a time. The owner holds `infiniproxy.lock` (pid, host, start time); a second
 * process gets a DataDirLockedError naming the holder. A lock whose process is gone (crash, kill -9) is taken over.
 *
 * Atomic, also when many processes start together against a stale lock:
 * - the lock file appears whole or not at all: it is written to a temp file and hard-linked into place, which fails
 *   when a lock exists (so no reader ever sees a half-written lock and takes it for a stale one);
 * - a stale lock is removed only by the holder of `infiniproxy.lock.takeover` (created with O_EXCL), which first
 *   reads the lock again: so a lock another process has just taken is never removed. The others wait for the
 *   takeover and try again. A takeover file older than {@link STALE_TAKEOVER_MS} (its process died within the few
 *   microseconds it is held) is removed.
 */
import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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
  const lock = readLock(dataDir);
  return lock.state === 'held' ? lock.holder : null;
}

/** What the lock file says: absent, held by a live process, or stale (its process is gone, or it is unreadable). */
type LockState = { state: 'absent' } | { state: 'held'; holder: LockHolder } | { state: 'stale' };

function readLock(dataDir: string): LockState {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
    throw err;
  }
  let holder: LockHolder;
  try {
    holder = JSON.parse(text) as LockHolder;
  } catch {
    return { state: 'stale' }; // locks appear whole (see createWhole): an unreadable one was left by a crash
  }
  return isAlive(holder) ? { state: 'held', holder } : { state: 'stale' };
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

/** A takeover file older than this belongs to a process that died while holding it. */
export const STALE_TAKEOVER_MS = 10_000;
/** How many times a process waits for another's takeover before giving up. */
const MAX_ATTEMPTS = 500;

/** Takes the data dir's lock or throws DataDirLockedError. The lock is released on release() or process exit. */
export function acquireDataDirLock(dataDir: string, command = process.argv.slice(1).join(' ')): DataDirLock {
  const path = lockPath(dataDir);
  const me: LockHolder = { pid: process.pid, host: hostname(), started_at: new Date().toISOString(), command };
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (createWhole(path, JSON.stringify(me))) return heldLock(path, me);
    const holder = readLockHolder(dataDir);
    if (holder) throw new DataDirLockedError(dataDir, holder);
    if (!removeStaleLock(dataDir)) sleepMs(2 + Math.floor(Math.random() * 8)); // another process is taking over
  }
  throw new Error(`Could not take the lock ${path}: another process kept taking over a stale lock.`);
}

/** Creates `path` holding `text` if no file is there (false when one is), never leaving it half-written. */
function createWhole(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Removes the lock when it is (still) stale, holding the takeover file meanwhile. False when another process holds
 * the takeover (the caller waits and tries again).
 */
function removeStaleLock(dataDir: string): boolean {
  const takeover = `${lockPath(dataDir)}.takeover`;
  let fd: number;
  try {
    fd = openSync(takeover, 'wx', 0o600);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    try {
      if (Date.now() - statSync(takeover).mtimeMs > STALE_TAKEOVER_MS) rmSync(takeover, { force: true });
    } catch {
      /* gone meanwhile */
    }
    return false;
  }
  try {
    // Read again under the takeover: the lock may have been taken over since it was found stale. Only a lock seen
    // stale is removed: an absent one may be created by another process at any moment, and must not be removed then.
    if (readLock(dataDir).state === 'stale') rmSync(lockPath(dataDir), { force: true });
  } finally {
    closeSync(fd);
    rmSync(takeover, { force: true });
  }
  return true;
}

function heldLock(path: string, me: LockHolder): DataDirLock {
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
}

/** Blocks this thread for `ms` (only while another process takes over a stale lock, at start-up). */
function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
