/**
 * What only the desktop app can do, over IPC (channels `desktop:<method>`). The preload exposes
 * `window.infiniproxy` as `AdminApi & DesktopApi`; the web admin has no DesktopApi.
 */
import type { AdminApi } from './admin-api';
import type { ClaudeCodeConfigResult, ClaudeCodeConfigState, ServerStatus } from './types';

export interface DesktopApi {
  startProxy(): Promise<ServerStatus>;
  stopProxy(): Promise<ServerStatus>;
  /**
   * Writes ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN (the key kept for `key_id`) into Claude Code's
   * settings.json, setting an ANTHROPIC_API_KEY there aside.
   */
  configureClaudeCode(input: { key_id: number }): Promise<ClaudeCodeConfigResult>;
  /** Restores the backup the last configureClaudeCode made. */
  undoClaudeCodeConfig(): Promise<ClaudeCodeConfigResult>;
  /** Where Claude Code's settings are and whether an undo is possible (after a restart too). */
  claudeCodeConfigState(): Promise<ClaudeCodeConfigState>;
  /** Whether the desktop can show this key again (kept encrypted with the OS keychain). */
  canRevealKey(key_id: number): Promise<boolean>;
  copyKeyToClipboard(key_id: number): Promise<void>;
}

export type DesktopMethod = keyof DesktopApi;

export const desktopChannel = <M extends DesktopMethod>(method: M): `desktop:${M}` => `desktop:${method}`;

/** The object the preload puts on `window.infiniproxy`. */
export type BridgeApi = AdminApi & DesktopApi;
