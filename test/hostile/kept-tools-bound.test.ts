/**
 * Hostile clients, issue 11 defect 2: the kept-tools caches (one per route) are bounded by bytes, never keep an
 * oversized definition list, and are keyed by a hash, not by the definitions' text. Before, 20 requests each with a
 * distinct 16 MB tool description exhausted the heap.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FastPath } from '../../main/proxy/body';
import { KEPT_TOOLS_LIMITS, KeptTools } from '../../main/proxy/body/kept-tools';
import { CHAT_BODY } from '../../main/proxy/routes/chat';
import { MESSAGES_BODY } from '../../main/proxy/routes/messages';

const messagesBody = (description: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      model: 'claude-sonnet-4-5',
      max_tokens: 8,
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ name: 'big', description, input_schema: { type: 'object', properties: {} } }],
    }),
  );
const chatBody = (description: string): Buffer =>
  Buffer.from(
    JSON.stringify({
      model: 'gpt-x',
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'big', description, parameters: { type: 'object', properties: {} } } }],
    }),
  );

describe('hostile clients: kept tool definitions', () => {
  for (const [route, contract, body] of [
    ['messages', MESSAGES_BODY, messagesBody],
    ['chat', CHAT_BODY, chatBody],
  ] as const) {
    test(`${route}: a definition list over the entry limit is never kept`, () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const path = new FastPath<any, any>(contract);
      const big = 'd'.repeat(KEPT_TOOLS_LIMITS.maxEntryBytes + 1);
      for (let i = 0; i < 3; i++) path.parse(body(`${i}${big}`), 'key1');
      assert.equal(path.kept.size, 0);
      assert.equal(path.kept.bytes, 0);
    });

    test(`${route}: distinct definitions are kept within the byte limit, least recently used dropped first`, () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const kept = new KeptTools<any>({ maxBytes: 10_000, maxEntryBytes: 4_000 });
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const path = new FastPath<any, any>(contract, kept);
      for (let i = 0; i < 40; i++) {
        path.parse(body(`${i}:${'x'.repeat(3_000)}`), 'key1');
        assert.ok(kept.bytes <= 10_000, `after ${i + 1} requests: ${kept.bytes} bytes kept`);
      }
      assert.equal(kept.size, 3);
      // The most recent one is kept: sending it again finds it (no new entry, same bytes).
      const before = kept.bytes;
      path.parse(body(`39:${'x'.repeat(3_000)}`), 'key1');
      assert.equal(kept.bytes, before);
      assert.equal(kept.size, 3);
    });
  }

  test('the default limits hold 64 Claude Code-sized lists but no more than 16 MB of text', () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const path = new FastPath<any, any>(MESSAGES_BODY);
    const filler = 'y'.repeat(900_000);
    for (let i = 0; i < 30; i++) path.parse(messagesBody(`${i}${filler}`), 'key1');
    assert.ok(path.kept.bytes <= KEPT_TOOLS_LIMITS.maxBytes, `${path.kept.bytes} bytes kept`);
    assert.ok(path.kept.size < 30 && path.kept.size >= 16);
  });

  test('the map key is a short slot (key, length, sampled bytes), distinct per key', () => {
    const text = Buffer.from('z'.repeat(100_000));
    const a = KeptTools.slot('1', text);
    assert.ok(a.length < 120, `${a.length} characters`);
    assert.notEqual(a, KeptTools.slot('2', text));
    assert.equal(a, KeptTools.slot('1', text));
  });

  test('lists sharing a slot (same key, length and sampled bytes) are told apart byte for byte, within the limits', () => {
    const kept = new KeptTools<string>({ maxEntries: 4 });
    const text = (c: number): Buffer => {
      const b = Buffer.from('z'.repeat(100_000));
      b[50_001] = c; // between two sampled points
      return b;
    };
    const slot = KeptTools.slot('1', text(0x61));
    for (let c = 0x61; c < 0x61 + 6; c++) {
      assert.equal(KeptTools.slot('1', text(c)), slot);
      assert.equal(kept.get('1', text(c)), undefined);
      kept.keep('1', text(c), [String.fromCharCode(c)]);
      assert.deepEqual(kept.get('1', text(c)), [String.fromCharCode(c)]);
    }
    assert.equal(kept.size, 4);
    assert.equal(kept.bytes, 400_000);
    assert.equal(kept.get('1', text(0x61)), undefined, 'the least recently used went first');
    assert.deepEqual(kept.get('1', text(0x63)), ['c']);
    kept.keep('1', text(0x63), ['c again']);
    assert.equal(kept.size, 4, 'keeping a text again replaces it');
    assert.deepEqual(kept.get('1', text(0x63)), ['c again']);
    assert.equal(kept.get('2', text(0x63)), undefined, 'another key does not see it');
  });

  test('a kept list is a copy: the body it came from may be reused', () => {
    const kept = new KeptTools<string>();
    const body = Buffer.from('[{"name":"a"}]');
    kept.keep('1', body, ['a']);
    const same = Buffer.from(body);
    body.fill(0x20);
    assert.deepEqual(kept.get('1', same), ['a']);
  });
});
