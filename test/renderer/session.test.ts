import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { apiBaseFromLocation, clearToken, loadToken, saveToken } from '../../renderer/api/session';
import type { TokenStorage } from '../../renderer/api/session';

function memoryStorage(): TokenStorage & { items: Map<string, string> } {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (k) => items.get(k) ?? null,
    setItem: (k, v) => void items.set(k, v),
    removeItem: (k) => void items.delete(k),
  };
}

describe('web admin session', () => {
  test('the API base is the origin plus any prefix before /admin/', () => {
    assert.equal(apiBaseFromLocation('http://127.0.0.1:8000/admin/#/users'), 'http://127.0.0.1:8000');
    assert.equal(apiBaseFromLocation('http://127.0.0.1:8000/admin/index.html'), 'http://127.0.0.1:8000');
    assert.equal(apiBaseFromLocation('https://example.com/team/proxy/admin/'), 'https://example.com/team/proxy');
    assert.equal(apiBaseFromLocation('http://localhost:5173/'), 'http://localhost:5173');
  });

  test('the token is kept, read back and cleared', () => {
    const storage = memoryStorage();
    assert.equal(loadToken(storage), null);
    saveToken(storage, 'secret');
    assert.equal(loadToken(storage), 'secret');
    clearToken(storage);
    assert.equal(loadToken(storage), null);
    assert.equal(loadToken(undefined), null);
  });

  test('broken storage does not throw', () => {
    const broken: TokenStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    assert.doesNotThrow(() => saveToken(broken, 'x'));
    assert.equal(loadToken(broken), null);
    assert.doesNotThrow(() => clearToken(broken));
  });
});
