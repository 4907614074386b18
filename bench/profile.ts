/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: self time by function and by file or
 * package, and inclusive time of the proxy's own functions (main/**), as markdown. Frames of a bundle are mapped back
 * to their source files through the bundle's source map.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** One line of a summary: a name and milliseconds. */
export interface ProfileEntry {
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time, in %. */
  pct: number;
}

export interface ProfileSummary {
  /** Sampled time that was not idle, in ms. */
  busyMs: number;
  bySelf: ProfileEntry[];
  byFile: ProfileEntry[];
  /** Inclusive time of functions defined under main/ (callees counted, recursion counted once). */
  ownInclusive: ProfileEntry[];
}

const IDLE = new Set(['(idle)', '(program)']);

/** Summarises a `.cpuprofile` file; `root` is cut from file paths. */
export function summariseProfile(file: string, root: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const mapFrame = sourceMapper();
  for (const node of profile.nodes) node.callFrame = mapFrame(node.callFrame);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const files = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((leafId, i) => {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(leafId);
    if (!leaf || IDLE.has(leaf.callFrame.functionName)) return;
    busy += ms;
    add(self, frameName(leaf.callFrame, root), ms);
    add(files, fileName(leaf.callFrame, root), ms);
    const seen = new Set<string>();
    for (let id: number | undefined = leafId; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)?.callFrame;
      if (!frame || !isOwn(frame, root)) continue;
      const name = frameName(frame, root);
      if (seen.has(name)) continue;
      seen.add(name);
      add(inclusive, name, ms);
    }
  });
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), pct: Math.round((ms / Math.max(busy, 1)) * 1000) / 10 }));
  return { busyMs: Math.round(busy), bySelf: rank(self), byFile: rank(files), ownInclusive: rank(inclusive) };
}

/** The summary as markdown tables. */
export function profileMarkdown(summary: ProfileSummary, title: string): string {
  const table = (head: string, rows: ProfileEntry[]): string[] => [
    `| ${head} | ms | % of busy |`,
    '|---|---:|---:|',
    ...rows.map((r) => `| \`${r.name.replace(/\|/g, '\\|')}\` | ${r.ms} | ${r.pct} |`),
    '',
  ];
  return [
    `# ${title}`,
    '',
    `Busy (non-idle) sampled time: ${summary.busyMs} ms.`,
    '',
    '## Self time by file or package',
    '',
    ...table('file / package', summary.byFile),
    '## Self time by function',
    '',
    ...table('function', summary.bySelf),
    "## Inclusive time of the proxy's own functions (main/)",
    '',
    ...table('function', summary.ownInclusive),
  ].join('\n');
}

/** Maps frames of bundled files (those with a `.map` beside them) to their original file and line. */
function sourceMapper(): (frame: CallFrame) => CallFrame {
  const maps = new Map<string, { map: SourceMap; dir: string } | null>();
  return (frame) => {
    if (!frame.url.startsWith('file://')) return frame;
    let entry = maps.get(frame.url);
    if (entry === undefined) {
      const path = fileURLToPath(frame.url);
      entry = existsSync(`${path}.map`)
        ? { map: new SourceMap(JSON.parse(readFileSync(`${path}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]), dir: dirname(path) }
        : null;
      maps.set(frame.url, entry);
    }
    if (!entry) return frame;
    const found = entry.map.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number };
    if (!found.originalSource) return frame;
    const source = found.originalSource.startsWith('file://') ? fileURLToPath(found.originalSource) : resolve(entry.dir, found.originalSource);
    return { ...frame, url: `file://${source}`, lineNumber: found.originalLine ?? 0 };
  };
}

function add(map: Map<string, number>, key: string, ms: number): void {
  map.set(key, (map.get(key) ?? 0) + ms);
}

function isOwn(frame: CallFrame, root: string): boolean {
  return shortPath(frame.url, root).startsWith('main/');
}

function frameName(frame: CallFrame, root: string): string {
  const fn = frame.functionName || '(anonymous)';
  if (!frame.url) return fn;
  return `${fn} ${shortPath(frame.url, root)}:${frame.lineNumber + 1}`;
}

/** The file (ours), the package (node_modules/<name>), `node:<module>` or the V8 pseudo-frame. */
function fileName(frame: CallFrame, root: string): string {
  if (!frame.url) return frame.functionName || '(native)';
  const path = shortPath(frame.url, root);
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (pkg) return `npm ${pkg[1]}`;
  if (path.startsWith('node:')) return path.split('/')[0] ?? path;
  return path;
}

function shortPath(url: string, root: string): string {
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(root) ? path.slice(root.length).replace(/^\//, '') : path;
}
