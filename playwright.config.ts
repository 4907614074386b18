/**
 * Playwright runs the end-to-end specs under e2e/:
 * - web-admin: the admin UI in Debian's Chromium; the proxy and a scripted backend are started by a worker fixture
 *   (e2e/support/proxy-fixture.ts); the renderer must be built first (`npx vite build`, as `npm test` does);
 * - claude-code: the real Claude Code CLI (no browser) through the proxy to a scripted backend, with tool calls;
 *   skipped when the CLI is not installed (`.ci/run` installs it into ~/.cache/infiniproxy);
 * - electron: the desktop app, skipped without an Electron binary.
 */
import { defineConfig } from '@playwright/test';

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
      executablePath: '/usr/bin/chromium',
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
