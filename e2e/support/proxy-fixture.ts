/**
 * The e2e world: a scripted OpenAI backend and a real proxy (ProxyRuntime) on loopback with a temp data
 * dir, started once per worker and closed after. Tests get `world` (URLs, the admin token, the backend's
 * recorded requests) and `admin` (the page object of the web admin).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test as base, expect } from '@playwright/test';
import { ProxyRuntime } from '../../main/app/runtime';
import { startScriptedBackend } from '../../test/support/scripted-backend';
import type { ScriptedBackend } from '../../test/support/scripted-backend';
import { AdminApp } from '../pages/admin-app';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const distDir = join(repoRoot, 'dist', 'renderer');
export const artifactsDir = join(repoRoot, 'e2e', 'artifacts');

export interface ProxyWorld {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The web admin: `<url>/admin/`. */
  adminUrl: string;
  adminToken: string;
  backend: ScriptedBackend;
  runtime: ProxyRuntime;
}

export const ADMIN_TOKEN = 'e2e-admin-token-0123456789';

/**
 * The world (proxy, backend, data dir) is one per worker, shared by a spec file's serial tests, which build on each
 * other's state. A spec that must not see another's state sets its own `worldName` (`test.use({ worldName })`):
 * a different value is a different worker, so it gets a world of its own.
 */
export const test = base.extend<{ admin: AdminApp }, { world: ProxyWorld; worldName: string }>({
  worldName: ['web-admin', { scope: 'worker', option: true }],
  world: [
    async ({ worldName: _name }, use) => {
      if (!existsSync(join(distDir, 'index.html'))) {
        throw new Error(`The web admin is not built (${distDir}). Run \`npx vite build\` first.`);
      }
      const dataDir = await mkdtemp(join(tmpdir(), 'infiniproxy-e2e-'));
      const backend = await startScriptedBackend({ apiKey: 'bk-e2e', models: ['scripted-model', 'scripted-model-large'] });
      const runtime = await ProxyRuntime.open({
        dataDir,
        cwd: dataDir,
        distDir,
        flags: { host: '127.0.0.1', port: 0 },
        env: { OPENAI_BASE_URL: backend.url, OPENAI_API_KEY: backend.apiKey, ADMIN_TOKEN },
        log: () => undefined,
      });
      try {
        // A default model saved earlier (not from the environment, so the Settings tab can change it).
        await runtime.admin.updateSettings({ default_model: 'scripted-model' });
        const status = await runtime.start();
        if (!status.running || !status.url) throw new Error(`The proxy did not start: ${status.error ?? 'no URL'}`);
        await use({ url: status.url, adminUrl: `${status.url}/admin/`, adminToken: ADMIN_TOKEN, backend, runtime });
      } finally {
        await runtime.close();
        await backend.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    { scope: 'worker' },
  ],
  admin: async ({ page, world }, use) => {
    await use(new AdminApp(page, world.adminUrl, artifactsDir));
  },
});

export { expect };
