// The admin input schemas (shared/admin-input.ts): what each edge (HTTP routes, IPC handlers, the CLI) accepts,
// normalises and refuses, with the field named.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AdminError } from '../../shared/admin-api';
import type { AdminApi } from '../../shared/admin-api';
import { parseAdminArgs, validatedAdmin } from '../../shared/admin-input';

/** The message of the AdminError that parsing `args` for `method` throws (a 400 invalid_argument). */
function refusal(method: Parameters<typeof parseAdminArgs>[0], args: unknown[]): string {
  try {
    parseAdminArgs(method, args);
  } catch (err) {
    assert.ok(err instanceof AdminError, String(err));
    assert.deepEqual([err.status, err.code], [400, 'invalid_argument']);
    return err.message;
  }
  assert.fail(`${method} ${JSON.stringify(args)} was accepted`);
}

describe('admin input schemas', () => {
  it('accepts ids as numbers or digit strings (HTTP paths carry text)', () => {
    assert.deepEqual(parseAdminArgs('revokeKey', [7]), [7]);
    assert.deepEqual(parseAdminArgs('revokeKey', ['7']), [7]);
    assert.deepEqual(parseAdminArgs('setKeyLimits', ['3', { requests_per_minute: '60', tokens_per_day: '' }]), [
      3,
      { requests_per_minute: 60, tokens_per_day: null },
    ]);
    assert.deepEqual(parseAdminArgs('listKeys', [{ user_id: '' }]), [{ user_id: undefined }]);
    assert.deepEqual(parseAdminArgs('listKeys', []), []);
  });

  it('normalises: trimmed names, empty email as null, request log limit capped, absent query as {}', () => {
    assert.deepEqual(parseAdminArgs('createUser', [{ username: ' ada ', email: '' }]), [
      { username: 'ada', email: null },
    ]);
    assert.deepEqual(parseAdminArgs('createKey', [{ user_id: '2', name: null }]), [{ user_id: 2, name: undefined }]);
    assert.deepEqual(parseAdminArgs('requests', [{ limit: '5000' }]), [{ limit: 1000 }]);
    assert.deepEqual(parseAdminArgs('usage', [undefined]), [{}]);
    assert.deepEqual(parseAdminArgs('deleteUser', [4]), ['4']);
  });

  it('refuses bad input naming the field', () => {
    assert.match(refusal('revokeKey', ['one']), /^id: /);
    assert.match(refusal('revokeKey', [-1]), /^id: /);
    assert.match(refusal('revokeKey', [1.5]), /^id: expected integer/);
    assert.match(refusal('setKeyLimits', [1, { colour: 1 }]), /^limits: .*colour/);
    assert.match(refusal('setKeyLimits', [1, { requests_per_minute: 0 }]), /^limits\.requests_per_minute: /);
    assert.match(refusal('createKey', [{}]), /^user_id: required/);
    assert.match(refusal('createUser', [{ username: '' }]), /^username: /);
    assert.match(refusal('createUser', [{ username: 'bob', email: 'nope' }]), /^email: is not an email address/);
    assert.match(refusal('createUser', ['alice']), /expected object/);
    assert.match(refusal('deleteUser', ['  ']), /^ref: /);
    assert.match(refusal('requests', [{ limit: 0 }]), /^limit: /);
    assert.match(refusal('updateSettings', ['x']), /must be an object/);
    assert.match(refusal('status', ['extra']), /^arguments: /);
  });

  it('validatedAdmin checks before the service is called', async () => {
    const calls: unknown[] = [];
    const service = { revokeKey: async (id: number) => calls.push(id) } as unknown as AdminApi;
    const admin = validatedAdmin(service);
    await admin.revokeKey('9' as unknown as number);
    await assert.rejects(admin.revokeKey(0), AdminError);
    assert.deepEqual(calls, [9]);
  });
});
