/**
 * The app's one window: sandboxed, isolated, no Node, no webview; it shows the built renderer
 * (dist/renderer/index.html, whose CSP meta tag locks it down). Closing it hides it: the app lives in the tray.
 */
import { BrowserWindow } from 'electron';

export interface MainWindowOptions {
  /** The bundled preload (dist-electron/preload.cjs). */
  preload: string;
  /** The renderer's index.html. */
  indexHtml: string;
  /** Show as soon as it is ready (false when launched hidden at login). */
  show: boolean;
  /** True once the app is quitting: then close really closes. */
  isQuitting(): boolean;
  /** Called when the window is shown or hidden (macOS hides the Dock icon with it). */
  onVisibilityChange?(visible: boolean): void;
}

/** Creates the window and starts loading the renderer. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    title: 'InfiniProxy',
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webviewTag: false,
      spellcheck: false,
    },
  });

  win.once('ready-to-show', () => {
    if (options.show) win.show();
  });
  win.on('close', (event) => {
    if (options.isQuitting()) return;
    event.preventDefault();
    win.hide();
  });
  win.on('show', () => options.onVisibilityChange?.(true));
  win.on('hide', () => options.onVisibilityChange?.(false));

  void win.loadFile(options.indexHtml).catch((error: unknown) => {
    console.error('Could not load the window', error);
  });
  return win;
}

/** Brings the window to the front (restoring it when minimised). */
export function revealWindow(win: BrowserWindow): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
