/** Polls `check` every 10 ms for up to 5 s; fails the test naming `what` when it never holds. */
import assert from 'node:assert/strict';

export async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`timed out waiting for ${what}`);
}
