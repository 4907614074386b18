// Builds the web admin (dist/renderer) before `npm run serve` when it is missing or older than its sources
// (renderer/, shared/, vite.config.ts), so a fresh clone or a `git pull` serves the admin it has. It never stops the
// proxy from starting: without Vite (a production install) or on a failed build it only says so.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newest } from './newest-mtime.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'dist', 'renderer', 'index.html');

const sources = Math.max(newest(join(root, 'renderer')), newest(join(root, 'shared')), newest(join(root, 'vite.config.ts')));
const vite = join(root, 'node_modules', 'vite', 'bin', 'vite.js');
if (newest(built) < sources) {
  if (newest(vite) === 0) {
    process.stderr.write('The web admin is not built and Vite is not installed (npm install without --omit=dev builds it).\n');
  } else {
    process.stderr.write('Building the web admin (dist/renderer)...\n');
    try {
      execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    } catch {
      // The proxy still starts; /admin/ then says how to build the admin.
      process.stderr.write('Building the web admin failed; the proxy starts without it.\n');
    }
  }
}
