/**
 * Launch at login (`start_at_login`): registered with the OS through Electron, starting hidden in the tray.
 * macOS and Windows only; on Linux Electron has no login items, so this does nothing there.
 */
import type { App } from 'electron';

/** The argument the login item passes, so the app starts in the tray without opening its window. */
export const HIDDEN_FLAG = '--hidden';

type LoginItemApp = Pick<App, 'setLoginItemSettings' | 'getLoginItemSettings'>;

/** Registers or removes the login item; never throws (a failure is logged, the app carries on). */
export function applyLoginItem(app: LoginItemApp, enabled: boolean, platform: NodeJS.Platform = process.platform): void {
  if (platform !== 'darwin' && platform !== 'win32') return;
  try {
    app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] });
  } catch (error) {
    console.error('Could not change the login item', error);
  }
}

/** Whether this launch should stay in the tray (started at login). */
export function launchedHidden(
  app: LoginItemApp,
  argv: readonly string[] = process.argv,
  platform: NodeJS.Platform = process.platform,
): boolean {
  if (argv.includes(HIDDEN_FLAG)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin;
}
