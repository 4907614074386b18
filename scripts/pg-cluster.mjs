// A throwaway PostgreSQL cluster for tests and the bench: initdb in a temp dir, started on a free loopback port with
// its unix socket in that dir, trust auth for the `postgres` role, no fsync (tests never need durability across a
// machine crash). The server refuses to run as root, so as root it runs as the `postgres` user (runuser).
// With `{ tls: true }` it also serves TLS, with a certificate for localhost and 127.0.0.1 signed by a throwaway CA
// (made with the openssl CLI) whose certificate is `caFile`; plain connections are still accepted.
//   const pg = await startPgCluster(); pg.url('mydb'); await pg.stop();
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.mjs';

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

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** Runs a server binary as the user the server accepts (postgres when we are root). */
function runPg(bin, args, opts = {}) {
  const [cmd, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, ...opts });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Runs the openssl CLI (quietly; its stderr in the error when it fails). */
function openssl(args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A P-256 key and a certificate request, or a self-signed certificate with `-x509`. */
const newCert = (keyFile, outFile, cn, extra) =>
  openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', outFile, '-subj', `/CN=${cn}`, ...extra]);

/**
 * A throwaway certificate authority in `dir` (its certificate `ca.pem`, its key `ca.key`), valid for two days.
 * Returns `{ certFile, keyFile }`.
 */
export function makeTestCa(dir, name = 'InfiniProxy test CA') {
  const certFile = join(dir, 'ca.pem');
  const keyFile = join(dir, 'ca.key');
  newCert(keyFile, certFile, name, ['-x509', '-days', '2', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  return { certFile, keyFile };
}

/** A server certificate for localhost and 127.0.0.1 signed by `ca`, in `dir` (server.crt, server.key mode 0600). */
function makeServerCert(dir, ca) {
  const csr = join(dir, 'server.csr');
  const ext = join(dir, 'server.ext');
  const certFile = join(dir, 'server.crt');
  const keyFile = join(dir, 'server.key');
  newCert(keyFile, csr, 'localhost', []);
  writeFileSync(ext, 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n');
  const serial = `0x${Date.now().toString(16)}${process.pid.toString(16)}`;
  openssl(['x509', '-req', '-in', csr, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', serial, '-days', '2', '-extfile', ext, '-out', certFile]);
  rmSync(csr);
  rmSync(ext);
  chmodSync(keyFile, 0o600); // the server refuses a key others can read
  return { certFile, keyFile };
}

/**
 * Starts a cluster (serving TLS too with `{ tls: true }`). Returns `{ port, dir, url(db), stop(), pause(), resume() }`
 * and, with TLS, `caFile` (the CA certificate that signed the server's); `url(db)` is a postgres:// URL for database
 * `db` (create it with `createDatabase`).
 */
export async function startPgCluster({ tls = false } = {}) {
  const bin = pgBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found (install Debian\'s `postgresql` package, or set PG_BIN).');
  const dir = mkdtempSync(join(tmpdir(), 'infiniproxy-pg-'));
  const ca = tls ? makeTestCa(dir) : null;
  const server = ca ? makeServerCert(dir, ca) : null;
  if (isRoot()) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    for (const path of [dir, ...(server ? [server.certFile, server.keyFile] : [])]) chownSync(path, uid, gid);
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
    ...(server ? ['-c ssl=on', `-c ssl_cert_file=${server.certFile}`, `-c ssl_key_file=${server.keyFile}`] : []),
  ].join(' ');
  const start = () => runPg(join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  const stop = (mode = 'fast') => runPg(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', '-t', '30', 'stop']);
  start();
  let running = true;
  return {
    port,
    dir,
    ...(ca ? { caFile: ca.certFile } : {}),
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
