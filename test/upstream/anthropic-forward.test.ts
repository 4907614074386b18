import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import fc from 'fast-check';
import { topLevelValueSpan, withTopLevelString } from '../../main/translate/json-member';
import { AnthropicUsageTap } from '../../main/upstream/anthropic-usage-tap';
import { forwardedHeaders } from '../../main/upstream/anthropic-forward';

describe('withTopLevelString', () => {
  test('replaces only the top-level member, every other byte unchanged', () => {
    const raw = Buffer.from('{"messages":[{"role":"user","content":"{\\"model\\":\\"x\\"}"}],"metadata":{"model":"inner"},  "model" : "claude-opus-4-8" ,"stream":true}');
    const out = withTopLevelString(raw, 'model', 'glm-4.6').toString();
    assert.equal(out, '{"messages":[{"role":"user","content":"{\\"model\\":\\"x\\"}"}],"metadata":{"model":"inner"},  "model" : "glm-4.6" ,"stream":true}');
    assert.equal(withTopLevelString(Buffer.from('{"stream":true}'), 'model', 'm').toString(), '{"model":"m","stream":true}');
    assert.equal(withTopLevelString(Buffer.from('{ }'), 'model', 'm').toString(), '{"model":"m" }');
    assert.equal(withTopLevelString(Buffer.from('{"model":"a","x":"é✓"}'), 'model', 'b"c').toString(), '{"model":"b\\"c","x":"é✓"}');
    assert.equal(topLevelValueSpan(Buffer.from('{"a":[1,{"model":2}],"b":-1.5e3}'), 'model'), null);
  });
  test('property: the result parses to the input with the member set', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string(), (obj, model) => {
        const raw = Buffer.from(JSON.stringify(obj));
        const out = JSON.parse(withTopLevelString(raw, 'model', model).toString()) as Record<string, unknown>;
        const expected = JSON.parse(JSON.stringify({ ...obj, model })) as Record<string, unknown>;
        assert.deepEqual(out, expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('AnthropicUsageTap', () => {
  const events = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":120,"cache_read_input_tokens":30,"cache_creation_input_tokens":5,"output_tokens":1}}}\n\n',
    'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n',
    'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo"}}\n\n',
    'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":42}}\n\n',
    'event: message_stop\ndata: {"type":"message_stop"}\n\n',
  ].join('');

  test('bytes pass unchanged in any chunking; usage read from message_start and message_delta', async () => {
    const bytes = Buffer.from(events);
    for (const size of [1, 7, 64, bytes.length]) {
      const tap = new AnthropicUsageTap({ sse: true });
      const out: Buffer[] = [];
      tap.on('data', (c: Buffer) => out.push(c));
      const parts: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      await pipeline(Readable.from(parts), tap);
      assert.ok(Buffer.concat(out).equals(bytes), `chunk size ${size}`);
      assert.deepEqual(tap.usage, { input_tokens: 120, output_tokens: 42, cache_read_input_tokens: 30, cache_creation_input_tokens: 5 });
      assert.equal(tap.stopped, true);
    }
  });
  test('an error event is noted; JSON answers are read at the end', async () => {
    const tap = new AnthropicUsageTap({ sse: true });
    tap.resume();
    await pipeline(Readable.from([Buffer.from('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n')]), tap);
    assert.equal(tap.error, 'Overloaded');
    const json = new AnthropicUsageTap({ sse: false });
    json.resume();
    await pipeline(Readable.from([Buffer.from('{"type":"message","usage":{"input_tokens":3,'), Buffer.from('"output_tokens":4}}')]), json);
    assert.deepEqual(json.usage, { input_tokens: 3, output_tokens: 4, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
  });
});

describe('forwardedHeaders', () => {
  test('version and betas kept, the client key and other headers not', () => {
    const out = forwardedHeaders({
      'anthropic-version': '2023-06-01',
      'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14',
      'x-api-key': 'sk-ip-client',
      authorization: 'Bearer sk-ip-client',
      cookie: 'a=b',
      'x-claude-code-session-id': 's1',
    });
    assert.deepEqual(out, { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14', 'x-claude-code-session-id': 's1' });
    assert.deepEqual(forwardedHeaders({}), { 'anthropic-version': '2023-06-01' });
  });
});
