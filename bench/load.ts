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

/**
 * Runs `connections` keep-alive connections sending `req` back to back for `seconds`; with `pid`, also measures the
 * CPU time that process used per answer.
 */
export async function runLoad(req: TargetRequest, connections: number, seconds: number, pid?: number): Promise<LoadResult> {
  const cpuBefore = pid === undefined ? undefined : cpuTimeMs(pid);
  const result = await load(req, connections, seconds);
  const cpuAfter = pid === undefined ? undefined : cpuTimeMs(pid);
  if (cpuBefore !== undefined && cpuAfter !== undefined && result.requests > 0) {
    result.cpuMsPerRequest = round((cpuAfter - cpuBefore) / result.requests, 3);
  }
  return result;
}

function load(req: TargetRequest, connections: number, seconds: number): Promise<LoadResult> {
  const times: number[] = [];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      { url: req.url, method: 'POST', headers: req.headers, body: req.body, connections, duration: seconds, timeout: 30 },
      (err, result) => {
        if (err) return reject(err);
        const elapsed = (performance.now() - started) / 1000;
        times.sort((a, b) => a - b);
        resolve({
          connections,
          seconds: round(elapsed, 2),
          requests: times.length,
          rps: round(times.length / elapsed, 1),
          p50: round(percentile(times, 0.5), 2),
          p99: round(percentile(times, 0.99), 2),
          mean: times.length ? round(times.reduce((a, b) => a + b, 0) / times.length, 2) : NaN,
          failures: result.errors + result.timeouts + result.non2xx,
        });
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
