/**
 * Runs the real CLI (`npm run cli -- …`'s entry, main/cli.ts under tsx) as a child process, with an explicit
 * environment (nothing of the developer's leaks in) and working directory (where `.env` is read from).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');
export const CLI_ENTRY = join(REPO_ROOT, 'main', 'cli.ts');
/** `--import tsx` as a URL, so it resolves from any working directory. */
export const TSX_IMPORT = pathToFileURL(join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment a child gets: PATH and HOME (a temp one unless given) only, plus `extra`. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', ...extra };
}

export function runCli(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX_IMPORT, CLI_ENTRY, ...args], { cwd: opts.cwd, env: opts.env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A `serve` process that is listening. */
export interface ServeProcess {
  url: string;
  /** Everything it wrote to stderr so far. */
  stderr(): string;
  /** SIGTERM, then waits for it to exit (it writes pending usage first). */
  stop(): Promise<number | null>;
}

/**
 * Starts `command` (by default the CLI's `serve` under tsx) and waits until its banner names the URL it listens on.
 */
export function startServe(opts: { cwd: string; env: NodeJS.ProcessEnv; args?: string[]; command?: string[] }): Promise<ServeProcess> {
  const [cmd, ...args] = opts.command ?? [process.execPath, '--import', TSX_IMPORT, CLI_ENTRY, 'serve', ...(opts.args ?? [])];
  const child = spawn(cmd as string, args, { cwd: opts.cwd, env: opts.env, stdio: 'pipe', detached: opts.command !== undefined });
  let stderr = '';
  let stdout = '';
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const m = /InfiniProxy \S+ listening on (http:\/\/\S+)/.exec(stderr + stdout); // the banner, written whole
      if (!m) return;
      child.stderr.off('data', onData);
      resolve({
        url: m[1] as string,
        stderr: () => stderr,
        stop: async () => {
          const exited = new Promise<number | null>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
          });
          if (!opts.command) {
            child.kill('SIGTERM');
            return exited;
          }
          // A shell and npm (detached: their own process group) around the server: signal the group, wait for all.
          const group = -(child.pid as number);
          const alive = (): boolean => {
            try {
              process.kill(group, 0);
              return true;
            } catch {
              return false;
            }
          };
          if (alive()) process.kill(group, 'SIGTERM');
          const code = await exited;
          for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
          return code;
        },
      });
    };
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      onData();
    });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      onData();
    });
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`serve exited with ${code} before listening:\n${stdout}\n${stderr}`)));
  });
}
