/**
 * The desktop entry (bundled to dist-electron/index.cjs). A thin shell over the plain-Node core: one
 * instance, the ProxyRuntime on the user's data dir, then setupX() of each desktop module in order.
 * Closing the window keeps the app in the tray; Quit closes the runtime (flushing the store) and exits.
 */
import { app, clipboard, dialog, Notification, safeStorage } from 'electron';
import type { BrowserWindow, Event, IpcMainInvokeEvent } from 'electron';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ProxyRuntime } from './app/runtime';
import { claudeConfigDir } from './desktop/claude-settings';
import { createDesktopService } from './desktop/desktop-service';
import { createIpcHandlers } from './desktop/ipc-handlers';
import { setupIpc } from './desktop/ipc';
import { KeyVault } from './desktop/key-vault';
import { applyLoginItem, launchedHidden } from './desktop/login-item';
import { isTrustedSender } from './desktop/navigation-policy';
import { safeStorageEncryptor } from './desktop/safe-storage';
import { setupSecurity } from './desktop/security';
import { AppTray } from './desktop/tray';
import { vaultedAdmin } from './desktop/vaulted-admin';
import { createMainWindow, revealWindow } from './desktop/window';

const root = app.getAppPath();
const paths = {
  preload: join(root, 'dist-electron', 'preload.cjs'),
  renderer: join(root, 'dist', 'renderer'),
  indexHtml: join(root, 'dist', 'renderer', 'index.html'),
  trayIcons: join(root, 'dist-electron', 'tray'),
};
const appUrl = pathToFileURL(paths.indexHtml).href;

let runtime: ProxyRuntime | undefined;
let mainWindow: BrowserWindow | undefined;
let quitting = false;
let closing: Promise<void> | undefined;

// The same heap cap as `npm run serve`: V8 keeps less headroom, so the tray app stays small.
app.commandLine.appendSwitch('js-flags', '--max-old-space-size=1024');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());
  app.on('window-all-closed', () => {
    // Stay in the tray.
  });
  app.on('before-quit', onBeforeQuit);
  app.whenReady().then(onReady).catch(fatal);
}

async function onReady(): Promise<void> {
  // INFINIPROXY_DATA_DIR (environment, then .env), resolved as for the headless server, else the app's own folder.
  const proxy = await ProxyRuntime.open({ fallbackDataDir: app.getPath('userData'), distDir: paths.renderer });
  runtime = proxy;
  const vault = await KeyVault.open(join(proxy.dataDir, 'key-vault.json'), safeStorageEncryptor(safeStorage));

  let tray: AppTray | undefined;
  const admin = vaultedAdmin(proxy.admin, vault, {
    onKeysChanged: () => tray?.refresh(),
    onSettingsChanged: (settings) => applyLoginItem(app, settings.start_at_login),
    onVaultError: (error) => console.error('Could not keep the key in the vault', error),
  });
  const desktop = createDesktopService({
    admin,
    proxy,
    vault,
    clipboard,
    // Where Claude Code itself reads its settings: CLAUDE_CONFIG_DIR when set, else ~/.claude.
    claudeConfigDir: claudeConfigDir(homedir(), process.env),
  });

  setupSecurity(appUrl);
  setupIpc(createIpcHandlers({ admin, desktop }), fromOurWindow);
  tray = new AppTray({
    proxy,
    admin,
    vault,
    desktop,
    iconDir: paths.trayIcons,
    openWindow: showWindow,
    quit: () => app.quit(),
    notify,
  });
  mainWindow = createMainWindow({
    preload: paths.preload,
    indexHtml: paths.indexHtml,
    show: !launchedHidden(app),
    isQuitting: () => quitting,
    onVisibilityChange: (visible) => (visible ? void app.dock?.show() : app.dock?.hide()),
  });

  const settings = proxy.settings();
  applyLoginItem(app, settings.start_at_login);
  if (settings.start_on_launch) await desktop.startProxy();
}

function showWindow(): void {
  if (mainWindow) revealWindow(mainWindow);
}

/** IPC calls are answered only for the top frame of our window showing the app's page. */
function fromOurWindow(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  const ownIds = mainWindow && !mainWindow.isDestroyed() ? [mainWindow.webContents.id] : [];
  return isTrustedSender(
    { webContentsId: event.sender.id, frameUrl: frame?.url, isMainFrame: frame !== null && frame.parent === null },
    ownIds,
    appUrl,
  );
}

function notify(title: string, body: string): void {
  if (Notification.isSupported()) new Notification({ title, body, silent: true }).show();
}

/** Quit waits for the runtime to stop the server and flush the store, then quits for real. */
function onBeforeQuit(event: Event): void {
  quitting = true;
  if (!runtime) return;
  event.preventDefault();
  closing ??= runtime
    .close()
    .catch((error: unknown) => console.error('Could not close cleanly', error))
    .finally(() => {
      runtime = undefined;
      app.quit();
    });
}

function fatal(error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  console.error('InfiniProxy could not start', error);
  dialog.showErrorBox('InfiniProxy could not start', message);
  app.exit(1);
}
