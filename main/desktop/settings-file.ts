/**
 * The file operations the Claude Code settings writer needs, careful about what users do with their dotfiles:
 * a UTF-8 BOM is read past (Claude Code accepts one) and kept; a symlinked file (a dotfiles repository) is
 * written through, so the link stays a link; writes are atomic (a temp file beside the real target, then a
 * rename) and set the mode asked for. Plain Node.
 */
import { randomBytes } from 'node:crypto';
import { chmod, lstat, readFile, readlink, realpath, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

const BOM = '\uFEFF';

/** A text file as read: its text without a BOM, whether it had one, and its permission bits. */
export interface ReadText {
  text: string;
  bom: boolean;
  mode: number;
}

/** Reads a file (following symlinks); undefined when it does not exist (or is a dangling link). */
export async function readText(path: string): Promise<ReadText | undefined> {
  let raw: string;
  let mode: number;
  try {
    raw = await readFile(path, 'utf8');
    mode = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const bom = raw.startsWith(BOM);
  return { text: bom ? raw.slice(1) : raw, bom, mode };
}

/** The file a write to `path` must replace: the symlink's target when `path` is a link (even a dangling one). */
export async function writeTarget(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let current = path;
  // A dangling link: follow it by hand (bounded, like the kernel's own limit of 40 hops).
  for (let hops = 0; hops < 40; hops++) {
    const info = await lstat(current).catch(() => undefined);
    if (!info?.isSymbolicLink()) return current;
    current = resolve(dirname(current), await readlink(current));
  }
  throw Object.assign(new Error(`${path}: too many levels of symbolic links`), { code: 'ELOOP' });
}

/**
 * Replaces the file at `path` (or, for a symlink, its target) with `text` (a BOM first when `bom`), atomically,
 * with permission bits `mode`.
 */
export async function writeTextAtomic(path: string, text: string, opts: { mode: number; bom?: boolean }): Promise<void> {
  const target = await writeTarget(path);
  const tmp = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, (opts.bom ? BOM : '') + text, { mode: opts.mode });
    await chmod(tmp, opts.mode); // writeFile's mode is masked by the umask
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Removes the file at `path`; for a symlink, the file it points at (the link stays, as it was before). */
export async function removeFile(path: string): Promise<void> {
  await rm(await writeTarget(path), { force: true });
}
