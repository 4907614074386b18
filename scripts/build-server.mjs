// Builds the headless server and CLI (main/cli.ts) with esbuild into dist/server/cli.mjs, one ESM file with a source
// map, so `npm run serve` and `npm run cli` run plain `node` with no TypeScript loader. Run as a script it builds only
// when the bundle is missing or older than its sources (main/, shared/, package.json); without esbuild (an install
// without dev dependencies) it keeps the bundle it has. The benchmark bundles with the same options (bench/bundle.ts).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newest } from './newest-mtime.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Where `npm run serve` and `npm run cli` find the server. */
export const SERVER_BUNDLE = join(root, 'dist', 'server', 'cli.mjs');

/** esbuild's options for the server bundle written to `outfile`. */
export function serverBuildOptions(outfile) {
  return {
    entryPoints: [join(root, 'main', 'cli.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
    // CommonJS dependencies call require(); an ESM bundle has to provide it.
    banner: {
      js: "import { createRequire as __serverRequire } from 'node:module'; const require = __serverRequire(import.meta.url);",
    },
  };
}

/** Bundles the server into `outfile` (each file written beside its final name, then renamed over it). */
export async function buildServer(outfile = SERVER_BUNDLE) {
  const { build } = await import('esbuild');
  const result = await build({ ...serverBuildOptions(outfile), write: false });
  mkdirSync(dirname(outfile), { recursive: true });
  for (const file of result.outputFiles) {
    const temp = join(dirname(file.path), `.${basename(file.path)}.${process.pid}.tmp`);
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  return outfile;
}

/** Whether the bundle is missing or older than what it is built from. */
export function serverBundleStale() {
  const sources = Math.max(
    newest(join(root, 'main')),
    newest(join(root, 'shared')),
    newest(join(root, 'package.json')),
  );
  return newest(SERVER_BUNDLE) < sources;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (serverBundleStale()) {
    let esbuild = true;
    try {
      await import('esbuild');
    } catch {
      esbuild = false;
    }
    if (!esbuild) {
      if (newest(SERVER_BUNDLE) === 0) {
        process.stderr.write('dist/server/cli.mjs is not built and esbuild is not installed (run npm install).\n');
        process.exit(1);
      }
      process.stderr.write('esbuild is not installed: running the server bundle as it is (dist/server/cli.mjs).\n');
    } else {
      process.stderr.write('Building the server (dist/server/cli.mjs)...\n');
      await buildServer();
    }
  }
}
