import assert from 'node:assert/strict';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AdminError } from '../../shared/admin-api';
import {
  claudeConfigDir,
  claudeConfigState,
  claudeSettingsPath as settingsIn,
  claudeSetupSnippet,
  configureClaudeSettings as configureIn,
  maskKey,
  undoClaudeSettings as undoIn,
} from '../../main/desktop/claude-settings';

const KEY = 'sk-ip-AbCdEf0123456789abcdefghijklmnopqrstuvwxyzAB';
const env = { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_AUTH_TOKEN: KEY };

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ip-claude-'));
});

// The tests give the home dir; Claude Code's config dir is its `.claude` (claudeConfigDir without CLAUDE_CONFIG_DIR).
const dirOf = (h: string): string => claudeConfigDir(h, {});
const claudeSettingsPath = (h: string): string => settingsIn(dirOf(h));
const configureClaudeSettings = (h: string, e: typeof env, now?: Date) => configureIn(dirOf(h), e, now);
const undoClaudeSettings = (h: string) => undoIn(dirOf(h));
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

const readJson = async (path: string): Promise<Record<string, unknown>> => JSON.parse(await readFile(path, 'utf8'));
const claudeDir = (): Promise<string[]> => readdir(join(home, '.claude'));

describe('configureClaudeSettings', () => {
  test('creates ~/.claude/settings.json when absent', async () => {
    const result = await configureClaudeSettings(home, env);
    assert.equal(result.path, claudeSettingsPath(home));
    assert.equal(result.backup_path, null);
    assert.deepEqual(result.before, {});
    assert.deepEqual(result.after, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_AUTH_TOKEN: maskKey(KEY) });
    assert.deepEqual(await readJson(result.path), { env });
    assert.equal((await stat(result.path)).mode & 0o777, 0o600, 'it holds a secret');
  });

  test('merges into env, keeps every other key, backs the old file up first', async () => {
    await mkdir(join(home, '.claude'));
    const original = JSON.stringify(
      { model: 'opus', permissions: { allow: ['Bash(ls)'] }, env: { FOO: 'bar', ANTHROPIC_BASE_URL: 'https://old.example' } },
      null,
      4,
    );
    await writeFile(claudeSettingsPath(home), original);

    const result = await configureClaudeSettings(home, env, new Date('2030-01-02T03:04:05.678Z'));
    assert.equal(result.backup_path, claudeSettingsPath(home) + '.infiniproxy-backup-2030-01-02T03-04-05-678Z');
    assert.equal(await readFile(result.backup_path, 'utf8'), original);
    assert.deepEqual(result.before, { ANTHROPIC_BASE_URL: 'https://old.example' });
    assert.deepEqual(await readJson(result.path), {
      model: 'opus',
      permissions: { allow: ['Bash(ls)'] },
      env: { FOO: 'bar', ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_AUTH_TOKEN: KEY },
    });
  });

  test('two configures in the same millisecond keep both backups', async () => {
    const at = new Date('2030-01-01T00:00:00.000Z');
    await mkdir(join(home, '.claude'));
    await writeFile(claudeSettingsPath(home), '{"a":1}');
    await configureClaudeSettings(home, env, at);
    await configureClaudeSettings(home, { ...env, ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000' }, at);
    const backups = (await claudeDir()).filter((n) => n.includes('infiniproxy-backup-')).sort();
    assert.equal(backups.length, 2);
  });

  test('refuses a file that is not a JSON object, and leaves it alone with no backup', async () => {
    await mkdir(join(home, '.claude'));
    for (const text of ['{ not json', '[1,2]', '{"env": "oops"}', '{"env": [1]}']) {
      await writeFile(claudeSettingsPath(home), text);
      await assert.rejects(configureClaudeSettings(home, env), (error: unknown) => {
        assert.ok(error instanceof AdminError);
        assert.equal(error.status, 422);
        assert.equal(error.code, 'invalid_claude_settings');
        return true;
      });
      assert.equal(await readFile(claudeSettingsPath(home), 'utf8'), text);
      assert.deepEqual(await claudeDir(), ['settings.json'], 'no backup of a refused file');
      assert.equal((await claudeConfigState(dirOf(home))).can_undo, false);
    }
  });

  test('sets an ANTHROPIC_API_KEY in env aside (Claude Code would ask about it); undo brings it back', async () => {
    await mkdir(join(home, '.claude'));
    const original = JSON.stringify({ env: { ANTHROPIC_API_KEY: 'sk-ant-real-0123456789abcdef', FOO: '1' } });
    await writeFile(claudeSettingsPath(home), original);
    const result = await configureClaudeSettings(home, env);
    assert.deepEqual((await readJson(result.path)).env, { FOO: '1', ...env });
    assert.deepEqual(result.before, { ANTHROPIC_API_KEY: maskKey('sk-ant-real-0123456789abcdef') });
    assert.equal(result.after.ANTHROPIC_API_KEY, undefined);
    await undoClaudeSettings(home);
    assert.equal(await readFile(claudeSettingsPath(home), 'utf8'), original);

    // The same when the user edited the file meanwhile: only the touched keys go back.
    await configureClaudeSettings(home, env);
    await writeFile(claudeSettingsPath(home), JSON.stringify({ ...(await readJson(claudeSettingsPath(home))), theme: 'dark' }));
    await undoClaudeSettings(home);
    assert.deepEqual(await readJson(claudeSettingsPath(home)), { env: { FOO: '1', ANTHROPIC_API_KEY: 'sk-ant-real-0123456789abcdef' }, theme: 'dark' });
  });

  test('accepts a UTF-8 BOM (Claude Code does) and keeps it', async () => {
    await mkdir(join(home, '.claude'));
    const original = '\uFEFF{"model": "opus"}\n';
    await writeFile(claudeSettingsPath(home), original);
    const result = await configureClaudeSettings(home, env);
    const written = await readFile(result.path, 'utf8');
    assert.ok(written.startsWith('\uFEFF'));
    assert.deepEqual(JSON.parse(written.slice(1)), { model: 'opus', env });
    await undoClaudeSettings(home);
    assert.equal(await readFile(claudeSettingsPath(home), 'utf8'), original);
  });

  test('a symlinked settings.json stays a symlink: configure and undo write through it', async () => {
    await mkdir(join(home, '.claude'));
    await mkdir(join(home, 'dotfiles'));
    const target = join(home, 'dotfiles', 'claude-settings.json');
    await writeFile(target, '{"model":"opus"}');
    await symlink('../dotfiles/claude-settings.json', claudeSettingsPath(home));

    await configureClaudeSettings(home, env);
    assert.ok((await lstat(claudeSettingsPath(home))).isSymbolicLink());
    assert.equal(await readlink(claudeSettingsPath(home)), '../dotfiles/claude-settings.json');
    assert.deepEqual(await readJson(target), { model: 'opus', env });
    assert.deepEqual((await readdir(join(home, 'dotfiles'))), ['claude-settings.json'], 'no temp files left beside the target');

    await undoClaudeSettings(home);
    assert.ok((await lstat(claudeSettingsPath(home))).isSymbolicLink());
    assert.equal(await readFile(target, 'utf8'), '{"model":"opus"}');
  });

  test('a dangling symlink: the file is created at its target, and undo removes that file, not the link', async () => {
    await mkdir(join(home, '.claude'));
    await symlink(join(home, 'elsewhere.json'), claudeSettingsPath(home));
    await configureClaudeSettings(home, env);
    assert.deepEqual(await readJson(join(home, 'elsewhere.json')), { env });
    await undoClaudeSettings(home);
    assert.ok((await lstat(claudeSettingsPath(home))).isSymbolicLink());
    await assert.rejects(stat(join(home, 'elsewhere.json')), { code: 'ENOENT' });
  });

  test('file modes: owner-only while our key is inside, the original mode back on undo', async () => {
    await mkdir(join(home, '.claude'));
    await writeFile(claudeSettingsPath(home), '{"model":"opus"}');
    await chmod(claudeSettingsPath(home), 0o644);
    await configureClaudeSettings(home, env);
    assert.equal((await stat(claudeSettingsPath(home))).mode & 0o777, 0o600);
    await undoClaudeSettings(home);
    assert.equal((await stat(claudeSettingsPath(home))).mode & 0o777, 0o644);

    // Also when the user edited the file meanwhile (the merge path).
    await configureClaudeSettings(home, env);
    await writeFile(claudeSettingsPath(home), JSON.stringify({ ...(await readJson(claudeSettingsPath(home))), theme: 'dark' }));
    await undoClaudeSettings(home);
    assert.equal((await stat(claudeSettingsPath(home))).mode & 0o777, 0o644);
    assert.deepEqual(await readJson(claudeSettingsPath(home)), { model: 'opus', theme: 'dark' });
  });
});

describe('claudeConfigDir and claudeConfigState', () => {
  test('CLAUDE_CONFIG_DIR is where Claude Code reads its settings; ~ and relative paths from the home dir', () => {
    assert.equal(claudeConfigDir('/home/u', {}), '/home/u/.claude');
    assert.equal(claudeConfigDir('/home/u', { CLAUDE_CONFIG_DIR: '  ' }), '/home/u/.claude');
    assert.equal(claudeConfigDir('/home/u', { CLAUDE_CONFIG_DIR: '/opt/claude' }), '/opt/claude');
    assert.equal(claudeConfigDir('/home/u', { CLAUDE_CONFIG_DIR: '~/work-claude' }), '/home/u/work-claude');
    assert.equal(claudeConfigDir('/home/u', { CLAUDE_CONFIG_DIR: 'cfg/claude' }), '/home/u/cfg/claude');
  });

  test('a configure in CLAUDE_CONFIG_DIR writes there, and not in ~/.claude', async () => {
    const dir = claudeConfigDir(home, { CLAUDE_CONFIG_DIR: join(home, 'custom') });
    const result = await configureIn(dir, env);
    assert.equal(result.path, join(home, 'custom', 'settings.json'));
    await assert.rejects(stat(join(home, '.claude')), { code: 'ENOENT' });
    await undoIn(dir);
    assert.deepEqual(await readdir(join(home, 'custom')), []);
  });

  test('can_undo while a configuration of ours is in place (a fresh read, as after a restart)', async () => {
    assert.deepEqual(await claudeConfigState(dirOf(home)), { path: claudeSettingsPath(home), can_undo: false, current: {} });
    await configureClaudeSettings(home, env);
    const configured = await claudeConfigState(dirOf(home));
    assert.equal(configured.can_undo, true);
    assert.deepEqual(configured.current, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_AUTH_TOKEN: maskKey(KEY) });
    await undoClaudeSettings(home);
    assert.equal((await claudeConfigState(dirOf(home))).can_undo, false);
  });
});

describe('undoClaudeSettings', () => {
  test('restores the backup byte for byte and removes it', async () => {
    await mkdir(join(home, '.claude'));
    const original = '{\n    "model": "opus",\n    "env": {"ANTHROPIC_BASE_URL": "https://old.example"}\n}\n';
    await writeFile(claudeSettingsPath(home), original);
    const configured = await configureClaudeSettings(home, env);

    const undone = await undoClaudeSettings(home);
    assert.equal(await readFile(claudeSettingsPath(home), 'utf8'), original);
    assert.equal(undone.backup_path, configured.backup_path);
    assert.deepEqual(undone.before, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_AUTH_TOKEN: maskKey(KEY) });
    assert.deepEqual(undone.after, { ANTHROPIC_BASE_URL: 'https://old.example' });
    assert.deepEqual(await claudeDir(), ['settings.json']);
  });

  test('removes the file it created', async () => {
    await configureClaudeSettings(home, env);
    const undone = await undoClaudeSettings(home);
    assert.deepEqual(undone.after, {});
    assert.deepEqual(await claudeDir(), []);
  });

  test('keeps edits the user made since, reverting only our two keys', async () => {
    await mkdir(join(home, '.claude'));
    await writeFile(claudeSettingsPath(home), JSON.stringify({ env: { ANTHROPIC_BASE_URL: 'https://old.example' } }));
    await configureClaudeSettings(home, env);
    const edited = await readJson(claudeSettingsPath(home));
    await writeFile(claudeSettingsPath(home), JSON.stringify({ ...edited, theme: 'dark' }));

    await undoClaudeSettings(home);
    assert.deepEqual(await readJson(claudeSettingsPath(home)), {
      env: { ANTHROPIC_BASE_URL: 'https://old.example' },
      theme: 'dark',
    });
  });

  test('repeated undos walk back through repeated configures, then say there is nothing to undo', async () => {
    await configureClaudeSettings(home, env, new Date('2030-01-01T00:00:00.000Z'));
    await configureClaudeSettings(home, { ...env, ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000' }, new Date('2030-01-01T00:00:01.000Z'));

    const first = await undoClaudeSettings(home);
    assert.equal(first.after.ANTHROPIC_BASE_URL, 'http://127.0.0.1:8000');
    const second = await undoClaudeSettings(home);
    assert.deepEqual(second.after, {});
    assert.deepEqual(await claudeDir(), []);
    await assert.rejects(undoClaudeSettings(home), (error: unknown) => error instanceof AdminError && error.code === 'nothing_to_undo' && error.status === 409);
  });

  test('nothing to undo when ~/.claude does not exist', async () => {
    await assert.rejects(undoClaudeSettings(home), { code: 'nothing_to_undo' });
  });
});

describe('claudeSetupSnippet and maskKey', () => {
  test('export lines, PowerShell on Windows', () => {
    assert.equal(claudeSetupSnippet(env, 'linux'), `export ANTHROPIC_BASE_URL=http://127.0.0.1:8000\nexport ANTHROPIC_AUTH_TOKEN=${KEY}\n`);
    assert.equal(
      claudeSetupSnippet(env, 'win32'),
      `$env:ANTHROPIC_BASE_URL="http://127.0.0.1:8000"\n$env:ANTHROPIC_AUTH_TOKEN="${KEY}"\n`,
    );
    assert.match(claudeSetupSnippet({ ...env, ANTHROPIC_BASE_URL: "http://h/it's" }, 'darwin'), /='http:\/\/h\/it'\\''s'/);
  });
  test('maskKey keeps the prefix and the last four characters only', () => {
    assert.equal(maskKey(KEY), 'sk-ip-AbCd…zwAB'.replace('zwAB', KEY.slice(-4)));
    assert.ok(!maskKey(KEY).includes(KEY.slice(10, -4)));
  });
});
