/**
 * Loads one target with one case through autocannon, and checks a target answers a case correctly before it is
 * measured. Latencies come from autocannon's per-response times (sub-millisecond), not its whole-millisecond
 * histogram, so a 0.3 ms overhead is visible.
 */
import autocannon from 'autocannon';
import { cpuTimeMs } from './processes';
import type { BenchCase } from './requests';
import type { TargetRequest } from './targets';

/** What one load run measured. Times in ms. */
export interface LoadResult {
  connections: number;
  /** Seconds the run lasted. */
  seconds: number;
  /** Complete 2xx answers. */
  requests: number;
  rps: number;
  /** NaN (null in JSON) when no request completed. */
  p50: number;
  p99: number;
  mean: number;
  /** Connection errors, timeouts and non-2xx answers. */
  failures: number;
  /** CPU time the target's process spent per answer (ms), when measured: the cost, whatever else the machine runs. */
  cpuMsPerRequest?: number;
}

/** A target's process, or all of them (their CPU summed). */
export type Pids = number | readonly number[];

/**
 * Runs `connections` keep-alive connections sending `req` back to back for `seconds`; with `pid`, also measures the
 * CPU time that process (or those) used per answer.
 */
export async function runLoad(req: TargetRequest, connections: number, seconds: number, pid?: Pids): Promise<LoadResult> {
  const [result] = await runAlternating([{ req, pid }], connections, seconds, 1);
  return result!;
}

/**
 * Loads several targets in turn, `rounds` times each for `seconds / rounds`, and sums up each target's rounds as one
 * run. Measured so, a slow spell of the machine (this is a shared 2-core VM) falls on every target alike instead of on
 * whichever ran then: the latency *added* by a proxy is the difference of two such measurements. Each round starts
 * one target further on (A B, B A, …), so no target always runs right after another's load. `beforeEach` runs
 * before every part (e.g. waiting until the previous target's after-work is done).
 */
export async function runAlternating(
  targets: ReadonlyArray<{ req: TargetRequest; pid?: Pids }>,
  connections: number,
  seconds: number,
  rounds: number,
  beforeEach?: () => Promise<unknown>,
): Promise<LoadResult[]> {
  const runs = targets.map(() => ({ times: [] as number[], elapsed: 0, failures: 0, cpuMs: 0, cpuKnown: true }));
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (k + round) % targets.length;
      const { req, pid } = targets[i]!;
      const run = runs[i]!;
      await beforeEach?.();
      const cpuBefore = pid === undefined ? undefined : cpuOf(pid);
      const part = await loadRoundRobin(req, connections, seconds / rounds);
      const cpuAfter = pid === undefined ? undefined : cpuOf(pid);
      for (const ms of part.times) run.times.push(ms);
      run.elapsed += part.elapsed;
      run.failures += part.failures;
      if (cpuBefore !== undefined && cpuAfter !== undefined) run.cpuMs += cpuAfter - cpuBefore;
      else run.cpuKnown = false;
    }
  }
  return runs.map((run, i) => {
    const times = run.times.sort((a, b) => a - b);
    const result: LoadResult = {
      connections,
      seconds: round(run.elapsed, 2),
      requests: times.length,
      rps: round(times.length / run.elapsed, 1),
      p50: round(percentile(times, 0.5), 2),
      p99: round(percentile(times, 0.99), 2),
      mean: times.length ? round(times.reduce((a, b) => a + b, 0) / times.length, 2) : NaN,
      failures: run.failures,
    };
    if (targets[i]!.pid !== undefined && run.cpuKnown && times.length > 0) result.cpuMsPerRequest = round(run.cpuMs / times.length, 3);
    return result;
  });
}

/** CPU time used so far by a process or processes (ms); undefined when one is gone. */
function cpuOf(pid: Pids): number | undefined {
  let sum = 0;
  for (const p of typeof pid === 'number' ? [pid] : pid) {
    const ms = cpuTimeMs(p);
    if (ms === undefined) return undefined;
    sum += ms;
  }
  return sum;
}

/**
 * {@link load} on a target of several instances (`req.roundRobin`): the connections shared out among them, each
 * instance getting as many (as a round-robin balancer would send them); with fewer connections than instances, the
 * instances in turn, each for its share of the time.
 */
async function loadRoundRobin(req: TargetRequest, connections: number, seconds: number): Promise<{ times: number[]; elapsed: number; failures: number }> {
  const urls = req.roundRobin ?? [req.url];
  if (urls.length === 1) return load(req, connections, seconds);
  if (connections >= urls.length) {
    const share = (i: number): number => Math.floor(connections / urls.length) + (i < connections % urls.length ? 1 : 0);
    const parts = await Promise.all(urls.map((url, i) => load({ ...req, url }, share(i), seconds)));
    return { times: parts.flatMap((p) => p.times), elapsed: Math.max(...parts.map((p) => p.elapsed)), failures: parts.reduce((a, p) => a + p.failures, 0) };
  }
  const all = { times: [] as number[], elapsed: 0, failures: 0 };
  for (const url of urls) {
    const part = await load({ ...req, url }, connections, seconds / urls.length);
    all.times.push(...part.times);
    all.elapsed += part.elapsed;
    all.failures += part.failures;
  }
  return all;
}

/** One autocannon run: the latency of every 2xx answer, the seconds it lasted, and the failures. */
function load(req: TargetRequest, connections: number, seconds: number): Promise<{ times: number[]; elapsed: number; failures: number }> {
  const times: number[] = [];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: req.url, method: 'POST', headers: req.headers, body: req.body, connections, duration: seconds, timeout: 30 },
      (err, result) => {
        if (err) return reject(err);
        resolve({ times, elapsed: (performance.now() - started) / 1000, failures: result.errors + result.timeouts + result.non2xx });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
  });
}

/** Sends `req` once and checks the answer is a complete, successful one of the case's kind; throws otherwise. */
export async function checkAnswer(req: TargetRequest, c: BenchCase, who: string): Promise<void> {
  const res = await fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(30_000) });
  const text = await res.text();
  const fail = (why: string): never => {
    throw new Error(`${who} on ${c.name}: ${why} (status ${res.status}): ${text.slice(0, 300)}`);
  };
  if (res.status !== 200) fail('not 200');
  const isMessages = c.path === '/v1/messages' && !req.url.endsWith('/chat/completions');
  if (c.stream) {
    if (!/^text\/event-stream/.test(res.headers.get('content-type') ?? '')) fail('not an event stream');
    if (isMessages ? !text.includes('"message_stop"') : !text.includes('data: [DONE]')) fail('stream not complete');
    return;
  }
  let json: { type?: unknown; choices?: unknown };
  try {
    json = JSON.parse(text) as typeof json;
  } catch {
    return fail('not JSON');
  }
  if (isMessages ? json.type !== 'message' : !Array.isArray(json.choices)) fail('not a completion');
}

/** Nearest-rank percentile of sorted values (NaN when empty: nothing completed). */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}
