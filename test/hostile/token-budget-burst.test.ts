// Issue 11 defect 9: a burst of concurrent requests must not overrun a token budget by more than one request's
// worth. Every admitted request is held at the backend until the whole burst has been decided, so the test does not
// depend on timing: without reservation all 50 would be admitted before any usage was known.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

let h: ProxyHarness;
before(async () => {
  h = await startProxyHarness();
});
after(() => h.close());

const PER_REQUEST = { prompt_tokens: 10, completion_tokens: 8 };
const BUDGET = 100;

async function burst(secret: string, n: number, route: 'chat' | 'messages'): Promise<number[]> {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  h.backend.setDefaultReply(async () => {
    await gate;
    return { text: 'spent', usage: PER_REQUEST };
  });
  const before = h.backend.chatRequests.length;
  let refused = 0;
  const path = route === 'chat' ? '/v1/chat/completions' : '/v1/messages';
  const body =
    route === 'chat'
      ? { model: 'scripted-model', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }
      : { model: 'scripted-model', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] };
  const all = Array.from({ length: n }, () =>
    fetch(`${h.url}${path}`, {
      method: 'POST',
      headers: { 'x-api-key': secret, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify(body),
    }).then(async (res) => {
      if (res.status === 429) refused++;
      await res.arrayBuffer();
      return res.status;
    }),
  );
  // Decided: every request is either refused or waiting at the backend.
  for (let i = 0; i < 2000 && refused + h.backend.chatRequests.length - before < n; i++) await new Promise((r) => setTimeout(r, 5));
  assert.equal(refused + h.backend.chatRequests.length - before, n, 'every request of the burst was decided');
  open();
  return Promise.all(all);
}

for (const route of ['chat', 'messages'] as const) {
  test(`50 concurrent requests on ${route}: a ${BUDGET}-token budget is passed by at most one request's worth`, { timeout: 60_000 }, async () => {
    const key = await h.runtime.admin.createKey({ user_id: h.userId, name: `budget-${route}`, limits: { tokens_per_day: BUDGET } });
    const used = () => h.runtime.store.usage.tokensSince(key.id, new Date(0));
    let admitted = 0;
    for (let wave = 0; wave < 20; wave++) {
      const statuses = await burst(key.api_key, 50, route);
      const ok = statuses.filter((s) => s === 200).length;
      assert.equal(ok + statuses.filter((s) => s === 429).length, 50, `only 200 and 429: ${statuses.join(',')}`);
      admitted += ok;
      if (ok === 0) break;
    }
    const perRequest = PER_REQUEST.prompt_tokens + PER_REQUEST.completion_tokens;
    assert.equal(used(), admitted * perRequest, 'every admitted request was counted');
    assert.ok(used() >= BUDGET, `the budget was used (${used()})`);
    assert.ok(used() <= BUDGET + perRequest, `used ${used()} tokens of a ${BUDGET} budget (at most one request over)`);
    const last = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': key.api_key, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }),
    });
    assert.equal(last.status, 429);
    assert.match(((await last.json()) as { error: { message: string } }).error.message, /has used its budget of 100 tokens per day/);
  });
}
