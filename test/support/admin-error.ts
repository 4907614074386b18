/** Test helper: the AdminError an admin call rejects with (fails the test when it resolves or rejects otherwise). */
import assert from 'node:assert/strict';
import { AdminError } from '../../shared/admin-api';

/** Runs `fn` and returns the AdminError it rejects with. */
export async function adminError(fn: () => Promise<unknown>): Promise<AdminError> {
  try {
    await fn();
  } catch (err) {
    assert.ok(err instanceof AdminError, `expected an AdminError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a rejection');
}
