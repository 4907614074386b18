/** Reading a proxy harness's request log from tests. */
import assert from 'node:assert/strict';
import type { RequestLogEntry } from '../../shared/types';
import type { ProxyHarness } from './proxy-harness';

/**
 * The newest request-log entry of the harness key that `match` accepts. The proxy writes the entry as an answer
 * ends, which can be just after the client has read it, so this asks again (every 20 ms, up to 100 times) before
 * failing the test.
 */
export async function loggedEntry(h: ProxyHarness, match: (entry: RequestLogEntry) => boolean): Promise<RequestLogEntry> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const found = (await h.runtime.admin.requests({ key_id: h.keyId, limit: 20 })).find(match);
    if (found) return found;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail('no matching request-log entry');
}
