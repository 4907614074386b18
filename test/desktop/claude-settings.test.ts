import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { AdminError } from '../../shared/admin-api';
import {
  claudeSettingsPath,
  claudeSetupSnippet,
  configureClaudeSettings,
  maskKey,
  undoClaudeSettings,
} from '../../main/desktop/claude-settings';

const KEY = 'sk-ip-AbCdEf0123456789abcdefghijklmnopqrstuvwxyzAB';
const env = { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_API_KEY: KEY };

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'ip-claude-'));
});
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
    assert.deepEqual(result.after, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_API_KEY: maskKey(KEY) });
    assert.deepEqual(await readJson(result.path), { env });
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
      env: { FOO: 'bar', ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_API_KEY: KEY },
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

  test('refuses a file that is not a JSON object, and leaves it alone', async () => {
    await mkdir(join(home, '.claude'));
    for (const text of ['{ not json', '[1,2]', '{"env": "oops"}']) {
      await writeFile(claudeSettingsPath(home), text);
      await assert.rejects(configureClaudeSettings(home, env), (error: unknown) => {
        assert.ok(error instanceof AdminError);
        assert.equal(error.status, 422);
        assert.equal(error.code, 'invalid_claude_settings');
        return true;
      });
      assert.equal(await readFile(claudeSettingsPath(home), 'utf8'), text);
    }
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
    assert.deepEqual(undone.before, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_API_KEY: maskKey(KEY) });
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
    assert.equal(claudeSetupSnippet(env, 'linux'), `export ANTHROPIC_BASE_URL=http://127.0.0.1:8000\nexport ANTHROPIC_API_KEY=${KEY}\n`);
    assert.equal(
      claudeSetupSnippet(env, 'win32'),
      `$env:ANTHROPIC_BASE_URL="http://127.0.0.1:8000"\n$env:ANTHROPIC_API_KEY="${KEY}"\n`,
    );
    assert.match(claudeSetupSnippet({ ...env, ANTHROPIC_BASE_URL: "http://h/it's" }, 'darwin'), /='http:\/\/h\/it'\\''s'/);
  });
  test('maskKey keeps the prefix and the last four characters only', () => {
    assert.equal(maskKey(KEY), 'sk-ip-AbCd…zwAB'.replace('zwAB', KEY.slice(-4)));
    assert.ok(!maskKey(KEY).includes(KEY.slice(10, -4)));
  });
});
