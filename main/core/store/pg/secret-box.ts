/**
 * Secrets at rest in PostgreSQL: AES-256-GCM with the key INFINIPROXY_SECRET_KEY (32 bytes as 64 hex characters),
 * so a dump of the database alone reveals no backend key, provider key or admin token. Sealed values read
 * `v1:<iv>:<tag>:<ciphertext>` (base64url parts).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Settings } from '../../../../shared/types';
import { StoreError } from '../store';

/** The environment variable holding the key. */
export const SECRET_KEY_VAR = 'INFINIPROXY_SECRET_KEY';

/** Encrypts and decrypts short secrets. */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

/** The box for a 64-hex-character key; throws a clear message for a malformed one. */
export function secretBoxFromHex(hex: string): SecretBox {
  const trimmed = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new Error(`${SECRET_KEY_VAR} must be 64 hex characters (32 bytes), e.g. from \`openssl rand -hex 32\`.`);
  }
  const key = Buffer.from(trimmed, 'hex');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join(':');
    },
    open(sealed) {
      const [v, iv, tag, ct] = sealed.split(':');
      if (v !== 'v1' || iv === undefined || tag === undefined || ct === undefined) throw new Error('not a sealed secret');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      try {
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error(`a secret in the database cannot be decrypted with this ${SECRET_KEY_VAR} (was it changed?)`);
      }
    },
  };
}

/** The refusal when a secret must be stored and no key is configured. */
export function missingSecretKey(what: string): StoreError {
  return new StoreError(
    'invalid',
    `${what}: storing secrets in PostgreSQL needs ${SECRET_KEY_VAR} (64 hex characters, e.g. \`openssl rand -hex 32\`) ` +
      'in the environment of every instance; nothing was saved.',
  );
}

/** A sealed value inside the settings document. */
interface Sealed {
  $sealed: string;
}

const isSealed = (v: unknown): v is Sealed =>
  typeof v === 'object' && v !== null && typeof (v as { $sealed?: unknown }).$sealed === 'string';

/**
 * The settings document as stored: the backend key and each provider's key sealed (empty keys stay empty).
 * Throws a StoreError when there is a secret to seal and no box.
 */
export function sealSettings(settings: Partial<Settings>, box: SecretBox | null): Record<string, unknown> {
  const seal = (value: unknown, what: string): unknown => {
    if (typeof value !== 'string' || value === '') return value;
    if (!box) throw missingSecretKey(what);
    return { $sealed: box.seal(value) } satisfies Sealed;
  };
  const doc: Record<string, unknown> = { ...settings };
  if ('backend_api_key' in doc) doc.backend_api_key = seal(doc.backend_api_key, 'backend_api_key');
  if (Array.isArray(doc.providers)) {
    doc.providers = (doc.providers as Record<string, unknown>[]).map((p) => ({ ...p, api_key: seal(p.api_key, `providers.${String(p.name)}.api_key`) }));
  }
  return doc;
}

/** The settings from a stored document (the inverse of {@link sealSettings}). */
export function openSettings(doc: Record<string, unknown>, box: SecretBox | null): Partial<Settings> {
  const open = (value: unknown): unknown => {
    if (!isSealed(value)) return value;
    if (!box) throw new Error(`the stored settings hold encrypted keys: set ${SECRET_KEY_VAR} to read them`);
    return box.open(value.$sealed);
  };
  const out: Record<string, unknown> = { ...doc };
  if ('backend_api_key' in out) out.backend_api_key = open(out.backend_api_key);
  if (Array.isArray(out.providers)) {
    out.providers = (out.providers as Record<string, unknown>[]).map((p) => ({ ...p, api_key: open(p.api_key) }));
  }
  return out as Partial<Settings>;
}
