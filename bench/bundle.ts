/**
 * The headless server as one file: main/cli.ts bundled by esbuild (ESM, node20, with a source map), as a packaged
 * server would run — no TypeScript compiled at startup, no tsx loader thread beside it. The benchmark measures this
 * by default; `--tsx` measures the sources through tsx instead (`npm run serve`).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { makeTempDir, removeTempDir } from './processes';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Bundle {
  /** The bundled entry (`cli.mjs`); its source map is beside it. */
  file: string;
  remove(): void;
}

/** Bundles main/cli.ts into a temp dir. */
export async function bundleServer(): Promise<Bundle> {
  const dir = makeTempDir('infiniproxy-bundle-');
  const file = join(dir, 'cli.mjs');
  await build({
    entryPoints: [join(ROOT, 'main', 'cli.ts')],
    outfile: file,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    // CommonJS dependencies call require(); an ESM bundle has to provide it.
    banner: { js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);" },
  });
  return { file, remove: () => removeTempDir(dir) };
}
