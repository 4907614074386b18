/**
 * The README's quick start as data, read from README.md itself, so the quick-start test follows whatever the README
 * says: the commands of the first `sh` block under "## Quick start", the variables the next block exports for
 * Claude Code, and the command that prints the web admin's token.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QuickStart {
  /** The commands in order, comments removed (`npm install`, `cp .env.example .env`, `npm run serve`, …). */
  commands: string[];
  /** `export NAME=value` lines of the Claude Code block, by name. */
  exports: Record<string, string>;
  /** The command the README names for the admin token (`npm run cli -- admin-token`). */
  adminTokenCommand: string;
}

/** Code blocks of a markdown text after `from`, as [language, body] pairs. */
function codeBlocks(text: string): [string, string][] {
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

export function readQuickStart(repoRoot: string): QuickStart {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const start = readme.search(/^## Quick start/m);
  if (start < 0) throw new Error('README.md has no "## Quick start" section');
  const rest = readme.slice(start);
  const end = rest.slice(3).search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end + 3);
  const blocks = codeBlocks(section).filter(([lang]) => lang === 'sh' || lang === 'bash' || lang === '');
  const [commandsBlock, claudeBlock] = blocks;
  if (!commandsBlock) throw new Error('the quick start has no sh block');
  const lines = (body: string): string[] =>
    body
      .split('\n')
      .map((l) => l.replace(/\s+#.*$/, '').trim())
      .filter((l) => l && !l.startsWith('#'));
  const exports: Record<string, string> = {};
  for (const line of lines(claudeBlock?.[1] ?? '')) {
    const m = /^export\s+([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) exports[m[1] as string] = m[2] as string;
  }
  const token = /`(npm run cli -- admin-token)`/.exec(section)?.[1] ?? /`(npm run cli -- admin-token)`/.exec(readme)?.[1];
  if (!token) throw new Error('the README does not say how to get the admin token');
  return { commands: lines(commandsBlock[1]), exports, adminTokenCommand: token };
}
