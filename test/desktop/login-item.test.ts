import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LoginItemSettings, Settings as LoginItemSettingsOptions } from 'electron';
import { applyLoginItem, HIDDEN_FLAG, launchedHidden } from '../../main/desktop/login-item';

function fakeApp(wasOpenedAtLogin = false) {
  const calls: LoginItemSettingsOptions[] = [];
  return {
    calls,
    setLoginItemSettings: (settings: LoginItemSettingsOptions) => void calls.push(settings),
    getLoginItemSettings: () => ({ wasOpenedAtLogin }) as LoginItemSettings,
  };
}

test('applyLoginItem registers a hidden login item on macOS and Windows, does nothing on Linux', () => {
  const app = fakeApp();
  applyLoginItem(app, true, 'win32');
  applyLoginItem(app, false, 'darwin');
  applyLoginItem(app, true, 'linux');
  assert.deepEqual(app.calls, [
    { openAtLogin: true, args: [HIDDEN_FLAG] },
    { openAtLogin: false, args: [HIDDEN_FLAG] },
  ]);
});

test('applyLoginItem never throws', () => {
  const app = { ...fakeApp(), setLoginItemSettings: () => { throw new Error('denied'); } };
  const error = console.error;
  console.error = () => {};
  try {
    assert.doesNotThrow(() => applyLoginItem(app, true, 'darwin'));
  } finally {
    console.error = error;
  }
});

test('launchedHidden: the flag anywhere, or opened at login on macOS', () => {
  assert.equal(launchedHidden(fakeApp(), ['electron', '.', HIDDEN_FLAG], 'win32'), true);
  assert.equal(launchedHidden(fakeApp(), ['electron', '.'], 'win32'), false);
  assert.equal(launchedHidden(fakeApp(true), ['InfiniProxy'], 'darwin'), true);
  assert.equal(launchedHidden(fakeApp(true), ['InfiniProxy'], 'linux'), false);
});
