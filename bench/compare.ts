/**
 * `npm run bench -- --compare=<git ref>`: the proxy as built from another commit beside the proxy as built from this
 * tree, on the same backend, loaded in alternating short rounds. On a shared VM whose speed drifts by tens of percent
 * between minutes, two separate bench runs cannot show a 5% change; rounds that alternate every second or two put
 * each slow spell on both builds alike. This is the before/after figure a change on the request path states.
 *
 * The other commit is exported with `git archive` into a temp dir, given this tree's node_modules, and bundled with
 * this tree's server build options (scripts/build-server.mjs).
 */
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { serverBuildOptions } from '../scripts/build-server.mjs';
import { checkAnswer, runAlternating, runLoad } from './load';
import type { LoadResult } from './load';
import { makeTempDir, removeTempDir, waitForIdle } from './processes';
import type { BenchCase } from './requests';
import { startBackend, startInfiniProxy } from './targets';
import type { TargetRequest } from './targets';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A server bundle built from commit `ref` of this repository. */
export async function bundleAtRef(ref: string): Promise<{ file: string; commit: string; remove(): void }> {
  const commit = execFileSync('git', ['rev-parse', '--verify', `${ref}^{commit}`], { cwd: ROOT, encoding: 'utf8' }).trim();
  const dir = makeTempDir('infiniproxy-compare-');
  try {
    execFileSync('sh', ['-c', `git archive ${commit} | tar -x -C "${dir}"`], { cwd: ROOT });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    const file = join(dir, 'dist', 'cli.mjs');
    await build({ ...serverBuildOptions(file), entryPoints: [join(dir, 'main', 'cli.ts')] });
    return { file, commit, remove: () => removeTempDir(dir) };
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
}

/** One case measured on both builds. */
export interface ComparedCase {
  name: string;
  label: string;
  before: { cN: LoadResult; c1: LoadResult };
  after: { cN: LoadResult; c1: LoadResult };
}

export interface CompareOptions {
  connections: number;
  /** Seconds of load per build and measurement, split into `rounds` alternating parts. */
  seconds: number;
  rounds: number;
  warmup: number;
  log(line: string): void;
}

/** Loads the `before` and `after` bundles on `cases`, alternating, at `connections` and at 1 connection. */
export async function compareBundles(before: string, after: string, cases: readonly BenchCase[], opts: CompareOptions): Promise<ComparedCase[]> {
  const backend = await startBackend();
  const proxies = [await startInfiniProxy(backend, { bundle: before }), await startInfiniProxy(backend, { bundle: after })];
  try {
    const pids = [backend.pid, ...proxies.map((p) => p.pid)];
    const out: ComparedCase[] = [];
    for (const c of cases) {
      const reqs = proxies.map((p) => p.request(c)).filter((r): r is TargetRequest => r !== undefined);
      if (reqs.length !== 2) continue;
      for (const [i, req] of reqs.entries()) await checkAnswer(req, c, i === 0 ? 'before' : 'after');
      const targets = reqs.map((req, i) => ({ req, pid: proxies[i]!.pid }));
      await waitForIdle(pids);
      for (const { req } of targets) await runLoad(req, opts.connections, opts.warmup);
      const [bN, aN] = await runAlternating(targets, opts.connections, opts.seconds, opts.rounds, () => waitForIdle(pids));
      const [b1, a1] = await runAlternating(targets, 1, opts.seconds, opts.rounds, () => waitForIdle(pids));
      const result = { name: c.name, label: c.label, before: { cN: bN!, c1: b1! }, after: { cN: aN!, c1: a1! } };
      opts.log(
        `${c.name}: CPU ${bN!.cpuMsPerRequest} → ${aN!.cpuMsPerRequest} ms/req, ${bN!.rps} → ${aN!.rps} req/s @${opts.connections}, ` +
          `p50 @1 ${b1!.p50} → ${a1!.p50} ms`,
      );
      out.push(result);
    }
    return out;
  } finally {
    await Promise.all([...proxies.map((p) => p.stop()), backend.stop()]);
  }
}

/** The comparison as markdown. */
export function compareMarkdown(
  before: { ref: string; commit: string },
  after: { ref: string; commit: string } | undefined,
  cases: readonly ComparedCase[],
  opts: Pick<CompareOptions, 'connections' | 'seconds' | 'rounds'>,
): string {
  const name = (b: { ref: string; commit: string }): string => `${b.ref} (${b.commit.slice(0, 10)})`;
  const pct = (a: number | undefined, b: number | undefined): string => (a && b ? `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(1)}%` : '–');
  const lines = [
    `# Before/after: ${name(before)} → ${after ? name(after) : 'this tree'}`,
    '',
    `Both builds on one backend, loaded in ${opts.rounds} alternating rounds of ${opts.seconds / opts.rounds} s each ` +
      `(${opts.connections} connections for throughput and CPU, 1 for latency).`,
    '',
    '| case | CPU ms/req before | after | change | req/s before | after | p50 @1 before | after | change |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const c of cases) {
    const [b, a] = [c.before, c.after];
    lines.push(
      `| ${c.label} | ${b.cN.cpuMsPerRequest} | ${a.cN.cpuMsPerRequest} | ${pct(b.cN.cpuMsPerRequest, a.cN.cpuMsPerRequest)} | ` +
        `${b.cN.rps} | ${a.cN.rps} | ${b.c1.p50} | ${a.c1.p50} | ${pct(b.c1.p50, a.c1.p50)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
