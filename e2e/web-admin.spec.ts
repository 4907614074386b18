/**
 * The web admin, driven like a person: sign in, create a user and a key, use the key with the OpenAI SDK
 * against the world, find the request in Requests and its tokens in Usage, change settings and see the
 * backend get them, add a provider from a preset and see it serve and its health, revoke the key and see the proxy
 * refuse it. Screenshots of each tab go to e2e/artifacts/.
 */
import OpenAI from 'openai';
import { startScriptedBackend } from '../test/support/scripted-backend';
import { ADMIN_TOKEN, expect, test } from './support/proxy-fixture';

test.describe.configure({ mode: 'serial' });

const USER = 'ada';
const KEY = 'laptop';
/** Set when the key is created, used by the later steps. */
let secret = '';

const client = (baseURL: string, apiKey: string) => new OpenAI({ baseURL: `${baseURL}/v1`, apiKey, maxRetries: 0 });

test('the web admin asks for the admin token and refuses a wrong one', async ({ admin, page }) => {
  await admin.open();
  await expect(page).toHaveURL(/\/admin\/$/);
  await expect(admin.tokenField).toBeVisible();
  await admin.screenshot('sign-in');

  await admin.submitToken('not-the-token');
  await expect(page.getByRole('alert')).toHaveText('That admin token was not accepted. Check it and try again.');
  await expect(admin.tab('Status')).toHaveCount(0);

  await admin.submitToken(ADMIN_TOKEN);
  await expect(admin.tab('Status')).toHaveAttribute('aria-selected', 'true');
  // The token lasts for the browser tab's session: a reload stays signed in.
  await page.reload();
  await expect(admin.tab('Status')).toBeVisible();

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(admin.tokenField).toBeVisible();
  await page.reload();
  await expect(admin.tokenField).toBeVisible();
});

test('Status shows the running proxy and the Claude Code setup; tabs follow the arrow keys', async ({ admin, page, world }) => {
  await admin.signIn(ADMIN_TOKEN);
  await expect(admin.status.fact('State')).toHaveText('Running');
  await expect(admin.status.fact('URL')).toHaveText(world.url);
  await expect(admin.status.fact('Backend')).toHaveText(world.backend.url);
  await expect(admin.status.snippet).toHaveText(`export ANTHROPIC_BASE_URL=${world.url}\nexport ANTHROPIC_AUTH_TOKEN=YOUR_INFINIPROXY_API_KEY`);
  // The web admin has no desktop bridge: no start/stop buttons.
  await expect(page.getByRole('button', { name: /Start proxy|Stop proxy/ })).toHaveCount(0);
  await admin.screenshot('status');

  await admin.tab('Status').focus();
  await page.keyboard.press('ArrowRight');
  await expect(admin.tab('Users')).toBeFocused();
  await expect(admin.tab('Users')).toHaveAttribute('aria-selected', 'true');
  await expect(page).toHaveURL(/#\/users$/);
  await page.keyboard.press('End');
  await expect(admin.tab('Settings')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(admin.tab('Status')).toHaveAttribute('aria-selected', 'true');
});

test('a user is created and listed', async ({ admin, page }) => {
  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('Users');
  await expect(page.getByText('No users yet.')).toBeVisible();
  await admin.users.create(USER, 'ada@example.com');
  await expect(page.getByRole('status').filter({ hasText: `User ${USER} created.` })).toBeVisible();
  await expect(admin.users.row(USER)).toContainText('ada@example.com');

  // A duplicate is refused inline, not with a crash.
  await admin.users.create(USER);
  await expect(admin.users.panel.getByRole('alert')).toBeVisible();
  await expect(admin.users.table.getByRole('rowheader', { name: USER, exact: true })).toHaveCount(1);

  await admin.users.create('grace');
  await expect(admin.users.row('grace')).toBeVisible();
  await admin.screenshot('users');
});

test('a key is shown once, copies, and works against the proxy', async ({ admin, page, context, world }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('API Keys');
  await admin.keys.create(USER, KEY);

  await expect(admin.keys.newKeyDialog).toBeVisible();
  await expect(admin.keys.newKeyDialog).toContainText('only time it is shown');
  secret = (await admin.keys.newKeyText.textContent()) ?? '';
  expect(secret).toMatch(/^sk-ip-/);
  await admin.keys.newKeyDialog.getByRole('button', { name: 'Copy key' }).click();
  await expect(admin.keys.newKeyDialog.getByRole('status')).toHaveText('Copied');
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(secret);
  await admin.screenshot('api-key-created');
  await admin.keys.closeNewKeyDialog();
  await expect(admin.keys.newKeyDialog).toBeHidden();

  const row = admin.keys.row(KEY);
  await expect(row).toContainText(USER);
  await expect(row).toContainText(`${secret.slice(0, 12)}`.slice(0, 8));
  await expect(row).toContainText('Active');
  await expect(row).toContainText('never');
  await expect(page.getByText(secret)).toHaveCount(0);

  world.backend.reply({ text: 'Hello from the e2e backend.', usage: { prompt_tokens: 1234, completion_tokens: 567 } });
  const answer = await client(world.url, secret).chat.completions.create({
    model: 'scripted-model',
    messages: [{ role: 'user', content: 'Say hello' }],
  });
  expect(answer.choices[0]?.message.content).toBe('Hello from the e2e backend.');
  const received = world.backend.chatRequests.at(-1);
  expect(received?.body.model).toBe('scripted-model');
  expect(received?.headers.authorization).toBe(`Bearer ${world.backend.apiKey}`);

  await page.reload();
  await expect(admin.keys.row(KEY)).toContainText(/just now|min ago/);

  await admin.keys.setLimits(KEY, { 'Requests per minute': '120', 'Tokens per day': '500000' });
  await expect(admin.keys.row(KEY)).toContainText('120/min · 500k/day');
  await expect(admin.keys.row(KEY)).toContainText(/Left: 120\/min · [\d.]+k? today/);

  await admin.keys.create('grace', 'ci');
  await admin.keys.closeNewKeyDialog();
  await admin.keys.filterByUser('grace');
  await expect(page).toHaveURL(/#\/keys\?user=\d+$/);
  await expect(admin.keys.row('ci')).toBeVisible();
  await expect(admin.keys.row(KEY)).toHaveCount(0);
  await admin.keys.filterByUser('All users');
  await expect(admin.keys.row(KEY)).toBeVisible();
  await admin.screenshot('api-keys');
});

test('the request appears in Requests and its tokens in Usage', async ({ admin, world }) => {
  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('Requests');
  const first = admin.requests.rows(`${KEY} (${USER})`).first();
  await expect(first).toContainText('/v1/chat/completions');
  await expect(first).toContainText('scripted-model');
  await expect(first).toContainText('200');
  await expect(first).toContainText('1,234 / 567');
  await expect(first).not.toContainText('estimated');
  await expect(admin.requests.autoRefresh).toBeChecked();

  // A streamed answer shows up too, without a reload (auto-refresh), marked as a stream.
  world.backend.reply({ text: 'A streamed answer.', usage: { prompt_tokens: 100, completion_tokens: 50 } });
  const stream = await client(world.url, secret).chat.completions.create({
    model: 'scripted-model',
    messages: [{ role: 'user', content: 'Stream please' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  expect(streamed).toBe('A streamed answer.');
  await expect(admin.requests.rows(`${KEY} (${USER})`)).toHaveCount(2);
  const streamRow = admin.requests.rows('100 / 50');
  await expect(streamRow).toContainText('stream');
  await expect(streamRow).toContainText('200');
  await admin.screenshot('requests');

  await admin.openTab('Usage');
  await expect(admin.usage.total('Requests')).toHaveText('2');
  await expect(admin.usage.total('Input tokens')).toHaveText('1,334');
  await expect(admin.usage.total('Output tokens')).toHaveText('617');
  await expect(admin.usage.total('Total tokens')).toHaveText('1,951');
  await expect(admin.usage.chart).toBeVisible();
  await expect(admin.usage.table('Per user').getByRole('row', { name: new RegExp(`^${USER}\\b`) })).toContainText('1,951');
  await expect(admin.usage.table('Per API key').getByRole('row', { name: new RegExp(`^${KEY}\\b`) })).toContainText('1,334');
  await expect(admin.usage.table('Per model').getByRole('row', { name: /^scripted-model\b/ })).toContainText('617');
  await admin.screenshot('usage');

  // A range before the requests holds nothing.
  await admin.usage.from.fill('2020-01-01');
  await admin.usage.to.fill('2020-01-31');
  await expect(admin.usage.total('Requests')).toHaveText('0');
  await expect(admin.usage.panel.getByText('No tokens in this range yet.')).toBeVisible();
});

test('saved settings reach the next request the backend receives', async ({ admin, page, world }) => {
  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('Settings');
  // Set from the environment: shown, but fixed.
  await expect(admin.settings.field('Backend URL')).toBeDisabled();
  await expect(admin.settings.field('Backend URL')).toHaveValue(world.backend.url);
  await expect(admin.settings.field('Backend API key')).toHaveValue('');

  await admin.settings.field('Default model').fill('e2e-default-model');
  await admin.settings.addRoute('e2e-alias', 'e2e-routed-model');
  await admin.settings.save();
  await expect(admin.settings.savedMessage).toBeVisible();
  await expect(page.getByText('All changes saved')).toBeVisible();

  await client(world.url, secret).chat.completions.create({ model: 'e2e-alias', messages: [{ role: 'user', content: 'route me' }] });
  expect(world.backend.chatRequests.at(-1)?.body.model).toBe('e2e-routed-model');

  await page.reload();
  await expect(admin.settings.field('Default model')).toHaveValue('e2e-default-model');
  await expect(admin.settings.field('Route 1 backend model')).toHaveValue('e2e-routed-model');

  // An invalid value is explained inline and not saved.
  await admin.settings.field('Retries').fill('many');
  await admin.settings.save();
  await expect(admin.settings.panel.getByText('Enter a whole number from 0 to 10.')).toBeVisible();
  await admin.settings.field('Retries').fill('2');
  await expect(admin.settings.panel.getByText('Enter a whole number from 0 to 10.')).toHaveCount(0);

  await admin.settings.testConnection();
  await expect(admin.settings.connectionReport).toBeVisible();
  await expect(admin.settings.connectionReport).toContainText('2 models available');
  await admin.screenshot('settings');
});

test('a provider added from a preset serves its routed model and shows its health', async ({ admin, world }) => {
  const deepseek = await startScriptedBackend({ apiKey: 'sk-e2e-deepseek-secret-42', models: ['deepseek-chat'] });
  try {
    await admin.signIn(ADMIN_TOKEN);
    await admin.openTab('Settings');
    await admin.settings.addProvider('DeepSeek', { key: 'sk-e2e-deepseek-secret-42', baseUrl: deepseek.url });
    await expect(admin.settings.panel.getByRole('status').filter({ hasText: 'Provider deepseek saved.' })).toBeVisible();
    await expect(admin.settings.providerRow('deepseek')).toContainText('openai');
    await expect(admin.settings.providerRow('deepseek')).not.toContainText('sk-e2e-deepseek-secret-42');
    await expect(admin.settings.providerHealth('deepseek')).toContainText('healthy');
    // The doctor ran against it: reachable, key accepted, its model answered.
    const test = admin.settings.panel.getByLabel('Test of provider deepseek');
    await expect(test).toContainText('Provider OK');
    await expect(test).toContainText('backend key');
    await expect(test).not.toContainText('sk-e2e-deepseek-secret-42');

    const answer = await client(world.url, secret).chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'via deepseek' }] });
    expect(answer.choices[0]?.message.content).toBeTruthy();
    expect(deepseek.chatRequests.at(-1)?.body.model).toBe('deepseek-chat');
    expect(deepseek.chatRequests.at(-1)?.headers.authorization).toBe('Bearer sk-e2e-deepseek-secret-42');

    // The provider stops answering: the next request fails there, and the Status tab says so.
    await deepseek.close();
    await expect(client(world.url, secret).chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'again' }] })).rejects.toMatchObject({ status: 502 });
    await admin.openTab('Status');
    await expect(admin.status.providerHealth('deepseek')).toContainText('degraded');
    await expect(admin.status.providerHealth('default')).toContainText('healthy');
    await admin.screenshot('status-providers');
  } finally {
    await deepseek.close();
    await world.runtime.admin.updateSettings({ providers: [] });
  }
});

test('a revoked key is refused by the proxy', async ({ admin, world }) => {
  await admin.signIn(ADMIN_TOKEN);
  await admin.openTab('API Keys');
  await admin.keys.revoke(KEY);
  await expect(admin.keys.row(KEY)).toContainText('Revoked');
  await expect(admin.keys.panel.getByRole('button', { name: `Revoke ${KEY}` })).toHaveCount(0);

  const before = world.backend.chatRequests.length;
  const attempt = client(world.url, secret).chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'still there?' }] });
  await expect(attempt).rejects.toMatchObject({ status: 401 });
  expect(world.backend.chatRequests.length).toBe(before);
});

test('the web admin files are served with security headers; API paths are not shadowed', async ({ request, world }) => {
  const page = await request.get(world.adminUrl);
  expect(page.status()).toBe(200);
  expect(page.headers()['x-frame-options']).toBe('DENY');
  expect(page.headers()['x-content-type-options']).toBe('nosniff');
  expect(page.headers()['content-security-policy']).toContain("script-src 'self'");
  const asset = (await page.text()).match(/\.\/(assets\/[^"]+\.js)/)?.[1];
  expect(asset).toBeTruthy();
  const script = await request.get(`${world.adminUrl}${asset}`);
  expect(script.headers()['cache-control']).toContain('immutable');
  expect(script.headers()['content-type']).toContain('javascript');
  const users = await request.get(`${world.url}/admin/users`);
  expect(users.status()).toBe(401);
  expect(await users.json()).toHaveProperty('error');
});
