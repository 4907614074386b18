import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { pipeTranslatedStream } from '../../main/proxy/translated-stream';
import { StreamTranslator } from '../../main/translate';
import { UpstreamError } from '../../main/upstream/client';
import { checkAnthropicStream } from '../support/anthropic-stream-check';

const translator = (): StreamTranslator =>
  new StreamTranslator({ requestedModel: 'claude-x', messageId: 'msg_test', estimatedInputTokens: 10, stopSequences: [] });

const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}): string =>
  `data: ${JSON.stringify({ choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
const finish = (reason: string): string => `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: reason }] })}\n\n`;

/** Collects everything written to the sink. */
function collect(sink: PassThrough): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    sink.on('data', (c: Buffer) => (text += c.toString('utf8')));
    sink.on('end', () => resolve(text));
  });
}

const options = { pingIntervalMs: 60_000, clientGone: () => false };

describe('pipeTranslatedStream', () => {
  test('translates a stream chunk by chunk and ends at [DONE] with usage', async () => {
    const source = new PassThrough();
    const sink = new PassThrough();
    const body = collect(sink);
    const done = pipeTranslatedStream(source, translator(), sink, options);
    source.write(chunk({ role: 'assistant', content: 'Hel' }));
    source.write(chunk({ content: 'lo' }));
    source.write(finish('stop'));
    source.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 42, completion_tokens: 2 } })}\n\ndata: [DONE]\n\n`);
    const result = await done;
    const summary = checkAnthropicStream(await body, { complete: true });
    assert.deepEqual(summary.blocks, ['text']);
    assert.equal(result.failed, false);
    assert.equal(result.error, null);
    assert.equal(result.usage.input_tokens, 42);
    assert.equal(result.usage.estimated, false);
  });

  test('events reach the client before the backend sends more (no buffering)', async () => {
    const source = new PassThrough();
    const sink = new PassThrough();
    const seen: string[] = [];
    const firstDelta = new Promise<void>((resolve) => {
      sink.on('data', (c: Buffer) => {
        seen.push(c.toString('utf8'));
        if (seen.join('').includes('"text_delta"')) resolve();
      });
    });
    const done = pipeTranslatedStream(source, translator(), sink, options);
    source.write(chunk({ content: 'first' }));
    await firstDelta; // would hang if the pipe waited for the end of the stream
    assert.ok(seen.join('').includes('first'));
    source.end(finish('stop'));
    await done;
  });

  test('a quiet backend gets pings; a stream without [DONE] still ends properly', async () => {
    const source = new PassThrough();
    const sink = new PassThrough();
    const body = collect(sink);
    const done = pipeTranslatedStream(source, translator(), sink, { pingIntervalMs: 20, clientGone: () => false });
    source.write(chunk({ tool_calls: [{ index: 0, id: 'call_1', function: { name: 'Bash', arguments: '{"command":' } }] }));
    await new Promise((r) => setTimeout(r, 120));
    source.end(chunk({ tool_calls: [{ index: 0, function: { arguments: '"ls"}' } }] }) + finish('tool_calls'));
    await done;
    const text = await body;
    const summary = checkAnthropicStream(text, { complete: true });
    assert.ok(summary.events.some((e) => e.event === 'ping'), 'a ping while the tool call was held');
    assert.deepEqual(summary.blocks, ['tool_use']);
    assert.equal(summary.toolJson.get(0), '{"command":"ls"}');
  });

  test('a backend failure mid-stream ends with an error event; a timeout is timeout_error', async () => {
    for (const [err, type] of [
      [new UpstreamError('timeout', 'The backend sent nothing for 1 s (TIMEOUT).'), 'timeout_error'],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'api_error'],
    ] as const) {
      const source = new PassThrough();
      const sink = new PassThrough();
      const body = collect(sink);
      const done = pipeTranslatedStream(source, translator(), sink, options);
      source.write(chunk({ content: 'partial' }));
      await new Promise((r) => setImmediate(r));
      source.destroy(err);
      const result = await done;
      const summary = checkAnthropicStream(await body);
      assert.equal(summary.errored, true);
      const last = summary.events.at(-1);
      assert.equal((last?.data.error as { type: string }).type, type);
      assert.equal(result.failed, true);
      assert.ok(result.error);
    }
  });

  test('a stream event that is not JSON ends with an api_error event naming it', async () => {
    const source = Readable.from([chunk({ content: 'ok' }), 'data: {not json\n\n']);
    const sink = new PassThrough();
    const body = collect(sink);
    const result = await pipeTranslatedStream(source, translator(), sink, options);
    const summary = checkAnthropicStream(await body);
    assert.equal(summary.errored, true);
    assert.match(String((summary.events.at(-1)?.data.error as { message: string }).message), /not JSON/);
    assert.equal(result.failed, true);
  });

  test('a client that went away is not reported as a backend failure', async () => {
    const source = new PassThrough();
    const sink = new PassThrough();
    let gone = false;
    const done = pipeTranslatedStream(source, translator(), sink, { pingIntervalMs: 60_000, clientGone: () => gone });
    source.write(chunk({ content: 'x' }));
    gone = true;
    sink.destroy();
    source.destroy(new UpstreamError('aborted', 'The request was aborted.'));
    const result = await done;
    assert.equal(result.error, 'client closed the connection');
  });

  test('backpressure: the backend is paused while the client does not read', async () => {
    const source = new PassThrough();
    const sink = new PassThrough({ highWaterMark: 64 });
    const done = pipeTranslatedStream(source, translator(), sink, options);
    for (let i = 0; i < 50; i++) source.write(chunk({ content: 'y'.repeat(200) }));
    await new Promise((r) => setImmediate(r));
    assert.equal(source.isPaused(), true, 'the source is paused while the sink is full');
    const body = collect(sink);
    source.end(finish('stop'));
    await done;
    const summary = checkAnthropicStream(await body, { complete: true });
    assert.deepEqual(summary.blocks, ['text']);
  });
});
