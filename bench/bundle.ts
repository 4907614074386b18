/**
 * The headless server as one file: main/cli.ts bundled by esbuild (ESM, node20, with a source map) exactly as
 * `npm run serve` builds it (scripts/build-server.mjs) — no TypeScript compiled at startup, no tsx loader thread
 * beside it. The benchmark measures this by default; `--tsx` measures the sources through tsx instead.
 */
import { join } from 'node:path';
import { buildServer } from '../scripts/build-server.mjs';
import { makeTempDir, removeTempDir } from './processes';

export interface Bundle {
  /** The bundled entry (`cli.mjs`); its source map is beside it. */
  file: string;
  remove(): void;
}

/** Bundles main/cli.ts into a temp dir. */
export async function bundleServer(): Promise<Bundle> {
  const dir = makeTempDir('infiniproxy-bundle-');
  const file = join(dir, 'cli.mjs');
  await buildServer(file);
  return { file, remove: () => removeTempDir(dir) };
}
