/**
 * Interactive Claude Code (not `-p`) set up the ways we tell users to: from the settings.json our "Configure Claude
 * Code" writes, from the README's exports, and from the tray/Status snippet. Each must start at the prompt — no
 * "Detected a custom API key … Do you want to use this API key?" question, whose default answer (No) leaves Claude
 * Code logged out for good — and answer through the proxy. The last test shows the question is real: it is what
 * ANTHROPIC_API_KEY (our old advice) brings up. Runs under tmux; skipped without the CLI or tmux.
 */
import { expect, test as base } from '@playwright/test';
import { join } from 'node:path';
import { claudeSetupSnippet, configureClaudeSettings } from '../main/desktop/claude-settings';
import { startProxyHarness } from '../test/support/proxy-harness';
import type { ProxyHarness } from '../test/support/proxy-harness';
import { claudeCodeBinary, CLAUDE_CODE_MISSING } from './support/claude-code';
import { hasTmux, interactiveClaude } from './support/claude-code-tmux';
import type { InteractiveClaude } from './support/claude-code-tmux';
import { readQuickStart } from './support/readme-quick-start';

const bin = claudeCodeBinary();
const API_KEY_QUESTION = /Detected a custom API key|Do you want to use this API key/;
const PROMPT = /❯/;
const ANSWER = 'Pong from the scripted backend';

const test = base.extend<{ harness: ProxyHarness; claude: InteractiveClaude }>({
  harness: async ({}, use) => {
    const h = await startProxyHarness();
    h.backend.setDefaultReply({ text: ANSWER });
    try {
      await use(h);
    } finally {
      await h.close();
    }
  },
  claude: async ({}, use, testInfo) => {
    const claude = interactiveClaude(bin ?? '');
    try {
      await use(claude);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) await testInfo.attach('screen.txt', { body: safeScreen(claude), contentType: 'text/plain' });
      claude.close();
    }
  },
});

function safeScreen(claude: InteractiveClaude): string {
  try {
    return claude.screen();
  } catch {
    return '(no screen)';
  }
}

/** Claude Code is at its prompt without asking about the key, and a prompt typed there is answered by the backend. */
async function expectWorking(claude: InteractiveClaude, h: ProxyHarness): Promise<void> {
  const first = await claude.waitFor(new RegExp(`${API_KEY_QUESTION.source}|${PROMPT.source}`));
  expect(first).not.toMatch(API_KEY_QUESTION);
  await new Promise((r) => setTimeout(r, 1000)); // a question would come up within this time too
  expect(claude.screen()).not.toMatch(API_KEY_QUESTION);
  claude.type('say pong');
  await claude.waitFor(new RegExp(ANSWER));
  expect(h.backend.chatRequests.length).toBeGreaterThan(0);
}

test.describe('interactive Claude Code as users set it up', () => {
  test.skip(!bin, CLAUDE_CODE_MISSING);
  test.skip(!hasTmux(), 'tmux is not installed (apt-get install tmux)');
  test.describe.configure({ timeout: 60_000 });

  test('from the settings.json "Configure Claude Code" writes (an ANTHROPIC_API_KEY there is set aside)', async ({ harness, claude }) => {
    const configDir = join(claude.home, '.claude');
    await configureClaudeSettings(configDir, { ANTHROPIC_BASE_URL: 'http://old.invalid', ANTHROPIC_AUTH_TOKEN: 'old' });
    const { writeFileSync, readFileSync } = await import('node:fs');
    const settingsPath = join(configDir, 'settings.json');
    const before = JSON.parse(readFileSync(settingsPath, 'utf8')) as { env: Record<string, string> };
    writeFileSync(settingsPath, JSON.stringify({ env: { ...before.env, ANTHROPIC_API_KEY: 'sk-ant-a-key-the-user-had' } }));
    await configureClaudeSettings(configDir, { ANTHROPIC_BASE_URL: harness.url, ANTHROPIC_AUTH_TOKEN: harness.apiKey });
    claude.start({});
    await expectWorking(claude, harness);
  });

  test("from the README's exports", async ({ harness, claude }) => {
    const { exports } = readQuickStart(join(import.meta.dirname, '..'));
    expect(Object.keys(exports).sort()).toEqual(['ANTHROPIC_AUTH_TOKEN', 'ANTHROPIC_BASE_URL']);
    claude.start({ env: { ...exports, ANTHROPIC_BASE_URL: harness.url, ANTHROPIC_AUTH_TOKEN: harness.apiKey } });
    await expectWorking(claude, harness);
  });

  test('from the snippet the tray and the Status tab copy, run by a shell', async ({ harness, claude }) => {
    const snippet = claudeSetupSnippet({ ANTHROPIC_BASE_URL: harness.url, ANTHROPIC_AUTH_TOKEN: harness.apiKey }, 'linux');
    claude.start({ shell: snippet.replace(/\n/g, '; ') });
    await expectWorking(claude, harness);
  });

  test('ANTHROPIC_API_KEY instead brings up the question (why we never use it)', async ({ harness, claude }) => {
    claude.start({ env: { ANTHROPIC_BASE_URL: harness.url, ANTHROPIC_API_KEY: harness.apiKey } });
    await claude.waitFor(API_KEY_QUESTION);
  });
});
