/**
 * What only the desktop does (the DesktopApi), as plain functions over injected parts: the proxy control,
 * the key vault, a clipboard and Claude Code's config dir. The IPC handlers and the tray both call it, so the
 * checks (key exists, key active, key kept) are the same from either.
 */
import { AdminError, type AdminApi } from '../../shared/admin-api';
import type { DesktopApi } from '../../shared/desktop-api';
import type { ApiKeyInfo, ServerStatus } from '../../shared/types';
import {
  claudeConfigState,
  claudeSetupSnippet,
  configureClaudeSettings,
  undoClaudeSettings,
  type ClaudeEnv,
} from './claude-settings';
import type { KeyVault } from './key-vault';
import { proxyBaseUrl } from './proxy-url';

/** The part of ProxyRuntime the desktop drives. start() and stop() never throw (errors land in the status). */
export interface ProxyControl {
  start(): Promise<ServerStatus>;
  stop(): Promise<ServerStatus>;
  status(): ServerStatus;
}

export interface DesktopServiceDeps {
  admin: Pick<AdminApi, 'listKeys'>;
  proxy: ProxyControl;
  vault: Pick<KeyVault, 'canReveal' | 'reveal' | 'canKeep'>;
  clipboard: { writeText(text: string): void };
  /** Claude Code's config dir, holding `settings.json` (claudeConfigDir(); a temp dir in tests). */
  claudeConfigDir: string;
  platform?: NodeJS.Platform;
}

/** The DesktopApi plus what the tray alone offers. */
export interface DesktopService extends DesktopApi {
  /** Copies the shell lines that point Claude Code at the proxy with this key. */
  copyClaudeSetup(key_id: number): Promise<void>;
}

export function createDesktopService(deps: DesktopServiceDeps): DesktopService {
  const { admin, proxy, vault, clipboard, claudeConfigDir } = deps;
  const platform = deps.platform ?? process.platform;

  async function activeKey(id: number): Promise<ApiKeyInfo> {
    const key = (await admin.listKeys()).find((k) => k.id === id);
    if (!key) throw new AdminError({ status: 404, code: 'not_found', message: `There is no key ${id}.` });
    if (!key.is_active) {
      throw new AdminError({ status: 409, code: 'key_revoked', message: `Key "${key.name}" is revoked.` });
    }
    return key;
  }

  /** The whole secret of an active key the vault kept. */
  async function secretOf(id: number): Promise<string> {
    const key = await activeKey(id);
    const secret = vault.reveal(id);
    if (secret === undefined) {
      const noKeychain = keyStorageProblem(vault.canKeep(), platform);
      throw new AdminError({
        status: 409,
        code: 'key_not_revealable',
        message: noKeychain
          ? `Key "${key.name}" can't be shown again: ${noKeychain}`
          : `Key "${key.name}" can't be shown again (it was created elsewhere, or the system keychain changed). ` +
            'Create a new key here to copy it later.',
      });
    }
    return secret;
  }

  async function claudeEnv(id: number): Promise<ClaudeEnv> {
    return { ANTHROPIC_BASE_URL: proxyBaseUrl(proxy.status()), ANTHROPIC_AUTH_TOKEN: await secretOf(id) };
  }

  return {
    startProxy: () => proxy.start(),
    stopProxy: () => proxy.stop(),
    configureClaudeCode: async ({ key_id }) => configureClaudeSettings(claudeConfigDir, await claudeEnv(key_id)),
    undoClaudeCodeConfig: () => undoClaudeSettings(claudeConfigDir),
    async claudeCodeConfigState() {
      const state = await claudeConfigState(claudeConfigDir);
      return { ...state, key_storage_problem: keyStorageProblem(vault.canKeep(), platform) };
    },
    async canRevealKey(key_id) {
      if (!vault.canReveal(key_id)) return false;
      const key = (await admin.listKeys()).find((k) => k.id === key_id);
      return key?.is_active === true;
    },
    async copyKeyToClipboard(key_id) {
      clipboard.writeText(await secretOf(key_id));
    },
    async copyClaudeSetup(key_id) {
      clipboard.writeText(claudeSetupSnippet(await claudeEnv(key_id), platform));
    },
  };
}

/**
 * Why the desktop cannot keep keys (so cannot copy them or write them for Claude Code later), or null when it
 * can: the OS keychain is unavailable, which on Linux means no Secret Service (GNOME Keyring, KWallet) runs.
 */
export function keyStorageProblem(canKeep: boolean, platform: NodeJS.Platform): string | null {
  if (canKeep) return null;
  return platform === 'linux'
    ? 'no system keyring is available (no Secret Service such as GNOME Keyring or KWallet is running), so this app ' +
        'cannot keep API keys to copy or write for you later. Start a keyring and restart InfiniProxy, or set Claude ' +
        'Code up by hand with the commands shown on the Status tab.'
    : 'the system keychain is unavailable, so this app cannot keep API keys to copy or write for you later. Set ' +
        'Claude Code up by hand with the commands shown on the Status tab.';
}
