import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { TABS, formatHash, parseHash, tabForKey } from '../../renderer/lib/hash-route';

describe('hash routes', () => {
  test('parse known tabs with parameters', () => {
    assert.deepEqual(parseHash('#/keys?user=3'), { tab: 'keys', params: { user: '3' } });
    assert.deepEqual(parseHash('#/usage'), { tab: 'usage', params: {} });
    assert.deepEqual(parseHash('#settings/'), { tab: 'settings', params: {} });
  });

  test('unknown or empty hashes go to Status', () => {
    assert.equal(parseHash('').tab, 'status');
    assert.equal(parseHash('#/nope').tab, 'status');
    assert.equal(parseHash('#/%E0%A4%A').tab, 'status');
  });

  test('format round-trips and drops empty parameters', () => {
    assert.equal(formatHash('keys', { user: 3 }), '#/keys?user=3');
    assert.equal(formatHash('keys', { user: '' }), '#/keys');
    for (const tab of TABS) assert.equal(parseHash(formatHash(tab.id)).tab, tab.id);
  });

  test('arrow keys wrap, Home and End jump, other keys do nothing', () => {
    assert.equal(tabForKey('status', 'ArrowRight'), 'users');
    assert.equal(tabForKey('status', 'ArrowLeft'), 'settings');
    assert.equal(tabForKey('settings', 'ArrowRight'), 'status');
    assert.equal(tabForKey('usage', 'Home'), 'status');
    assert.equal(tabForKey('usage', 'End'), 'settings');
    assert.equal(tabForKey('usage', 'Enter'), undefined);
  });
});
