/**
 * Registers the IPC handler table with Electron. One wrapper for every channel: a call from anything but
 * the top frame of our own window showing the app's page gets a 403 `{error}` and never reaches a handler.
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import type { IpcOutcome } from '../../shared/admin-api';
import { ipcChannels } from './channels';
import type { IpcHandler, IpcHandlers } from './ipc-handlers';

/** Decides whether an IPC call comes from one of our windows. */
export type SenderCheck = (event: IpcMainInvokeEvent) => boolean;

const forbidden: IpcOutcome<never> = {
  error: { status: 403, code: 'forbidden', message: 'This page may not call InfiniProxy.' },
};

/** Registers every channel; returns a function that removes them again. */
export function setupIpc(handlers: IpcHandlers, isTrusted: SenderCheck): () => void {
  const table: Record<string, IpcHandler<unknown>> = handlers;
  for (const channel of ipcChannels) {
    const handler = table[channel];
    if (!handler) throw new Error(`No IPC handler for ${channel}`);
    ipcMain.removeHandler(channel);
    ipcMain.handle(channel, (event, ...args: unknown[]) => (isTrusted(event) ? handler(...args) : forbidden));
  }
  return () => ipcChannels.forEach((channel) => ipcMain.removeHandler(channel));
}
