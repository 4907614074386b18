/**
 * `npm run bench`: InfiniProxy beside claude-code-router and the backend itself, on Claude Code-sized requests.
 *
 *   npm run bench                     full run (10 s per measurement), table → bench/results/latest.{json,md}
 *   npm run bench -- --quick          short runs, a smoke check (numbers indicative only; → bench/results/partial.*.tmp)
 *   npm run bench -- --only=messages-80k-stream,messages-tiny
 *   npm run bench -- --soak           10 minutes of the streamed 80 KB case; RSS over time → bench/results/soak.{json,md}
 *   npm run bench -- --profile        the proxy under --cpu-prof on the streamed 80 KB case → bench/results/profile.md
 *   npm run bench -- --compare=REF    this tree against commit REF, alternating (80 KB streamed and tiny by default)
 *                                     → bench/results/compare.md.tmp: the before/after figures of a change;
 *                                     --compare=REF1..REF2 compares two commits
 *   options: --connections=N (default 16), --seconds=S, --no-peer,
 *            --tsx (run the proxy's sources through tsx instead of the esbuild bundle `npm run serve` runs),
 *            --proxy-node-flags="--max-semi-space-size=4 ..." (node flags for the proxy's process; default those of
 *            `npm run serve`: --max-old-space-size=1024)
 *
 * Every server runs in its own process and is stopped at the end, on an error and on Ctrl-C.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { bundleServer } from './bundle';
import { bundleAtRef, compareBundles, compareMarkdown } from './compare';
import { checkAnswer, runAlternating, runLoad } from './load';
import type { LoadResult } from './load';
import { makeTempDir, memoryOf, removeTempDir, resetPeak, RssSampler, stopAll, waitForIdle } from './processes';
import { profileMarkdown, summariseProfile } from './profile';
import { checkTargets, machineInfo, TARGET_LABELS, toMarkdown } from './report';
import type { BenchReport, CaseRun } from './report';
import { benchCases } from './requests';
import type { BenchCase } from './requests';
import { runSoak, soakMarkdown } from './soak';
import { CCR_DIR, ccrInstalled, startBackend, startCcr, startForwarder, startInfiniProxy, startInfiniProxyOnPostgres } from './targets';
import type { BackendTarget, Target, TargetRequest } from './targets';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RESULTS = join(ROOT, 'bench', 'results');
/** The node flags `npm run serve` runs with (package.json): a 1 GB old-space cap keeps V8's heap headroom small. */
const SERVE_NODE_FLAGS = ['--max-old-space-size=1024'];

interface Options {
  quick: boolean;
  soak: boolean;
  profile: boolean;
  /** A git ref to compare this tree against. */
  compare?: string;
  peer: boolean;
  tsx: boolean;
  /** Extra node flags for the proxy's process. */
  proxyFlags: string[];
  only: string[];
  connections: number;
  /** Seconds per measured run. */
  seconds: number;
  /** Seconds of warm-up before each measured run. */
  warmup: number;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      soak: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      compare: { type: 'string' },
      'no-peer': { type: 'boolean', default: false },
      tsx: { type: 'boolean', default: false },
      'proxy-node-flags': { type: 'string' },
      only: { type: 'string' },
      connections: { type: 'string' },
      seconds: { type: 'string' },
    },
    strict: true,
  });
  const quick = values.quick === true;
  const number = (v: string | undefined, fallback: number, name: string): number => {
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} must be a positive number, got "${v}"`);
    return n;
  };
  return {
    quick,
    soak: values.soak === true,
    profile: values.profile === true,
    ...(values.compare ? { compare: values.compare } : {}),
    peer: values['no-peer'] !== true,
    tsx: values.tsx === true,
    proxyFlags: values['proxy-node-flags']?.split(/\s+/).filter(Boolean) ?? SERVE_NODE_FLAGS,
    only: values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : [],
    connections: Math.round(number(values.connections, 16, 'connections')),
    seconds: number(values.seconds, quick ? 2 : 10, 'seconds'),
    warmup: quick ? 0.5 : 2,
  };
}

function selectCases(only: string[]): BenchCase[] {
  const all = benchCases();
  if (only.length === 0) return all;
  const unknown = only.filter((name) => !all.some((c) => c.name === name));
  if (unknown.length) throw new Error(`unknown case ${unknown.join(', ')}; cases: ${all.map((c) => c.name).join(', ')}`);
  return all.filter((c) => only.includes(c.name));
}

const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** The table: every case on every target, at 1 and at N connections. */
async function bench(opts: Options, bundle: string | undefined): Promise<void> {
  const cases = selectCases(opts.only);
  const machine = machineInfo();
  const notes: string[] = [];
  log(`Starting the backend, InfiniProxy${opts.peer ? ' and claude-code-router' : ''}...`);
  const backend = await startBackend();
  const forwarders = [await startForwarder(backend, 'http'), await startForwarder(backend, 'got')];
  const proxy = await startInfiniProxy(backend, { bundle, nodeFlags: opts.proxyFlags });
  const failover = await startInfiniProxy(backend, { bundle, nodeFlags: opts.proxyFlags, failover: true });
  const targets: Target[] = [backend, ...forwarders, proxy, failover];
  const samplers: Record<string, RssSampler> = { infiniproxy: new RssSampler(proxy.pid, 500), 'infiniproxy-failover': new RssSampler(failover.pid, 500) };
  const team = await startInfiniProxyOnPostgres(backend, { bundle, nodeFlags: opts.proxyFlags });
  if (typeof team === 'string') {
    log(team);
    notes.push(team);
  } else targets.push(team);
  const peer = opts.peer ? await startPeer(backend, notes) : undefined;
  if (peer) {
    targets.push(peer);
    samplers.ccr = new RssSampler(peer.pid, 500);
  }

  const runs: CaseRun[] = [];
  for (const c of cases) {
    const run: CaseRun = { name: c.name, label: c.label, bytes: Buffer.byteLength(c.body), targets: {} };
    runs.push(run);
    const ready: Target[] = [];
    for (const target of targets) {
      const req = target.request(c);
      if (!req) {
        run.targets[target.name] = { skipped: `n/a (no ${c.path})` };
        continue;
      }
      try {
        await checkAnswer(req, c, target.label);
        run.targets[target.name] = {};
        ready.push(target);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        log(`  skipped: ${message}`);
        run.targets[target.name] = { skipped: `failed: ${message.slice(0, 120)}` };
        notes.push(message);
      }
    }
    for (const target of ready) for (const pid of pidsOf(target)) resetPeak(pid);
    // Latency at one connection: the targets in alternating rounds, so that the machine's slow spells fall on all.
    const single = ready.map((target) => ({ target, req: target.request(c) as TargetRequest, pid: pidsOf(target) }));
    const pids = [...new Set([backend.pid, ...ready.flatMap(pidsOf)])];
    if (!(await waitForIdle(pids))) notes.push(`a target was still busy 30 s before ${c.name} @1`);
    for (const { req } of single) await runLoad(req, 1, opts.warmup);
    const latencies = await runAlternating(single, 1, opts.seconds, opts.quick ? 2 : LATENCY_ROUNDS, () => waitForIdle(pids));
    for (const [i, { target }] of single.entries()) {
      const result = latencies[i]!;
      run.targets[target.name] = { ...run.targets[target.name], c1: result };
      logRun(c.name, target, 1, result);
      if (result.failures) notes.push(`${target.label} on ${c.name} @1: ${result.failures} failed requests`);
    }
    // Throughput at many connections: one target at a time.
    const connections = opts.connections;
    for (const target of ready) {
      const req = target.request(c);
      if (!req || target.latencyOnly) continue;
      if (!(await waitForIdle([backend.pid, ...pidsOf(target)]))) notes.push(`${target.label} was still busy 30 s after the previous run`);
      await runLoad(req, connections, opts.warmup);
      const result = await runLoad(req, connections, opts.seconds, pidsOf(target));
      run.targets[target.name] = { ...run.targets[target.name], cN: result };
      logRun(c.name, target, connections, result);
      if (result.failures) notes.push(`${target.label} on ${c.name} @${connections}: ${result.failures} failed requests`);
    }
    for (const target of ready) {
      const slot = run.targets[target.name];
      const peak = memoryOf(target.pid)?.peakMb;
      if (slot && peak !== undefined) slot.peakRssMb = Math.round(peak * 10) / 10;
      samplers[target.name]?.sample();
    }
  }

  const peakRssMb: Record<string, number> = {};
  for (const [name, sampler] of Object.entries(samplers)) {
    sampler.stop();
    peakRssMb[name] = sampler.peakMb;
  }
  await Promise.all(targets.map((t) => t.stop()));
  if (opts.quick) notes.push('Quick run: short measurements, numbers are indicative only.');
  const report: BenchReport = {
    date: new Date().toISOString(),
    mode: opts.quick ? 'quick' : 'full',
    proxyRunner: bundle ? 'bundle' : 'tsx',
    proxyNodeFlags: opts.proxyFlags,
    machine,
    connections: opts.connections,
    seconds: opts.seconds,
    cases: runs,
    peakRssMb,
    checks: checkTargets(runs, peakRssMb),
    notes,
  };
  const markdown = toMarkdown(report);
  process.stdout.write(`\n${markdown}`);
  // Only a full run of every case is the table of record; others go to git-ignored .tmp files.
  const [json, md] = opts.only.length || opts.quick ? ['partial.json.tmp', 'partial.md.tmp'] : ['latest.json', 'latest.md'];
  writeResults(json, JSON.stringify(report, null, 2) + '\n');
  writeResults(md, markdown);
}

/** A target's processes. */
function pidsOf(target: Target): number[] {
  return target.pids ?? [target.pid];
}

/** Rounds of the alternating latency measurement (each target `seconds / LATENCY_ROUNDS` per round; 2 with --quick). */
const LATENCY_ROUNDS = 5;

function logRun(caseName: string, target: Target, connections: number, result: LoadResult): void {
  log(
    `${caseName.padEnd(20)} ${TARGET_LABELS[target.name]?.padEnd(26)} @${String(connections).padEnd(3)} ` +
      `${String(result.rps).padStart(7)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  CPU ${result.cpuMsPerRequest} ms/req` +
      (result.failures ? `  FAILURES ${result.failures}` : ''),
  );
}

/** claude-code-router, or undefined (with a note) when it is not installed or does not start. */
async function startPeer(backend: BackendTarget, notes: string[]): Promise<Target | undefined> {
  if (!ccrInstalled()) {
    const note =
      `claude-code-router is not installed in ${CCR_DIR}: the peer was skipped ` +
      `(npm install --prefix ${CCR_DIR} @musistudio/claude-code-router@2.0.0).`;
    log(note);
    notes.push(note);
    return undefined;
  }
  try {
    return await startCcr(backend);
  } catch (err) {
    const note = `claude-code-router did not start: ${err instanceof Error ? err.message : String(err)}`;
    log(note);
    notes.push(note);
    return undefined;
  }
}

/** The proxy under `--cpu-prof` on one case (default the streamed 80 KB one); a summary of where time went. */
async function profile(opts: Options, bundle: string | undefined): Promise<void> {
  const c = selectCases(opts.only.length ? opts.only.slice(0, 1) : ['messages-80k-stream'])[0];
  if (!c) throw new Error('no case to profile');
  const dir = makeTempDir('infiniproxy-prof-');
  try {
    const backend = await startBackend();
    const proxy = await startInfiniProxy(backend, { bundle, nodeFlags: [...opts.proxyFlags, '--cpu-prof', `--cpu-prof-dir=${dir}`] });
    const req = proxy.request(c);
    if (!req) throw new Error(`InfiniProxy does not serve ${c.name}`);
    await checkAnswer(req, c, 'InfiniProxy');
    const seconds = opts.quick ? 5 : 20;
    log(`Profiling InfiniProxy on ${c.name} at ${opts.connections} connections for ${seconds} s...`);
    const result = await runLoad(req, opts.connections, seconds, proxy.pid);
    log(`${result.rps} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, CPU ${result.cpuMsPerRequest} ms/req (profiling slows it)`);
    await proxy.stop(); // the profile is written as the proxy exits
    await backend.stop();
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error(`no .cpuprofile written in ${dir}`);
    const title =
      `CPU profile: InfiniProxy (${bundle ? 'bundle' : 'tsx'}), ${c.label}, ${opts.connections} connections, ${seconds} s ` +
      `(${result.rps} req/s, ${result.cpuMsPerRequest} ms CPU per request)`;
    const markdown = profileMarkdown(summariseProfile(join(dir, file), ROOT), title);
    process.stdout.write(`\n${markdown}`);
    writeResults('profile.md', markdown);
  } finally {
    removeTempDir(dir);
  }
}

/** This tree against `opts.compare`, alternating rounds (see compare.ts). */
async function compare(opts: Options, bundle: string): Promise<void> {
  const [ref, afterRef] = opts.compare!.split('..') as [string, string | undefined];
  log(`Building ${opts.compare}...`);
  const before = await bundleAtRef(ref);
  const after = afterRef ? await bundleAtRef(afterRef) : undefined;
  try {
    const cases = selectCases(opts.only.length ? opts.only : ['messages-80k-stream', 'messages-tiny']);
    const settings = { connections: opts.connections, seconds: opts.seconds * 2, rounds: opts.quick ? 4 : 10, warmup: opts.warmup, log };
    const results = await compareBundles(before.file, after?.file ?? bundle, cases, settings);
    const markdown = compareMarkdown({ ref, commit: before.commit }, after ? { ref: afterRef!, commit: after.commit } : undefined, results, settings);
    process.stdout.write(`\n${markdown}`);
    writeResults('compare.md.tmp', markdown);
  } finally {
    before.remove();
    after?.remove();
  }
}

/** Ten minutes (one with --quick) of the streamed 80 KB case against the proxy, RSS sampled every 5 s. */
async function soak(opts: Options, bundle: string | undefined): Promise<void> {
  const c = selectCases(opts.only.length ? opts.only.slice(0, 1) : ['messages-80k-stream'])[0];
  if (!c) throw new Error('no case to soak');
  const backend = await startBackend();
  const proxy = await startInfiniProxy(backend, { bundle, nodeFlags: opts.proxyFlags });
  const req = proxy.request(c);
  if (!req) throw new Error(`InfiniProxy does not serve ${c.name}`);
  await checkAnswer(req, c, 'InfiniProxy');
  const seconds = opts.quick ? 60 : 600;
  log(`Soak: InfiniProxy on ${c.name} at ${opts.connections} connections for ${seconds} s...`);
  const result = await runSoak(req, c.name, proxy.pid, { connections: opts.connections, seconds, segmentS: 30, sampleMs: 5000, log });
  await proxy.stop();
  await backend.stop();
  const markdown = soakMarkdown(result);
  process.stdout.write(`\n${markdown}`);
  const [json, md] = opts.quick ? ['soak.json.tmp', 'soak.md.tmp'] : ['soak.json', 'soak.md'];
  const info = { date: new Date().toISOString(), machine: machineInfo(), proxyRunner: bundle ? 'bundle' : 'tsx', proxyNodeFlags: opts.proxyFlags };
  writeResults(json, JSON.stringify({ ...info, ...result }, null, 2) + '\n');
  writeResults(md, markdown);
}

function writeResults(name: string, text: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, name), text);
  log(`wrote bench/results/${name}`);
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const bundle = opts.tsx ? undefined : await bundleServer();
  try {
    if (opts.compare !== undefined) {
      if (!bundle) throw new Error('--compare measures bundles: drop --tsx');
      await compare(opts, bundle.file);
    } else if (opts.profile) await profile(opts, bundle?.file);
    else if (opts.soak) await soak(opts, bundle?.file);
    else await bench(opts, bundle?.file);
  } finally {
    await stopAll();
    bundle?.remove();
  }
}

main()
  .catch((err: unknown) => {
    log(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = 1;
  })
  .finally(() => stopAll());
