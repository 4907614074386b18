/**
 * The AdminApi as the desktop exposes it: the core's, plus the key vault. Keys created here are vaulted
 * (so the tray can copy them later); keys revoked here, or revoked by deleting their user, leave the vault.
 * Hooks tell the tray that keys changed and the shell that settings changed (login item).
 */
import type { AdminApi } from '../../shared/admin-api';
import type { SettingsView } from '../../shared/types';
import type { KeyVault } from './key-vault';

export interface VaultedAdminHooks {
  /** After a key was created or revoked, or a user deleted. */
  onKeysChanged?(): void;
  /** After settings were saved. */
  onSettingsChanged?(settings: SettingsView): void;
  /** A vault write failed: the key still works, it just cannot be copied again. */
  onVaultError?(error: unknown): void;
}

type Vault = Pick<KeyVault, 'put' | 'drop' | 'retain'>;

/** Wraps `admin` so that key changes keep the vault in step. */
export function vaultedAdmin(admin: AdminApi, vault: Vault, hooks: VaultedAdminHooks = {}): AdminApi {
  const keysChanged = (): void => hooks.onKeysChanged?.();
  const guard = async (work: Promise<unknown>): Promise<void> => {
    try {
      await work;
    } catch (error) {
      hooks.onVaultError?.(error);
    }
  };
  return {
    status: () => admin.status(),
    listUsers: () => admin.listUsers(),
    createUser: (input) => admin.createUser(input),
    async deleteUser(ref) {
      await admin.deleteUser(ref);
      await guard(syncVault(admin, vault));
      keysChanged();
    },
    listKeys: (filter) => admin.listKeys(filter),
    async createKey(input) {
      const created = await admin.createKey(input);
      await guard(vault.put(created.id, created.api_key));
      keysChanged();
      return created;
    },
    async revokeKey(id) {
      const info = await admin.revokeKey(id);
      await guard(vault.drop([id]));
      keysChanged();
      return info;
    },
    setKeyLimits: (id, limits) => admin.setKeyLimits(id, limits),
    usage: (query) => admin.usage(query),
    requests: (query) => admin.requests(query),
    getSettings: () => admin.getSettings(),
    async updateSettings(patch) {
      const view = await admin.updateSettings(patch);
      hooks.onSettingsChanged?.(view);
      return view;
    },
    testConnection: (target) => admin.testConnection(target),
  };
}

/** Drops vault entries of keys that are no longer active (revoked elsewhere, e.g. from the web admin). */
export async function syncVault(admin: Pick<AdminApi, 'listKeys'>, vault: Pick<KeyVault, 'retain'>): Promise<void> {
  const keys = await admin.listKeys();
  await vault.retain(keys.filter((key) => key.is_active).map((key) => key.id));
}
