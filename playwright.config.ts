/**
 * Playwright runs the end-to-end specs under e2e/:
 * - web-admin: the admin UI in a Chromium-family browser ({@link browserPath}); the proxy and a scripted backend are started by a worker fixture
 *   (e2e/support/proxy-fixture.ts); the renderer must be built first (`npx vite build`, as `npm test` does);
 * - claude-code: the real Claude Code CLI (no browser) through the proxy to a scripted backend, with tool calls;
 *   skipped when the CLI is not installed (`.ci/run` installs it into ~/.cache/infiniproxy);
 * - electron: the desktop app, skipped without an Electron binary.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * The browser for the web-admin specs: `PLAYWRIGHT_CHROMIUM_PATH` when set, else the first installed of Chromium,
 * Chrome or Edge at their usual places on Linux (Debian's /usr/bin/chromium first), macOS and Windows; undefined lets
 * Playwright use its own (`npx playwright install chromium`).
 */
function browserPath(): string | undefined {
  const fromEnv = process.env.PLAYWRIGHT_CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  const windowsRoots = [process.env.PROGRAMFILES, process.env['PROGRAMFILES(X86)'], process.env.LOCALAPPDATA];
  const candidates: Partial<Record<NodeJS.Platform, string[]>> = {
    linux: [
      '/usr/bin/chromium',
      '/usr/bin/chromium-browser',
      '/usr/bin/google-chrome',
      '/usr/bin/google-chrome-stable',
    ],
    darwin: [
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
      '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
      '/Applications/Microsoft Edge.app/Contents/MacOS/Microsoft Edge',
    ],
    win32: windowsRoots
      .filter((dir): dir is string => Boolean(dir))
      .flatMap((dir) => [
        join(dir, 'Google', 'Chrome', 'Application', 'chrome.exe'),
        join(dir, 'Chromium', 'Application', 'chrome.exe'),
        join(dir, 'Microsoft', 'Edge', 'Application', 'msedge.exe'),
      ]),
  };
  return (candidates[process.platform] ?? []).find((path) => existsSync(path));
}

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  workers: 1,
  fullyParallel: false,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: {
    launchOptions: {
      executablePath: browserPath(),
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    locale: 'en-US',
    viewport: { width: 1280, height: 860 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
