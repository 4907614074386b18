/**
 * The desktop entry as shipped: scripts/build-electron.mjs bundles main/index.ts (the whole core, ESM-only
 * packages included) into CJS, and the bundle runs here in plain Node against a stand-in `electron` module
 * (fake-electron.cjs), with the real ProxyRuntime on a temp data dir. Checks the wiring of index.ts: IPC
 * registered behind the sender check, keys vaulted, the tray following the status, a busy port reported
 * without a crash, the window hiding on close, and Quit flushing and releasing the store. The launch is one a
 * desktop user could make: under GNOME (where the tray may not show), started `--hidden`, with settings variables
 * in the shell's environment and a `.env` in the working directory, which the app must not take.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import type { IpcOutcome } from '../../shared/admin-api';
import type { ApiKeyInfo, CreatedKey, ServerStatus, SettingsView, User } from '../../shared/types';
import { ProxyRuntime } from '../../main/app/runtime';
import { freePort } from '../../scripts/free-port.mjs';
import { until } from '../support/until';

interface FakeWindow {
  options: { webPreferences: Record<string, unknown> };
  visible: boolean;
  closed: boolean;
  loadedFile: string;
  close(): void;
}
interface TrayItem {
  id?: string;
  label?: string;
  enabled?: boolean;
  submenu?: TrayItem[];
  click?: () => void;
}
interface FakeTray {
  emit(event: 'click'): void;
  tooltip: string;
  image: { path: string };
  template: TrayItem[];
}
interface FakeElectron {
  handlers: Map<string, (event: unknown, ...args: unknown[]) => Promise<IpcOutcome<unknown>>>;
  windows: FakeWindow[];
  trays: FakeTray[];
  notifications: { title: string; body: string }[];
  clipboard: string[];
  errorBox: unknown;
  quitted: boolean;
  /** Chromium switches appended before ready. */
  switches: [string, string | undefined][];
  appUserModelIds: string[];
  app: { quit(): void };
  ready(): void;
}

const repo = resolve(import.meta.dirname, '../..');
const work = mkdtempSync(join(tmpdir(), 'ip-desktop-'));
const appDir = join(work, 'app');
const userData = join(work, 'user-data');
let fake: FakeElectron;
let busyPort: Server;

before(async () => {
  const built = spawnSync(process.execPath, [join(repo, 'scripts/build-electron.mjs'), '--out', join(appDir, 'dist-electron')], {
    encoding: 'utf8',
  });
  assert.equal(built.status, 0, built.stderr);
  mkdirSync(join(appDir, 'node_modules', 'electron'), { recursive: true });
  copyFileSync(join(import.meta.dirname, 'fake-electron.cjs'), join(appDir, 'node_modules', 'electron', 'index.js'));
  mkdirSync(userData);

  // Saved settings as a user would have them: a free loopback port (so parallel runs never collide).
  const seed = await ProxyRuntime.open({ dataDir: userData, env: {}, cwd: work });
  await seed.admin.updateSettings({ host: '127.0.0.1', port: await freePort() });
  await seed.close();

  for (const name of ['PROXY_HOST', 'PROXY_PORT', 'INFINIPROXY_DATA_DIR']) delete process.env[name];
  process.env.FAKE_ELECTRON_APP_PATH = appDir;
  process.env.FAKE_ELECTRON_USER_DATA = userData;
  // What the shell and the working directory would give a server; the desktop app takes none of it...
  Object.assign(process.env, { OPENAI_API_KEY: 'sk-from-the-shell', OPENAI_MODEL: 'shell-model', DEBUG: '1' });
  writeFileSync(join(work, '.env'), 'OPENAI_BASE_URL=http://cwd-dotenv.invalid/v1\nTIMEOUT=7\n');
  process.chdir(work);
  // ...but a `.env` in its own folder is honoured, and shown as fixing the field.
  writeFileSync(join(userData, '.env'), 'OPENAI_MODEL=own-folder-model\n');
  process.env.XDG_CURRENT_DESKTOP = 'ubuntu:GNOME';
  process.argv.push('--hidden');
  createRequire(import.meta.url)(join(appDir, 'dist-electron', 'index.cjs'));
  fake = (globalThis as unknown as { __fakeElectron: FakeElectron }).__fakeElectron;
  fake.ready();
  await until(() => fake.windows.length === 1 && fake.trays.length === 1, 'the window and the tray');

  busyPort = createServer();
  await new Promise<void>((r) => busyPort.listen(0, '127.0.0.1', r));
});

after(async () => {
  if (!fake.quitted) {
    fake.app.quit();
    await until(() => fake.quitted, 'quit');
  }
  await new Promise((r) => busyPort.close(r));
  process.chdir(repo);
  rmSync(work, { recursive: true, force: true });
});

function window(): FakeWindow {
  return fake.windows[0]!;
}

function trayItem(id: string): TrayItem {
  const item = fake.trays[0]!.template.find((i) => i.id === id);
  assert.ok(item, `tray item ${id}`);
  return item;
}

function ownEvent(): unknown {
  return { sender: { id: 7 }, senderFrame: { url: pathToFileURL(window().loadedFile).href + '#/keys', parent: null } };
}

async function call<T>(channel: string, ...args: unknown[]): Promise<T> {
  const handler = fake.handlers.get(channel);
  assert.ok(handler, channel);
  const outcome = (await handler(ownEvent(), ...args)) as IpcOutcome<T>;
  if ('error' in outcome) assert.fail(`${channel}: ${JSON.stringify(outcome.error)}`);
  return outcome.result;
}

test('the window is sandboxed and shows the built renderer', () => {
  const prefs = window().options.webPreferences;
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.preload, join(appDir, 'dist-electron', 'preload.cjs'));
  assert.equal(window().loadedFile, join(appDir, 'dist', 'renderer', 'index.html'));
  // js-flags would cap the renderers' heaps only, not this process's where the proxy runs (see index.ts).
  assert.deepEqual(fake.switches, []);
  assert.deepEqual(fake.appUserModelIds, [], 'the AppUserModelID is set on Windows only');
});

test('under GNOME the window opens at launch even when started hidden, and its first close says where it went', async () => {
  await until(() => window().visible, 'the window shown');
  window().close();
  assert.equal(window().visible, false);
  await until(() => fake.notifications.some((n) => n.title === 'InfiniProxy is still running'), 'the notice');
  const notices = fake.notifications.length;
  fake.trays[0]!.emit('click');
  assert.equal(window().visible, true, 'a left-click on the tray icon opens the window');
  window().close();
  assert.equal(fake.notifications.length, notices, 'said once');
  trayItem('open').click?.();
  assert.equal(window().visible, true);
});

test("settings come from the app, not the shell's environment or the working directory's .env", async () => {
  const view = await call<SettingsView>('admin:getSettings');
  assert.equal(view.default_model, 'own-folder-model');
  assert.deepEqual(view.overridden, ['default_model']);
  assert.equal(view.backend_url, '');
  assert.equal(view.backend_api_key_set, false);
  assert.equal(view.timeout_s, 300);
  assert.equal(view.debug, false);
});

test('every channel is registered; calls from other senders are refused', async () => {
  assert.equal(fake.handlers.size, 20);
  const stranger = { sender: { id: 99 }, senderFrame: { url: pathToFileURL(window().loadedFile).href, parent: null } };
  const outcome = await fake.handlers.get('admin:listUsers')!(stranger);
  assert.deepEqual(outcome, { error: { status: 403, code: 'forbidden', message: 'This page may not call InfiniProxy.' } });
  const iframe = { sender: { id: 7 }, senderFrame: { url: pathToFileURL(window().loadedFile).href, parent: {} } };
  assert.equal('error' in (await fake.handlers.get('admin:listUsers')!(iframe)), true);
});

test('the proxy starts on launch and the tray says so', async () => {
  const status = await call<ServerStatus>('admin:status');
  assert.equal(status.running, true);
  await until(() => fake.trays[0]!.tooltip?.startsWith('InfiniProxy — running on http://127.0.0.1:'), 'the running tooltip');
  assert.match(fake.trays[0]!.image.path, /running\.png$/);
  assert.match(String(fake.trays[0]!.template[0]?.label), /^Running — http:\/\/127\.0\.0\.1:\d+$/);
});

test('a key created in the window is vaulted encrypted, listed in the tray, copied, and dropped when revoked', async () => {
  const user = await call<User>('admin:createUser', { username: 'alice' });
  const key = await call<CreatedKey>('admin:createKey', { user_id: user.id, name: 'laptop' });
  const vaultFile = join(userData, 'key-vault.json');
  const vaultText = readFileSync(vaultFile, 'utf8');
  assert.deepEqual(Object.keys(JSON.parse(vaultText)), [String(key.id)]);
  assert.ok(!vaultText.includes(key.api_key));

  await until(() => fake.trays[0]!.template.find((i) => i.id === 'copy-key')?.submenu?.[0]?.label === 'laptop (alice)', 'the key in the tray');
  await call('desktop:copyKeyToClipboard', key.id);
  const copied = fake.clipboard.at(-1)!;
  assert.equal(copied, key.api_key);
  fake.clipboard.length = 0;
  trayItem('copy-setup').submenu?.[0]?.click?.();
  await until(() => fake.clipboard.length === 1, 'the tray copying the setup');
  assert.match(fake.clipboard[0]!, new RegExp(`^export ANTHROPIC_BASE_URL=http://127\\.0\\.0\\.1:\\d+\nexport ANTHROPIC_AUTH_TOKEN=${key.api_key}\n$`));

  // The copied key passes the real proxy's authentication (no backend is set, so it gets no further).
  const { url } = await call<ServerStatus>('admin:status');
  const models = async (apiKey: string): Promise<number> => {
    const response = await fetch(`${url}/v1/models`, { headers: { 'x-api-key': apiKey } });
    await response.arrayBuffer();
    return response.status;
  };
  assert.notEqual(await models(copied), 401);

  const revoked = await call<ApiKeyInfo>('admin:revokeKey', key.id);
  assert.equal(revoked.is_active, false);
  assert.equal(await models(key.api_key), 401);
  assert.deepEqual(JSON.parse(readFileSync(vaultFile, 'utf8')), {});
  assert.equal(await call<boolean>('desktop:canRevealKey', key.id), false);
});

test('a busy port: a notification, the tray shows Stopped, nothing crashes', async () => {
  await call<ServerStatus>('desktop:stopProxy');
  const noticesBefore = fake.notifications.length;
  const port = (busyPort.address() as { port: number }).port;
  const saved = await call<SettingsView>('admin:updateSettings', { port });
  assert.equal(saved.port, port);
  const status = await call<ServerStatus>('desktop:startProxy');
  assert.equal(status.running, false);
  assert.match(status.error ?? '', /in use/);
  await until(() => fake.notifications.length > noticesBefore, 'a notification');
  assert.match(fake.notifications.at(-1)!.title, /could not start/);
  await until(() => /port \d+ in use/.test(fake.trays[0]!.tooltip), 'the error tooltip');
  assert.match(fake.trays[0]!.image.path, /error\.png$/);
  assert.equal(trayItem('start').enabled, true);

  // Retrying from the tray fails the same way, and says so again.
  const notices = fake.notifications.length;
  trayItem('start').click?.();
  await until(() => fake.notifications.length > notices, 'a notice for the retry');
  assert.match(fake.notifications.at(-1)!.body, new RegExp(`Port ${port} is in use`));
});

test('closing the window hides it; Quit closes the runtime, which flushes and releases the data dir', async () => {
  window().close();
  assert.equal(window().closed, false);
  assert.equal(window().visible, false);

  fake.app.quit();
  await until(() => fake.quitted, 'quit');
  window().close();
  assert.equal(window().closed, true, 'while quitting, close really closes');
  assert.equal(existsSync(join(userData, 'server.json')), false);
  assert.equal(fake.errorBox, null);

  // The store was closed: the data dir can be opened again, and it kept what the app did.
  const reopened = await ProxyRuntime.open({ dataDir: userData, env: {}, cwd: work });
  try {
    const users = await reopened.admin.listUsers();
    assert.deepEqual(users.map((u) => u.username), ['alice']);
  } finally {
    await reopened.close();
  }
});
