/**
 * Issue 11 defects 6 and 10, with real processes: on a fresh data dir, `serve` then the CLI's `users create`,
 * `keys create` and `admin-token` work at once (the admin token exists from the server's start); and
 * INFINIPROXY_DATA_DIR and ADMIN_TOKEN in `.env` are honoured by serve and the CLI alike, as the README's
 * precedence table says (flags > environment > .env > saved > defaults).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveProcessConfig } from '../../main/core/config';
import { cleanEnv, runCli, startServe } from '../support/cli';
import { tempDir } from '../support/proxy-harness';
import { rawRequest } from '../proxy/raw-request';

test('fresh HOME: serve, then users create / keys create / admin-token work against the running server', { timeout: 120_000 }, async () => {
  const home = tempDir();
  const env = cleanEnv({ HOME: home.path, PROXY_PORT: '0' });
  const server = await startServe({ cwd: home.path, env });
  try {
    const cli = (...args: string[]) => runCli(args, { cwd: home.path, env });
    const user = await cli('users', 'create', 'alice');
    assert.equal(user.code, 0, user.stderr);
    assert.match(user.stdout, /Created user alice/);
    const key = await cli('keys', 'create', '--user', 'alice', '--name', 'laptop');
    assert.equal(key.code, 0, key.stderr);
    assert.match(key.stdout, /sk-ip-\S+/);
    const token = await cli('admin-token');
    assert.equal(token.code, 0, token.stderr);
    const res = await rawRequest({ url: server.url, path: '/admin/users', headers: { authorization: `Bearer ${token.stdout.trim()}` } });
    assert.equal(res.status, 200);
    assert.deepEqual((res.json() as { username: string }[]).map((u) => u.username), ['alice'], 'the server has the user the CLI made');
    assert.ok(existsSync(join(home.path, '.config', 'InfiniProxy', 'admin-token')), 'the default data dir under HOME');
  } finally {
    assert.equal(await server.stop(), 0);
    home.remove();
  }
});

test('.env INFINIPROXY_DATA_DIR and ADMIN_TOKEN are honoured by serve and by the CLI', { timeout: 120_000 }, async () => {
  const work = tempDir();
  const dataDir = join(work.path, 'from-dotenv');
  const token = 'ipa-dotenv-token-0123456789abcdef0123456789';
  writeFileSync(join(work.path, '.env'), `INFINIPROXY_DATA_DIR=${dataDir}\nADMIN_TOKEN=${token}\nPROXY_PORT=0\n`);
  const env = cleanEnv({ HOME: join(work.path, 'home') });
  const server = await startServe({ cwd: work.path, env });
  try {
    assert.match(server.stderr(), new RegExp(`data dir\\s+${dataDir}`));
    const cli = (...args: string[]) => runCli(args, { cwd: work.path, env });
    const made = await cli('users', 'create', 'bob');
    assert.equal(made.code, 0, made.stderr);
    const res = await rawRequest({ url: server.url, path: '/admin/users', headers: { authorization: `Bearer ${token}` } });
    assert.equal(res.status, 200, 'the server takes the .env token');
    assert.deepEqual((res.json() as { username: string }[]).map((u) => u.username), ['bob'], 'the CLI reached the same store');
    assert.equal((await cli('admin-token')).stdout.trim(), token);
    assert.ok(!existsSync(join(work.path, 'home', '.config', 'InfiniProxy')), 'the default data dir was not used');
  } finally {
    assert.equal(await server.stop(), 0);
    work.remove();
  }
});

test('resolveProcessConfig: flag > environment > .env > fallback > default, for every field', () => {
  const dotenv = { INFINIPROXY_DATA_DIR: '/dotenv', ADMIN_TOKEN: 'dotenv-token', TRUSTED_PROXIES: '10.0.0.1', PUBLIC_HOSTS: 'dotenv.example' };
  const env = { HOME: '/h', INFINIPROXY_DATA_DIR: '/env', ADMIN_TOKEN: 'env-token', PUBLIC_HOSTS: 'env.example' };
  assert.deepEqual(resolveProcessConfig({ dataDirFlag: '/flag', env, dotenv, platform: 'linux' }), {
    dataDir: '/flag',
    adminToken: 'env-token',
    trustedProxies: '10.0.0.1',
    publicHosts: 'env.example',
  });
  assert.equal(resolveProcessConfig({ env, dotenv, platform: 'linux' }).dataDir, '/env');
  assert.deepEqual(resolveProcessConfig({ env: { HOME: '/h' }, dotenv, platform: 'linux', fallbackDataDir: '/app' }), {
    dataDir: '/dotenv',
    adminToken: 'dotenv-token',
    trustedProxies: '10.0.0.1',
    publicHosts: 'dotenv.example',
  });
  assert.equal(resolveProcessConfig({ env: { HOME: '/h' }, dotenv: {}, platform: 'linux', fallbackDataDir: '/app' }).dataDir, '/app');
  assert.equal(resolveProcessConfig({ env: { HOME: '/h' }, dotenv: {}, platform: 'linux' }).dataDir, '/h/.config/InfiniProxy');
  assert.equal(resolveProcessConfig({ env: { HOME: '/h' }, dotenv: {}, platform: 'linux' }).adminToken, undefined);
});
