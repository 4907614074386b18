/**
 * The benchmark's results: their JSON shape, the issue's targets checked against them, and the markdown table
 * (printed, and written to bench/results/latest.md; bench/README.md and the README summary quote it).
 */
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { LoadResult } from './load';

/** Results of one target on one case. */
export interface TargetRun {
  /** One connection: latency. */
  c1?: LoadResult;
  /** Many connections: throughput. */
  cN?: LoadResult;
  /** Why it was not measured. */
  skipped?: string;
  /** Peak RSS (MB) of the target's process during this case (its high-water mark reset before the case). */
  peakRssMb?: number;
}

export interface CaseRun {
  name: string;
  label: string;
  /** Request bytes the client sends. */
  bytes: number;
  /** By target name (`backend`, `infiniproxy`, `ccr`). */
  targets: Record<string, TargetRun>;
}

export interface Machine {
  cpu: string;
  cores: number;
  memGb: number;
  node: string;
  kernel: string;
  /** 1-minute load average when the run started (other work on the machine makes numbers noisy). */
  loadAtStart: number;
}

export interface TargetCheck {
  name: string;
  goal: string;
  measured: string;
  /** Undefined when it could not be measured. */
  ok?: boolean;
}

export interface BenchReport {
  date: string;
  mode: 'full' | 'quick';
  /** How the proxy ran: an esbuild bundle of main/cli.ts, or the sources through tsx (`npm run serve`). */
  proxyRunner: 'bundle' | 'tsx';
  /** Node flags the proxy ran with (none by default). */
  proxyNodeFlags: string[];
  machine: Machine;
  /** Connections of the throughput runs. */
  connections: number;
  /** Seconds per measured run. */
  seconds: number;
  cases: CaseRun[];
  /** Peak RSS (VmHWM) in MB by target name. */
  peakRssMb: Record<string, number>;
  checks: TargetCheck[];
  notes: string[];
}

/** The target labels, in table order. */
export const TARGET_LABELS: Record<string, string> = {
  backend: 'backend direct (floor)',
  'forwarder-http': 'node:http forwarder (reference, 1 connection only)',
  'forwarder-got': 'got forwarder (reference, 1 connection only)',
  infiniproxy: 'InfiniProxy',
  'infiniproxy-failover': 'InfiniProxy, 2 providers with failover',
  'infiniproxy-pg': 'InfiniProxy on PostgreSQL, 2 instances round-robin',
  ccr: 'claude-code-router 2.0.0',
};

/** Describes this machine. */
export function machineInfo(): Machine {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    kernel: release(),
    loadAtStart: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}

/** p50 at one connection of `target` minus the backend's, for a case (undefined if either is missing). */
export function addedP50(run: CaseRun, target: string): number | undefined {
  const own = run.targets[target]?.c1?.p50;
  const floor = run.targets.backend?.c1?.p50;
  return own === undefined || floor === undefined || !Number.isFinite(own - floor) ? undefined : round2(own - floor);
}

/** The issue's targets, checked against a report's cases and RSS. */
export function checkTargets(cases: readonly CaseRun[], peakRssMb: Record<string, number>): TargetCheck[] {
  const byName = new Map(cases.map((c) => [c.name, c]));
  const checks: TargetCheck[] = [];
  const stream80 = byName.get('messages-80k-stream');
  if (stream80) {
    const ours = stream80.targets.infiniproxy?.cN?.rps;
    const peer = stream80.targets.ccr?.cN?.rps;
    const ratio = ours !== undefined && peer ? ours / peer : undefined;
    checks.push({
      name: 'throughput, 80 KB streamed, many connections',
      goal: '≥ 10× claude-code-router',
      measured: ratio === undefined ? 'n/a (peer not measured)' : `${ratio.toFixed(1)}× (${ours} vs ${peer} req/s)`,
      ok: ratio === undefined ? undefined : ratio >= 10,
    });
  }
  const latencyGoals: [string, number][] = [
    ['messages-tiny', 1],
    ['messages-80k-stream', 3],
    ['messages-80k', 3],
    ['messages-1m-stream', 15],
  ];
  for (const [name, limit] of latencyGoals) {
    const run = byName.get(name);
    if (!run) continue;
    const added = addedP50(run, 'infiniproxy');
    const viaGot = addedP50(run, 'forwarder-got');
    const viaHttp = addedP50(run, 'forwarder-http');
    const hops = viaGot === undefined || viaHttp === undefined ? '' : ` (forwarders: got ${viaGot.toFixed(2)}, node:http ${viaHttp.toFixed(2)})`;
    checks.push({
      name: `added p50 at 1 connection, ${run.label.replace(/^messages /, '')}`,
      goal: `≤ ${limit} ms`,
      measured: added === undefined ? 'n/a' : `${added.toFixed(2)} ms${hops}`,
      ok: added === undefined ? undefined : added <= limit,
    });
  }
  if (stream80?.targets['infiniproxy-failover']) {
    const ours = stream80.targets['infiniproxy-failover']?.cN?.rps;
    const peer = stream80.targets.ccr?.cN?.rps;
    const ratio = ours !== undefined && peer ? ours / peer : undefined;
    checks.push({
      name: 'throughput, 80 KB streamed, 2 providers with failover',
      goal: '≥ 10× claude-code-router',
      measured: ratio === undefined ? 'n/a (peer not measured)' : `${ratio.toFixed(1)}× (${ours} vs ${peer} req/s)`,
      ok: ratio === undefined ? undefined : ratio >= 10,
    });
    const one = addedP50(stream80, 'infiniproxy');
    const two = addedP50(stream80, 'infiniproxy-failover');
    const growth = one === undefined || two === undefined ? undefined : round2(two - one);
    checks.push({
      name: 'added p50 growth with 2 providers and failover, 80 KB streamed',
      goal: '≤ 0.3 ms',
      measured: growth === undefined ? 'n/a' : `${growth.toFixed(2)} ms (${two?.toFixed(2)} vs ${one?.toFixed(2)} ms)`,
      ok: growth === undefined ? undefined : growth <= 0.3,
    });
  }
  if (stream80?.targets['infiniproxy-pg']) {
    const lowdb = addedP50(stream80, 'infiniproxy');
    const pg = addedP50(stream80, 'infiniproxy-pg');
    const extra = lowdb === undefined || pg === undefined ? undefined : round2(pg - lowdb);
    const [one, two] = [stream80.targets.infiniproxy?.cN?.rps, stream80.targets['infiniproxy-pg']?.cN?.rps];
    checks.push({
      name: 'added p50 of the PostgreSQL store at 1 connection (2 instances vs lowdb), 80 KB streamed',
      goal: '≤ 1 ms',
      measured:
        extra === undefined
          ? 'n/a'
          : `${extra.toFixed(2)} ms (${pg?.toFixed(2)} vs ${lowdb?.toFixed(2)} ms); throughput ${two ?? '–'} vs ${one ?? '–'} req/s`,
      ok: extra === undefined ? undefined : extra <= 1,
    });
  }
  const rss = stream80?.targets.infiniproxy?.peakRssMb;
  checks.push({
    name: 'peak RSS of the proxy under the 80 KB streamed load',
    goal: '≤ 200 MB',
    measured: rss === undefined ? 'n/a' : `${rss} MB (whole run: ${peakRssMb.infiniproxy ?? 'n/a'} MB)`,
    ok: rss === undefined ? undefined : rss <= 200,
  });
  return checks;
}

/** The report as markdown: the machine, the table, RSS and the targets. */
export function toMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Measured ${report.date.slice(0, 16).replace('T', ' ')} UTC on ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, Node ${m.node}, ` +
      `Linux ${m.kernel} (load ${m.loadAtStart} at start; ${report.mode} run, ${report.seconds} s per measurement). ` +
      `InfiniProxy runs ${report.proxyRunner === 'bundle' ? 'as an esbuild bundle of main/cli.ts' : 'from its sources through tsx (npm run serve)'}` +
      `${report.proxyNodeFlags.length ? ` with node ${report.proxyNodeFlags.join(' ')}` : ''}, ` +
      'each server in its own process; the backend is the scripted backend (~400 characters of text, 53 SSE chunks); ' +
      `throughput at ${report.connections} connections, latency at 1 connection; times in ms. ` +
      'CPU ms/req is the CPU time the server process used per answer at many connections (user + system); ' +
      'peak RSS is the process high-water mark during that case (reset to the RSS at its start).',
    '',
    `| case | target | req/s @${report.connections} | p50 @${report.connections} | p99 @${report.connections} | CPU ms/req | peak RSS MB | p50 @1 | p99 @1 | added p50 @1 | req/s vs peer |`,
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of report.cases) {
    const peerRps = c.targets.ccr?.cN?.rps;
    for (const [target, label] of Object.entries(TARGET_LABELS)) {
      const run = c.targets[target];
      if (!run) continue;
      const head = `| ${c.label} (${kb(c.bytes)}) | ${label}`;
      if (run.skipped) {
        lines.push(`${head} | ${run.skipped} | | | | | | | | |`);
        continue;
      }
      if (run.cN?.requests === 0) {
        lines.push(`${head} | 0 (none completed in ${report.seconds} s) | | | | ${fmt(run.peakRssMb, 0)} | ${fmt(run.c1?.p50)} | ${fmt(run.c1?.p99)} | | |`);
        continue;
      }
      const added = target === 'backend' ? '' : fmt(addedP50(c, target));
      const vsPeer = target === 'infiniproxy' && peerRps && run.cN ? `${(run.cN.rps / peerRps).toFixed(1)}×` : '';
      lines.push(
        `${head} | ${fmt(run.cN?.rps, 0)} | ${fmt(run.cN?.p50)} | ${fmt(run.cN?.p99)} | ${fmt(run.cN?.cpuMsPerRequest)} | ${fmt(run.peakRssMb, 0)} | ` +
          `${fmt(run.c1?.p50)} | ${fmt(run.c1?.p99)} | ${added} | ${vsPeer} |`,
      );
    }
  }
  lines.push('', `Peak RSS over the whole run, startup included (VmHWM): ${Object.entries(report.peakRssMb).map(([t, mb]) => `${TARGET_LABELS[t] ?? t} ${mb} MB`).join(', ')}.`, '');
  lines.push('| target | goal | measured | |', '|---|---|---|---|');
  for (const check of report.checks) {
    lines.push(`| ${check.name} | ${check.goal} | ${check.measured} | ${check.ok === undefined ? '–' : check.ok ? 'met' : 'NOT met'} |`);
  }
  if (report.notes.length) lines.push('', ...report.notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

function fmt(n: number | null | undefined, digits = 2): string {
  return n === undefined || n === null || !Number.isFinite(n) ? '–' : n.toFixed(digits);
}

function kb(bytes: number): string {
  return bytes >= 1_000_000 ? `${(bytes / 1_000_000).toFixed(2)} MB` : bytes >= 1000 ? `${Math.round(bytes / 1000)} KB` : `${bytes} B`;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
