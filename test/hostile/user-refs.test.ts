/**
 * Issue 11 defect 13: a user named `4` and the user with id 4 must never be confused. The rule (shared/user-ref.ts):
 * a reference of digits only is an id, always; usernames may not be digits only. Checked on the admin API and the CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STORE_FILE } from '../../main/core/store/lowdb-store';
import { ProxyRuntime } from '../../main/core/runtime';
import { findUserByRef, parseUserRef } from '../../shared/user-ref';
import { cleanEnv, runCli } from '../support/cli';
import { startProxyHarness, tempDir } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { rawRequest } from '../proxy/raw-request';

let h: ProxyHarness;
before(async () => {
  h = await startProxyHarness();
});
after(() => h.close());

const admin = (method: string, path: string, body?: unknown) =>
  rawRequest({ url: h.url, method, path, headers: { authorization: `Bearer ${h.adminToken}` }, body: body === undefined ? undefined : JSON.stringify(body) });

test('a username of digits only is refused with a clear 400', async () => {
  const res = await admin('POST', '/admin/users', { username: '4' });
  assert.equal(res.status, 400, res.text);
  assert.match((res.json() as { error: { message: string } }).error.message, /not only digits: a number refers to a user id/);
  assert.equal((await admin('POST', '/admin/users', { username: '4a' })).status, 200, 'digits and a letter are fine');
});

test('DELETE /admin/users/<digits> deletes by id only; a name never falls back to an id or back', async () => {
  const users = (await (await admin('GET', '/admin/users')).json()) as { id: number; username: string }[];
  const byName = users.find((u) => u.username === '4a')!;
  assert.equal((await admin('DELETE', '/admin/users/999')).status, 404, 'no user with id 999');
  assert.equal((await admin('DELETE', `/admin/users/${byName.id}`)).status, 200);
  const left = (await (await admin('GET', '/admin/users')).json()) as { username: string }[];
  assert.deepEqual(left.map((u) => u.username), ['tester']);
});

test('a store made by an older version with a user named "4" : "4" means id 4, never that user', async () => {
  const dir = tempDir();
  try {
    const dataDir = join(dir.path, 'data');
    mkdirSync(dataDir);
    const seed = await ProxyRuntime.open({ dataDir, env: {}, cwd: dir.path });
    for (const name of ['a', 'b', 'c', 'd']) await seed.admin.createUser({ username: name });
    await seed.close();
    // An older version allowed this name; give user 1 the name "4".
    const path = join(dataDir, STORE_FILE);
    const data = JSON.parse(readFileSync(path, 'utf8')) as { users: { id: number; username: string }[] };
    data.users[0]!.username = '4';
    writeFileSync(path, JSON.stringify(data));

    const env = cleanEnv({ HOME: dir.path });
    const del = await runCli(['users', 'delete', '4', '--data-dir', dataDir], { cwd: dir.path, env });
    assert.equal(del.code, 0, del.stderr);
    const list = await runCli(['users', 'list', '--json', '--data-dir', dataDir], { cwd: dir.path, env });
    const names = (JSON.parse(list.stdout) as { id: number; username: string }[]).map((u) => `${u.id}:${u.username}`);
    assert.deepEqual(names, ['1:4', '2:b', '3:c'], 'id 4 (d) went, the user named "4" stayed');
    const key = await runCli(['keys', 'create', '--user', '1', '--json', '--data-dir', dataDir], { cwd: dir.path, env });
    assert.equal((JSON.parse(key.stdout) as { user_id: number }).user_id, 1);
  } finally {
    dir.remove();
  }
});

test('parseUserRef and findUserByRef', () => {
  assert.deepEqual(parseUserRef(' 42 '), { id: 42 });
  assert.deepEqual(parseUserRef('Alice'), { username: 'Alice' });
  const users = [{ id: 1, username: '2' }, { id: 2, username: 'Bob' }];
  assert.equal(findUserByRef(users, '2')?.username, 'Bob');
  assert.equal(findUserByRef(users, 'bob')?.id, 2);
  assert.equal(findUserByRef(users, '3'), undefined, 'no fallback from an id to a name');
});
