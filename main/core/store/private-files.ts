/**
 * Files in the data dir are private to the user running the proxy: the store holds a backend key saved from the
 * Settings tab, the admin token file the admin's credential. Every file is written 0600 (temp files before their
 * rename too), files left readable by an older version are tightened on open, and a data dir that others can enter
 * is tightened to 0700 when this user owns it (a warning names it otherwise). Windows has no such mode bits: there
 * the per-user folder's ACL applies and nothing here changes it.
 */
import { chmodSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile, chmod } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';

const PRIVATE_FILE = 0o600;
const PRIVATE_DIR = 0o700;
const checksModes = process.platform !== 'win32';

/** A temp name beside `path`, unique to this write. */
const tempPath = (path: string): string => `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;

/** Writes `data` to `path` atomically (temp file + rename), the file 0600 from its creation. */
export async function writePrivateFile(path: string, data: string | Buffer): Promise<void> {
  const tmp = tempPath(path);
  try {
    await writeFile(tmp, data, { mode: PRIVATE_FILE, flag: 'wx' });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** {@link writePrivateFile}, synchronously. */
export function writePrivateFileSync(path: string, data: string | Buffer): void {
  const tmp = tempPath(path);
  try {
    writeFileSync(tmp, data, { mode: PRIVATE_FILE, flag: 'wx' });
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Makes an existing file 0600 (when it is group- or world-accessible); a missing file is left alone. */
export async function tightenFile(path: string): Promise<void> {
  if (!checksModes) return;
  try {
    await chmod(path, PRIVATE_FILE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Creates the data dir (0700) or checks an existing one: group/world access is removed when this user owns the
 * directory. Returns a warning when it stays accessible to others (owned by another user), else null.
 */
export function ensurePrivateDir(dir: string): string | null {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR });
  if (!checksModes) return null;
  const st = statSync(dir);
  if ((st.mode & 0o077) === 0) return null;
  if (typeof process.getuid === 'function' && st.uid === process.getuid()) {
    chmodSync(dir, (st.mode & 0o7000) | PRIVATE_DIR);
    return null;
  }
  return (
    `The data dir ${dir} is accessible to other users (mode ${(st.mode & 0o777).toString(8)}) and owned by another ` +
    `user, so InfiniProxy cannot tighten it: its files are 0600, but others can list them. Use a directory of your own.`
  );
}
