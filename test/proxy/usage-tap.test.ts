import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import fc from 'fast-check';
import { JsonUsageTap, SseUsageTap } from '../../main/proxy/usage-tap';
import { pieces } from '../support/byte-pieces';

const chunk = (o: unknown): string => `data: ${JSON.stringify(o)}\n\n`;
const content = [
  chunk({ id: 'c', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }),
  chunk({ id: 'c', choices: [{ index: 0, delta: { content: 'héllo 👋 "usage" in text' } }] }),
  chunk({ id: 'c', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }),
].join('');
const usageChunk = chunk({ id: 'c', choices: [], usage: { prompt_tokens: 12, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } } });
const done = 'data: [DONE]\n\n';

async function run(tap: SseUsageTap | JsonUsageTap, parts: Buffer[]): Promise<string> {
  return (await buffer(Readable.from(parts).pipe(tap))).toString('utf8');
}

describe('SseUsageTap', () => {
  test('strips exactly the usage-only chunk, however the bytes are split', async () => {
    const input = Buffer.from(content + usageChunk + done);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        const tap = new SseUsageTap({ stripUsageChunk: true });
        const out = await run(tap, pieces(input, cuts));
        assert.equal(out, content + done);
        assert.deepEqual(tap.usage, { prompt_tokens: 12, completion_tokens: 5, cached_tokens: 4 });
      }),
      { numRuns: 150 },
    );
  });

  test('passes every byte when not stripping, and still reads usage', async () => {
    const input = Buffer.from(content + usageChunk + done);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), async (cuts) => {
        const tap = new SseUsageTap({ stripUsageChunk: false });
        assert.equal(await run(tap, pieces(input, cuts)), input.toString('utf8'));
        assert.equal(tap.usage?.prompt_tokens, 12);
      }),
      { numRuns: 100 },
    );
  });

  test('CRLF events, usage on the finish chunk (kept), and no usage at all', async () => {
    const crlf = content.replace(/\n/g, '\r\n') + usageChunk.replace(/\n/g, '\r\n') + done;
    const tap = new SseUsageTap({ stripUsageChunk: true });
    assert.equal(await run(tap, [Buffer.from(crlf)]), content.replace(/\n/g, '\r\n') + done);

    const withFinish = chunk({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
    const tap2 = new SseUsageTap({ stripUsageChunk: true });
    assert.equal(await run(tap2, [Buffer.from(withFinish + done)]), withFinish + done);
    assert.equal(tap2.usage?.completion_tokens, 2);

    const tap3 = new SseUsageTap({ stripUsageChunk: true });
    assert.equal(await run(tap3, [Buffer.from(content + done)]), content + done);
    assert.equal(tap3.usage, null);
  });
});

describe('cached tokens on the pass-through (one usage reader with /v1/messages)', () => {
  // Before the readers were one, the pass-through read only OpenAI's field and recorded 0 for DeepSeek and Moonshot.
  for (const [backend, usage] of [
    ['DeepSeek', { prompt_tokens: 20, completion_tokens: 3, prompt_cache_hit_tokens: 9, prompt_cache_miss_tokens: 11 }],
    ['Moonshot', { prompt_tokens: 20, completion_tokens: 3, cached_tokens: 9 }],
  ] as const) {
    test(`${backend}: streamed and not`, async () => {
      const sse = new SseUsageTap({ stripUsageChunk: true });
      await run(sse, [Buffer.from(content + chunk({ id: 'c', choices: [], usage }) + done)]);
      assert.deepEqual(sse.usage, { prompt_tokens: 20, completion_tokens: 3, cached_tokens: 9 });
      const json = new JsonUsageTap();
      await run(json, [Buffer.from(JSON.stringify({ id: 'x', choices: [], usage }))]);
      assert.deepEqual(json.usage, { prompt_tokens: 20, completion_tokens: 3, cached_tokens: 9 });
    });
  }
});

describe('JsonUsageTap', () => {
  test('passes the body through and reads its usage', async () => {
    const body = JSON.stringify({ id: 'x', choices: [], usage: { prompt_tokens: 7, completion_tokens: 1 } });
    const tap = new JsonUsageTap();
    assert.equal(await run(tap, pieces(Buffer.from(body), [5, 17, 30])), body);
    assert.deepEqual(tap.usage, { prompt_tokens: 7, completion_tokens: 1, cached_tokens: 0 });
    const html = new JsonUsageTap();
    assert.equal(await run(html, [Buffer.from('<html>bad gateway</html>')]), '<html>bad gateway</html>');
    assert.equal(html.usage, null);
  });
});
