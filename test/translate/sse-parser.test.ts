import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SseParser } from '../../main/translate/sse-parser';
import { StreamTranslator } from '../../main/translate/stream';
import { checkAndReplay } from '../support/anthropic-stream-check';
import { openaiParallelTools } from './fixtures/streams';
import { pieces } from '../support/byte-pieces';

/** Feeds `parts` one by one, then ends; returns all payloads. */
function feed(parts: Array<string | Uint8Array>): { payloads: string[]; parser: SseParser } {
  const parser = new SseParser();
  const payloads = parts.flatMap((p) => parser.push(p));
  payloads.push(...parser.end());
  return { payloads, parser };
}

describe('SseParser', () => {
  it('LF, CRLF and CR line endings', () => {
    for (const eol of ['\n', '\r\n', '\r']) {
      const body = `data: {"a":1}${eol}${eol}data: {"b":2}${eol}${eol}data: [DONE]${eol}${eol}`;
      const { payloads, parser } = feed([body]);
      assert.deepEqual(payloads, ['{"a":1}', '{"b":2}'], JSON.stringify(eol));
      assert.ok(parser.done);
    }
  });

  it('lines and CRLF pairs split across chunks, and multi-byte characters split across chunks', () => {
    const text = 'data: {"t":"héllo 汉字 👋"}\r\n\r\ndata: [DONE]\r\n\r\n';
    const bytes = new TextEncoder().encode(text);
    for (let size = 1; size <= 7; size++) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) parts.push(bytes.subarray(i, i + size));
      assert.deepEqual(feed(parts).payloads, ['{"t":"héllo 汉字 👋"}'], `chunk size ${size}`);
    }
  });

  it('comments, other fields, no space after the colon, multi-line data', () => {
    const body = ': OPENROUTER PROCESSING\n\nevent: message\nid: 7\nretry: 100\ndata:{"x":1}\n\ndata: line1\ndata: line2\n\n';
    assert.deepEqual(feed([body]).payloads, ['{"x":1}', 'line1\nline2']);
  });

  it('nothing after [DONE]; a last event without a blank line is flushed by end()', () => {
    assert.deepEqual(feed(['data: 1\n\ndata: [DONE]\n\ndata: 2\n\n']).payloads, ['1']);
    assert.deepEqual(feed(['data: {"last":true}']).payloads, ['{"last":true}']);
    assert.deepEqual(feed(['data: {"last":true}\n']).payloads, ['{"last":true}']);
  });

  it('leniency: consecutive JSON data lines without a blank line are separate events', () => {
    assert.deepEqual(feed(['data: {"a":1}\ndata: {"b":2}\n\n']).payloads, ['{"a":1}', '{"b":2}']);
  });

  it('skips empty data', () => {
    assert.deepEqual(feed(['data:\n\ndata: \n\n']).payloads, []);
  });

  it('any chunking of a stream gives the same payloads (property)', () => {
    const events = ['{"a":1}', '{"b":"x\\ny"}', '{"c":"汉字"}', 'plain'];
    const body = `: hi\r\n${events.map((e) => `data: ${e}\r\n\r\n`).join('')}data: [DONE]\r\n\r\n`;
    const bytes = new TextEncoder().encode(body);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), (cuts) => {
        assert.deepEqual(feed(pieces(Buffer.from(bytes), cuts)).payloads, events);
      }),
      { numRuns: 300 },
    );
  });

  it('end to end: backend SSE bytes → parser → translator → valid Anthropic stream', async () => {
    const backend = openaiParallelTools.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('') + 'data: [DONE]\n\n';
    const bytes = new TextEncoder().encode(backend);
    const parser = new SseParser();
    const t = new StreamTranslator({ requestedModel: 'claude-sonnet-4-5', messageId: 'msg_e2e', estimatedInputTokens: 10, stopSequences: [] });
    let out = t.start();
    for (let i = 0; i < bytes.length; i += 13) {
      for (const payload of parser.push(bytes.subarray(i, i + 13))) out += t.push(JSON.parse(payload));
    }
    assert.ok(parser.done);
    out += t.finish();
    const { message } = await checkAndReplay(out);
    assert.equal(message.content.length, 2);
    assert.equal(message.usage.output_tokens, 40);
  });
});
