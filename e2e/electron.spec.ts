/**
 * The desktop app for real: launches Electron on the built app (`npm run build` first: dist-electron and
 * dist/renderer) with a temp data dir and HOME. Runs only where Electron's binary is installed (the
 * `electron` package resolves to an existing executable); elsewhere it is skipped, and
 * test/desktop/main-bundle.test.ts covers the same wiring against a stand-in Electron.
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BridgeApi } from '../shared/desktop-api';
import { ProxyRuntime } from '../main/app/runtime';

const repo = resolve(import.meta.dirname, '..');

/** The page's globals this spec touches (the e2e project compiles without the DOM library). */
type PageGlobals = { infiniproxy: BridgeApi; require?: unknown; process?: unknown; location: { href: string } };


/** The Electron executable, when one is installed (the package throws or names a missing file otherwise). */
function electronBinary(): string | undefined {
  try {
    const path: unknown = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
const built = existsSync(join(repo, 'dist-electron', 'index.cjs')) && existsSync(join(repo, 'dist', 'renderer', 'index.html'));

test.describe('desktop app', () => {
  test.skip(!binary, 'No Electron binary installed here (node_modules/electron has no dist/): the desktop e2e needs one.');
  test.skip(!built, 'The app is not built: run `npm run build` first.');

  let app: ElectronApplication;
  let page: Page;
  let work: string;

  test.beforeEach(async () => {
    work = mkdtempSync(join(tmpdir(), 'ip-electron-'));
    // Any free port, saved as a user would (the desktop app takes no PROXY_PORT from its environment).
    const seed = await ProxyRuntime.open({ dataDir: join(work, 'data'), env: {}, cwd: work });
    await seed.admin.updateSettings({ port: 0 });
    await seed.close();
    app = await electron.launch({
      executablePath: binary,
      args: [repo],
      cwd: work,
      env: { ...process.env, HOME: work, INFINIPROXY_DATA_DIR: join(work, 'data') } as Record<string, string>,
    });
    page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
  });

  test.afterEach(async () => {
    await app.close().catch(() => {});
    rmSync(work, { recursive: true, force: true });
  });

  test('shows the admin UI over the bridge, with no Node in the page', async () => {
    await expect(page.getByRole('tablist', { name: 'Sections' })).toBeVisible();
    const exposed = await page.evaluate(() => {
      const page = globalThis as unknown as PageGlobals;
      return { methods: Object.keys(page.infiniproxy).sort(), require: typeof page.require, process: typeof page.process };
    });
    expect(exposed.methods).toContain('createKey');
    expect(exposed.methods).toContain('copyKeyToClipboard');
    expect(exposed.methods).not.toContain('invoke');
    expect(exposed.require).toBe('undefined');
    expect(exposed.process).toBe('undefined');
  });

  test('creates a key through IPC and errors come back with their code', async () => {
    const outcome = await page.evaluate(async () => {
      const api = (globalThis as unknown as PageGlobals).infiniproxy;
      const user = await api.createUser({ username: 'e2e' });
      const key = await api.createKey({ user_id: user.id, name: 'e2e' });
      const failure = await api.revokeKey(999_999).then(
        () => null,
        (error: Error) => error.message,
      );
      return { prefix: key.api_key.slice(0, 6), failure, revealable: await api.canRevealKey(key.id) };
    });
    expect(outcome.prefix).toBe('sk-ip-');
    expect(JSON.parse(outcome.failure ?? '{}')).toMatchObject({ status: 404 });
    const encryption = await app.evaluate(({ safeStorage }) =>
      safeStorage.isEncryptionAvailable() && safeStorage.getSelectedStorageBackend() !== 'basic_text',
    );
    expect(outcome.revealable).toBe(process.platform === 'linux' ? encryption : true);
  });

  test('stays on its page and in the tray when the window closes', async () => {
    const before = page.url();
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.href = 'https://example.com/';
    });
    await page.waitForTimeout(200);
    expect(page.url()).toBe(before);

    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
    const state = await app.evaluate(({ BrowserWindow }) =>
      BrowserWindow.getAllWindows().map((w) => ({ visible: w.isVisible(), destroyed: w.isDestroyed() })),
    );
    expect(state).toEqual([{ visible: false, destroyed: false }]);
  });
});
