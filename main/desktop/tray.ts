/**
 * The tray icon: rebuilds its whole menu from state (tray-menu.ts) whenever the proxy's status or the keys
 * change, and shows a notification when the proxy cannot start. It never throws: a failed action becomes a
 * notification, and the menu shows the proxy Stopped.
 */
import { Menu, nativeImage, Tray, type NativeImage } from 'electron';
import { join } from 'node:path';
import type { AdminApi } from '../../shared/admin-api';
import type { ServerStatus } from '../../shared/types';
import type { DesktopService } from './desktop-service';
import type { KeyVault } from './key-vault';
import { buildTrayMenu, clickOpensWindow, statusNotice, trayIconFor, trayKeysFrom, type TrayKey } from './tray-menu';
import { syncVault } from './vaulted-admin';

export interface TrayDeps {
  /** Current status and its changes (ProxyRuntime). */
  proxy: { status(): ServerStatus; onStatus(listener: (status: ServerStatus) => void): () => void };
  admin: Pick<AdminApi, 'listKeys'>;
  vault: Pick<KeyVault, 'canReveal' | 'retain'>;
  desktop: DesktopService;
  /** Folder of the tray images (running/stopped/error, with @2x and macOS Template variants). */
  iconDir: string;
  openWindow(): void;
  quit(): void;
  notify(title: string, body: string): void;
}

/** Keys revoked from the web admin reach the menu at the latest after this long. */
const KEY_REFRESH_MS = 30_000;

/** The running tray; `refresh()` after key changes made outside it. */
export class AppTray {
  readonly #deps: TrayDeps;
  readonly #tray: Tray;
  #status: ServerStatus;
  #keys: TrayKey[] = [];
  #busy = false;
  readonly #stopListening: () => void;
  readonly #timer: NodeJS.Timeout;

  constructor(deps: TrayDeps) {
    this.#deps = deps;
    this.#status = deps.proxy.status();
    this.#tray = new Tray(this.#image());
    if (clickOpensWindow()) this.#tray.on('click', () => deps.openWindow());
    this.#stopListening = deps.proxy.onStatus((status) => this.#onStatus(status));
    this.#timer = setInterval(() => this.refresh(), KEY_REFRESH_MS);
    this.#timer.unref();
    this.#render();
    this.refresh();
  }

  /** Reloads the keys (dropping vault entries of keys revoked elsewhere) and rebuilds the menu. */
  refresh(): void {
    const { admin, vault } = this.#deps;
    void (async () => {
      try {
        await syncVault(admin, vault);
        this.#keys = trayKeysFrom(await admin.listKeys(), (id) => vault.canReveal(id));
      } catch (error) {
        console.error('Could not list keys for the tray', error);
      }
      this.#render();
    })();
  }

  destroy(): void {
    clearInterval(this.#timer);
    this.#stopListening();
    this.#tray.destroy();
  }

  #onStatus(status: ServerStatus): void {
    const notice = statusNotice(this.#status, status);
    this.#status = status;
    if (notice) this.#deps.notify(notice.title, notice.body);
    this.#render();
  }

  #render(): void {
    if (this.#tray.isDestroyed()) return;
    const state = { status: this.#status, keys: this.#keys, busy: this.#busy };
    const { tooltip } = trayIconFor(this.#status);
    this.#tray.setImage(this.#image());
    this.#tray.setToolTip(tooltip);
    this.#tray.setContextMenu(Menu.buildFromTemplate(buildTrayMenu(state, this.#actions)));
  }

  #image(): NativeImage {
    const image = nativeImage.createFromPath(join(this.#deps.iconDir, trayIconFor(this.#status).file));
    if (process.platform === 'darwin') image.setTemplateImage(true);
    return image;
  }

  readonly #actions = {
    startProxy: () => this.#run(() => this.#deps.desktop.startProxy()),
    stopProxy: () => this.#run(() => this.#deps.desktop.stopProxy()),
    copyKey: (id: number) => this.#copy(() => this.#deps.desktop.copyKeyToClipboard(id), 'API key copied'),
    copyClaudeSetup: (id: number) =>
      this.#copy(() => this.#deps.desktop.copyClaudeSetup(id), 'Claude Code setup copied'),
    openWindow: () => this.#deps.openWindow(),
    quit: () => this.#deps.quit(),
  };

  /** Starts or stops the proxy with both items disabled meanwhile; the status listener shows the outcome. */
  #run(work: () => Promise<ServerStatus>): void {
    // An explicit retry that fails the same way deserves the notice again.
    this.#status = { ...this.#status, error: null };
    this.#busy = true;
    this.#render();
    void work()
      .then((status) => this.#onStatus(status))
      .catch((error: unknown) => this.#deps.notify('InfiniProxy', describe(error)))
      .finally(() => {
        this.#busy = false;
        this.#render();
      });
  }

  #copy(work: () => Promise<void>, done: string): void {
    void work().then(
      () => this.#deps.notify(done, 'Paste it where you need it; treat it like a password.'),
      (error: unknown) => {
        this.#deps.notify('Could not copy', describe(error));
        this.refresh();
      },
    );
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
