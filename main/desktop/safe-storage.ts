/**
 * The vault's Encryptor over Electron's `safeStorage` (OS keychain: Keychain on macOS, DPAPI on Windows,
 * libsecret/KWallet on Linux). On Linux without a secret service, Electron falls back to `basic_text`, a
 * hard-coded password that protects nothing: that counts as unavailable, so no key is stored recoverably.
 */
import type { SafeStorage } from 'electron';
import type { Encryptor } from './key-vault';

type SafeStorageLike = Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'getSelectedStorageBackend'>>;

/** An Encryptor backed by `safeStorage` (call after the app is ready: Linux reports unavailable before). */
export function safeStorageEncryptor(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform = process.platform,
): Encryptor {
  return {
    isAvailable() {
      if (!safeStorage.isEncryptionAvailable()) return false;
      return platform !== 'linux' || safeStorage.getSelectedStorageBackend?.() !== 'basic_text';
    },
    encrypt: (plain) => safeStorage.encryptString(plain),
    decrypt: (cipher) => safeStorage.decryptString(cipher),
  };
}
