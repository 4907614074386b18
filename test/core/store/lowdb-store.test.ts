import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir, hostname } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { openStore, STORE_FILE } from '../../../main/core/store/lowdb-store';
import { DataDirLockedError, lockPath } from '../../../main/core/store/data-dir-lock';
import { StoreCorruptError, StoreError, type UsageEvent } from '../../../main/core/store/store';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'infiniproxy-store-'));
const allFilesText = (dir: string): string =>
  readdirSync(dir)
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');

const event = (over: Partial<UsageEvent>): UsageEvent => ({
  time: new Date(),
  key_id: 1,
  user_id: 1,
  endpoint: '/v1/chat/completions',
  model: 'm',
  backend_model: null,
  status: 200,
  latency_ms: 3,
  stream: false,
  input_tokens: 10,
  output_tokens: 5,
  cache_read_input_tokens: 0,
  usage_estimated: false,
  error: null,
  ...over,
});

test('users: create, find by id or name, reject duplicates and bad names, delete revokes keys', async () => {
  const dir = tempDir();
  const store = await openStore(dir);
  const alice = await store.users.create({ username: 'alice', email: 'a@example.com' });
  assert.equal(alice.id, 1);
  assert.equal((await store.users.find('alice'))?.id, 1);
  assert.equal((await store.users.find('1'))?.username, 'alice');
  await assert.rejects(store.users.create({ username: 'ALICE' }), (e: unknown) => e instanceof StoreError && e.code === 'conflict');
  await assert.rejects(store.users.create({ username: 'no spaces' }), (e: unknown) => e instanceof StoreError && e.code === 'invalid');
  const { secret } = await store.keys.create({ user_id: alice.id, name: 'laptop' });
  assert.ok(await store.keys.authenticate(secret));
  assert.equal(await store.users.delete('alice'), true);
  assert.equal(await store.keys.authenticate(secret), undefined, 'a deleted user keeps no working key');
  assert.equal(await store.users.delete('alice'), false);
  await store.close();
});

test('keys: the secret is returned once and only its hash is at rest', async () => {
  const dir = tempDir();
  const store = await openStore(dir);
  const user = await store.users.create({ username: 'bob' });
  const { info, secret } = await store.keys.create({ user_id: user.id, name: 'ci' });
  assert.match(secret, /^sk-ip-[A-Za-z0-9_-]{43}$/);
  assert.equal(info.key_prefix, secret.slice(0, 12));
  assert.equal((await store.keys.authenticate(secret))?.id, info.id);
  assert.equal(await store.keys.authenticate(secret + 'x'), undefined);
  await store.keys.revoke(info.id);
  assert.equal(await store.keys.authenticate(secret), undefined);
  await store.close();
  const onDisk = allFilesText(dir);
  assert.ok(!onDisk.includes(secret), 'the whole key must never be written');
  assert.ok(!onDisk.includes(secret.slice(12)), 'not even its secret part');
  await assert.rejects(
    (async () => {
      const s = await openStore(dir);
      try {
        await s.keys.create({ user_id: 99 });
      } finally {
        await s.close();
      }
    })(),
    (e: unknown) => e instanceof StoreError && e.code === 'not_found',
  );
});

test('usage: recorded in memory, written once per flush interval, kept across a close', async () => {
  const dir = tempDir();
  const store = await openStore(dir, { flushIntervalMs: 60_000 });
  const user = await store.users.create({ username: 'carol' });
  const { info } = await store.keys.create({ user_id: user.id });
  const before = readFileSync(join(dir, STORE_FILE), 'utf8');
  for (let i = 0; i < 100; i++) store.usage.record(event({ key_id: info.id, user_id: user.id }));
  assert.equal(readFileSync(join(dir, STORE_FILE), 'utf8'), before, 'no disk write per request');
  await store.close();
  const reopened = await openStore(dir);
  const report = await reopened.usage.report({ user_id: user.id });
  assert.equal(report.totals.requests, 100);
  assert.equal(report.totals.input_tokens, 1000);
  assert.equal(report.totals.total_tokens, 1500);
  assert.equal(report.rows[0]?.username, 'carol');
  assert.equal((await reopened.requests.list({ limit: 5 })).length, 5);
  await reopened.close();
});

test('request log is a bounded ring, newest first', async () => {
  const store = await openStore(tempDir(), { requestLogSize: 10 });
  for (let i = 0; i < 25; i++) store.usage.record(event({ latency_ms: i }));
  const list = await store.requests.list({ limit: 100 });
  assert.equal(list.length, 10);
  assert.equal(list[0]?.latency_ms, 24);
  assert.equal(list[9]?.latency_ms, 15);
  await store.close();
});

test('a corrupt store file is kept, backed up and reported, never reset', async () => {
  const dir = tempDir();
  const file = join(dir, STORE_FILE);
  writeFileSync(file, '{"version":1,"users":[{"id":1,'); // half-written
  await assert.rejects(openStore(dir), (e: unknown) => {
    assert.ok(e instanceof StoreCorruptError);
    assert.ok(e.message.includes(file));
    assert.ok(existsSync(e.backup));
    return true;
  });
  assert.equal(readFileSync(file, 'utf8'), '{"version":1,"users":[{"id":1,');
  assert.equal(existsSync(lockPath(dir)), false, 'a failed open releases the lock');
});

test('two processes never share a data dir; a stale lock is taken over', async () => {
  const dir = tempDir();
  const store = await openStore(dir);
  await assert.rejects(openStore(dir), (e: unknown) => e instanceof DataDirLockedError && e.message.includes(String(process.pid)));
  await store.close();
  // A lock left by a process that no longer exists.
  const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
  writeFileSync(lockPath(dir), JSON.stringify({ pid: Number(dead), host: hostname(), started_at: 'x', command: 'crashed' }));
  const again = await openStore(dir);
  await again.close();
  assert.equal(existsSync(lockPath(dir)), false);
  rmSync(dir, { recursive: true });
});
