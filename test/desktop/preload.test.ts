/**
 * Builds the preload the way scripts/build-electron.mjs does (esbuild, CJS) and runs the bundle in a fresh
 * context with a stand-in for the `electron` module: what a sandboxed preload sees.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { adminMethods, desktopMethods } from '../../main/desktop/channels';
import { toAdminError } from '../../renderer/api/ipc-client';

interface Invocation {
  channel: string;
  args: unknown[];
}

async function loadPreload(reply: (call: Invocation) => unknown): Promise<{
  exposed: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>;
  invocations: Invocation[];
  required: string[];
}> {
  const bundle = await build({
    entryPoints: ['main/desktop/preload.ts'],
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'browser',
    external: ['electron'],
    logLevel: 'silent',
  });
  const code = bundle.outputFiles[0]?.text ?? '';
  const exposed: Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>> = {};
  const invocations: Invocation[] = [];
  const required: string[] = [];
  const electron = {
    contextBridge: {
      exposeInMainWorld(key: string, api: Record<string, (...args: unknown[]) => Promise<unknown>>) {
        exposed[key] = api;
      },
    },
    ipcRenderer: {
      async invoke(channel: string, ...args: unknown[]) {
        invocations.push({ channel, args });
        return reply({ channel, args });
      },
    },
  };
  const require = (name: string): unknown => {
    required.push(name);
    if (name === 'electron') return electron;
    throw new Error(`a sandboxed preload cannot require ${name}`);
  };
  const module = { exports: {} };
  runInNewContext(code, { require, module, exports: module.exports, Error, Promise, Object });
  return { exposed, invocations, required };
}

describe('preload', () => {
  test('exposes window.infiniproxy with one method per admin and desktop operation, and nothing else', async () => {
    const { exposed, required } = await loadPreload(() => ({ result: null }));
    const api = exposed.infiniproxy;
    assert.ok(api);
    assert.deepEqual(Object.keys(exposed), ['infiniproxy']);
    assert.deepEqual(Object.keys(api).sort(), [...adminMethods, ...desktopMethods].sort());
    assert.ok(!('invoke' in api) && !('send' in api) && !('ipcRenderer' in api));
    assert.deepEqual([...new Set(required)], ['electron']);
  });

  test('each method invokes its own channel with its arguments and unwraps {result}', async () => {
    const { exposed, invocations } = await loadPreload(({ channel, args }) => ({ result: { channel, args } }));
    const api = exposed.infiniproxy!;
    assert.deepEqual(await api.createKey!({ user_id: 1, name: 'x' }), { channel: 'admin:createKey', args: [{ user_id: 1, name: 'x' }] });
    assert.deepEqual(await api.setKeyLimits!(3, { tokens_per_day: 1 }), { channel: 'admin:setKeyLimits', args: [3, { tokens_per_day: 1 }] });
    await api.copyKeyToClipboard!(5);
    assert.deepEqual(invocations.at(-1), { channel: 'desktop:copyKeyToClipboard', args: [5] });
  });

  test('{error} is rethrown as an AdminError whose message survives the bridge as the whole body', async () => {
    const body = { status: 409, code: 'key_revoked', message: 'Key "x" is revoked.' };
    const { exposed } = await loadPreload(() => ({ error: body }));
    await assert.rejects(exposed.infiniproxy!.copyKeyToClipboard!(1), (error: unknown) => {
      assert.ok(error instanceof Error);
      const e = error as Error & { status?: number; code?: string };
      assert.equal(e.name, 'AdminError');
      assert.equal(e.status, 409);
      assert.equal(e.code, 'key_revoked');
      // The context bridge keeps only `message`: what the renderer gets back must still be the whole body.
      const rebuilt = toAdminError(new Error(e.message));
      assert.deepEqual({ status: rebuilt.status, code: rebuilt.code, message: rebuilt.message }, body);
      return true;
    });
  });
});
