/**
 * Abandoned streams leave nothing behind: many clients open a stream on each endpoint, read its first bytes and
 * hang up. The backend must see every one of its requests aborted (the proxy passes the disconnect on at once: the
 * backend here never ends a stream by itself and TIMEOUT is far away), and the process's handles (sockets, timers)
 * must come back to where they were before the storm. A client that gives up before the headers, or while the proxy
 * waits to retry a 503, ends the backend request at once and gets no retry sent.
 *
 * `SOAK_STREAMS` (default 600, split between the endpoints) and `SOAK_CONCURRENCY` (default 16) scale it;
 * `node scripts/soak-check.mjs` runs thousands on demand.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFaultBackend } from '../support/fault-backend';
import type { FaultBackend } from '../support/fault-backend';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

const STREAMS = Number(process.env.SOAK_STREAMS ?? 600);
const CONCURRENCY = Number(process.env.SOAK_CONCURRENCY ?? 16);
/** Handles of one kind may exceed the baseline by this much (pools warm up unevenly); a leak grows with STREAMS. */
const SLACK = 8;

interface Target {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Counts of the process's active resources by kind (TCPSocketWrap, Timeout…). */
function handleCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** The kinds whose count is above `baseline` + SLACK, as `kind: now (baseline)`. */
function excess(baseline: Map<string, number>, now: Map<string, number>): string[] {
  return [...now]
    .filter(([kind, n]) => n > (baseline.get(kind) ?? 0) + SLACK)
    .map(([kind, n]) => `${kind}: ${n} (baseline ${baseline.get(kind) ?? 0})`);
}

/** Opens a stream, waits for its first body bytes, then destroys the connection. Resolves with the status. */
function openAndAbandon(url: string, target: Target): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}${target.path}`,
      { method: 'POST', headers: target.headers, agent: false, signal: AbortSignal.timeout(30_000) },
      (res) => {
        res.once('data', () => {
          req.destroy();
          resolve(res.statusCode ?? 0);
        });
        res.once('end', () => reject(new Error(`${target.path}: the stream ended by itself (${res.statusCode})`)));
      },
    );
    req.on('error', (err) => {
      if (!req.destroyed || err.name === 'AbortError' || err.name === 'TimeoutError') reject(err);
    });
    req.end(target.body);
  });
}

/** Runs `count` abandoned streams, `CONCURRENCY` at a time, cycling through `targets`; returns the statuses seen. */
async function storm(url: string, targets: Target[], count: number): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const target = targets[next++ % targets.length]!;
      const status = await openAndAbandon(url, target);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return statuses;
}

/** Waits (up to 15 s) for the handle counts to come back within SLACK of `baseline`; returns what is still above. */
async function settle(baseline: Map<string, number>): Promise<string[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const over = excess(baseline, handleCounts());
    if (over.length === 0 || Date.now() > deadline) return over;
    await sleep(100);
  }
}

describe(`soak: ${STREAMS} streams opened and abandoned, ${CONCURRENCY} at a time`, () => {
  let backend: FaultBackend;
  let h: ProxyHarness;
  let targets: Target[];

  before(async () => {
    // Streams send a first chunk and then nothing, forever: only a disconnect passed on by the proxy ends them.
    backend = await startFaultBackend({ mode: { kind: 'hang-mid-stream', chunks: 1 } });
    h = await startProxyHarness({
      noBackendEnv: true,
      env: { OPENAI_BASE_URL: backend.url, OPENAI_API_KEY: 'fault-key', OPENAI_MODEL: 'fault-model' },
      flags: { timeout_s: 600 },
    });
    const json = { 'content-type': 'application/json' };
    const messages = [{ role: 'user', content: 'hi' }];
    targets = [
      {
        path: '/v1/chat/completions',
        headers: { ...json, authorization: `Bearer ${h.apiKey}` },
        body: JSON.stringify({ model: 'fault-model', messages, stream: true }),
      },
      {
        path: '/v1/messages',
        headers: { ...json, 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01' },
        body: JSON.stringify({ model: 'claude-sonnet-4-5', max_tokens: 100, messages, stream: true }),
      },
    ];
  });
  after(async () => {
    await h.close();
    await backend.close();
  });

  test('every backend request is aborted and the handles return to baseline', async (t) => {
    // Warm up (pools, lazy modules, the store's timers), then take the baseline once it is quiet.
    await storm(h.url, targets, CONCURRENCY * 2);
    await backend.idle(15_000);
    await sleep(200);
    const baseline = handleCounts();
    const before = backend.count();

    const started = performance.now();
    const statuses = await storm(h.url, targets, STREAMS);
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`${STREAMS} streams in ${seconds.toFixed(1)} s; RSS ${Math.round(process.memoryUsage().rss / 1e6)} MB`);
    assert.deepEqual([...statuses], [[200, STREAMS]], 'every stream started');

    await backend.idle(15_000); // rejects naming any backend request the proxy left open
    const seen = backend.requests.slice(before);
    assert.equal(seen.length, STREAMS, 'one backend request per stream');
    const notAborted = seen.filter((r) => !r.aborted);
    assert.equal(notAborted.length, 0, `backend requests that were not aborted: ${notAborted.map((r) => r.seq).join(', ')}`);

    const over = await settle(baseline);
    assert.deepEqual(over, [], `handles above baseline after ${STREAMS} abandoned streams`);
    assert.ok(backend.openSockets <= CONCURRENCY, `backend sockets still open: ${backend.openSockets}`);
  });

  /** Sends a request on each target and aborts it as soon as the backend has it. */
  async function abortOnArrival(): Promise<void> {
    for (const target of targets) {
      const arrived = backend.nextRequest();
      const abort = new AbortController();
      const sent = fetch(`${h.url}${target.path}`, { method: 'POST', headers: target.headers, body: target.body, signal: abort.signal });
      await arrived;
      abort.abort();
      await assert.rejects(sent);
    }
  }

  test('a client that gives up before the headers: the backend request is aborted at once, not after TIMEOUT', async () => {
    backend.enqueue('hang-before-headers', 'hang-before-headers');
    const before = backend.count();
    await abortOnArrival();
    await backend.idle(15_000); // TIMEOUT is 600 s here: only the disconnect can have ended them
    assert.ok(backend.requests.slice(before).every((r) => r.aborted));
  });

  test('a client that gives up while the proxy waits to retry: no retry is sent', async () => {
    const busy = { kind: 'status', status: 503, headers: { 'retry-after': '1' } } as const;
    backend.enqueue(busy, busy);
    const before = backend.count();
    await abortOnArrival();
    await sleep(2000); // past the retry-after
    assert.equal(backend.count() - before, 2, 'one backend request per client request, no retries');
  });

  test('the proxy still answers a complete stream afterwards', async () => {
    await backend.setMode('ok');
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: targets[0]!.headers,
      body: targets[0]!.body,
    });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /data: \[DONE\]/);
  });
});
