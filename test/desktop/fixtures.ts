/**
 * Hand-made parts for the desktop's unit tests: a small in-memory AdminApi (the contract, not our core),
 * a fake Encryptor (a test double of Electron's safeStorage), a recording clipboard and status values.
 */
import { AdminError, type AdminApi } from '../../shared/admin-api';
import type { ApiKeyInfo, KeyLimits, ServerStatus, SettingsView, User } from '../../shared/types';
import type { Encryptor } from '../../main/desktop/key-vault';
import { settingsView } from '../support/settings-view';

export function serverStatus(overrides: Partial<ServerStatus> = {}): ServerStatus {
  return {
    running: false,
    url: null,
    host: '127.0.0.1',
    port: 8000,
    backend_configured: true,
    backend_url: 'http://backend.test/v1',
    default_model: 'gpt-test',
    version: '0.1.0',
    error: null,
    providers: [],
    ...overrides,
  };
}

const noLimits: KeyLimits = {
  requests_per_minute: null,
  concurrent_streams: null,
  tokens_per_day: null,
  tokens_per_month: null,
};

/** An AdminApi over arrays, enough for key and user flows. */
export class MemoryAdmin implements AdminApi {
  users: User[] = [];
  keys: ApiKeyInfo[] = [];
  settingsView: SettingsView = settingsView();
  #nextKey = 1;

  async status(): Promise<ServerStatus> {
    return serverStatus();
  }
  async listUsers(): Promise<User[]> {
    return this.users;
  }
  async createUser(input: { username: string; email?: string | null }): Promise<User> {
    const user = { id: this.users.length + 1, username: input.username, email: input.email ?? null, created_at: new Date().toISOString() };
    this.users.push(user);
    return user;
  }
  async deleteUser(ref: string): Promise<void> {
    const user = this.users.find((u) => String(u.id) === ref || u.username === ref);
    if (!user) throw new AdminError({ status: 404, code: 'user_not_found', message: `No user ${ref}` });
    this.users = this.users.filter((u) => u !== user);
    for (const key of this.keys) if (key.user_id === user.id) Object.assign(key, { is_active: false, revoked_at: new Date().toISOString() });
  }
  async listKeys(filter?: { user_id?: number }): Promise<ApiKeyInfo[]> {
    return this.keys.filter((k) => filter?.user_id === undefined || k.user_id === filter.user_id).map((k) => ({ ...k }));
  }
  async createKey(input: { user_id: number; name?: string }) {
    const user = this.users.find((u) => u.id === input.user_id);
    if (!user) throw new AdminError({ status: 404, code: 'user_not_found', message: `No user ${input.user_id}` });
    const id = this.#nextKey++;
    const api_key = `sk-ip-secret${id}-${'x'.repeat(32)}`;
    const info: ApiKeyInfo = {
      id,
      user_id: user.id,
      username: user.username,
      name: input.name ?? '',
      key_prefix: api_key.slice(0, 12),
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
      is_active: true,
      limits: noLimits,
    };
    this.keys.push(info);
    return { ...info, api_key };
  }
  async revokeKey(id: number): Promise<ApiKeyInfo> {
    const key = this.keys.find((k) => k.id === id);
    if (!key) throw new AdminError({ status: 404, code: 'not_found', message: `No key ${id}` });
    Object.assign(key, { is_active: false, revoked_at: new Date().toISOString() });
    return { ...key };
  }
  async setKeyLimits(id: number, limits: Partial<KeyLimits>): Promise<ApiKeyInfo> {
    const key = this.keys.find((k) => k.id === id);
    if (!key) throw new AdminError({ status: 404, code: 'not_found', message: `No key ${id}` });
    key.limits = { ...key.limits, ...limits };
    return { ...key };
  }
  async usage() {
    return {
      start_date: null,
      end_date: null,
      totals: { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, total_tokens: 0 },
      rows: [],
      series: [],
    };
  }
  async requests() {
    return [];
  }
  async getSettings(): Promise<SettingsView> {
    return this.settingsView;
  }
  async updateSettings(patch: Partial<SettingsView>): Promise<SettingsView> {
    this.settingsView = { ...this.settingsView, ...patch };
    return this.settingsView;
  }
  async testConnection() {
    return { backend_url: 'http://backend.test/v1', ok: true, models: ['gpt-test'], checks: [], suggested: {} };
  }
}

/** A reversible stand-in for safeStorage (not secure; it only has to round-trip and be distinguishable). */
export class FakeEncryptor implements Encryptor {
  available = true;
  isAvailable(): boolean {
    return this.available;
  }
  encrypt(plain: string): Buffer {
    return Buffer.from('enc:' + Buffer.from(plain).toString('hex'));
  }
  decrypt(cipher: Buffer): string {
    const text = cipher.toString();
    if (!text.startsWith('enc:')) throw new Error('not ours');
    return Buffer.from(text.slice(4), 'hex').toString();
  }
}

export class RecordingClipboard {
  texts: string[] = [];
  writeText(text: string): void {
    this.texts.push(text);
  }
}
