/**
 * Who the app is to the OS. On Windows the AppUserModelID ties the running process to the Start menu shortcut
 * the installer made; when the two differ, Windows drops the app's notifications (the tray's only feedback).
 * The installer's id is electron-builder.yml's `appId`; test/desktop/app-identity.test.ts keeps them equal.
 */
import type { App } from 'electron';

/** electron-builder.yml's `appId`. */
export const APP_ID = 'dev.infiniproxy.app';

/** Sets the AppUserModelID on Windows (the method exists there only). */
export function applyAppIdentity(app: Pick<App, 'setAppUserModelId'>, platform: NodeJS.Platform = process.platform): void {
  if (platform === 'win32') app.setAppUserModelId(APP_ID);
}
