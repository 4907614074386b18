// A throwaway PostgreSQL cluster for tests and the bench: initdb in a temp dir, started on a free loopback port with
// its unix socket in that dir, trust auth for the `postgres` role, no fsync (tests never need durability across a
// machine crash). The server refuses to run as root, so as root it runs as the `postgres` user (runuser).
//   const pg = await startPgCluster(); pg.url('mydb'); await pg.stop();
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The newest installed server's bin dir (Debian: /usr/lib/postgresql/<major>/bin), or PG_BIN. */
export function pgBinDir(env = process.env) {
  if (env.PG_BIN) return existsSync(join(env.PG_BIN, 'initdb')) ? env.PG_BIN : null;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? join(root, majors[0], 'bin') : null;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a server binary as the user the server accepts (postgres when we are root). */
function runPg(bin, args, opts = {}) {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/**
 * Starts a cluster. Returns `{ port, dir, url(db), stop(), restart(), pause(), resume() }`; `url(db)` is a
 * postgres:// URL for database `db` (create it with `createDatabase`).
 */
export async function startPgCluster() {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (install Debian\'s `postgresql` package, or set PG_BIN).');
  const dir = mkdtempSync(join(tmpdir(), 'infiniproxy-pg-'));
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  const data = join(dir, 'data');
  runPg(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const options = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const start = () => runPg(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const stop = (mode = 'fast') => runPg(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  start();
  let running = true;
  return {
    port,
    dir,
    url: (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`,
    /** Stops the server (the data stays): for outage tests. */
    pause() {
      if (running) stop('fast');
      running = false;
    },
    /** Starts it again on the same port. */
    resume() {
      if (!running) start();
      running = true;
    },
    /** Stops the server and removes the cluster. */
    async stop() {
      try {
        if (running) stop('immediate');
      } finally {
        running = false;
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
