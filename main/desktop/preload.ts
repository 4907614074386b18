/**
 * The preload: puts `window.infiniproxy` (a BridgeApi) into the page with one named method per operation,
 * built from the channel lists, so it cannot drift from the handlers. No raw ipcRenderer, no generic send.
 * Each method invokes its channel and unwraps `{result}` or rethrows `{error}` as an AdminError.
 * Crossing the context bridge an Error keeps only its message (Electron copies errors that way), so that
 * message is the error body as JSON; the renderer's IPC client (renderer/api/ipc-client.ts) parses it back
 * into an AdminError with its status, code and human message.
 * Sandboxed preloads may only require('electron'): scripts/build-electron.mjs bundles this file as CJS.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { AdminError, adminChannel, type IpcOutcome } from '../../shared/admin-api';
import { desktopChannel, type BridgeApi } from '../../shared/desktop-api';
import { adminMethods, desktopMethods } from './channels';

async function invoke(channel: string, args: unknown[]): Promise<unknown> {
  const outcome = (await ipcRenderer.invoke(channel, ...args)) as IpcOutcome<unknown>;
  if ('error' in outcome) throw new AdminError({ ...outcome.error, message: JSON.stringify(outcome.error) });
  return outcome.result;
}

const entries = [
  ...adminMethods.map((method) => [method, adminChannel(method)] as const),
  ...desktopMethods.map((method) => [method, desktopChannel(method)] as const),
].map(([method, channel]) => [method, (...args: unknown[]) => invoke(channel, args)] as const);

// The entries cover exactly the BridgeApi methods (channels.ts checks the lists against the contracts).
const api = Object.freeze(Object.fromEntries(entries)) as unknown as BridgeApi;

contextBridge.exposeInMainWorld('infiniproxy', api);
