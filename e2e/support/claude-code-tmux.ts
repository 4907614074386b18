/**
 * The real Claude Code CLI run interactively, as a person runs it in a terminal: under tmux (a 120×40 screen),
 * with a temp HOME whose `~/.claude.json` says onboarding is done and the working dir is trusted (what a user has
 * after the first run), so that the first screen is either the prompt or a question Claude Code asks about the
 * environment. `type()` sends keys, `waitFor()` reads the screen until a pattern shows.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface InteractiveClaude {
  /** The temp HOME (its `.claude/` is Claude Code's config dir). */
  home: string;
  /** Starts Claude Code through `sh -c '<shell>exec "$0"' claude`: `shell` may export variables first. */
  start(opts: { env?: Record<string, string>; shell?: string }): void;
  /** Types text and presses Enter. */
  type(text: string): void;
  /** The screen once `pattern` shows on it; throws with the screen after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  screen(): string;
  close(): void;
}

/** tmux is Debian's `tmux` package. */
export function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let sessions = 0;

export function interactiveClaude(bin: string): InteractiveClaude {
  const home = mkdtempSync(join(tmpdir(), 'ip-claude-home-'));
  const work = mkdtempSync(join(tmpdir(), 'ip-claude-work-'));
  writeFileSync(join(home, '.claude.json'), JSON.stringify({ hasCompletedOnboarding: true, projects: { [work]: { hasTrustDialogAccepted: true } } }));
  const session = `ip-claude-${process.pid}-${++sessions}`;
  const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
  const screen = (): string => tmux('capture-pane', '-p', '-t', session);
  return {
    home,
    start({ env = {}, shell = '' }) {
      const vars = {
        HOME: home,
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        TERM: 'xterm-256color',
        LANG: 'C.UTF-8',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
        DISABLE_AUTOUPDATER: '1',
        ...env,
      };
      const assignments = Object.entries(vars).map(([k, v]) => `${k}=${v}`);
      tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', work, 'env', '-i', ...assignments, 'sh', '-c', `${shell}exec "$0"`, bin);
    },
    type(text) {
      tmux('send-keys', '-t', session, '-l', text);
      tmux('send-keys', '-t', session, 'Enter');
    },
    async waitFor(pattern, timeoutMs = 20_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < until) {
        last = screen();
        if (pattern.test(last)) return last;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`${pattern} did not show within ${timeoutMs} ms; the screen:\n${last}`);
    },
    screen,
    close() {
      try {
        // The pane's process (Claude Code, exec'd) leads its own process group: end it and its children first, or
        // it goes on writing into HOME after the session is gone.
        const pid = Number(tmux('display-message', '-p', '-t', session, '#{pane_pid}').trim());
        if (pid > 0) process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
      try {
        tmux('kill-session', '-t', session);
      } catch {
        /* already gone */
      }
      // Claude Code may still be writing its files while it exits on the hang-up: retry the removal.
      rmSync(home, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
      rmSync(work, { recursive: true, force: true, maxRetries: 20, retryDelay: 100 });
    },
  };
}
