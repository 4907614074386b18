/**
 * Points Claude Code at the proxy by editing the `env` object of its user settings (`settings.json` in its
 * config dir: `$CLAUDE_CONFIG_DIR`, else `~/.claude`), and undoes it.
 *
 * The key goes in as `ANTHROPIC_AUTH_TOKEN` (Claude Code sends it as `Authorization: Bearer`, which the proxy
 * accepts): with `ANTHROPIC_API_KEY` an interactive Claude Code stops at "Detected a custom API key… No
 * (recommended)", and its default answer leaves it logged out. For the same reason an `ANTHROPIC_API_KEY` already
 * in `env` is set aside while our configuration is in place; undo brings it back.
 *
 * Every change is reversible: before writing, the current file is copied (bytes and mode) to
 * `settings.json.infiniproxy-backup-<time>`; when there was no file, an empty marker
 * `settings.json.infiniproxy-created-<time>` records that instead. Undo takes the newest of those, restores
 * the backup (or removes the file we created) and deletes it, so repeated undos walk back through repeated
 * configures; while one is left, {@link claudeConfigState} says an undo is possible. Every other key of the file
 * is kept as it was; a file we refuse (not a JSON object, `env` not an object) is left alone, with no backup.
 * Plain Node, no Electron: the config dir is a parameter so tests run against a temp dir.
 */
import { chmod, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { AdminError } from '../../shared/admin-api';
import type { ClaudeCodeConfigResult, ClaudeCodeConfigState } from '../../shared/types';
import { readText, removeFile, writeTextAtomic, type ReadText } from './settings-file';
import { isRecord } from '../../shared/json';
import { CLAUDE_ENV_KEYS } from '../../shared/claude-code-env';
import type { ClaudeEnv } from '../../shared/claude-code-env';

export { CLAUDE_ENV_KEYS, claudeSetupSnippet } from '../../shared/claude-code-env';
export type { ClaudeEnv } from '../../shared/claude-code-env';

/** The env keys a configure changes: ours, and the API key it sets aside. Undo puts these back. */
const TOUCHED_KEYS = [...CLAUDE_ENV_KEYS, 'ANTHROPIC_API_KEY'] as const;

/** Keys whose values are secrets (masked in results). */
const SECRET_KEYS: ReadonlySet<string> = new Set(['ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_API_KEY']);


const BACKUP_MARK = '.infiniproxy-backup-';
const CREATED_MARK = '.infiniproxy-created-';

type JsonObject = Record<string, unknown>;

/** Claude Code's config dir: `$CLAUDE_CONFIG_DIR` when set (relative to the home dir), else `<home>/.claude`. */
export function claudeConfigDir(homeDir: string, env: Record<string, string | undefined> = {}): string {
  const fromEnv = env.CLAUDE_CONFIG_DIR?.trim();
  if (!fromEnv) return join(homeDir, '.claude');
  const expanded = fromEnv === '~' ? homeDir : fromEnv.startsWith('~/') ? join(homeDir, fromEnv.slice(2)) : fromEnv;
  return isAbsolute(expanded) ? expanded : resolve(homeDir, expanded);
}

/** `<config dir>/settings.json`. */
export function claudeSettingsPath(configDir: string): string {
  return join(configDir, 'settings.json');
}

/** Where the settings file is, whether an undo is possible, and our keys' current values (secrets masked). */
export async function claudeConfigState(configDir: string): Promise<Omit<ClaudeCodeConfigState, 'key_storage_problem'>> {
  const path = claudeSettingsPath(configDir);
  const current = await readText(path).catch(() => undefined);
  const settings = current ? tryParse(current.text) : undefined;
  return { path, can_undo: (await latestBackup(configDir)) !== undefined, current: settings ? pickEnv(settings) : {} };
}

/**
 * Writes `env` into Claude Code's user settings, creating the file (and the config dir) when absent and backing
 * the file up first. Returns the touched env keys before and after (secrets masked, for display).
 * Throws AdminError 422 `invalid_claude_settings`, writing nothing, when the file is not a JSON object or its
 * `env` is not an object.
 */
export async function configureClaudeSettings(
  configDir: string,
  env: ClaudeEnv,
  now: Date = new Date(),
): Promise<ClaudeCodeConfigResult> {
  const path = claudeSettingsPath(configDir);
  const file = await readText(path);
  const settings = file === undefined ? {} : parseSettings(file.text, path);
  const { ANTHROPIC_API_KEY: _setAside, ...kept } = envObject(settings, path);
  const next: JsonObject = { ...settings, env: { ...kept, ...env } };

  await mkdir(configDir, { recursive: true });
  const backup_path = await writeBackup(path, file, now);
  // The file now holds a secret: readable by its owner only (undo restores the mode it had).
  await writeTextAtomic(path, JSON.stringify(next, null, 2) + '\n', { mode: (file?.mode ?? 0o600) & 0o700, bom: file?.bom });
  return { path, backup_path, before: pickEnv(settings), after: pickEnv(next) };
}

/**
 * Undoes the last configureClaudeSettings. When nothing but the touched env keys changed since, the backup goes
 * back byte for byte with its mode (or the file we created is removed); when the user edited the file meanwhile,
 * only the touched keys go back to their backed-up values and their edits stay. The backup is deleted
 * afterwards, so a second undo reverts the configure before. Throws AdminError 409 `nothing_to_undo` when no
 * backup is left.
 */
export async function undoClaudeSettings(configDir: string): Promise<ClaudeCodeConfigResult> {
  const path = claudeSettingsPath(configDir);
  const latest = await latestBackup(configDir);
  if (!latest) {
    throw new AdminError({
      status: 409,
      code: 'nothing_to_undo',
      message: `There is no InfiniProxy change to ${path} to undo.`,
    });
  }
  const currentFile = await readText(path);
  const current = currentFile === undefined ? undefined : tryParse(currentFile.text);
  const savedFile = latest.kind === 'backup' ? await readText(latest.path) : undefined;
  const saved = savedFile === undefined ? {} : (tryParse(savedFile.text) ?? {});

  let after: JsonObject | undefined;
  if (current === undefined || sameApartFromTouchedKeys(current, saved)) {
    // Nothing else changed (or the file is gone or unreadable): put the old file back as it was.
    if (savedFile === undefined) await removeFile(path);
    else await writeTextAtomic(path, savedFile.text, { mode: savedFile.mode, bom: savedFile.bom });
    after = savedFile === undefined ? undefined : saved;
  } else {
    after = withoutTouchedKeys(current);
    const savedEnv = isRecord(saved.env) ? saved.env : {};
    const restored = Object.fromEntries(TOUCHED_KEYS.flatMap((k) => (k in savedEnv ? [[k, savedEnv[k]]] : [])));
    if (Object.keys(restored).length) after = { ...after, env: { ...(isRecord(after.env) ? after.env : {}), ...restored } };
    const mode = savedFile?.mode ?? currentFile?.mode ?? 0o600;
    await writeTextAtomic(path, JSON.stringify(after, null, 2) + '\n', { mode, bom: currentFile?.bom });
  }
  await rm(latest.path, { force: true });
  return {
    path,
    backup_path: latest.kind === 'backup' ? latest.path : null,
    before: current ? pickEnv(current) : {},
    after: after ? pickEnv(after) : {},
  };
}

/** Masks an API key for display: `sk-ip-AbC1…wxyz`. */
export function maskKey(key: string): string {
  return key.length <= 14 ? '…' + key.slice(-2) : `${key.slice(0, 10)}…${key.slice(-4)}`;
}

async function latestBackup(configDir: string): Promise<{ path: string; kind: 'backup' | 'created' } | undefined> {
  let names: string[];
  try {
    names = await readdir(configDir);
  } catch {
    return undefined;
  }
  const candidates = names.flatMap((name) => {
    for (const [mark, kind] of [[BACKUP_MARK, 'backup'], [CREATED_MARK, 'created']] as const) {
      const prefix = 'settings.json' + mark;
      if (name.startsWith(prefix)) return [{ stamp: name.slice(prefix.length), path: join(configDir, name), kind }];
    }
    return [];
  });
  // Stamps are fixed-width UTC times (plus a counter on collisions), so they sort as strings.
  candidates.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  const newest = candidates[0];
  return newest && { path: newest.path, kind: newest.kind };
}

/** The settings without the touched env keys (and without `env` when that leaves it empty). */
function withoutTouchedKeys(settings: JsonObject): JsonObject {
  if (!isRecord(settings.env)) return settings;
  const env = { ...settings.env };
  for (const key of TOUCHED_KEYS) delete env[key];
  const { env: _dropped, ...rest } = settings;
  return Object.keys(env).length ? { ...settings, env } : rest;
}

function sameApartFromTouchedKeys(a: JsonObject, b: JsonObject): boolean {
  return JSON.stringify(withoutTouchedKeys(a)) === JSON.stringify(withoutTouchedKeys(b));
}

function parseSettings(text: string, path: string): JsonObject {
  const parsed = text.trim() === '' ? {} : tryParse(text);
  if (!parsed) {
    throw new AdminError({
      status: 422,
      code: 'invalid_claude_settings',
      message: `${path} is not a JSON object; fix or remove it, then try again.`,
    });
  }
  return parsed;
}

function envObject(settings: JsonObject, path: string): JsonObject {
  const env = settings.env;
  if (env === undefined || env === null) return {};
  if (!isRecord(env)) {
    throw new AdminError({ status: 422, code: 'invalid_claude_settings', message: `"env" in ${path} is not an object.` });
  }
  return env;
}

function pickEnv(settings: JsonObject): Record<string, string> {
  const env = isRecord(settings.env) ? settings.env : {};
  const out: Record<string, string> = {};
  for (const key of TOUCHED_KEYS) {
    const value = env[key];
    if (typeof value === 'string') out[key] = SECRET_KEYS.has(key) ? maskKey(value) : value;
  }
  return out;
}

function tryParse(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Saves the file as a backup, bytes and mode (or, when there is none, an empty "created" marker), named by a
 * stamp that sorts by time: `2025-01-02T03-04-05-678Z`, then `…Z-001`, `…Z-002` when several land in the same
 * millisecond. Returns the backup's path, or null for a marker.
 */
async function writeBackup(path: string, file: ReadText | undefined, now: Date): Promise<string | null> {
  const base = now.toISOString().replace(/[:.]/g, '-');
  const existing = new Set(await readdir(dirname(path)).catch(() => [] as string[]));
  for (let n = 0; ; n++) {
    const stamp = n === 0 ? base : `${base}-${String(n).padStart(3, '0')}`;
    const backup = path + BACKUP_MARK + stamp;
    const marker = path + CREATED_MARK + stamp;
    if (existing.has(basename(backup)) || existing.has(basename(marker))) continue;
    const target = file === undefined ? marker : backup;
    const mode = file?.mode ?? 0o600;
    try {
      await writeFile(target, file === undefined ? '' : (file.bom ? '\uFEFF' : '') + file.text, { mode, flag: 'wx' });
      await chmod(target, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    return file === undefined ? null : backup;
  }
}
