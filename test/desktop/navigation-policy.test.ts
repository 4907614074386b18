import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isAllowedPermission, isAppUrl, isExternalLink, isTrustedSender } from '../../main/desktop/navigation-policy';

const appUrl = 'file:///opt/InfiniProxy/resources/app.asar/dist/renderer/index.html';

describe('navigation policy', () => {
  test('the app page, with any hash route or query, is the app; nothing else is', () => {
    assert.equal(isAppUrl(appUrl, appUrl), true);
    assert.equal(isAppUrl(appUrl + '#/keys', appUrl), true);
    assert.equal(isAppUrl(appUrl + '?tab=usage#/x', appUrl), true);
    for (const other of [
      'file:///etc/passwd',
      'file:///opt/InfiniProxy/resources/app.asar/dist/renderer/other.html',
      'https://evil.example/index.html',
      'http://127.0.0.1:8000/admin/',
      'not a url',
    ]) {
      assert.equal(isAppUrl(other, appUrl), false, other);
    }
  });

  test('only https links open externally', () => {
    assert.equal(isExternalLink('https://docs.anthropic.com/en/docs/claude-code'), true);
    for (const url of ['http://example.com', 'file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-settings:', '']) {
      assert.equal(isExternalLink(url), false, url);
    }
  });

  test('permissions: clipboard writes on the app page only', () => {
    assert.equal(isAllowedPermission('clipboard-sanitized-write', appUrl + '#/keys', appUrl), true);
    assert.equal(isAllowedPermission('clipboard-sanitized-write', 'https://evil.example', appUrl), false);
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      assert.equal(isAllowedPermission(permission, appUrl, appUrl), false, permission);
    }
  });

  test('IPC senders: our window, top frame, on the app page', () => {
    const ours = { webContentsId: 3, frameUrl: appUrl + '#/', isMainFrame: true };
    assert.equal(isTrustedSender(ours, [3], appUrl), true);
    assert.equal(isTrustedSender({ ...ours, webContentsId: 4 }, [3], appUrl), false);
    assert.equal(isTrustedSender(ours, [], appUrl), false);
    assert.equal(isTrustedSender({ ...ours, isMainFrame: false }, [3], appUrl), false);
    assert.equal(isTrustedSender({ ...ours, frameUrl: undefined }, [3], appUrl), false);
    assert.equal(isTrustedSender({ ...ours, frameUrl: 'https://evil.example/' }, [3], appUrl), false);
  });
});
