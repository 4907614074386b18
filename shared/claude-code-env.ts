/**
 * How Claude Code is pointed at the proxy: the env keys we set and the shell lines that set them, one rule for the
 * desktop (tray's "Copy Claude Code setup", the settings.json writer) and the renderer (Status tab). The key goes in
 * ANTHROPIC_AUTH_TOKEN (sent as `Authorization: Bearer`): with ANTHROPIC_API_KEY an interactive Claude Code first
 * asks whether to use it, and its default answer leaves it logged out.
 */

/** The env keys InfiniProxy sets for Claude Code. */
export const CLAUDE_ENV_KEYS = ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN'] as const;

/** Their values. */
export type ClaudeEnv = Record<(typeof CLAUDE_ENV_KEYS)[number], string>;

/**
 * The shell lines that set `env` for one terminal session: `export …` lines, or PowerShell `$env:…` lines for
 * `platform` `win32`; each ends with a newline.
 */
export function claudeSetupSnippet(env: ClaudeEnv, platform: string): string {
  return (
    CLAUDE_ENV_KEYS.map((key) =>
      platform === 'win32' ? `$env:${key}="${env[key]}"` : `export ${key}=${shellQuote(env[key])}`,
    ).join('\n') + '\n'
  );
}

/** Quotes a value for a POSIX shell only when it needs it. */
function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
