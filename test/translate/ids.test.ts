import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMessageId, newToolUseId, randomHex } from '../../main/translate/ids';

test('ids are well formed and unique across pool refills', () => {
  const seen = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    // 2000 × (24 + 24 + 12) bytes span many 4 KB refills of the pool.
    const ids = [newMessageId(), newToolUseId(), `req_${randomHex(12)}`];
    assert.match(ids[0]!, /^msg_[A-Za-z0-9]{24}$/);
    assert.match(ids[1]!, /^toolu_[A-Za-z0-9]{24}$/);
    assert.match(ids[2]!, /^req_[0-9a-f]{24}$/);
    for (const id of ids) {
      assert.ok(!seen.has(id), `duplicate id ${id}`);
      seen.add(id);
    }
  }
});
