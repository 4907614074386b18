/**
 * The real Claude Code CLI for e2e runs: where its binary is, a runner that drives one `claude -p` session
 * against a proxy (temp HOME and working dir, a clean environment, stream-json output, a time limit, the whole
 * process group killed when it is reached), and a scripted "agent" for the scripted backend that answers each
 * request Claude Code makes the way a model would.
 *
 * ```ts
 * const bin = claudeCodeBinary();                      // undefined: skip with CLAUDE_CODE_MISSING
 * h.backend.setDefaultReply(agentReply({
 *   onPrompt: { toolCalls: [{ id: 'call_echo', name: 'Bash', arguments: { command: 'echo hi' } }] },
 *   afterTools: (results) => ({ text: `It printed ${toolText(results[0])}` }),
 * }));
 * const run = await runClaudeCode({ bin, baseUrl: h.url, apiKey: h.apiKey, prompt: 'Say hi with Bash.' });
 * run.exitCode; run.result?.result; run.toolResults;   // what Claude Code did and answered
 * ```
 * `.ci/run` installs the CLI (CLAUDE_CODE_VERSION) into `~/.cache/infiniproxy/claude-code` and exports
 * CLAUDE_CODE_BIN.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Reply } from '../../test/support/scripted-backend';
import type { ChatMessage, ChatRequestBody, ScriptedReply } from '../../test/support/scripted-backend';

/** The CLI version `.ci/run` installs. */
export const CLAUDE_CODE_VERSION = '2.1.197';

/** Why the Claude Code specs are skipped when there is no binary. */
export const CLAUDE_CODE_MISSING =
  `Claude Code CLI not found: set CLAUDE_CODE_BIN, or install it with \`npm install --prefix ~/.cache/infiniproxy/claude-code ` +
  `@anthropic-ai/claude-code@${CLAUDE_CODE_VERSION}\` (.ci/run does this).`;

/** The Claude Code executable: `$CLAUDE_CODE_BIN`, else the one in `.ci/run`'s cache; undefined when neither exists. */
export function claudeCodeBinary(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CLAUDE_CODE_BIN) return existsSync(env.CLAUDE_CODE_BIN) ? env.CLAUDE_CODE_BIN : undefined;
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const bin = join(cache, 'infiniproxy', 'claude-code', 'node_modules', '@anthropic-ai', 'claude-code-linux-x64', 'claude');
  return existsSync(bin) ? bin : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// The runner

export interface ClaudeCodeOptions {
  /** The executable (see claudeCodeBinary). */
  bin: string;
  /** The proxy's origin, given to Claude Code as ANTHROPIC_BASE_URL. */
  baseUrl: string;
  /** An InfiniProxy key, given as ANTHROPIC_AUTH_TOKEN (as the README says). */
  apiKey: string;
  prompt: string;
  /** Tools allowed without asking (default `['Bash']`). */
  allowedTools?: string[];
  /** More CLI arguments. */
  args?: string[];
  /** More environment variables (the environment is otherwise minimal, never the caller's). */
  env?: Record<string, string>;
  /** Killed (with its children) after this long (default 90 s). */
  timeoutMs?: number;
  /** Files written into the working directory before the run (name → content). */
  files?: Record<string, Buffer | string>;
}

/** One line of `--output-format stream-json`. */
export interface ClaudeCodeEvent {
  type: string;
  subtype?: string;
  message?: { role?: string; content?: unknown };
  [key: string]: unknown;
}

/** The final `{"type":"result"}` line. */
export interface ClaudeCodeResult extends ClaudeCodeEvent {
  type: 'result';
  is_error: boolean;
  result?: string;
  num_turns?: number;
}

/** A content block of an assistant or user event. */
export interface ClaudeCodeBlock {
  type: string;
  text?: string;
  thinking?: string;
  signature?: string;
  id?: string;
  name?: string;
  input?: unknown;
  tool_use_id?: string;
  content?: unknown;
  is_error?: boolean;
}

export interface ClaudeCodeRun {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  /** The stream-json lines that parsed. */
  events: ClaudeCodeEvent[];
  result: ClaudeCodeResult | undefined;
  /** Blocks of the assistant's messages, in order (thinking, text, tool_use). */
  assistantBlocks: ClaudeCodeBlock[];
  /** The tool_use blocks Claude Code received. */
  toolUses: ClaudeCodeBlock[];
  /** The tool_result blocks Claude Code produced. */
  toolResults: ClaudeCodeBlock[];
  /** Claude Code's debug log (`--debug-file`), for failure reports. */
  debugLog: string;
  /** Everything above as one text, for assertion messages and attachments. */
  report(): string;
}

/**
 * Runs `claude -p <prompt> --output-format stream-json --verbose` against a proxy, in a temp HOME (removed after)
 * with `IS_SANDBOX=1` and `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`. Resolves when the process exits or is
 * killed at the time limit; never rejects for the CLI's own failures.
 */
export async function runClaudeCode(opts: ClaudeCodeOptions): Promise<ClaudeCodeRun> {
  const home = await mkdtemp(join(tmpdir(), 'infiniproxy-claude-'));
  const work = join(home, 'work');
  await mkdir(work);
  for (const [name, content] of Object.entries(opts.files ?? {})) await writeFile(join(work, name), content);
  const debugFile = join(home, 'debug.log');
  const args = [
    '-p',
    opts.prompt,
    '--output-format',
    'stream-json',
    '--verbose',
    '--allowedTools',
    (opts.allowedTools ?? ['Bash']).join(','),
    '--debug-file',
    debugFile,
    ...(opts.args ?? []),
  ];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TMPDIR: tmpdir(),
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    ANTHROPIC_BASE_URL: opts.baseUrl,
    ANTHROPIC_AUTH_TOKEN: opts.apiKey,
    IS_SANDBOX: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_AUTOUPDATER: '1',
    ...opts.env,
  };
  try {
    const exit = await spawnWithLimit(opts.bin, args, { cwd: work, env }, opts.timeoutMs ?? 90_000);
    const debugLog = await readFile(debugFile, 'utf8').catch(() => '');
    return summarise(exit, debugLog);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

interface Exit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

/** Spawns in a new process group; at the limit the whole group (the CLI and its shells) is killed. */
function spawnWithLimit(bin: string, args: string[], options: { cwd: string; env: Record<string, string> }, limitMs: number): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const killGroup = (): void => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, limitMs);
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e) => err.push(Buffer.from(`spawn failed: ${e.message}\n`)));
    child.on('close', (exitCode, signal) => {
      clearTimeout(timer);
      if (exitCode !== 0) killGroup(); // leave no orphaned tool process behind
      resolve({ exitCode, signal, timedOut, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

function summarise(exit: Exit, debugLog: string): ClaudeCodeRun {
  const events: ClaudeCodeEvent[] = [];
  for (const line of exit.stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRecord(value) && typeof value.type === 'string') events.push(value as ClaudeCodeEvent);
    } catch {
      // not a JSON line (the CLI's own notices)
    }
  }
  const blocksOf = (role: string): ClaudeCodeBlock[] =>
    events.filter((e) => e.type === role).flatMap((e) => (Array.isArray(e.message?.content) ? (e.message.content as ClaudeCodeBlock[]) : []));
  const assistantBlocks = blocksOf('assistant');
  const result = events.findLast((e): e is ClaudeCodeResult => e.type === 'result');
  return {
    ...exit,
    events,
    result,
    assistantBlocks,
    toolUses: assistantBlocks.filter((b) => b.type === 'tool_use'),
    toolResults: blocksOf('user').filter((b) => b.type === 'tool_result'),
    debugLog,
    report() {
      return [
        `exit ${exit.exitCode} signal ${exit.signal}${exit.timedOut ? ' (timed out, killed)' : ''}`,
        `--- stdout\n${exit.stdout}`,
        `--- stderr\n${exit.stderr}`,
        `--- debug log (last 20000 characters)\n${debugLog.slice(-20_000)}`,
      ].join('\n');
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The scripted agent

/** What a Chat Completions request from Claude Code (through the proxy) is. */
export type AgentRequestKind =
  /** The main loop at the user's prompt: tools offered, no tool results yet. */
  | 'prompt'
  /** The main loop with tool results after the last assistant tool calls. */
  | 'after-tools'
  /** Anything else: titles, quota checks, summaries (no tools offered). */
  | 'side';

/** Classifies a request by its tools and messages. */
export function agentRequestKind(body: ChatRequestBody): AgentRequestKind {
  if (!body.tools?.length) return 'side';
  return toolResultsOf(body).length > 0 ? 'after-tools' : 'prompt';
}

/** The `tool` messages answering the last assistant message with tool calls, in request order. */
export function toolResultsOf(body: ChatRequestBody): ChatMessage[] {
  const messages = body.messages ?? [];
  const last = messages.findLastIndex((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
  if (last < 0) return [];
  const ids = new Set(messages[last]?.tool_calls?.map((c) => c.id));
  return messages.slice(last + 1).filter((m) => m.role === 'tool' && ids.has(m.tool_call_id ?? ''));
}

/** The text of a message's content (a string, or the text parts joined). */
export function toolText(message: ChatMessage | undefined): string {
  const content = message?.content;
  if (typeof content === 'string') return content;
  return (content ?? []).map((p) => p.text ?? '').join('');
}

export interface AgentScript {
  /** The answer to the user's prompt (typically tool calls). */
  onPrompt: ScriptedReply;
  /** The answer once the tool results are in (typically text quoting them). */
  afterTools: (results: ChatMessage[]) => ScriptedReply;
  /** The answer to side requests (default: a short text). */
  side?: ScriptedReply;
}

/** A scripted-backend reply that answers every request of a one-turn Claude Code session by its kind. */
export function agentReply(script: AgentScript): Reply {
  return (req) => {
    const kind = agentRequestKind(req.body);
    if (kind === 'prompt') return script.onPrompt;
    if (kind === 'after-tools') return script.afterTools(toolResultsOf(req.body));
    return script.side ?? { text: 'Scripted session' };
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
