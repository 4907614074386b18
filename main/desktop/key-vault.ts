/**
 * The desktop's memory of whole API keys. The core store keeps only hashes; so that the tray can copy a key
 * later, the desktop keeps each key it created encrypted with the OS keychain (Electron `safeStorage`) in
 * `<userData>/key-vault.json` as `{ "<key id>": "<base64 ciphertext>" }`. When encryption is unavailable it
 * stores nothing and the key cannot be shown again. The encryptor is injected, so this module is plain Node.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';

/** What the vault needs from Electron's `safeStorage`. */
export interface Encryptor {
  isAvailable(): boolean;
  encrypt(plain: string): Buffer;
  decrypt(cipher: Buffer): string;
}

/** Encrypted API keys by key id, persisted in one small JSON file. */
export class KeyVault {
  readonly #file: string;
  readonly #encryptor: Encryptor;
  readonly #entries: Map<number, string>;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: string, encryptor: Encryptor, entries: Map<number, string>) {
    this.#file = file;
    this.#encryptor = encryptor;
    this.#entries = entries;
  }

  /** Loads the vault file (missing or unreadable → empty; entries of the wrong shape are ignored). */
  static async open(file: string, encryptor: Encryptor): Promise<KeyVault> {
    return new KeyVault(file, encryptor, await readEntries(file));
  }

  /** Whether new keys can be kept (the keychain is available). */
  canKeep(): boolean {
    return this.#encryptor.isAvailable();
  }

  /** Whether `reveal(id)` can give the key: it was vaulted and the keychain is available. */
  canReveal(id: number): boolean {
    return this.#entries.has(id) && this.#encryptor.isAvailable();
  }

  /** The whole key, or undefined when it was never vaulted or cannot be decrypted (keychain changed). */
  reveal(id: number): string | undefined {
    const cipher = this.#entries.get(id);
    if (cipher === undefined || !this.#encryptor.isAvailable()) return undefined;
    try {
      return this.#encryptor.decrypt(Buffer.from(cipher, 'base64'));
    } catch {
      return undefined;
    }
  }

  /** Vaults a new key; false (and nothing stored) when encryption is unavailable. */
  async put(id: number, secret: string): Promise<boolean> {
    if (!this.#encryptor.isAvailable()) return false;
    let cipher: Buffer;
    try {
      cipher = this.#encryptor.encrypt(secret);
    } catch {
      return false;
    }
    this.#entries.set(id, cipher.toString('base64'));
    await this.#save();
    return true;
  }

  /** Forgets the given keys (revoked ones). */
  async drop(ids: Iterable<number>): Promise<void> {
    let changed = false;
    for (const id of ids) changed = this.#entries.delete(id) || changed;
    if (changed) await this.#save();
  }

  /** Forgets every key not in `activeIds` (keys revoked or deleted elsewhere, e.g. from the web admin). */
  async retain(activeIds: Iterable<number>): Promise<void> {
    const keep = new Set(activeIds);
    await this.drop([...this.#entries.keys()].filter((id) => !keep.has(id)));
  }

  /** The ids currently vaulted. */
  ids(): number[] {
    return [...this.#entries.keys()];
  }

  /** Writes are serialised and atomic (temp file, then rename); the file is readable by the user only. */
  #save(): Promise<void> {
    const text = JSON.stringify(Object.fromEntries(this.#entries), null, 2) + '\n';
    const write = async (): Promise<void> => {
      const tmp = `${this.#file}.${randomBytes(4).toString('hex')}.tmp`;
      await writeFile(tmp, text, { mode: 0o600 });
      await rename(tmp, this.#file);
    };
    this.#writing = this.#writing.then(write, write);
    return this.#writing;
  }
}

async function readEntries(file: string): Promise<Map<number, string>> {
  const entries = new Map<number, string>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return entries;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return entries;
  for (const [key, value] of Object.entries(parsed)) {
    const id = Number(key);
    if (Number.isSafeInteger(id) && id > 0 && typeof value === 'string' && value) entries.set(id, value);
  }
  return entries;
}
