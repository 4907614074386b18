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
import { applyAppIdentity } from './desktop/app-identity';
import { claudeConfigDir } from './desktop/claude-settings';
import { createDesktopService } from './desktop/desktop-service';
import { desktopEnvironment } from './desktop/desktop-environment';
import { createIpcHandlers } from './desktop/ipc-handlers';
import { setupIpc } from './desktop/ipc';
import { KeyVault } from './desktop/key-vault';
import { hiddenWindowNotice, showWindowAtLaunch, trayMayBeInvisible } from './desktop/launch-window';
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

// No heap cap here, unlike `npm run serve`'s --max-old-space-size=1024: the proxy runs in this (main) process,
// whose V8 heap is configured before this file runs. `js-flags` appended here reaches renderers only, Electron
// refuses heap flags in a packaged app's NODE_OPTIONS, and v8.setFlagsFromString('--max-old-space-size') leaves
// a running heap's limit as it is (measured). What clients can make the proxy hold is bounded by its own limits.

// Windows ties notifications to the installer's shortcut through this id.
applyAppIdentity(app);

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
  // Settings come from the Settings tab: the environment's settings variables are dropped, and `.env` is read from
  // the app's own folder, not the (arbitrary) working directory (desktop-environment.ts). INFINIPROXY_DATA_DIR
  // still applies, else the data lives in the app's own folder.
  const ownFolder = app.getPath('userData');
  const proxy = await ProxyRuntime.open({
    fallbackDataDir: ownFolder,
    distDir: paths.renderer,
    env: desktopEnvironment(process.env),
    cwd: ownFolder,
  });
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
  // GNOME may show no tray icon: the window then opens at every launch, and its first close says where it went.
  const trayInvisible = trayMayBeInvisible(process.platform, process.env);
  let hideNotice = hiddenWindowNotice(trayInvisible);
  mainWindow = createMainWindow({
    preload: paths.preload,
    indexHtml: paths.indexHtml,
    show: showWindowAtLaunch({ launchedHidden: launchedHidden(app), trayMayBeInvisible: trayInvisible }),
    isQuitting: () => quitting,
    onVisibilityChange: (visible) => {
      if (visible) void app.dock?.show();
      else app.dock?.hide();
      if (!visible && hideNotice && !quitting) {
        notify(hideNotice.title, hideNotice.body);
        hideNotice = null;
      }
    },
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
