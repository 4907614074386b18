import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdminError } from '../../shared/admin-api';
import type { BridgeApi } from '../../shared/desktop-api';
import { createIpcClient, findBridge, toAdminError } from '../../renderer/api/ipc-client';

/** A stand-in for the preload's object: every method records its call, some fail like the bridge does. */
function fakeBridge(calls: unknown[][]): BridgeApi {
  const record =
    <T>(name: string, value: T) =>
    async (...args: unknown[]): Promise<T> => {
      calls.push([name, ...args]);
      return value;
    };
  const fail = (error: unknown) => async () => {
    throw error;
  };
  return {
    status: record('status', { running: true } as never),
    listUsers: record('listUsers', []),
    createUser: record('createUser', { id: 1 } as never),
    deleteUser: fail(new Error("Error invoking remote method 'admin:deleteUser': Error: No such user")),
    listKeys: record('listKeys', []),
    createKey: record('createKey', {} as never),
    revokeKey: fail(new Error(`Error: ${JSON.stringify({ status: 404, code: 'not_found', message: 'No key 9' })}`)),
    setKeyLimits: record('setKeyLimits', {} as never),
    usage: record('usage', {} as never),
    requests: record('requests', []),
    getSettings: record('getSettings', {} as never),
    updateSettings: fail({ status: 400, code: 'invalid_setting', message: 'Port must be a number' }),
    testConnection: record('testConnection', {} as never),
    startProxy: record('startProxy', {} as never),
    stopProxy: record('stopProxy', {} as never),
    configureClaudeCode: record('configureClaudeCode', {} as never),
    undoClaudeCodeConfig: record('undoClaudeCodeConfig', {} as never),
    claudeCodeConfigState: record('claudeCodeConfigState', {} as never),
    canRevealKey: record('canRevealKey', true),
    copyKeyToClipboard: fail('plain string'),
  };
}

describe('IPC client', () => {
  test('calls pass their arguments through', async () => {
    const calls: unknown[][] = [];
    const { admin, desktop } = createIpcClient(fakeBridge(calls));
    await admin.listKeys({ user_id: 2 });
    await admin.setKeyLimits(3, { tokens_per_day: 5 });
    assert.equal(await desktop.canRevealKey(4), true);
    assert.deepEqual(calls, [
      ['listKeys', { user_id: 2 }],
      ['setKeyLimits', 3, { tokens_per_day: 5 }],
      ['canRevealKey', 4],
    ]);
  });

  test('every failure becomes an AdminError with what could be recovered', async () => {
    const { admin, desktop } = createIpcClient(fakeBridge([]));
    await assert.rejects(admin.deleteUser('x'), (e: unknown) => e instanceof AdminError && e.message === 'No such user' && e.code === 'ipc_error');
    await assert.rejects(admin.revokeKey(9), (e: unknown) => e instanceof AdminError && e.status === 404 && e.code === 'not_found' && e.message === 'No key 9');
    await assert.rejects(admin.updateSettings({}), (e: unknown) => e instanceof AdminError && e.status === 400 && e.code === 'invalid_setting');
    await assert.rejects(desktop.copyKeyToClipboard(1), (e: unknown) => e instanceof AdminError && e.message === 'plain string');
  });

  test('toAdminError reads the preload AdminError (JSON message) and keeps a plain one', () => {
    const body = { status: 409, code: 'conflict', message: 'taken' };
    const fromPreload = toAdminError(new AdminError({ ...body, message: JSON.stringify(body) }));
    assert.deepEqual([fromPreload.status, fromPreload.code, fromPreload.message], [409, 'conflict', 'taken']);
    const error = new AdminError(body);
    assert.equal(toAdminError(error), error);
    assert.equal(toAdminError(new Error('Port {8000} busy')).message, 'Port {8000} busy');
    assert.equal(toAdminError(undefined).message, 'The desktop app did not answer.');
  });

  test('findBridge finds only a real bridge', () => {
    assert.equal(findBridge(undefined), undefined);
    assert.equal(findBridge({}), undefined);
    const bridge = fakeBridge([]);
    assert.equal(findBridge({ infiniproxy: bridge }), bridge);
  });
});
