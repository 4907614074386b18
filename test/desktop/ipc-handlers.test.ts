import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { AdminApi, IpcOutcome } from '../../shared/admin-api';
import type { ServerStatus } from '../../shared/types';
import { ipcChannels } from '../../main/desktop/channels';
import { createDesktopService, type ProxyControl } from '../../main/desktop/desktop-service';
import { createIpcHandlers, toErrorBody, type IpcHandler, type IpcHandlers } from '../../main/desktop/ipc-handlers';
import { KeyVault } from '../../main/desktop/key-vault';
import { vaultedAdmin } from '../../main/desktop/vaulted-admin';
import { FakeEncryptor, MemoryAdmin, RecordingClipboard, serverStatus } from './fixtures';

/** A proxy control that records calls; start fails with "port in use" when told to. */
class FakeProxy implements ProxyControl {
  current: ServerStatus = serverStatus();
  portTaken = false;
  async start(): Promise<ServerStatus> {
    this.current = this.portTaken
      ? serverStatus({ error: 'listen EADDRINUSE: address already in use 127.0.0.1:8000' })
      : serverStatus({ running: true, url: 'http://127.0.0.1:8000' });
    return this.current;
  }
  async stop(): Promise<ServerStatus> {
    this.current = serverStatus();
    return this.current;
  }
  status(): ServerStatus {
    return this.current;
  }
}

function result<T>(outcome: IpcOutcome<T>): T {
  if ('error' in outcome) assert.fail(`unexpected error ${JSON.stringify(outcome.error)}`);
  return outcome.result;
}

function errorOf<T>(outcome: IpcOutcome<T>): { status: number; code: string; message: string } {
  assert.ok('error' in outcome, `expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}

let dir: string;
let core: MemoryAdmin;
let vault: KeyVault;
let encryptor: FakeEncryptor;
let clipboard: RecordingClipboard;
let proxy: FakeProxy;
let handlers: IpcHandlers;
let keyEvents: number;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ip-ipc-'));
  core = new MemoryAdmin();
  encryptor = new FakeEncryptor();
  vault = await KeyVault.open(join(dir, 'key-vault.json'), encryptor);
  clipboard = new RecordingClipboard();
  proxy = new FakeProxy();
  keyEvents = 0;
  const admin = vaultedAdmin(core, vault, { onKeysChanged: () => keyEvents++ });
  const desktop = createDesktopService({ admin, proxy, vault, clipboard, claudeConfigDir: join(dir, 'home', '.claude'), platform: 'linux' });
  handlers = createIpcHandlers({ admin, desktop, log: () => {} });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function newKey(name = 'laptop'): Promise<{ id: number; api_key: string }> {
  const user = result(await handlers['admin:createUser']({ username: `u${core.users.length + 1}` }));
  return result(await handlers['admin:createKey']({ user_id: user.id, name }));
}

describe('the handler table', () => {
  test('has exactly one handler per channel of the contracts', () => {
    assert.deepEqual(Object.keys(handlers).sort(), [...ipcChannels].sort());
    assert.equal(ipcChannels.length, 13 + 7);
    for (const handler of Object.values(handlers)) assert.equal(typeof handler, 'function');
  });

  test('every admin channel delegates to the admin API', async () => {
    const calls: string[] = [];
    const spy = new Proxy(core, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver);
        return typeof value === 'function'
          ? (...args: unknown[]) => {
              calls.push(String(prop));
              return (value as (...a: unknown[]) => unknown).apply(target, args);
            }
          : value;
      },
    }) as AdminApi;
    const table: Record<string, IpcHandler<unknown>> = createIpcHandlers({
      admin: spy,
      desktop: createDesktopService({ admin: spy, proxy, vault, clipboard, claudeConfigDir: join(dir, '.claude') }),
      log: () => {},
    });
    const args: Record<string, unknown[]> = {
      createUser: [{ username: 'zed' }],
      deleteUser: ['zed'],
      createKey: [{ user_id: 99 }],
      revokeKey: [1],
      setKeyLimits: [1, { tokens_per_day: 5 }],
      usage: [{}],
      requests: [{}],
      updateSettings: [{ debug: true }],
      listKeys: [],
    };
    for (const channel of ipcChannels.filter((c) => c.startsWith('admin:'))) {
      const method = channel.slice('admin:'.length);
      await table[channel]!(...(args[method] ?? []));
      assert.equal(calls.at(-1), method, channel);
    }
  });
});

describe('admin channels', () => {
  test('results come back as {result}', async () => {
    const created = await newKey();
    const keys = result(await handlers['admin:listKeys']());
    assert.deepEqual(keys.map((k) => k.id), [created.id]);
    assert.equal(result(await handlers['admin:status']()).running, false);
  });

  test('AdminErrors come back as {error} with their status and code', async () => {
    assert.deepEqual(errorOf(await handlers['admin:revokeKey'](42)), { status: 404, code: 'not_found', message: 'No key 42' });
    assert.equal(errorOf(await handlers['admin:deleteUser']('nobody')).code, 'user_not_found');
  });

  test('malformed arguments are a 400, never reach the admin API, never throw', async () => {
    const bad: [keyof IpcHandlers, unknown[]][] = [
      ['admin:revokeKey', ['one']],
      ['admin:revokeKey', [true]],
      ['admin:revokeKey', [-1]],
      ['admin:revokeKey', [1.5]],
      ['admin:createKey', [null]],
      ['admin:createKey', [[1]]],
      ['admin:createUser', ['alice']],
      ['admin:setKeyLimits', [1, 'none']],
      ['admin:deleteUser', ['']],
      ['admin:status', ['extra']],
      ['desktop:copyKeyToClipboard', [{ key_id: 1 }]],
      ['desktop:configureClaudeCode', [1]],
      ['desktop:configureClaudeCode', [{ key_id: 'one' }]],
    ];
    for (const [channel, args] of bad) {
      const handler = handlers[channel] as IpcHandler<unknown>;
      const error = errorOf(await handler(...args));
      assert.equal(error.status, 400, `${channel} ${JSON.stringify(args)}`);
      assert.equal(error.code, 'invalid_argument');
    }
    assert.equal(core.users.length, 0);
  });

  test('an unexpected failure is a 500 with a message and no stack trace', async () => {
    core.testConnection = async () => {
      throw new TypeError('socket hang up');
    };
    const error = errorOf(await handlers['admin:testConnection']());
    assert.equal(error.status, 500);
    assert.equal(error.code, 'internal_error');
    assert.match(error.message, /socket hang up/);
    assert.doesNotMatch(error.message, /at .*\.ts:\d+/);
    assert.deepEqual(Object.keys(error).sort(), ['code', 'message', 'status']);
  });

  test('toErrorBody maps ZodErrors to 400 and keeps plain error bodies', () => {
    const zod = Object.assign(new Error('Invalid input'), { name: 'ZodError' });
    assert.deepEqual(toErrorBody(zod, 'x'), { status: 400, code: 'invalid_request', message: 'Invalid input' });
    assert.deepEqual(toErrorBody({ status: 409, code: 'c', message: 'm', extra: 1 }, 'x'), { status: 409, code: 'c', message: 'm' });
    assert.equal(toErrorBody('boom', 'x').status, 500);
  });
});

describe('the key vault behind the admin channels', () => {
  test('keys created through IPC are vaulted and can be copied', async () => {
    const key = await newKey();
    assert.equal(result(await handlers['desktop:canRevealKey'](key.id)), true);
    result(await handlers['desktop:copyKeyToClipboard'](key.id));
    assert.deepEqual(clipboard.texts, [key.api_key]);
    assert.ok(keyEvents >= 1);
  });

  test('a revoked key drops from the vault and cannot be copied', async () => {
    const key = await newKey();
    const revoked = result(await handlers['admin:revokeKey'](key.id));
    assert.equal(revoked.is_active, false);
    assert.deepEqual(vault.ids(), []);
    assert.equal(result(await handlers['desktop:canRevealKey'](key.id)), false);
    const error = errorOf(await handlers['desktop:copyKeyToClipboard'](key.id));
    assert.equal(error.code, 'key_revoked');
    assert.deepEqual(clipboard.texts, []);
    assert.ok(!(await readFile(join(dir, 'key-vault.json'), 'utf8')).includes(String(key.id) + '"'));
  });

  test("deleting a user drops their keys from the vault, not others'", async () => {
    const mine = await newKey('mine');
    const theirs = await newKey('theirs');
    const owner = core.keys.find((k) => k.id === mine.id)!.user_id;
    result(await handlers['admin:deleteUser'](owner));
    assert.deepEqual(vault.ids(), [theirs.id]);
  });

  test('a key created elsewhere (not vaulted) cannot be shown again', async () => {
    const user = await core.createUser({ username: 'web' });
    const direct = await core.createKey({ user_id: user.id, name: 'from the web admin' });
    assert.equal(result(await handlers['desktop:canRevealKey'](direct.id)), false);
    const error = errorOf(await handlers['desktop:copyKeyToClipboard'](direct.id));
    assert.equal(error.status, 409);
    assert.equal(error.code, 'key_not_revealable');
    assert.match(error.message, /can't be shown again/);
  });

  test('with the keychain unavailable, keys still work but are not kept, and the app says why', async () => {
    encryptor.available = false;
    const key = await newKey();
    assert.equal(key.api_key.startsWith('sk-ip-'), true);
    assert.deepEqual(vault.ids(), []);
    assert.equal(result(await handlers['desktop:canRevealKey'](key.id)), false);
    const state = result(await handlers['desktop:claudeCodeConfigState']());
    assert.match(state.key_storage_problem ?? '', /no system keyring is available \(no Secret Service/);
    const refused = errorOf(await handlers['desktop:configureClaudeCode']({ key_id: key.id }));
    assert.equal(refused.code, 'key_not_revealable');
    assert.match(refused.message, /no system keyring/);
    assert.doesNotMatch(refused.message, /Create a new key/);
  });

  test('unknown keys are a 404', async () => {
    assert.equal(errorOf(await handlers['desktop:copyKeyToClipboard'](404)).status, 404);
  });
});

describe('desktop channels', () => {
  test('start and stop return the status; a port in use is a status, not an error', async () => {
    assert.equal(result(await handlers['desktop:startProxy']()).running, true);
    assert.equal(result(await handlers['desktop:stopProxy']()).running, false);
    proxy.portTaken = true;
    const failed = result(await handlers['desktop:startProxy']());
    assert.equal(failed.running, false);
    assert.match(failed.error ?? '', /EADDRINUSE/);
  });

  test('configureClaudeCode writes the proxy URL and the vaulted key; undo reverts it', async () => {
    const key = await newKey();
    await handlers['desktop:startProxy']();
    const configured = result(await handlers['desktop:configureClaudeCode']({ key_id: key.id }));
    assert.equal(configured.path, join(dir, 'home', '.claude', 'settings.json'));
    assert.equal(configured.after.ANTHROPIC_BASE_URL, 'http://127.0.0.1:8000');
    assert.ok(configured.after.ANTHROPIC_AUTH_TOKEN?.includes('…'), 'the key is masked in the result');
    const written = JSON.parse(await readFile(configured.path, 'utf8')) as { env: Record<string, string> };
    assert.deepEqual(written.env, { ANTHROPIC_BASE_URL: 'http://127.0.0.1:8000', ANTHROPIC_AUTH_TOKEN: key.api_key });
    const state = result(await handlers['desktop:claudeCodeConfigState']());
    assert.equal(state.can_undo, true, 'Undo is offered while our configuration is in place');
    assert.equal(state.path, configured.path);
    assert.equal(state.key_storage_problem, null);

    const undone = result(await handlers['desktop:undoClaudeCodeConfig']());
    assert.deepEqual(undone.after, {});
    await assert.rejects(readFile(configured.path), { code: 'ENOENT' });
    assert.equal(result(await handlers['desktop:claudeCodeConfigState']()).can_undo, false);
    assert.equal(errorOf(await handlers['desktop:undoClaudeCodeConfig']()).code, 'nothing_to_undo');
  });

  test('configureClaudeCode with a stopped proxy uses its configured address', async () => {
    const key = await newKey();
    proxy.current = serverStatus({ host: '0.0.0.0', port: 9123 });
    const configured = result(await handlers['desktop:configureClaudeCode']({ key_id: key.id }));
    assert.equal(configured.after.ANTHROPIC_BASE_URL, 'http://127.0.0.1:9123');
  });

  test('configureClaudeCode with a key it cannot show writes nothing', async () => {
    const user = await core.createUser({ username: 'web' });
    const direct = await core.createKey({ user_id: user.id });
    assert.equal(errorOf(await handlers['desktop:configureClaudeCode']({ key_id: direct.id })).code, 'key_not_revealable');
    await assert.rejects(readFile(join(dir, 'home', '.claude', 'settings.json')), { code: 'ENOENT' });
  });

  test('the tray-only copyClaudeSetup copies export lines', async () => {
    const key = await newKey();
    const desktop = createDesktopService({ admin: core, proxy, vault, clipboard, claudeConfigDir: join(dir, '.claude'), platform: 'linux' });
    await desktop.copyClaudeSetup(key.id);
    assert.equal(clipboard.texts.at(-1), `export ANTHROPIC_BASE_URL=http://127.0.0.1:8000\nexport ANTHROPIC_AUTH_TOKEN=${key.api_key}\n`);
  });
});
