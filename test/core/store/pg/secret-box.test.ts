/**
 * Secrets sealed for PostgreSQL: AES-256-GCM round trips, a tampered or foreign-key value is refused, settings keep
 * their non-secret fields readable and every secret sealed, and no secret is stored without a key.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openSettings, sealSettings, secretBoxFromHex } from '../../../../main/core/store/pg/secret-box';
import { StoreError } from '../../../../main/core/store/store';

const box = secretBoxFromHex('0123456789abcdef'.repeat(4));

test('seal and open round-trip; each seal is different; tampering is detected', () => {
  const a = box.seal('sk-secret');
  const b = box.seal('sk-secret');
  assert.notEqual(a, b, 'a fresh IV each time');
  assert.ok(!a.includes('sk-secret'));
  assert.equal(box.open(a), 'sk-secret');
  const parts = a.split(':');
  const ct = Buffer.from(parts[3]!, 'base64url');
  ct[0] = ct[0]! ^ 1;
  assert.throws(() => box.open([...parts.slice(0, 3), ct.toString('base64url')].join(':')), /cannot be decrypted/);
  assert.throws(() => secretBoxFromHex('f'.repeat(64)).open(a), /cannot be decrypted with this INFINIPROXY_SECRET_KEY/);
  assert.throws(() => secretBoxFromHex('xyz'), /64 hex characters/);
});

test('settings: secrets sealed, the rest as it was; refused without a key', () => {
  const settings = {
    backend_api_key: 'sk-backend',
    default_model: 'm',
    providers: [{ name: 'p', api_key: 'sk-provider' }, { name: 'local', api_key: '' }],
  } as never;
  const doc = sealSettings(settings, box);
  const text = JSON.stringify(doc);
  assert.ok(!text.includes('sk-backend') && !text.includes('sk-provider'));
  assert.equal(doc.default_model, 'm');
  assert.deepEqual(openSettings(doc, box), settings);
  assert.throws(() => sealSettings(settings, null), (err: unknown) => err instanceof StoreError && /backend_api_key: storing secrets/.test(err.message));
  assert.deepEqual(sealSettings({ default_model: 'm', backend_api_key: '' }, null), { default_model: 'm', backend_api_key: '' }, 'no secret, no key needed');
  assert.throws(() => openSettings(doc, null), /set INFINIPROXY_SECRET_KEY/);
});
