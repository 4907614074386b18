/**
 * Three gateway instances on one PostgreSQL behave as one: a key made on one works on the others at once;
 * revocations, limit and settings changes reach every instance within a second; 300 concurrent mixed requests
 * spread over them are counted exactly in every view; requests per minute, concurrency and token budgets hold
 * exactly across them.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import { startScriptedBackend, type ScriptedBackend } from '../support/scripted-backend';
import { createDatabase, pgAvailable, SKIP_REASON, sql, startInstance, startPgCluster, within, type Instance, type PgCluster } from './team-harness';
import { send, type RequestKind } from './team-requests';

/** Every backend answer costs 10 + 5 tokens. */
const TOKENS = 15;

describe('several instances, one truth', { skip: SKIP_REASON }, () => {
  let cluster: PgCluster;
  let backend: ScriptedBackend;
  let instances: Instance[] = [];
  before(async () => {
    if (!pgAvailable) return;
    cluster = await startPgCluster();
    backend = await startScriptedBackend({ defaultReply: { text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 }, streamUsage: 'always' } });
  });
  afterEach(async () => {
    await Promise.all(instances.map((i) => i.close()));
    instances = [];
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  async function gateway(n = 3): Promise<{ url: string; nodes: Instance[] }> {
    const url = await createDatabase(cluster);
    instances = await Promise.all(Array.from({ length: n }, () => startInstance(url, backend)));
    return { url, nodes: instances };
  }

  async function keyOn(node: Instance, username: string, limits = {}) {
    const user = await node.runtime.admin.createUser({ username });
    const key = await node.runtime.admin.createKey({ user_id: user.id, name: `${username}-key` });
    if (Object.keys(limits).length > 0) await node.runtime.admin.setKeyLimits(key.id, limits);
    return key;
  }

  test('a key made on one instance works on the others at once; changes reach all within a second', async () => {
    const { nodes } = await gateway();
    const [a, b, c] = nodes as [Instance, Instance, Instance];
    const key = await keyOn(a, 'ann');
    assert.equal((await send(b.url, key.api_key, 'chat')).status, 200, 'used on B right after its creation on A');
    assert.equal((await send(c.url, key.api_key, 'messages')).status, 200);

    await a.runtime.admin.setKeyLimits(key.id, { requests_per_minute: 1 });
    const limited = await within(1000, 'limit on B', async () => (await send(b.url, key.api_key, 'chat')).status === 429);
    await a.runtime.admin.setKeyLimits(key.id, { requests_per_minute: null });
    await within(1000, 'limit lifted on C', async () => (await send(c.url, key.api_key, 'chat')).status === 200);

    await a.runtime.admin.revokeKey(key.id);
    const revokedB = await within(1000, 'revocation on B', async () => (await send(b.url, key.api_key, 'chat')).status === 401);
    const revokedC = await within(1000, 'revocation on C', async () => (await send(c.url, key.api_key, 'messages')).status === 401);

    await a.runtime.admin.updateSettings({ max_tokens_cap: 1234 });
    const settled = await within(1000, 'setting on B and C', () =>
      b.runtime.settings().max_tokens_cap === 1234 && c.runtime.settings().max_tokens_cap === 1234,
    );
    assert.equal((await c.runtime.admin.getSettings()).max_tokens_cap, 1234);
    for (const ms of [limited, revokedB, revokedC, settled]) assert.ok(ms < 1000);
  });

  test('300 concurrent mixed requests over three instances: usage exact in every view', async () => {
    const { url, nodes } = await gateway();
    const keys = [await keyOn(nodes[0]!, 'u1'), await keyOn(nodes[1]!, 'u2'), await keyOn(nodes[2]!, 'u3')];
    const kinds: RequestKind[] = ['messages', 'chat', 'chat-stream'];
    const answers = await Promise.all(
      Array.from({ length: 300 }, (_, i) => send(nodes[Math.floor(i / 3) % 3]!.url, keys[i % 3]!.api_key, kinds[Math.floor(i / 9) % 3]!)),
    );
    assert.deepEqual(answers.filter((a) => a.status !== 200), [], 'every request answered');
    assert.ok(answers.every((a) => a.tokens === TOKENS), 'each answer told its client 15 tokens');
    // Every instance flushes within a second; each view then agrees.
    await new Promise((r) => setTimeout(r, 1300));
    for (const node of nodes) {
      const report = await node.runtime.admin.usage({});
      assert.equal(report.totals.requests, 300);
      assert.equal(report.totals.total_tokens, 300 * TOKENS);
      for (const key of keys) {
        const mine = await node.runtime.admin.usage({ key_id: key.id });
        assert.equal(mine.totals.requests, 100, `key ${key.id} on every instance`);
      }
    }
    const logged = await sql<{ n: string; t: string }>(url, 'SELECT count(*) AS n, sum(input_tokens + output_tokens) AS t FROM ip_requests');
    assert.deepEqual(logged[0], { n: '300', t: String(300 * TOKENS) }, 'request log exact');
    const perKey = await fetch(`${nodes[2]!.url}/usage/me`, { headers: { authorization: `Bearer ${keys[0]!.api_key}` } });
    assert.equal(perKey.status, 200);
    const me = (await perKey.json()) as { total_requests: number; total_tokens: number };
    assert.deepEqual([me.total_requests, me.total_tokens], [100, 100 * TOKENS], "a key's own view");
  });

  test('requests per minute and concurrency are exact across instances', async () => {
    const { nodes } = await gateway();
    const rpmKey = await keyOn(nodes[0]!, 'rpm', { requests_per_minute: 10 });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => send(nodes[i % 3]!.url, rpmKey.api_key, 'chat')));
    assert.equal(answers.filter((a) => a.status === 200).length, 10, 'exactly the limit passes');
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(refused.length, 20);
    assert.ok(refused.every((a) => a.errorType === 'rate_limit_error' && Number(a.retryAfter) >= 1 && Number(a.retryAfter) <= 60));

    // Six slow answers (the requests admitted take them; refused ones never reach the backend).
    for (let i = 0; i < 6; i++) backend.reply({ text: 'slow', delayMs: 600, usage: { prompt_tokens: 10, completion_tokens: 5 } });
    const concKey = await keyOn(nodes[1]!, 'conc', { concurrent_streams: 3 });
    const burst = await Promise.all(Array.from({ length: 12 }, (_, i) => send(nodes[i % 3]!.url, concKey.api_key, 'chat')));
    assert.equal(burst.filter((a) => a.status === 200).length, 3, 'exactly three at a time');
    assert.ok(burst.filter((a) => a.status === 429).every((a) => a.errorType === 'rate_limit_error'));
    // The slots are freed when the responses end: three more pass.
    await new Promise((r) => setTimeout(r, 100));
    const next = await Promise.all(Array.from({ length: 3 }, (_, i) => send(nodes[i]!.url, concKey.api_key, 'chat')));
    assert.deepEqual(next.map((a) => a.status), [200, 200, 200]);
  });

  test('a token budget holds across instances within one request of its size', async () => {
    const { nodes } = await gateway();
    const budget = 100;
    const key = await keyOn(nodes[0]!, 'budget', { tokens_per_day: budget });
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => send(nodes[i % 3]!.url, key.api_key, 'chat', 20)));
    const used = answers.reduce((n, a) => n + a.tokens, 0);
    assert.ok(answers.some((a) => a.status === 200));
    assert.ok(used <= budget + TOKENS, `used ${used} of ${budget}: over by at most one request`);
    // Then, after every instance flushed, sequential requests use the rest, and the budget refuses on every instance.
    await new Promise((r) => setTimeout(r, 1200));
    let total = used;
    for (let i = 0; i < 12; i++) {
      total += (await send(nodes[i % 3]!.url, key.api_key, 'chat', 20)).tokens;
      await new Promise((r) => setTimeout(r, 50)); // the previous request's settlement is written off its path
    }
    assert.ok(total <= budget + TOKENS, `total ${total}`);
    assert.ok(total >= budget, `the budget was used (${total})`);
    for (const node of nodes) {
      const refused = await send(node.url, key.api_key, 'chat', 20);
      assert.equal(refused.status, 429);
      assert.equal(refused.errorType, 'rate_limit_error');
    }

    // A key with a budget and a concurrency limit: a finished request frees its slot and holds its real tokens (one
    // statement), so requests one after another use the budget to its end: 7 x 15 tokens, the seventh alone. (Each
    // estimate, ~90 tokens, does not fit beside another's: a lease still holding one would refuse the next.)
    const both = await keyOn(nodes[1]!, 'both', { tokens_per_day: budget, concurrent_streams: 2 });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push((await send(nodes[i % 3]!.url, both.api_key, 'chat', 60)).status);
      await new Promise((r) => setTimeout(r, 30));
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 200, 429]);
  });
});
