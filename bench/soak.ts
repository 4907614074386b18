/**
 * The soak: one case against the proxy for a long time (10 minutes by default), in back-to-back segments, with the
 * proxy's RSS sampled throughout. Memory is flat when the last minute's median RSS is within 10% (or 10 MB) of the
 * median of the first minute after warm-up.
 */
import { runLoad } from './load';
import type { LoadResult } from './load';
import { RssSampler } from './processes';
import type { RssSample } from './processes';
import type { TargetRequest } from './targets';

export interface SoakResult {
  case: string;
  connections: number;
  seconds: number;
  segments: Pick<LoadResult, 'rps' | 'p50' | 'p99' | 'failures'>[];
  samples: RssSample[];
  peakMb: number;
  /** Median RSS of the minute after the first (warm-up) minute, and of the last minute. */
  earlyMb: number;
  lateMb: number;
  flat: boolean;
}

/** Loads `req` for `seconds` in segments of `segmentS`, sampling `pid`'s RSS every `sampleMs`. */
export async function runSoak(
  req: TargetRequest,
  caseName: string,
  pid: number,
  opts: { connections: number; seconds: number; segmentS: number; sampleMs: number; log: (line: string) => void },
): Promise<SoakResult> {
  const sampler = new RssSampler(pid, opts.sampleMs);
  const segments: SoakResult['segments'] = [];
  const started = Date.now();
  while ((Date.now() - started) / 1000 < opts.seconds) {
    const left = opts.seconds - (Date.now() - started) / 1000;
    const r = await runLoad(req, opts.connections, Math.max(1, Math.min(opts.segmentS, Math.round(left))));
    segments.push({ rps: r.rps, p50: r.p50, p99: r.p99, failures: r.failures });
    const rss = sampler.samples.at(-1)?.rssMb ?? 0;
    opts.log(`soak ${Math.round((Date.now() - started) / 1000)} s: ${r.rps} req/s, p50 ${r.p50} ms, RSS ${rss} MB`);
  }
  sampler.stop();
  const window = Math.min(60, opts.seconds / 3);
  const early = median(sampler.samples.filter((s) => s.t >= window && s.t < 2 * window).map((s) => s.rssMb));
  const late = median(sampler.samples.filter((s) => s.t >= opts.seconds - window).map((s) => s.rssMb));
  return {
    case: caseName,
    connections: opts.connections,
    seconds: opts.seconds,
    segments,
    samples: sampler.samples,
    peakMb: sampler.peakMb,
    earlyMb: early,
    lateMb: late,
    flat: late <= Math.max(early * 1.1, early + 10),
  };
}

/** The soak as markdown: the verdict and RSS over time. */
export function soakMarkdown(s: SoakResult): string {
  const every = Math.max(1, Math.floor(s.samples.length / 20));
  const rss = s.samples.filter((_, i) => i % every === 0).map((x) => `${Math.round(x.t)} s ${x.rssMb} MB`);
  const rps = s.segments.map((x) => x.rps);
  return [
    `Soak: ${s.case} at ${s.connections} connections for ${s.seconds} s. RSS median ${s.earlyMb} MB (after warm-up) → ` +
      `${s.lateMb} MB (last minute), peak ${s.peakMb} MB: ${s.flat ? 'flat' : 'GROWING'}. ` +
      `Throughput per segment ${Math.min(...rps)}–${Math.max(...rps)} req/s; failures ${s.segments.reduce((a, x) => a + x.failures, 0)}.`,
    '',
    `RSS over time: ${rss.join(', ')}.`,
    '',
  ].join('\n');
}

function median(values: number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}
