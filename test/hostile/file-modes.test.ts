/**
 * Issue 11 defect 7: everything written in the data dir is 0600 (the store can hold a backend key saved from the
 * Settings tab), also the temp file before its rename and a corrupt file's backup; a data dir others can enter is
 * tightened to 0700; files an older version left 0644 are tightened on open.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProxyRuntime } from '../../main/core/runtime';
import { openStore, STORE_FILE, ADMIN_TOKEN_FILE } from '../../main/core/store/lowdb-store';
import { StoreCorruptError } from '../../main/core/store/store';
import { tempDir } from '../support/proxy-harness';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

test('the store, admin token, server.json, lock and temp files are 0600; a 0755 data dir becomes 0700', { skip: process.platform === 'win32' }, async () => {
  const dir = tempDir();
  const dataDir = join(dir.path, 'data');
  mkdirSync(dataDir, { mode: 0o755 });
  chmodSync(dataDir, 0o755);
  const seen = new Map<string, number>();
  // Every file that appears in the data dir, temp files included, is looked at the moment it appears.
  const watcher = watch(dataDir, (_event, name) => {
    if (!name) return;
    try {
      seen.set(name, Math.max(seen.get(name) ?? 0, modeOf(join(dataDir, name))));
    } catch {
      /* already renamed */
    }
  });
  const oldUmask = process.umask(0o022);
  try {
    const runtime = await ProxyRuntime.open({ dataDir, env: {}, cwd: dir.path, flags: { host: '127.0.0.1', port: 0 }, log: () => {} });
    await runtime.start();
    await runtime.admin.updateSettings({ backend_url: 'http://127.0.0.1:9/v1', backend_api_key: 'sk-saved-in-settings-123456' });
    const user = await runtime.admin.createUser({ username: 'ada' });
    await runtime.admin.createKey({ user_id: user.id });
    assert.equal(modeOf(dataDir), 0o700, 'the data dir was tightened');
    for (const name of readdirSync(dataDir)) assert.equal(modeOf(join(dataDir, name)), 0o600, `${name} is 0600`);
    assert.ok(readdirSync(dataDir).includes('server.json') && readdirSync(dataDir).includes('infiniproxy.lock'));
    await runtime.close();
    await new Promise((resolve) => setTimeout(resolve, 50)); // let the watcher report the last renames
    assert.ok([...seen.keys()].some((n) => n.endsWith('.tmp')), `temp files were seen: ${[...seen.keys()].join(', ')}`);
    for (const [name, mode] of seen) assert.equal(mode, 0o600, `${name} was ${mode.toString(8)} at some point`);
  } finally {
    process.umask(oldUmask);
    watcher.close();
    dir.remove();
  }
});

test('files an older version left 0644 are tightened on open; a corrupt store is backed up 0600', { skip: process.platform === 'win32' }, async () => {
  const dir = tempDir();
  try {
    const oldUmask = process.umask(0o022);
    try {
      const store = await openStore(dir.path);
      await store.adminToken();
      await store.close();
    } finally {
      process.umask(oldUmask);
    }
    for (const name of [STORE_FILE, ADMIN_TOKEN_FILE]) chmodSync(join(dir.path, name), 0o644);
    const reopened = await openStore(dir.path);
    await reopened.close();
    for (const name of [STORE_FILE, ADMIN_TOKEN_FILE]) assert.equal(modeOf(join(dir.path, name)), 0o600, name);

    writeFileSync(join(dir.path, STORE_FILE), '{ not json', { mode: 0o644 });
    chmodSync(join(dir.path, STORE_FILE), 0o644);
    await assert.rejects(openStore(dir.path), (err: unknown) => {
      assert.ok(err instanceof StoreCorruptError);
      assert.equal(modeOf(err.backup), 0o600, 'the backup is private too');
      return true;
    });
  } finally {
    dir.remove();
  }
});
