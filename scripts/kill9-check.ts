/**
 * What a `kill -9` under load costs: starts `serve` as a child on a temp data dir in front of a scripted backend,
 * loads it with a mix of /v1/chat/completions and /v1/messages requests (streamed and not), kills it with SIGKILL,
 * then checks that the store file is still readable JSON, that `serve` starts again on the same data dir (the dead
 * process's lock is taken over), and how much usage was lost: every request answered more than the flush interval
 * (plus a margin for a loaded machine) before the kill must be on record.
 *
 *   npx tsx scripts/kill9-check.ts [--load-ms 3000] [--workers 12] [--json]
 *
 * Prints a report (JSON with --json) and exits 0 when the checks pass, 1 otherwise. test/proxy/kill9-check.test.ts
 * runs it in `npm test` (about 10-15 s).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHttpAdminClient } from '../shared/admin-http-client';
import { STORE_FILE } from '../main/core/store/lowdb-store';
import { startScriptedBackend } from '../test/support/scripted-backend';

/** The store writes pending usage at least this often (lowdb-store's default flush interval). */
const FLUSH_INTERVAL_MS = 1000;
/** Extra time allowed for that write on a loaded machine. */
const MARGIN_MS = 1000;
/** Usage the scripted backend reports for every request. */
const USAGE = { prompt_tokens: 11, completion_tokens: 7 };

const CLI = fileURLToPath(new URL('../main/cli.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** The report printed at the end. */
export interface Kill9Report {
  ok: boolean;
  /** Requests whose whole answer the client had received when the proxy was killed. */
  answered: number;
  /** Of those, answered within the last flush interval + margin before the kill (these may be lost). */
  answeredLastInterval: number;
  /** Of those, answered within the last flush interval alone (what a loss of one interval amounts to). */
  answeredLastFlush: number;
  /** Requests on record after the restart (requests cut by the kill may be among them). */
  recorded: number;
  /** Answered requests missing from the record (answered − recorded, at least 0). */
  lost: number;
  tokensRecorded: { input: number; output: number };
  storeReadable: boolean;
  restarted: boolean;
  failures: string[];
}

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Starts `serve` and waits for its server.json (written once it listens). */
async function startServe(dataDir: string, env: NodeJS.ProcessEnv): Promise<Served> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve', '--data-dir', dataDir, '--port', '0'], {
    cwd: dataDir,
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => void (stderr += chunk.toString('utf8')));
  const deadline = Date.now() + 60_000;
  const infoFile = join(dataDir, 'server.json');
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}: ${stderr}`);
    if (existsSync(infoFile)) {
      try {
        const info = JSON.parse(readFileSync(infoFile, 'utf8')) as { pid: number; url: string };
        if (info.pid === child.pid) return { child, url: info.url, stderr: () => stderr };
      } catch {
        // Being written: read it again.
      }
    }
    await sleep(50);
  }
  child.kill('SIGKILL');
  throw new Error(`serve did not start within 60 s: ${stderr}`);
}

/** One request of the mix, by number; resolves true when the whole answer arrived. */
async function oneRequest(url: string, key: string, n: number): Promise<boolean> {
  const stream = n % 4 >= 2;
  const messages = [{ role: 'user', content: `request ${n}` }];
  const chat = n % 2 === 0;
  const res = await fetch(`${url}${chat ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: chat
      ? { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
      : { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(
      chat
        ? { model: 'scripted-model', messages, stream }
        : { model: 'claude-sonnet-4-5', max_tokens: 200, messages, stream },
    ),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
  return !stream || text.includes(chat ? 'data: [DONE]' : 'event: message_stop');
}

/** Runs the check; never throws for a failed check (it is in the report), only for a broken setup. */
export async function kill9Check(opts: { loadMs: number; workers: number }): Promise<Kill9Report> {
  const dataDir = mkdtempSync(join(tmpdir(), 'infiniproxy-kill9-'));
  const backend = await startScriptedBackend({ defaultReply: { text: 'fine, thanks', usage: USAGE } });
  const adminToken = `kill9-${randomBytes(16).toString('hex')}`;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dataDir,
    OPENAI_BASE_URL: backend.url,
    OPENAI_API_KEY: backend.apiKey,
    OPENAI_MODEL: 'scripted-model',
    ADMIN_TOKEN: adminToken,
  };
  const failures: string[] = [];
  const children: ChildProcess[] = [];
  try {
    const first = await startServe(dataDir, env);
    children.push(first.child);
    const admin = createHttpAdminClient({ baseUrl: first.url, token: adminToken });
    const user = await admin.createUser({ username: 'load' });
    const { api_key: key } = await admin.createKey({ user_id: user.id, name: 'load' });

    // Load, then SIGKILL while the workers keep sending.
    const answeredAt: number[] = [];
    let killed = false;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (!killed) {
        try {
          if (await oneRequest(first.url, key, next++)) answeredAt.push(Date.now());
        } catch (err) {
          if (!killed) failures.push(`a request failed before the kill: ${String(err)}`);
          return;
        }
      }
    };
    const workers = Array.from({ length: opts.workers }, worker);
    await sleep(opts.loadMs);
    const killAt = Date.now();
    killed = true;
    first.child.kill('SIGKILL');
    const answered = answeredAt.filter((t) => t <= killAt);
    await once(first.child, 'exit').catch(() => undefined);
    await Promise.all(workers);

    let storeReadable = false;
    try {
      JSON.parse(readFileSync(join(dataDir, STORE_FILE), 'utf8'));
      storeReadable = true;
    } catch (err) {
      failures.push(`the store file is not readable JSON after kill -9: ${String(err)}`);
    }

    let restarted = false;
    let recorded = 0;
    const tokensRecorded = { input: 0, output: 0 };
    try {
      const second = await startServe(dataDir, env);
      children.push(second.child);
      restarted = true;
      const report = await createHttpAdminClient({ baseUrl: second.url, token: adminToken }).usage({});
      recorded = report.totals.requests;
      tokensRecorded.input = report.totals.input_tokens;
      tokensRecorded.output = report.totals.output_tokens;
      second.child.kill('SIGTERM');
      const [code] = (await once(second.child, 'exit')) as [number | null];
      if (code !== 0) failures.push(`the restarted serve exited with ${code} on SIGTERM: ${second.stderr()}`);
    } catch (err) {
      failures.push(`serve did not start again on the same data dir: ${String(err)}`);
    }

    const safeBefore = killAt - FLUSH_INTERVAL_MS - MARGIN_MS;
    const mustBeRecorded = answered.filter((t) => t <= safeBefore).length;
    if (restarted && recorded < mustBeRecorded) {
      failures.push(
        `${mustBeRecorded} requests were answered more than ${FLUSH_INTERVAL_MS + MARGIN_MS} ms before the kill, ` +
          `but only ${recorded} are on record`,
      );
    }
    if (answered.length === 0) failures.push('no request was answered before the kill (no load)');
    if (recorded > 0 && (tokensRecorded.input !== recorded * USAGE.prompt_tokens || tokensRecorded.output > recorded * USAGE.completion_tokens)) {
      failures.push(`token totals do not match the requests on record: ${JSON.stringify(tokensRecorded)} for ${recorded}`);
    }
    return {
      ok: failures.length === 0,
      answered: answered.length,
      answeredLastInterval: answered.length - mustBeRecorded,
      answeredLastFlush: answered.filter((t) => t > killAt - FLUSH_INTERVAL_MS).length,
      recorded,
      lost: Math.max(0, answered.length - recorded),
      tokensRecorded,
      storeReadable,
      restarted,
      failures,
    };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await backend.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'load-ms': { type: 'string', default: '3000' }, workers: { type: 'string', default: '12' }, json: { type: 'boolean' } },
  });
  const report = await kill9Check({ loadMs: Number(values['load-ms']), workers: Number(values.workers) });
  if (values.json) {
    process.stdout.write(JSON.stringify(report) + '\n');
  } else {
    const lines = [
      `kill -9 under load: ${report.ok ? 'OK' : 'FAILED'}`,
      `  answered before the kill        ${report.answered}`,
      `  answered in the last ${FLUSH_INTERVAL_MS} ms      ${report.answeredLastFlush} (one flush interval)`,
      `  answered in the last ${FLUSH_INTERVAL_MS + MARGIN_MS} ms      ${report.answeredLastInterval} (may be lost: flush interval + margin)`,
      `  on record after the restart     ${report.recorded}`,
      `  lost                            ${report.lost}`,
      `  store file readable             ${report.storeReadable}`,
      `  serve started again             ${report.restarted}`,
      ...report.failures.map((f) => `  FAIL: ${f}`),
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  process.exitCode = report.ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    process.stderr.write(`kill9-check: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  });
}
