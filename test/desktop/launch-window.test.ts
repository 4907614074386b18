import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hiddenWindowNotice, showWindowAtLaunch, trayMayBeInvisible } from '../../main/desktop/launch-window';

test('trayMayBeInvisible: Linux under GNOME (in any XDG_CURRENT_DESKTOP form) or an unnamed desktop', () => {
  for (const desktop of ['GNOME', 'ubuntu:GNOME', 'GNOME-Classic:GNOME', 'gnome', '', ' ']) {
    assert.equal(trayMayBeInvisible('linux', { XDG_CURRENT_DESKTOP: desktop }), true, desktop);
  }
  assert.equal(trayMayBeInvisible('linux', {}), true);
  for (const desktop of ['KDE', 'XFCE', 'X-Cinnamon', 'MATE', 'LXQt', 'GNOME-Flashback:Unity']) {
    assert.equal(trayMayBeInvisible('linux', { XDG_CURRENT_DESKTOP: desktop }), false, desktop);
  }
  assert.equal(trayMayBeInvisible('win32', {}), false);
  assert.equal(trayMayBeInvisible('darwin', { XDG_CURRENT_DESKTOP: 'GNOME' }), false);
});

test('showWindowAtLaunch: always, except started hidden where the tray surely shows', () => {
  assert.equal(showWindowAtLaunch({ launchedHidden: false, trayMayBeInvisible: false }), true);
  assert.equal(showWindowAtLaunch({ launchedHidden: false, trayMayBeInvisible: true }), true);
  assert.equal(showWindowAtLaunch({ launchedHidden: true, trayMayBeInvisible: true }), true);
  assert.equal(showWindowAtLaunch({ launchedHidden: true, trayMayBeInvisible: false }), false);
});

test('hiddenWindowNotice: only where the tray may be invisible, saying how to get the window back', () => {
  assert.equal(hiddenWindowNotice(false), null);
  const notice = hiddenWindowNotice(true);
  assert.ok(notice);
  assert.match(notice.body, /app menu/);
  assert.match(notice.body, /quit/i);
});
