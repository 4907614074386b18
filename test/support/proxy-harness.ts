/**
 * A running proxy for integration tests: a ProxyRuntime on a temp data dir, listening on 127.0.0.1 (a free
 * port), configured for a scripted backend, with one user and one API key made through the admin API.
 *
 * ```ts
 * const h = await startProxyHarness();            // its own scripted backend
 * const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey });
 * ...
 * await h.close();                                // stops the proxy and the backend, removes the data dir
 * ```
 * The environment is explicit (process.env is not read) and `.env` is read from the empty temp dir, so tests
 * never pick up the developer's configuration.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../../shared/types';
import { ProxyRuntime } from '../../main/app/runtime';
import type { RuntimeOptions } from '../../main/app/runtime';
import { startScriptedBackend } from './scripted-backend';
import type { ScriptedBackend, ScriptedBackendOptions } from './scripted-backend';

export interface ProxyHarness {
  runtime: ProxyRuntime;
  /** The proxy's origin, e.g. `http://127.0.0.1:53211`. */
  url: string;
  backend: ScriptedBackend;
  /** A working client key and its ids. */
  apiKey: string;
  keyId: number;
  userId: number;
  adminToken: string;
  dataDir: string;
  /** The log lines the proxy wrote. */
  logs: string[];
  close(): Promise<void>;
}

export interface ProxyHarnessOptions {
  /** Use this backend (left open on close) instead of starting one. */
  backend?: ScriptedBackend;
  backendOptions?: ScriptedBackendOptions;
  /** Environment variables (the backend's URL, key and `scripted-model` are set unless given here). */
  env?: Record<string, string>;
  /** Leave OPENAI_* unset (a proxy with no backend configured). */
  noBackendEnv?: boolean;
  flags?: Partial<Settings>;
  /** Bounds on connections and bodies (set low to test them). */
  connectionLimits?: RuntimeOptions['connectionLimits'];
  /** The providers' circuit breaker (e.g. a short cool-down). */
  breaker?: RuntimeOptions['breaker'];
}

/** Starts a scripted backend (unless given) and a proxy in front of it. */
export async function startProxyHarness(opts: ProxyHarnessOptions = {}): Promise<ProxyHarness> {
  const backend = opts.backend ?? (await startScriptedBackend(opts.backendOptions));
  const dataDir = mkdtempSync(join(tmpdir(), 'infiniproxy-test-'));
  const env: Record<string, string> = opts.noBackendEnv
    ? { ...opts.env }
    : { OPENAI_BASE_URL: backend.url, OPENAI_API_KEY: backend.apiKey, OPENAI_MODEL: 'scripted-model', ...opts.env };
  const logs: string[] = [];
  const runtime = await ProxyRuntime.open({
    dataDir,
    env,
    cwd: dataDir,
    flags: { host: '127.0.0.1', port: 0, ...opts.flags },
    log: (line) => void logs.push(line),
    connectionLimits: opts.connectionLimits,
    breaker: opts.breaker,
  });
  const status = await runtime.start();
  if (!status.running || !status.url) throw new Error(`proxy did not start: ${status.error}`);
  const user = await runtime.admin.createUser({ username: 'tester' });
  const key = await runtime.admin.createKey({ user_id: user.id, name: 'test-key' });
  return {
    runtime,
    url: status.url,
    backend,
    apiKey: key.api_key,
    keyId: key.id,
    userId: user.id,
    adminToken: env.ADMIN_TOKEN ?? (await runtime.store.adminToken()),
    dataDir,
    logs,
    async close() {
      await runtime.close();
      if (!opts.backend) await backend.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A temp dir removed by the returned function. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'infiniproxy-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
