import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { KeyVault } from '../../main/desktop/key-vault';
import { safeStorageEncryptor } from '../../main/desktop/safe-storage';
import { FakeEncryptor } from './fixtures';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ip-vault-'));
  file = join(dir, 'key-vault.json');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('KeyVault', () => {
  test('keeps keys encrypted on disk and reveals them after reopening', async () => {
    const encryptor = new FakeEncryptor();
    const vault = await KeyVault.open(file, encryptor);
    assert.equal(await vault.put(7, 'sk-ip-secret-seven'), true);

    const text = await readFile(file, 'utf8');
    assert.ok(!text.includes('sk-ip-secret-seven'), 'no plaintext on disk');
    const stored = JSON.parse(text) as Record<string, string>;
    assert.deepEqual(Object.keys(stored), ['7']);
    assert.equal(Buffer.from(stored['7']!, 'base64').toString(), encryptor.encrypt('sk-ip-secret-seven').toString());
    if (process.platform !== 'win32') assert.equal((await stat(file)).mode & 0o777, 0o600);

    const reopened = await KeyVault.open(file, encryptor);
    assert.equal(reopened.canReveal(7), true);
    assert.equal(reopened.reveal(7), 'sk-ip-secret-seven');
    assert.equal(reopened.canReveal(8), false);
    assert.equal(reopened.reveal(8), undefined);
  });

  test('stores nothing when encryption is unavailable', async () => {
    const encryptor = new FakeEncryptor();
    encryptor.available = false;
    const vault = await KeyVault.open(file, encryptor);
    assert.equal(await vault.put(1, 'sk-ip-one'), false);
    assert.equal(vault.canReveal(1), false);
    assert.equal(vault.reveal(1), undefined);
    await assert.rejects(readFile(file), { code: 'ENOENT' });
  });

  test('a key vaulted earlier cannot be shown while the keychain is unavailable, or after it changed', async () => {
    const encryptor = new FakeEncryptor();
    const vault = await KeyVault.open(file, encryptor);
    await vault.put(1, 'sk-ip-one');
    encryptor.available = false;
    assert.equal(vault.canReveal(1), false);
    assert.equal(vault.reveal(1), undefined);
    encryptor.available = true;
    encryptor.decrypt = () => {
      throw new Error('keychain changed');
    };
    assert.equal(vault.reveal(1), undefined);
  });

  test('drop and retain forget revoked keys, on disk too', async () => {
    const vault = await KeyVault.open(file, new FakeEncryptor());
    await Promise.all([vault.put(1, 'a'), vault.put(2, 'b'), vault.put(3, 'c')]);
    await vault.drop([2]);
    assert.deepEqual(vault.ids().sort(), [1, 3]);
    await vault.retain([3, 99]);
    assert.deepEqual(vault.ids(), [3]);
    assert.deepEqual(Object.keys(JSON.parse(await readFile(file, 'utf8'))), ['3']);
  });

  test('a missing, corrupt or odd file opens empty or keeps only valid entries', async () => {
    assert.deepEqual((await KeyVault.open(file, new FakeEncryptor())).ids(), []);
    await writeFile(file, '{ nope');
    assert.deepEqual((await KeyVault.open(file, new FakeEncryptor())).ids(), []);
    await writeFile(file, JSON.stringify({ 1: 'YQ==', x: 'YQ==', 2: 5, '-3': 'YQ==', 4: '' }));
    assert.deepEqual((await KeyVault.open(file, new FakeEncryptor())).ids(), [1]);
  });
});

describe('safeStorageEncryptor', () => {
  const storage = (available: boolean, backend: 'basic_text' | 'gnome_libsecret') => ({
    isEncryptionAvailable: () => available,
    getSelectedStorageBackend: () => backend,
    encryptString: (s: string) => Buffer.from(s).reverse(),
    decryptString: (b: Buffer) => Buffer.from(b).reverse().toString(),
  });
  test('Linux basic_text counts as unavailable; a real keychain as available', () => {
    assert.equal(safeStorageEncryptor(storage(true, 'basic_text'), 'linux').isAvailable(), false);
    assert.equal(safeStorageEncryptor(storage(true, 'gnome_libsecret'), 'linux').isAvailable(), true);
    assert.equal(safeStorageEncryptor(storage(false, 'gnome_libsecret'), 'linux').isAvailable(), false);
    assert.equal(safeStorageEncryptor(storage(true, 'basic_text'), 'darwin').isAvailable(), true);
  });
  test('round-trips through safeStorage', () => {
    const encryptor = safeStorageEncryptor(storage(true, 'gnome_libsecret'), 'linux');
    assert.equal(encryptor.decrypt(encryptor.encrypt('sk-ip-x')), 'sk-ip-x');
  });
});
