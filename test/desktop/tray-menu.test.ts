import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { MenuItemConstructorOptions } from 'electron';
import {
  buildTrayMenu,
  CANNOT_SHOW_SUFFIX,
  clickOpensWindow,
  NO_KEYS_LABEL,
  statusLine,
  statusNotice,
  trayIconFor,
  trayKeysFrom,
  type TrayActions,
  type TrayState,
} from '../../main/desktop/tray-menu';
import { serverStatus } from './fixtures';

function recordingActions(): { actions: TrayActions; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    actions: {
      startProxy: () => calls.push('start'),
      stopProxy: () => calls.push('stop'),
      copyKey: (id) => calls.push(`copyKey:${id}`),
      copyClaudeSetup: (id) => calls.push(`copySetup:${id}`),
      openWindow: () => calls.push('open'),
      quit: () => calls.push('quit'),
    },
  };
}

function item(menu: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions {
  const found = menu.find((i) => i.id === id);
  assert.ok(found, `menu item ${id}`);
  return found;
}

function submenu(menu: MenuItemConstructorOptions[], id: string): MenuItemConstructorOptions[] {
  const sub = item(menu, id).submenu;
  assert.ok(Array.isArray(sub), `${id} has a submenu`);
  return sub;
}

function click(entry: MenuItemConstructorOptions): void {
  assert.ok(entry.click, `${entry.label} is clickable`);
  // The actions ignore Electron's click arguments; the casts only satisfy the signature.
  entry.click(undefined as never, undefined, undefined as never);
}

const running = serverStatus({ running: true, url: 'http://127.0.0.1:8000' });
const keys = [
  { id: 1, label: 'laptop (alice)', revealable: true },
  { id: 2, label: 'ci (bob)', revealable: false },
];

describe('statusLine', () => {
  test('running shows the client URL', () => {
    assert.equal(statusLine(running), 'Running — http://127.0.0.1:8000');
  });
  test('stopped', () => {
    assert.equal(statusLine(serverStatus()), 'Stopped');
  });
  test('port in use names the port', () => {
    assert.equal(statusLine(serverStatus({ error: 'listen EADDRINUSE: address already in use 127.0.0.1:8000' })), 'Stopped — port 8000 in use');
    assert.equal(statusLine(serverStatus({ port: 9100, error: 'Port 9100 is already in use' })), 'Stopped — port 9100 in use');
  });
  test('other errors are shortened to one line', () => {
    const line = statusLine(serverStatus({ error: 'backend_url is not a URL: ' + 'x'.repeat(100) + '\nsecond line' }));
    assert.ok(line.startsWith('Stopped — backend_url is not a URL'));
    assert.ok(line.length <= 'Stopped — '.length + 60, line);
    assert.ok(!line.includes('second line'));
  });
  test('a wildcard bind shows loopback', () => {
    assert.equal(statusLine(serverStatus({ running: true, host: '0.0.0.0', url: 'http://0.0.0.0:8000' })), 'Running — http://127.0.0.1:8000');
  });
});

describe('buildTrayMenu', () => {
  test('stopped: Start enabled, Stop disabled; fixed footer', () => {
    const { actions } = recordingActions();
    const menu = buildTrayMenu({ status: serverStatus(), keys, busy: false }, actions);
    assert.equal(item(menu, 'status').label, 'Stopped');
    assert.equal(item(menu, 'status').enabled, false);
    assert.equal(item(menu, 'start').enabled, true);
    assert.equal(item(menu, 'stop').enabled, false);
    assert.deepEqual(menu.slice(-2).map((i) => i.label), ['Open window', 'Quit']);
  });

  test('running: Stop enabled, Start disabled; busy disables both', () => {
    const { actions } = recordingActions();
    const menu = buildTrayMenu({ status: running, keys, busy: false }, actions);
    assert.equal(item(menu, 'start').enabled, false);
    assert.equal(item(menu, 'stop').enabled, true);
    const busy = buildTrayMenu({ status: running, keys, busy: true }, actions);
    assert.equal(item(busy, 'start').enabled, false);
    assert.equal(item(busy, 'stop').enabled, false);
  });

  test('running without a backend says so', () => {
    const { actions } = recordingActions();
    const menu = buildTrayMenu({ status: { ...running, backend_configured: false }, keys: [], busy: false }, actions);
    assert.match(String(item(menu, 'backend').label), /No backend set/);
    assert.equal(buildTrayMenu({ status: running, keys: [], busy: false }, actions).some((i) => i.id === 'backend'), false);
  });

  test('key submenus: revealable keys copy, others are disabled and say why', () => {
    const { actions, calls } = recordingActions();
    const menu = buildTrayMenu({ status: running, keys, busy: false }, actions);
    for (const id of ['copy-key', 'copy-setup']) {
      const sub = submenu(menu, id);
      assert.deepEqual(sub.map((i) => i.label), ['laptop (alice)', 'ci (bob)' + CANNOT_SHOW_SUFFIX]);
      assert.notEqual(sub[0]?.enabled, false);
      assert.equal(sub[1]?.enabled, false);
      assert.equal(sub[1]?.click, undefined);
    }
    click(submenu(menu, 'copy-key')[0]!);
    click(submenu(menu, 'copy-setup')[0]!);
    assert.deepEqual(calls, ['copyKey:1', 'copySetup:1']);
    assert.equal(CANNOT_SHOW_SUFFIX, " — can't be shown again");
  });

  test('no keys: one disabled hint in each submenu', () => {
    const { actions } = recordingActions();
    const menu = buildTrayMenu({ status: serverStatus(), keys: [], busy: false }, actions);
    for (const id of ['copy-key', 'copy-setup']) {
      assert.deepEqual(submenu(menu, id).map((i) => [i.label, i.enabled]), [[NO_KEYS_LABEL, false]]);
    }
    assert.equal(NO_KEYS_LABEL, 'No keys yet — create one in the window');
  });

  test('clicks reach the actions', () => {
    const { actions, calls } = recordingActions();
    const state: TrayState = { status: serverStatus(), keys: [], busy: false };
    const menu = buildTrayMenu(state, actions);
    click(item(menu, 'start'));
    click(item(menu, 'open'));
    click(item(menu, 'quit'));
    click(item(buildTrayMenu({ ...state, status: running }, actions), 'stop'));
    assert.deepEqual(calls, ['start', 'open', 'quit', 'stop']);
  });
});

describe('trayKeysFrom', () => {
  test('active keys only, labelled name (user), prefix when unnamed, revealability from the vault', () => {
    const limits = { requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null };
    const base = { user_id: 1, username: 'alice', created_at: '', last_used_at: null, revoked_at: null, limits };
    const list = [
      { ...base, id: 1, name: 'laptop', key_prefix: 'sk-ip-aaaaaa', is_active: true },
      { ...base, id: 2, name: '  ', key_prefix: 'sk-ip-bbbbbb', is_active: true },
      { ...base, id: 3, name: 'old', key_prefix: 'sk-ip-cccccc', is_active: false, revoked_at: 'x' },
    ];
    assert.deepEqual(trayKeysFrom(list, (id) => id === 1), [
      { id: 1, label: 'laptop (alice)', revealable: true },
      { id: 2, label: 'sk-ip-bbbbbb (alice)', revealable: false },
    ]);
  });
});

describe('trayIconFor', () => {
  test('one image per status; templates on macOS', () => {
    assert.deepEqual(
      [running, serverStatus(), serverStatus({ error: 'EADDRINUSE' })].map((s) => trayIconFor(s, 'linux').file),
      ['running.png', 'stopped.png', 'error.png'],
    );
    assert.equal(trayIconFor(running, 'darwin').file, 'runningTemplate.png');
    assert.equal(trayIconFor(serverStatus({ error: 'x' }), 'win32').name, 'error');
  });
  test('every image it names is in build/tray, with its @2x', () => {
    const statuses = [running, serverStatus(), serverStatus({ error: 'x' })];
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      for (const status of statuses) {
        const { file } = trayIconFor(status, platform);
        assert.ok(existsSync(join('build/tray', file)), file);
        assert.ok(existsSync(join('build/tray', file.replace('.png', '@2x.png'))), file);
      }
    }
  });
  test('tooltips', () => {
    assert.equal(trayIconFor(running, 'linux').tooltip, 'InfiniProxy — running on http://127.0.0.1:8000');
    assert.equal(trayIconFor(serverStatus(), 'linux').tooltip, 'InfiniProxy — stopped');
    assert.equal(trayIconFor(serverStatus({ error: 'EADDRINUSE' }), 'linux').tooltip, 'InfiniProxy — stopped: port 8000 in use');
  });
});

describe('statusNotice', () => {
  test('a new start error gives a notice naming the port', () => {
    const notice = statusNotice(serverStatus(), serverStatus({ error: 'listen EADDRINUSE 127.0.0.1:8000' }));
    assert.ok(notice);
    assert.match(notice.title, /could not start/);
    assert.match(notice.body, /Port 8000 is in use/);
  });
  test('the same error again, no error, or running: no notice', () => {
    const failed = serverStatus({ error: 'bad setting' });
    assert.equal(statusNotice(failed, failed), null);
    assert.equal(statusNotice(undefined, serverStatus()), null);
    assert.equal(statusNotice(failed, running), null);
    assert.match(statusNotice(undefined, failed)?.body ?? '', /bad setting/);
  });
});

test('a left-click on the tray icon opens the window, except on macOS where it opens the menu', () => {
  assert.equal(clickOpensWindow('win32'), true);
  assert.equal(clickOpensWindow('linux'), true);
  assert.equal(clickOpensWindow('darwin'), false);
});

describe('provider health in the tray', () => {
  const { actions } = recordingActions();
  const health = (name: string, state: 'healthy' | 'degraded' | 'down', last_error: string | null = null) => ({
    name,
    kind: 'openai' as const,
    state,
    last_error,
    since: '2026-12-07T00:00:00.000Z',
    consecutive_failures: state === 'healthy' ? 0 : 3,
    retry_at: null,
  });

  test('a summary line with a disabled line per provider; the error of an unwell one, first line only', () => {
    const status = { ...running, providers: [health('deepseek', 'healthy'), health('glm', 'down', 'HTTP 529: {"error":"Overloaded"}\nmore'), health('kimi', 'healthy')] };
    const menu = buildTrayMenu({ status, keys, busy: false }, actions);
    assert.equal(item(menu, 'providers').label, 'Providers: 2 healthy, 1 down');
    assert.deepEqual(
      submenu(menu, 'providers').map((i) => [i.label, i.enabled]),
      [
        ['deepseek — healthy', false],
        ['glm — down: HTTP 529: {"error":"Overloaded"}', false],
        ['kimi — healthy', false],
      ],
    );
  });

  test('no providers: no provider item', () => {
    assert.equal(buildTrayMenu({ status: running, keys, busy: false }, actions).some((i) => i.id === 'providers'), false);
  });
});
