/**
 * Points Claude Code at the proxy by editing the `env` object of `<home>/.claude/settings.json`, and undoes it.
 *
 * Every change is reversible: before writing, the current file is copied to
 * `settings.json.infiniproxy-backup-<time>`; when there was no file, an empty marker
 * `settings.json.infiniproxy-created-<time>` records that instead. Undo takes the newest of those, restores
 * the backup (or removes the file we created) and deletes it, so repeated undos walk back through repeated
 * configures. Every other key of the file is kept as it was. Plain Node, no Electron: the home dir is a
 * parameter so tests run against a temp dir.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AdminError } from '../../shared/admin-api';
import type { ClaudeCodeConfigResult } from '../../shared/types';

/** The env keys InfiniProxy writes. */
export const CLAUDE_ENV_KEYS = ['ANTHROPIC_BASE_URL', 'ANTHROPIC_API_KEY'] as const;

/** What configureClaudeSettings writes into `env`. */
export type ClaudeEnv = Record<(typeof CLAUDE_ENV_KEYS)[number], string>;

const BACKUP_MARK = '.infiniproxy-backup-';
const CREATED_MARK = '.infiniproxy-created-';

type JsonObject = Record<string, unknown>;

/** `<home>/.claude/settings.json`. */
export function claudeSettingsPath(homeDir: string): string {
  return join(homeDir, '.claude', 'settings.json');
}

/**
 * Writes `env` into Claude Code's user settings, creating the file (and `~/.claude`) when absent and backing
 * the file up first. Returns the two env keys before and after (API keys masked, for display).
 * Throws AdminError 422 `invalid_claude_settings` when the file exists but is not a JSON object.
 */
export async function configureClaudeSettings(
  homeDir: string,
  env: ClaudeEnv,
  now: Date = new Date(),
): Promise<ClaudeCodeConfigResult> {
  const path = claudeSettingsPath(homeDir);
  const text = await readIfExists(path);
  const settings = text === undefined ? {} : parseSettings(text, path);
  const before = pickEnv(settings);

  await mkdir(join(homeDir, '.claude'), { recursive: true });
  const backup_path = await writeBackup(path, text, now);

  const next: JsonObject = { ...settings, env: { ...envObject(settings, path), ...env } };
  await writeAtomic(path, JSON.stringify(next, null, 2) + '\n');
  return { path, backup_path, before, after: pickEnv(next) };
}

/**
 * Undoes the last configureClaudeSettings. When nothing but our two env keys changed since, the backup goes
 * back byte for byte (or the file we created is removed); when the user edited the file meanwhile, only our
 * two keys go back to their backed-up values and their edits stay. The backup is deleted afterwards, so a
 * second undo reverts the configure before. Throws AdminError 409 `nothing_to_undo` when no backup is left.
 */
export async function undoClaudeSettings(homeDir: string): Promise<ClaudeCodeConfigResult> {
  const path = claudeSettingsPath(homeDir);
  const latest = await latestBackup(homeDir);
  if (!latest) {
    throw new AdminError({
      status: 409,
      code: 'nothing_to_undo',
      message: 'There is no InfiniProxy change to ~/.claude/settings.json to undo.',
    });
  }
  const currentText = await readIfExists(path);
  const current = currentText === undefined ? undefined : tryParse(currentText);
  const savedText = latest.kind === 'backup' ? await readFile(latest.path, 'utf8') : undefined;
  const saved = savedText === undefined ? {} : (tryParse(savedText) ?? {});

  let after: JsonObject | undefined;
  if (current === undefined || sameApartFromOurKeys(current, saved)) {
    // Nothing else changed (or the file is gone or unreadable): put the old file back as it was.
    if (savedText === undefined) await rm(path, { force: true });
    else await writeAtomic(path, savedText);
    after = savedText === undefined ? undefined : saved;
  } else {
    after = withoutOurKeys(current);
    const savedEnv = isObject(saved.env) ? saved.env : {};
    const restored = Object.fromEntries(CLAUDE_ENV_KEYS.flatMap((k) => (k in savedEnv ? [[k, savedEnv[k]]] : [])));
    if (Object.keys(restored).length) after = { ...after, env: { ...(isObject(after.env) ? after.env : {}), ...restored } };
    await writeAtomic(path, JSON.stringify(after, null, 2) + '\n');
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

async function latestBackup(homeDir: string): Promise<{ path: string; kind: 'backup' | 'created' } | undefined> {
  const dir = join(homeDir, '.claude');
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  const candidates = names.flatMap((name) => {
    for (const [mark, kind] of [[BACKUP_MARK, 'backup'], [CREATED_MARK, 'created']] as const) {
      const prefix = 'settings.json' + mark;
      if (name.startsWith(prefix)) return [{ stamp: name.slice(prefix.length), path: join(dir, name), kind }];
    }
    return [];
  });
  // Stamps are fixed-width UTC times (plus a counter on collisions), so they sort as strings.
  candidates.sort((a, b) => (a.stamp < b.stamp ? 1 : a.stamp > b.stamp ? -1 : 0));
  const newest = candidates[0];
  return newest && { path: newest.path, kind: newest.kind };
}

/** The settings without our two env keys (and without `env` when that leaves it empty). */
function withoutOurKeys(settings: JsonObject): JsonObject {
  if (!isObject(settings.env)) return settings;
  const env = { ...settings.env };
  for (const key of CLAUDE_ENV_KEYS) delete env[key];
  const { env: _dropped, ...rest } = settings;
  return Object.keys(env).length ? { ...settings, env } : rest;
}

function sameApartFromOurKeys(a: JsonObject, b: JsonObject): boolean {
  return JSON.stringify(withoutOurKeys(a)) === JSON.stringify(withoutOurKeys(b));
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
  if (!isObject(env)) {
    throw new AdminError({ status: 422, code: 'invalid_claude_settings', message: `"env" in ${path} is not an object.` });
  }
  return env;
}

function pickEnv(settings: JsonObject): Record<string, string> {
  const env = isObject(settings.env) ? settings.env : {};
  const out: Record<string, string> = {};
  for (const key of CLAUDE_ENV_KEYS) {
    const value = env[key];
    if (typeof value === 'string') out[key] = key === 'ANTHROPIC_API_KEY' ? maskKey(value) : value;
  }
  return out;
}

function tryParse(text: string): JsonObject | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes through a temp file and a rename, so a crash never leaves half a settings file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/**
 * Saves `text` as a backup (or, when undefined, an empty "created" marker) named by a stamp that sorts by
 * time: `2025-01-02T03-04-05-678Z`, then `…Z-001`, `…Z-002` when several land in the same millisecond.
 * Returns the backup's path, or null for a marker.
 */
async function writeBackup(path: string, text: string | undefined, now: Date): Promise<string | null> {
  const base = now.toISOString().replace(/[:.]/g, '-');
  for (let n = 0; ; n++) {
    const stamp = n === 0 ? base : `${base}-${String(n).padStart(3, '0')}`;
    const backup = path + BACKUP_MARK + stamp;
    const marker = path + CREATED_MARK + stamp;
    if ((await readIfExists(backup)) !== undefined || (await readIfExists(marker)) !== undefined) continue;
    try {
      await writeFile(text === undefined ? marker : backup, text ?? '', { mode: 0o600, flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    return text === undefined ? null : backup;
  }
}

/**
 * The shell lines that point Claude Code at the proxy for one terminal session (what the tray's
 * "Copy Claude Code setup" copies): `export …` lines, or PowerShell `$env:…` lines on Windows.
 */
export function claudeSetupSnippet(env: ClaudeEnv, platform: NodeJS.Platform = process.platform): string {
  return CLAUDE_ENV_KEYS.map((key) =>
    platform === 'win32' ? `$env:${key}="${env[key]}"` : `export ${key}=${shellQuote(env[key])}`,
  ).join('\n') + '\n';
}

/** Quotes a value for a POSIX shell only when it needs it. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
