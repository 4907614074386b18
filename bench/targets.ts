/**
 * What the benchmark loads: the scripted backend directly (the floor), InfiniProxy's headless server, and
 * claude-code-router 2.0.0 (the peer) when installed in ~/.cache/infiniproxy/ccr. Each runs in its own process, so
 * its memory is its own and its CPU is not the load generator's; each is stopped by `stop()` or, on any exit of the
 * benchmark, by processes.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SERVER_INFO_FILE } from '../main/app/runtime';
import { BACKEND_MODEL } from './requests';
import type { BenchCase } from './requests';
import { pgBinDir, startPgCluster } from '../scripts/pg-cluster.mjs';
import { makeTempDir, removeTempDir, spawnTracked, stopChild, waitForLine } from './processes';
import { freePort } from '../scripts/free-port.mjs';

/** The request a target gets for a case. */
export interface TargetRequest {
  url: string;
  /** Every instance's URL (`url` first) when the target is several instances, loaded round-robin (load.ts). */
  roundRobin?: string[];
  headers: Record<string, string>;
  body: string;
}

export interface Target {
  /** `backend`, `infiniproxy` or `ccr`. */
  name: string;
  label: string;
  pid: number;
  /** Every process of the target (`pid` first) when it has several: their CPU is summed. */
  pids?: number[];
  /** Measured at one connection only: a reference for latency, not a contender. */
  latencyOnly?: boolean;
  /** The request for `c`, or undefined when the target does not serve that case. */
  request(c: BenchCase): TargetRequest | undefined;
  stop(): Promise<void>;
}

/** The backend, with the URL and key the proxies are configured with. */
export interface BackendTarget extends Target {
  /** `http://127.0.0.1:PORT/v1`. */
  url: string;
  apiKey: string;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
const JSON_TYPE = { 'content-type': 'application/json' };

/** The directory claude-code-router is installed in for the benchmark. */
export const CCR_DIR = join(homedir(), '.cache', 'infiniproxy', 'ccr');
const CCR_CLI = join(CCR_DIR, 'node_modules', '@musistudio', 'claude-code-router', 'dist', 'cli.js');

/** Starts the scripted backend (bench/backend-child.ts) in its own process. */
export async function startBackend(): Promise<BackendTarget> {
  const child = spawnTracked(process.execPath, ['--import', TSX, join(ROOT, 'bench', 'backend-child.ts')], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const info = await waitForLine(child, parseReady, 30_000, 'scripted backend');
  const origin = info.url.replace(/\/v1$/, '');
  return {
    name: 'backend',
    label: 'backend direct',
    pid: child.pid ?? 0,
    url: info.url,
    apiKey: info.apiKey,
    request: (c) => ({
      url: `${origin}/v1/chat/completions`,
      headers: { ...JSON_TYPE, authorization: `Bearer ${info.apiKey}` },
      body: c.directBody,
    }),
    stop: () => stopChild(child),
  };
}

/**
 * Starts a reference forwarder (bench/forwarder-child.ts): a bare node:http server forwarding the backend's own
 * request for each case through InfiniProxy's got client (`got`) or a plain node:http request (`http`).
 */
export async function startForwarder(backend: BackendTarget, client: 'got' | 'http'): Promise<Target> {
  const args = [join(ROOT, 'bench', 'forwarder-child.ts'), backend.url, backend.apiKey, client];
  const child = spawnTracked(process.execPath, ['--import', TSX, ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const info = await waitForLine(child, parseUrlLine, 30_000, `${client} forwarder`);
  return {
    name: `forwarder-${client}`,
    label: `${client === 'got' ? 'got' : 'node:http'} forwarder (reference)`,
    pid: child.pid ?? 0,
    latencyOnly: true,
    request: (c) => ({ url: `${info.url}/v1/chat/completions`, headers: { ...JSON_TYPE }, body: c.directBody }),
    stop: () => stopChild(child),
  };
}

export interface ProxyTargetOptions {
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Run this bundle of main/cli.ts (bench/bundle.ts) instead of the sources through tsx. */
  bundle?: string;
  /**
   * Two providers with failover on: a second provider `backup` on the same backend, and every model routed to
   * `default` first, then `backup` (target `infiniproxy-failover`).
   */
  failover?: boolean;
  /** More environment for the server (e.g. DATABASE_URL). */
  env?: Record<string, string>;
  /** Use this API key (made on another instance of the same store) instead of making a user and a key. */
  apiKey?: string;
}

/**
 * Starts `main/cli.ts serve` (as `npm run serve` does) on a temp data dir, configured for the backend through the
 * environment, and makes a user and an API key through the admin API. Its log goes to a file in the data dir.
 */
export async function startInfiniProxy(backend: BackendTarget, opts: ProxyTargetOptions = {}): Promise<Target & { dataDir: string; apiKey: string }> {
  const dataDir = makeTempDir('infiniproxy-bench-');
  const adminToken = opts.env?.ADMIN_TOKEN ?? randomBytes(16).toString('hex');
  const log = openSync(join(dataDir, 'proxy.log'), 'a');
  const child = spawnTracked(
    process.execPath,
    [
      ...(opts.nodeFlags ?? []),
      ...(opts.bundle ? [opts.bundle] : ['--import', TSX, join(ROOT, 'main', 'cli.ts')]),
      ...['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir],
    ],
    {
      cwd: dataDir, // no .env of the developer's is read
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        OPENAI_BASE_URL: backend.url,
        OPENAI_API_KEY: backend.apiKey,
        OPENAI_MODEL: BACKEND_MODEL,
        ADMIN_TOKEN: opts.env?.ADMIN_TOKEN ?? adminToken,
        ...opts.env,
      },
      stdio: ['pipe', 'ignore', log],
    },
  );
  closeSync(log); // the child has its own copy
  let origin: string;
  try {
    origin = await waitForServerFile(child, dataDir, 30_000);
  } catch (err) {
    await stopChild(child);
    const tail = readFileSync(join(dataDir, 'proxy.log'), 'utf8').slice(-1500);
    removeTempDir(dataDir);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- proxy log ---\n${tail}`);
  }
  const admin = async (path: string, body: unknown, method = 'POST'): Promise<Record<string, unknown>> => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { ...JSON_TYPE, authorization: `Bearer ${adminToken}` },
      body: JSON.stringify(body),
    });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`InfiniProxy admin ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
  const key = opts.apiKey ?? (await benchKey(admin));
  if (opts.failover) {
    const settings = {
      providers: [{ name: 'backup', kind: 'openai', base_url: backend.url, api_key: backend.apiKey }],
      model_routes: [{ match: '*', targets: [`default/${BACKEND_MODEL}`, `backup/${BACKEND_MODEL}`] }],
    };
    await admin('/admin/settings', settings, 'PUT');
  }
  return {
    name: opts.failover ? 'infiniproxy-failover' : 'infiniproxy',
    label: opts.failover ? 'InfiniProxy (2 providers, failover)' : 'InfiniProxy',
    pid: child.pid ?? 0,
    dataDir,
    apiKey: key,
    request: (c) => ({
      url: `${origin}${c.path}`,
      headers:
        c.path === '/v1/messages'
          ? { ...JSON_TYPE, 'x-api-key': key, 'anthropic-version': '2023-06-01' }
          : { ...JSON_TYPE, authorization: `Bearer ${key}` },
      body: c.body,
    }),
    async stop() {
      await stopChild(child, 10_000); // SIGTERM: it writes pending usage (and a --cpu-prof profile) first
      removeTempDir(dataDir);
    },
  };
}

/** A user `bench` and an API key for it, made through the admin API. */
async function benchKey(admin: (path: string, body: unknown) => Promise<Record<string, unknown>>): Promise<string> {
  const user = await admin('/admin/users', { username: 'bench' });
  return String((await admin('/admin/api-keys', { user_id: user.id, name: 'bench' })).api_key);
}

/**
 * InfiniProxy as a team runs it: a throwaway PostgreSQL cluster (scripts/pg-cluster.mjs) and two `serve` instances
 * on it, loaded round-robin; the key is made on the first and used on both. Undefined (with the reason) when the
 * PostgreSQL server is not installed.
 */
export async function startInfiniProxyOnPostgres(
  backend: BackendTarget,
  opts: Pick<ProxyTargetOptions, 'bundle' | 'nodeFlags'>,
): Promise<Target | string> {
  if (!pgBinDir()) return 'PostgreSQL is not installed (Debian: apt-get install postgresql): the PostgreSQL case was skipped.';
  const cluster = await startPgCluster();
  const started: Target[] = [];
  try {
    const env = { DATABASE_URL: cluster.url(), INFINIPROXY_SECRET_KEY: randomBytes(32).toString('hex'), ADMIN_TOKEN: randomBytes(16).toString('hex') };
    const first = await startInfiniProxy(backend, { ...opts, env });
    started.push(first);
    const second = await startInfiniProxy(backend, { ...opts, env, apiKey: first.apiKey });
    started.push(second);
    return {
      name: 'infiniproxy-pg',
      label: 'InfiniProxy on PostgreSQL (2 instances)',
      pid: first.pid,
      pids: [first.pid, second.pid],
      request: (c) => {
        const [a, b] = [first.request(c), second.request(c)];
        return a && b ? { ...a, roundRobin: [a.url, b.url] } : undefined;
      },
      async stop() {
        await Promise.all(started.map((t) => t.stop()));
        await cluster.stop();
      },
    };
  } catch (err) {
    await Promise.all(started.map((t) => t.stop()));
    await cluster.stop();
    throw err;
  }
}

/** True when claude-code-router is installed where the benchmark looks for it. */
export function ccrInstalled(): boolean {
  return existsSync(CCR_CLI);
}

/**
 * Starts claude-code-router (`ccr start`, which serves in the foreground) with a temp HOME holding
 * `.claude-code-router/config.json`: one OpenAI-compatible provider (the backend) as the default route, logs off.
 */
export async function startCcr(backend: BackendTarget): Promise<Target> {
  const home = makeTempDir('ccr-bench-');
  const port = await freePort();
  const apiKey = `ccr-${randomBytes(8).toString('hex')}`;
  mkdirSync(join(home, '.claude-code-router'), { recursive: true });
  const config = {
    LOG: false,
    APIKEY: apiKey,
    HOST: '127.0.0.1',
    PORT: port,
    API_TIMEOUT_MS: 600_000,
    NON_INTERACTIVE_MODE: true,
    Providers: [{ name: 'scripted', api_base_url: `${backend.url}/chat/completions`, api_key: backend.apiKey, models: [BACKEND_MODEL] }],
    Router: { default: `scripted,${BACKEND_MODEL}` },
  };
  writeFileSync(join(home, '.claude-code-router', 'config.json'), JSON.stringify(config, null, 2));
  const child = spawnTracked(process.execPath, [CCR_CLI, 'start'], {
    cwd: home,
    env: { PATH: process.env.PATH, HOME: home },
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(child, origin, 30_000, 'claude-code-router');
  return {
    name: 'ccr',
    label: 'claude-code-router 2.0.0',
    pid: child.pid ?? 0,
    request: (c) =>
      c.peer
        ? { url: `${origin}${c.path}`, headers: { ...JSON_TYPE, 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' }, body: c.body }
        : undefined,
    async stop() {
      await stopChild(child);
      removeTempDir(home);
    },
  };
}

function parseUrlLine(line: string): { url: string } | undefined {
  try {
    const value = JSON.parse(line) as { url?: unknown };
    return typeof value.url === 'string' ? { url: value.url } : undefined;
  } catch {
    return undefined;
  }
}

function parseReady(line: string): { url: string; apiKey: string } | undefined {
  try {
    const value = JSON.parse(line) as { url?: unknown; apiKey?: unknown };
    return typeof value.url === 'string' && typeof value.apiKey === 'string' ? { url: value.url, apiKey: value.apiKey } : undefined;
  } catch {
    return undefined;
  }
}

/** Polls `<dataDir>/server.json` (written once the proxy listens) and returns its URL. */
async function waitForServerFile(child: ChildProcess, dataDir: string, timeoutMs: number): Promise<string> {
  const file = join(dataDir, SERVER_INFO_FILE);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`InfiniProxy exited (code ${child.exitCode})`);
    try {
      const info = JSON.parse(readFileSync(file, 'utf8')) as { url?: unknown };
      if (typeof info.url === 'string') return info.url;
    } catch {
      // not written yet
    }
    await sleep(100);
  }
  throw new Error(`InfiniProxy did not start within ${timeoutMs} ms`);
}

/** Polls `origin` until it answers anything. */
async function waitForHttp(child: ChildProcess, origin: string, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited (code ${child.exitCode}) before it was ready`);
    try {
      await fetch(origin, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(200);
    }
  }
  throw new Error(`${what} did not answer within ${timeoutMs} ms`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
