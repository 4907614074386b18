/**
 * What only the desktop does (the DesktopApi), as plain functions over injected parts: the proxy control,
 * the key vault, a clipboard and the home dir. The IPC handlers and the tray both call it, so the checks
 * (key exists, key active, key kept) are the same from either.
 */
import { AdminError, type AdminApi } from '../../shared/admin-api';
import type { DesktopApi } from '../../shared/desktop-api';
import type { ApiKeyInfo, ServerStatus } from '../../shared/types';
import {
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
  vault: Pick<KeyVault, 'canReveal' | 'reveal'>;
  clipboard: { writeText(text: string): void };
  /** Where `.claude/settings.json` lives (the user's home in the app, a temp dir in tests). */
  homeDir: string;
  platform?: NodeJS.Platform;
}

/** The DesktopApi plus what the tray alone offers. */
export interface DesktopService extends DesktopApi {
  /** Copies the shell lines that point Claude Code at the proxy with this key. */
  copyClaudeSetup(key_id: number): Promise<void>;
}

export function createDesktopService(deps: DesktopServiceDeps): DesktopService {
  const { admin, proxy, vault, clipboard, homeDir } = deps;

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
      throw new AdminError({
        status: 409,
        code: 'key_not_revealable',
        message:
          `Key "${key.name}" can't be shown again (it was created elsewhere, or the system keychain is ` +
          'unavailable). Create a new key here to copy it later.',
      });
    }
    return secret;
  }

  async function claudeEnv(id: number): Promise<ClaudeEnv> {
    return { ANTHROPIC_BASE_URL: proxyBaseUrl(proxy.status()), ANTHROPIC_API_KEY: await secretOf(id) };
  }

  return {
    startProxy: () => proxy.start(),
    stopProxy: () => proxy.stop(),
    configureClaudeCode: async ({ key_id }) => configureClaudeSettings(homeDir, await claudeEnv(key_id)),
    undoClaudeCodeConfig: () => undoClaudeSettings(homeDir),
    async canRevealKey(key_id) {
      if (!vault.canReveal(key_id)) return false;
      const key = (await admin.listKeys()).find((k) => k.id === key_id);
      return key?.is_active === true;
    },
    async copyKeyToClipboard(key_id) {
      clipboard.writeText(await secretOf(key_id));
    },
    async copyClaudeSetup(key_id) {
      clipboard.writeText(claudeSetupSnippet(await claudeEnv(key_id), deps.platform));
    },
  };
}
