/**
 * The web admin's issue-14 parts, driven like a person: Claude Code sessions in Requests (filter by a session, its
 * token total) and the web search service in Settings (saved, its key never shown back).
 */
import Anthropic from '@anthropic-ai/sdk';
import { ADMIN_TOKEN, expect, test } from './support/proxy-fixture';

test.describe.configure({ mode: 'serial' });
test.use({ worldName: 'web-admin-sessions' }); // its own proxy: web-admin.spec.ts starts from an empty one

const SESSION = '4f0c6a1e-1111-4222-8333-944455556666';

test('Requests: a session tag shows only that session, with its token total', async ({ admin, world }) => {
  const user = await world.runtime.admin.createUser({ username: 'grace' });
  const key = await world.runtime.admin.createKey({ user_id: user.id, name: 'session-key' });
  const ask = async (session: string, prompt: number, completion: number): Promise<void> => {
    world.backend.reply({ text: 'ok', usage: { prompt_tokens: prompt, completion_tokens: completion } });
    const client = new Anthropic({ baseURL: world.url, apiKey: key.api_key, maxRetries: 0, defaultHeaders: { 'x-claude-code-session-id': session } });
    await client.messages.create({ model: 'claude-x', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] });
  };
  await ask(SESSION, 100, 10);
  await ask('other-session-id', 5000, 500);
  await ask(SESSION, 200, 20);

  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('Requests');
  await admin.requests.panel.getByRole('button', { name: 'session 4f0c6a1e' }).first().click();
  await expect(admin.requests.panel.getByText(`Session ${SESSION}: 2 requests, 330 tokens`)).toBeVisible();
  await expect(admin.requests.rows('session-key')).toHaveCount(2);
  await admin.requests.panel.getByRole('button', { name: 'Show all sessions' }).click();
  await expect(admin.requests.rows('session-key')).toHaveCount(3);
});

test('Settings: a web search service is saved and its key shown only as a hint', async ({ admin, world }) => {
  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('Settings');
  await admin.settings.field('Search service').selectOption('brave');
  await admin.settings.field('Search API key').fill('BSA-e2e-secret-987654');
  await admin.settings.save();
  await expect(admin.settings.savedMessage).toBeVisible();
  expect(world.runtime.settings().web_search).toEqual({ provider: 'brave', base_url: 'https://api.search.brave.com', api_key: 'BSA-e2e-secret-987654' });
  await expect(admin.settings.field('Search API key')).toHaveValue('');
  await expect(admin.page.getByText('BSA-e2e-secret-987654')).toHaveCount(0);
  await admin.settings.field('Search service').selectOption('');
  await admin.settings.save();
  await expect(admin.settings.savedMessage).toBeVisible();
  expect(world.runtime.settings().web_search).toBeNull();
});
