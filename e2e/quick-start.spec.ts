/**
 * The README's quick start, followed literally by a new user with a fresh HOME (issue 11): the commands are read
 * from README.md (e2e/support/readme-quick-start.ts) and run with a shell in a copy of this checkout (its tracked
 * files, node_modules linked), so `.env` is made from `.env.example` as the README says without touching the
 * developer's own. `npm install` is the one command not run (there is no registry in the test; node_modules is the
 * checkout's). The backend is the scripted one, filled into `.env`; PROXY_PORT=0 in `.env` picks a free port, read
 * from the server's banner. Then the key is used with the official Anthropic SDK, as the README's Claude Code block
 * exports it, and the web admin is signed into in Chromium with the token the README's command prints.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { expect, test } from '@playwright/test';
import { startScriptedBackend } from '../test/support/scripted-backend';
import { startServe } from '../test/support/cli';
import type { ServeProcess } from '../test/support/cli';
import { AdminApp } from './pages/admin-app';
import { artifactsDir, repoRoot } from './support/proxy-fixture';
import { readQuickStart } from './support/readme-quick-start';

const run = promisify(execFile);

/** A copy of the checkout as a clone has it: tracked (and new, unignored) files, the built web admin, node_modules linked. */
function copyCheckout(to: string): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = join(repoRoot, file);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(from, join(to, file));
  }
  // Copied last, so it is newer than its sources and `npm run serve` need not rebuild it.
  if (existsSync(join(repoRoot, 'dist', 'renderer'))) cpSync(join(repoRoot, 'dist', 'renderer'), join(to, 'dist', 'renderer'), { recursive: true });
  symlinkSync(join(repoRoot, 'node_modules'), join(to, 'node_modules'), 'dir');
}

/** `.env` with the backend filled in where `.env.example` leaves its lines commented out. */
function fillEnv(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [name, value] of Object.entries(values)) {
    const line = new RegExp(`^#?\\s*${name}=.*$`, 'm');
    out = line.test(out) ? out.replace(line, `${name}=${value}`) : `${out}\n${name}=${value}\n`;
  }
  return out;
}

test('the README quick start works as written, from a fresh HOME', async ({ page }) => {
  test.setTimeout(180_000);
  const quick = readQuickStart(repoRoot);
  const work = mkdtempSync(join(tmpdir(), 'infiniproxy-quickstart-'));
  const home = join(work, 'home');
  const checkout = join(work, 'infiniproxy');
  mkdirSync(home);
  copyCheckout(checkout);
  const backend = await startScriptedBackend({ apiKey: 'bk-quickstart-0123456789', models: ['scripted-model'] });
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, npm_config_update_notifier: 'false', npm_config_fund: 'false' };
  const sh = async (command: string): Promise<string> => {
    try {
      return (await run('sh', ['-c', command], { cwd: checkout, env, timeout: 60_000 })).stdout;
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      throw new Error(`\`${command}\` failed: ${e.message}\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
    }
  };

  let server: ServeProcess | undefined;
  const outputs: string[] = [];
  try {
    for (const command of quick.commands) {
      if (command === 'npm install') {
        expect(existsSync(join(checkout, 'node_modules', '.package-lock.json'))).toBe(true);
        continue;
      }
      if (/^npm run serve\b/.test(command)) {
        server = await startServe({ cwd: checkout, env, command: ['sh', '-c', command] });
        continue;
      }
      outputs.push(await sh(command));
      if (command.startsWith('cp .env.example .env')) {
        const dotenv = join(checkout, '.env');
        writeFileSync(
          dotenv,
          fillEnv(readFileSync(dotenv, 'utf8'), {
            OPENAI_BASE_URL: backend.url,
            OPENAI_API_KEY: backend.apiKey,
            OPENAI_MODEL: 'scripted-model',
            PROXY_PORT: '0',
          }),
        );
      }
    }
    expect(server, 'the quick start runs `npm run serve`').toBeDefined();
    const url = server!.url;
    expect(existsSync(join(home, '.config', 'InfiniProxy', 'infiniproxy.json')), 'the default data dir under the fresh HOME').toBe(true);

    const apiKey = /sk-ip-[A-Za-z0-9_-]+/.exec(outputs.join('\n'))?.[0];
    expect(apiKey, 'the quick start printed a key').toBeTruthy();

    // The key as the README's Claude Code block exports it, through the official SDK.
    const exported = quick.exports;
    expect(exported.ANTHROPIC_BASE_URL).toBeTruthy();
    const asAuthToken = 'ANTHROPIC_AUTH_TOKEN' in exported;
    expect(asAuthToken || 'ANTHROPIC_API_KEY' in exported).toBe(true);
    const client = new Anthropic({ baseURL: url, apiKey: asAuthToken ? null : apiKey!, authToken: asAuthToken ? apiKey! : null });
    backend.reply({ text: 'Quick start works.' });
    const message = await client.messages.create({ model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user', content: 'Hello' }] });
    expect(message.content).toEqual([{ type: 'text', text: 'Quick start works.' }]);
    expect(backend.requests.at(-1)?.body.model).toBe('scripted-model');

    // The web admin, signed into with the token the README's command prints.
    const token = (await sh(quick.adminTokenCommand)).trim().split('\n').at(-1)!.trim();
    expect(token).toMatch(/^ipa-/);
    const admin = new AdminApp(page, `${url}/admin/`, artifactsDir);
    await admin.signIn(token);
    await admin.tab('Users').click();
    await expect(page.getByRole('tabpanel').getByText('alice', { exact: true })).toBeVisible();
  } finally {
    await server?.stop();
    await backend.close();
    rmSync(work, { recursive: true, force: true });
  }
});
