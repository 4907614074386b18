/**
 * Usage bookkeeping is exact: 300 concurrent requests mixing both endpoints, streamed and not, over four keys of two
 * users; each key's totals in the store equal the sum of what the backend reported for that key's requests. The
 * totals survive a graceful stop (runtime closed, store reopened), also when the stop cuts streams in flight: every
 * request that reached the proxy is on record afterwards.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { UsageTotals } from '../../shared/types';
import { ProxyRuntime } from '../../main/app/runtime';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import type { RecordedRequest, ScriptedReply } from '../support/scripted-backend';

const REQUESTS = 300;

/** The usage the backend reports for request number `n` (its marker in the prompt): varied, and known in advance. */
function usageFor(n: number): { prompt: number; completion: number; cached: number } {
  return { prompt: 50 + ((n * 37) % 400), completion: 1 + ((n * 13) % 90), cached: (n * 7) % 30 };
}

/** Reads the `#n` marker the test put in the last user message. */
function markerOf(req: RecordedRequest): number {
  const last = req.body.messages?.at(-1);
  const text = typeof last?.content === 'string' ? last.content : JSON.stringify(last?.content ?? '');
  const m = /#(\d+)/.exec(text);
  assert.ok(m, `no marker in ${text}`);
  return Number(m[1]);
}

/** The reply of the scripted backend: usage chosen by the marker; slow streams when the marker is ≥ 10000. */
function reply(req: RecordedRequest): ScriptedReply {
  const n = markerOf(req);
  const u = usageFor(n);
  const usage = {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached },
  };
  if (n >= 10_000) return { text: 'slow '.repeat(60), chunkSize: 5, chunkDelayMs: 40, usage };
  return { text: `answer to #${n}`, usage };
}

interface Sent {
  n: number;
  keyId: number;
  endpoint: 'chat' | 'messages';
  stream: boolean;
}

/** Sends request `n` with `key`; resolves with the status and whether the whole answer arrived. */
async function send(url: string, key: string, s: Sent): Promise<{ status: number; complete: boolean }> {
  const messages = [{ role: 'user', content: `count this #${s.n}` }];
  const [path, headers, body] =
    s.endpoint === 'chat'
      ? ['/v1/chat/completions', { authorization: `Bearer ${key}` }, { model: 'scripted-model', messages, stream: s.stream }]
      : [
          '/v1/messages',
          { 'x-api-key': key, 'anthropic-version': '2023-06-01' },
          { model: 'claude-sonnet-4-5', max_tokens: 500, messages, stream: s.stream },
        ];
  const res = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  try {
    const text = await res.text();
    const complete = !s.stream || (s.endpoint === 'chat' ? text.includes('data: [DONE]') : text.includes('event: message_stop'));
    return { status: res.status, complete };
  } catch {
    return { status: res.status, complete: false };
  }
}

/** Token totals a key should have: the sums of the backend's usage over its requests. */
function expectedTotals(sent: Sent[]): Pick<UsageTotals, 'requests' | 'input_tokens' | 'output_tokens' | 'cache_read_input_tokens'> {
  const t = { requests: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0 };
  for (const s of sent) {
    const u = usageFor(s.n);
    t.requests++;
    t.input_tokens += u.prompt;
    t.output_tokens += u.completion;
    t.cache_read_input_tokens += u.cached;
  }
  return t;
}

/** The store's totals of a key (what the admin API reports). */
async function totalsOf(runtime: ProxyRuntime, keyId: number): Promise<UsageTotals> {
  return (await runtime.admin.usage({ key_id: keyId })).totals;
}

/** Waits until the store has `count` requests of the key on record (a stream is recorded as it finishes). */
async function untilRecorded(runtime: ProxyRuntime, keyId: number, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await totalsOf(runtime, keyId)).requests < count && Date.now() < deadline) await sleep(50);
}

describe('usage is exact under load and across a graceful stop', () => {
  let h: ProxyHarness;
  const keys: { id: number; secret: string }[] = [];

  before(async () => {
    // 300 connections at once from 127.0.0.1: over the default cap of 256 per address (connection-limits.ts).
    h = await startProxyHarness({ backendOptions: { defaultReply: reply }, connectionLimits: { perAddress: 1024 } });
    keys.push({ id: h.keyId, secret: h.apiKey });
    const second = await h.runtime.admin.createKey({ user_id: h.userId, name: 'second' });
    keys.push({ id: second.id, secret: second.api_key });
    const other = await h.runtime.admin.createUser({ username: 'other' });
    for (const name of ['third', 'fourth']) {
      const key = await h.runtime.admin.createKey({ user_id: other.id, name });
      keys.push({ id: key.id, secret: key.api_key });
    }
  });
  after(() => h.close());

  test(`${REQUESTS} concurrent mixed requests over 4 keys: every key's totals are exact, also after a stop`, async () => {
    const sent: Sent[] = Array.from({ length: REQUESTS }, (_, n) => ({
      n,
      keyId: keys[n % keys.length]!.id,
      endpoint: (n >> 2) % 2 === 0 ? 'chat' : 'messages',
      stream: (n >> 3) % 2 === 0,
    }));
    const results = await Promise.all(sent.map((s) => send(h.url, keys.find((k) => k.id === s.keyId)!.secret, s)));
    assert.deepEqual(
      results.filter((r) => r.status !== 200 || !r.complete),
      [],
      'every request answered in full',
    );

    const expected = new Map(keys.map((k) => [k.id, expectedTotals(sent.filter((s) => s.keyId === k.id))]));
    for (const [keyId, want] of expected) {
      await untilRecorded(h.runtime, keyId, want.requests);
      const got = await totalsOf(h.runtime, keyId);
      assert.deepEqual(
        { requests: got.requests, input_tokens: got.input_tokens, output_tokens: got.output_tokens, cache_read_input_tokens: got.cache_read_input_tokens },
        want,
        `key ${keyId}`,
      );
      assert.equal(got.errors, 0);
    }

    // A graceful stop right away (usage still in the write buffer), then the store read back from disk.
    await h.runtime.close();
    const reopened = await ProxyRuntime.open({ dataDir: h.dataDir, env: {}, cwd: h.dataDir, log: () => {} });
    try {
      for (const [keyId, want] of expected) {
        const got = await totalsOf(reopened, keyId);
        assert.equal(got.requests, want.requests, `key ${keyId} requests after reopening`);
        assert.equal(got.input_tokens, want.input_tokens, `key ${keyId} input tokens after reopening`);
        assert.equal(got.output_tokens, want.output_tokens, `key ${keyId} output tokens after reopening`);
        assert.equal(got.cache_read_input_tokens, want.cache_read_input_tokens, `key ${keyId} cached tokens after reopening`);
      }
    } finally {
      await reopened.close();
    }
  });

  test('a stop that cuts streams in flight: every request is on record after reopening, none counted twice', async () => {
    const runtime = await ProxyRuntime.open({
      dataDir: h.dataDir,
      env: { OPENAI_BASE_URL: h.backend.url, OPENAI_API_KEY: h.backend.apiKey, OPENAI_MODEL: 'scripted-model' },
      cwd: h.dataDir,
      flags: { host: '127.0.0.1', port: 0 },
      log: () => {},
      connectionLimits: { perAddress: 1024 },
    });
    const before = new Map<number, UsageTotals>();
    for (const k of keys) before.set(k.id, await totalsOf(runtime, k.id));
    const status = await runtime.start();
    assert.ok(status.url);

    // 40 quick requests that finish, and 40 slow streams (about 2.4 s each) that the stop cuts.
    const quick: Sent[] = Array.from({ length: 40 }, (_, i) => ({
      n: 1000 + i,
      keyId: keys[i % keys.length]!.id,
      endpoint: i % 2 === 0 ? 'chat' : 'messages',
      stream: i % 4 < 2,
    }));
    const slow: Sent[] = Array.from({ length: 40 }, (_, i) => ({
      n: 10_000 + i,
      keyId: keys[i % keys.length]!.id,
      endpoint: i % 2 === 0 ? 'chat' : 'messages',
      stream: true,
    }));
    const secret = (s: Sent): string => keys.find((k) => k.id === s.keyId)!.secret;
    const quickResults = await Promise.all(quick.map((s) => send(status.url!, secret(s), s)));
    assert.ok(quickResults.every((r) => r.status === 200 && r.complete));
    const backendSeen = h.backend.chatRequests.length;
    const slowResults = slow.map((s) => send(status.url!, secret(s), s));
    while (h.backend.chatRequests.length < backendSeen + slow.length) await sleep(20); // all slow streams under way
    await sleep(300);

    await runtime.close(); // stop: streams cut, usage written
    const cut = await Promise.all(slowResults);
    assert.ok(cut.some((r) => !r.complete), 'the stop cut streams in flight');

    const reopened = await ProxyRuntime.open({ dataDir: h.dataDir, env: {}, cwd: h.dataDir, log: () => {} });
    try {
      for (const k of keys) {
        const was = before.get(k.id)!;
        const got = await totalsOf(reopened, k.id);
        const quickOfKey = expectedTotals(quick.filter((s) => s.keyId === k.id));
        const slowOfKey = slow.filter((s) => s.keyId === k.id);
        assert.equal(got.requests - was.requests, quickOfKey.requests + slowOfKey.length, `key ${k.id}: every request on record`);
        // Quick requests count exactly; a cut stream counts what was known when it was cut (reported or estimated).
        assert.ok(got.input_tokens - was.input_tokens >= quickOfKey.input_tokens, `key ${k.id}: input tokens`);
        assert.ok(got.output_tokens - was.output_tokens >= quickOfKey.output_tokens, `key ${k.id}: output tokens`);
      }
    } finally {
      await reopened.close();
    }
  });
});
