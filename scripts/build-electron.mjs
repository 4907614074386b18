// Bundles the desktop shell with esbuild into dist-electron/ (what package.json's "main" points at):
//   index.cjs    main/index.ts, the whole core included (ESM-only packages such as lowdb and got become CJS)
//   preload.cjs  main/desktop/preload.ts; a sandboxed preload may only require('electron'), so it is checked
//   tray/        the tray images from build/tray
// Electron itself stays external. Pure esbuild: it runs where Electron cannot.
// `--out <dir>` writes elsewhere (the tests bundle into a temp dir).
import { build } from 'esbuild';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const out = outFlag > 0 && process.argv[outFlag + 1] ? resolve(process.argv[outFlag + 1]) : join(root, 'dist-electron');

rmSync(out, { recursive: true, force: true });

const common = {
  bundle: true,
  format: 'cjs',
  external: ['electron'],
  sourcemap: 'linked',
  logLevel: 'warning',
  legalComments: 'none',
};

// Main: Electron 41 runs Node 24. `import.meta.url` (used by ESM code to find files) has no CJS
// equivalent, so it is defined from __filename.
await build({
  ...common,
  entryPoints: [join(root, 'main/index.ts')],
  outfile: join(out, 'index.cjs'),
  platform: 'node',
  target: 'node22',
  define: { 'import.meta.url': '__importMetaUrl' },
  banner: { js: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
});

// Preload: runs in the sandboxed renderer, where only require('electron') exists.
await build({
  ...common,
  entryPoints: [join(root, 'main/desktop/preload.ts')],
  outfile: join(out, 'preload.cjs'),
  platform: 'browser',
  target: 'chrome130',
});
const required = [...readFileSync(join(out, 'preload.cjs'), 'utf8').matchAll(/\brequire\(["']([^"']+)["']\)/g)]
  .map((m) => m[1])
  .filter((name) => name !== 'electron');
if (required.length) {
  console.error(`preload.cjs requires ${required.join(', ')}: a sandboxed preload can only require electron.`);
  process.exit(1);
}

cpSync(join(root, 'build/tray'), join(out, 'tray'), { recursive: true });
console.log(`built ${out}: index.cjs, preload.cjs, tray/`);
