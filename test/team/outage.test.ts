/**
 * Failures a team gateway must ride out, with real processes and a real PostgreSQL: `kill -9` of one instance under
 * load (the other keeps serving; what the killed one recorded is lost for at most its last flush interval), and
 * PostgreSQL stopped and restarted under load (known keys keep being served, unknown ones get a 503 in the client's
 * format, /ready reports the outage, buffered usage is written when the database is back, exactly).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { cleanEnv, startServe, type ServeProcess } from '../support/cli';
import { startScriptedBackend, type ScriptedBackend } from '../support/scripted-backend';
import { ADMIN_TOKEN, createDatabase, pgAvailable, SECRET_KEY, SKIP_REASON, startInstance, startPgCluster, within, type Instance, type PgCluster } from './team-harness';
import { send, type Answer, type RequestKind } from './team-requests';

const TOKENS = 15;

/** Workers sending requests one after another until stopped; every answer kept with the time it arrived. */
function load(url: string, apiKey: string, workers: number) {
  const answers: (Answer & { at: number; error?: string })[] = [];
  let running = true;
  const kinds: RequestKind[] = ['chat', 'messages', 'chat-stream'];
  const loops = Array.from({ length: workers }, async (_, w) => {
    for (let i = 0; running; i++) {
      try {
        answers.push({ ...(await send(url, apiKey, kinds[(w + i) % 3]!)), at: Date.now() });
      } catch (err) {
        answers.push({ status: 0, tokens: 0, at: Date.now(), error: (err as Error).message });
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  return {
    answers,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return answers;
    },
  };
}

const ok = <T extends Answer>(answers: T[]): T[] => answers.filter((a) => a.status === 200);

describe('outages', { skip: SKIP_REASON }, () => {
  let cluster: PgCluster;
  let backend: ScriptedBackend;
  const cleanup: (() => Promise<unknown>)[] = [];
  before(async () => {
    if (!pgAvailable) return;
    cluster = await startPgCluster();
    backend = await startScriptedBackend({ defaultReply: { text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 }, streamUsage: 'always' } });
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  test('kill -9 of one instance under load: the other keeps serving, the killed one loses at most its last flush', async () => {
    const url = await createDatabase(cluster);
    // Requests saying "hang" are answered after 20 s: they hold their key's concurrency slots while B is killed.
    const backend = await startScriptedBackend({
      defaultReply: (req) => ({
        text: 'ok',
        usage: { prompt_tokens: 10, completion_tokens: 5 },
        streamUsage: 'always',
        delayMs: JSON.stringify(req.body.messages).includes('hang') ? 20_000 : 0,
      }),
    });
    cleanup.push(() => backend.close());
    const a = await startInstance(url, backend);
    cleanup.push(() => a.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'infiniproxy-team-child-'));
    cleanup.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const child: ServeProcess = await startServe({
      cwd: dataDir,
      args: ['--port', '0', '--data-dir', dataDir],
      env: cleanEnv({
        HOME: dataDir,
        DATABASE_URL: url,
        INFINIPROXY_SECRET_KEY: SECRET_KEY,
        ADMIN_TOKEN,
        OPENAI_BASE_URL: backend.url,
        OPENAI_API_KEY: backend.apiKey,
        OPENAI_MODEL: 'scripted-model',
      }),
    });
    const pid = (JSON.parse(readFileSync(join(dataDir, 'server.json'), 'utf8')) as { pid: number }).pid;
    cleanup.push(async () => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
    const user = await a.runtime.admin.createUser({ username: 'team' });
    const keyA = await a.runtime.admin.createKey({ user_id: user.id, name: 'on-a' });
    const keyB = await a.runtime.admin.createKey({ user_id: user.id, name: 'on-b' });
    const held = await a.runtime.admin.createKey({ user_id: user.id, name: 'held' });
    await a.runtime.admin.setKeyLimits(held.id, { concurrent_streams: 2 });

    // Warm both (the child's first request compiles its code paths), then load them.
    assert.equal((await send(child.url, keyB.api_key, 'chat')).status, 200);
    assert.equal((await send(a.url, keyA.api_key, 'chat')).status, 200);
    // B holds both of the key's slots.
    const hanging = [1, 2].map(() => send(child.url, held.api_key, 'chat', 50, 'hang').then((x) => x.status, () => 0));
    const hangingAtBackend = () => backend.requests.filter((r) => r.status === 0 && JSON.stringify(r.body.messages).includes('hang')).length;
    await within(5000, 'both hanging requests at the backend', () => hangingAtBackend() === 2);
    let probe = 0;
    await within(5000, "B holds the key's two slots", async () => {
      probe = (await send(a.url, held.api_key, 'chat')).status;
      return probe === 429;
    }).catch((err: Error) => assert.fail(`${err.message} (last probe ${probe}; B answered ${JSON.stringify(backend.requests.map((r) => r.status))})`));
    const onA = load(a.url, keyA.api_key, 3);
    const onB = load(child.url, keyB.api_key, 3);
    await new Promise((r) => setTimeout(r, 2500));
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 1000));
    const answersA = await onA.stop();
    const answersB = await onB.stop();
    assert.deepEqual(await Promise.all(hanging), [0, 0], 'cut off by the kill');
    // The dead instance's slots stop counting once its heartbeat is 5 s old.
    await within(8000, 'the slots held by the killed instance freed', async () => (await send(a.url, held.api_key, 'chat')).status === 200);
    const freedAfter = Date.now() - killedAt;
    assert.ok(freedAfter >= 4000 && freedAfter < 9000, `freed ${freedAfter} ms after the kill (heartbeat 5 s)`);

    const afterKill = answersA.filter((x) => x.at > killedAt + 50);
    assert.ok(afterKill.length > 0 && afterKill.every((x) => x.status === 200), 'A kept serving after B died');
    assert.ok(answersA.every((x) => x.status === 200));
    await new Promise((r) => setTimeout(r, 1300));
    const usageA = await a.runtime.admin.usage({ key_id: keyA.id });
    assert.equal(usageA.totals.requests, ok(answersA).length + 1, "the survivor's usage is exact");
    assert.equal(usageA.totals.total_tokens, (ok(answersA).length + 1) * TOKENS);
    const usageB = (await a.runtime.admin.usage({ key_id: keyB.id })).totals.requests;
    const answeredB = ok(answersB).length + 1;
    // The flush interval is 1 s; half a second more for a timer late on a busy machine.
    const beforeLastFlush = ok(answersB).filter((x) => x.at < killedAt - 1500).length + 1;
    assert.ok(beforeLastFlush > 1, 'B answered under load before the kill');
    assert.ok(usageB <= answeredB, `recorded ${usageB} <= answered ${answeredB}`);
    assert.ok(usageB >= beforeLastFlush, `recorded ${usageB} >= answered before the last flush interval ${beforeLastFlush}`);
  });

  test('PostgreSQL stopped and restarted under load: known keys served, usage buffered then written exactly', async () => {
    const url = await createDatabase(cluster);
    const nodes: Instance[] = [await startInstance(url, backend), await startInstance(url, backend)];
    cleanup.push(() => Promise.all(nodes.map((n) => n.close())));
    const [a, b] = nodes as [Instance, Instance];
    const user = await a.runtime.admin.createUser({ username: 'ops' });
    const known = await a.runtime.admin.createKey({ user_id: user.id, name: 'known' });
    const unseen = await a.runtime.admin.createKey({ user_id: user.id, name: 'unseen' });
    for (const n of nodes) assert.equal((await send(n.url, known.api_key, 'chat')).status, 200);

    const loads = nodes.map((n) => load(n.url, known.api_key, 2));
    await new Promise((r) => setTimeout(r, 400));
    cluster.pause();
    const downAt = Date.now();
    try {
      await within(3000, '/ready reports the outage', async () => (await fetch(`${b.url}/ready`)).status === 503);
      const messages = await send(a.url, unseen.api_key, 'messages');
      assert.equal(messages.status, 503, 'an unknown key cannot be checked: 503, not 401');
      assert.equal(messages.errorType, 'overloaded_error', 'in the Anthropic format');
      const chat = await send(b.url, unseen.api_key, 'chat');
      assert.equal(chat.status, 503);
      assert.equal((await fetch(`${a.url}/health`)).status, 200, 'alive all along');
      await new Promise((r) => setTimeout(r, 800));
    } finally {
      cluster.resume();
    }
    const upAt = Date.now();
    for (const n of nodes) await within(8000, '/ready again', async () => (await fetch(`${n.url}/ready`)).status === 200);
    await new Promise((r) => setTimeout(r, 300));
    const answers = (await Promise.all(loads.map((l) => l.stop()))).flat();
    const during = answers.filter((x) => x.at > downAt + 200 && x.at < upAt);
    assert.ok(during.length > 0 && during.every((x) => x.status === 200), 'the known key was served during the outage');
    assert.ok(answers.every((x) => x.status === 200), `every answer 200 (${answers.filter((x) => x.status !== 200).length} not)`);
    assert.equal((await send(b.url, unseen.api_key, 'chat')).status, 200, 'the unseen key works once the database is back');

    await new Promise((r) => setTimeout(r, 1300));
    const report = await b.runtime.admin.usage({ key_id: known.id });
    assert.equal(report.totals.requests, answers.length + 2, 'nothing buffered was lost or counted twice');
    assert.equal(report.totals.total_tokens, (answers.length + 2) * TOKENS);

    // A graceful stop while the database is away still stops (the usage stays buffered for close()).
    assert.equal((await send(a.url, known.api_key, 'chat')).status, 200);
    cluster.pause();
    try {
      assert.equal((await a.runtime.stop()).running, false);
    } finally {
      cluster.resume();
    }
    await a.runtime.close();
    await new Promise((r) => setTimeout(r, 1300));
    const final = await b.runtime.admin.usage({ key_id: known.id });
    assert.equal(final.totals.requests, answers.length + 3, `written by close() once the database was back\n${a.logs.filter((l) => /warn/.test(l)).join('')}`);
  });
});
