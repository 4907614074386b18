/**
 * The benchmark's child processes and temp dirs: spawn, wait until ready, read memory and CPU time from /proc, and
 * always stop them and remove the dirs — on normal exit, on an error, and on Ctrl-C/SIGTERM — so nothing outlives a
 * run.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess, SpawnOptions } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let hooked = false;

/** Makes a temp dir that is removed when the benchmark exits, however it exits (or earlier with `removeTempDir`). */
export function makeTempDir(prefix: string): string {
  hookExit();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.add(dir);
  return dir;
}

/** Removes a dir made by makeTempDir. */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Kills every child still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopAll(graceMs = 3000): Promise<void> {
  await Promise.all([...children].map((child) => stopChild(child, graceMs)));
}

/** Stops one child: SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    children.delete(child);
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Spawns a tracked child. Its stdin is a pipe the child may watch: it closes when this process dies, however it
 * dies. The first call installs handlers that kill the children on exit, SIGINT, SIGTERM and uncaught errors.
 */
export function spawnTracked(command: string, args: string[], options: SpawnOptions): ChildProcess {
  hookExit();
  const child = spawn(command, args, { ...options, stdio: options.stdio ?? ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  // Last resort, synchronous: whatever is still running gets SIGKILL.
  process.once('exit', () => {
    for (const child of children) child.kill('SIGKILL');
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: stopping the benchmark's processes...\n`);
    void stopAll(1000).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

/** Resolves with the first stdout line of `child` that `match` accepts; rejects if it exits first or after `timeoutMs`. */
export function waitForLine<T>(child: ChildProcess, match: (line: string) => T | undefined, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    if (!child.stdout) return reject(new Error(`${what}: no stdout to read`));
    const lines = createInterface({ input: child.stdout });
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      child.off('exit', onExit);
      lines.off('line', onLine);
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`${what}: not ready after ${timeoutMs} ms`))), timeoutMs);
    const onExit = (code: number | null): void => done(() => reject(new Error(`${what}: exited (code ${code}) before it was ready`)));
    const onLine = (line: string): void => {
      const value = match(line);
      if (value !== undefined) done(() => resolve(value));
    };
    child.once('exit', onExit);
    lines.on('line', onLine);
  });
}

/** Memory of a process in MB from /proc/PID/status: current (VmRSS) and peak (VmHWM); undefined when gone. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Resets a process's peak RSS (VmHWM) to its current RSS (`5` into /proc/PID/clear_refs, Linux ≥ 4.0), so the peak of
 * one phase can be read; false when not permitted.
 */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** CPU time (user + system) a process has used so far, in ms; undefined when gone. */
export function cpuTimeMs(pid: number): number | undefined {
  try {
    // Fields after the parenthesised command name: state is 3rd, utime 14th, stime 15th (proc(5)).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the processes use less than `maxShare` of a core (e.g. a server still working off requests a load
 * run left behind), checking every 250 ms, for at most `timeoutMs`; resolves false on timeout.
 */
export async function waitForIdle(pids: readonly number[], maxShare = 0.1, timeoutMs = 30_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  const total = (): number => pids.reduce((sum, pid) => sum + (cpuTimeMs(pid) ?? 0), 0);
  let before = total();
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = total();
    if (now - before <= 250 * maxShare) return true;
    before = now;
  }
  return false;
}

/** USER_HZ: Linux reports CPU times in hundredths of a second on every common platform. */
const CLOCK_TICKS = 100;

/** One RSS reading. */
export interface RssSample {
  /** Seconds since sampling started. */
  t: number;
  rssMb: number;
}

/** Samples a process's RSS every `intervalMs` until stopped; `peakMb` is the kernel's high-water mark (VmHWM). */
export class RssSampler {
  readonly samples: RssSample[] = [];
  #peakMb = 0;
  readonly #timer: NodeJS.Timeout;
  readonly #start = Date.now();

  constructor(readonly pid: number, intervalMs: number) {
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
    this.sample();
  }

  /** Takes a reading now. */
  sample(): void {
    const mem = memoryOf(this.pid);
    if (!mem) return;
    this.samples.push({ t: Math.round((Date.now() - this.#start) / 100) / 10, rssMb: round1(mem.rssMb) });
    this.#peakMb = Math.max(this.#peakMb, mem.peakMb);
  }

  get peakMb(): number {
    return round1(this.#peakMb);
  }

  stop(): void {
    this.sample();
    clearInterval(this.#timer);
  }
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
