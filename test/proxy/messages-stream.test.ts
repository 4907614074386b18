/**
 * Streamed `POST /v1/messages` over real HTTP: the official SDK's MessageStream (whose parser rejects events out of
 * order) and the raw SSE bytes checked event by event (test/support/anthropic-stream-check.ts), against the scripted
 * backend streaming the shapes real backends send.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { checkAndReplay } from '../support/anthropic-stream-check';
import type { StreamSummary } from '../support/anthropic-stream-check';
import { postAnthropic, startAnthropicHarness } from '../support/anthropic-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import { loggedEntry } from '../support/request-log';
import type { ScriptedReply, StreamStep } from '../support/scripted-backend';

const params: Anthropic.MessageStreamParams = {
  model: 'claude-opus-4-8',
  max_tokens: 2048,
  messages: [{ role: 'user', content: 'Go on.' }],
};

/** A tool-call delta of the backend stream. */
const call = (index: number, fn: { name?: string; arguments: string }, id?: string): StreamStep => ({
  delta: { tool_calls: [{ index, ...(id ? { id, type: 'function' } : {}), function: fn }] },
});

/** Content without the thinking signatures (they name the message id, which differs per answer). */
const comparable = (content: Anthropic.ContentBlock[]): unknown[] =>
  content.map((b) => (b.type === 'thinking' ? { ...b, signature: b.signature === '' ? '' : 'signed' } : b));

describe('streamed POST /v1/messages', () => {
  let h: ProxyHarness;
  let client: Anthropic;

  before(async () => ({ h, client } = await startAnthropicHarness()));
  after(() => h.close());
  beforeEach(() => h.backend.reset());

  /** The same reply twice: once through the SDK's MessageStream, once as raw SSE checked event by event. */
  async function both(reply: ScriptedReply, body: Anthropic.MessageStreamParams = params) {
    h.backend.reply(reply, reply);
    const message = await client.messages.stream(body).finalMessage();
    const res = await postAnthropic(h, JSON.stringify({ ...body, stream: true }));
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
    const raw = await checkAndReplay(await res.text());
    assert.deepEqual(comparable(raw.message.content), comparable(message.content), 'the SDK replay of the raw bytes gives the same content');
    return { message, summary: raw.summary };
  }

  const messageStartUsage = (summary: StreamSummary): Record<string, unknown> => {
    const start = summary.events[0];
    assert.equal(start?.event, 'message_start');
    return (start.data.message as { usage: Record<string, unknown> }).usage;
  };

  test('text: one text block, the requested model, the backend usage from after finish_reason', async () => {
    const reply: ScriptedReply = {
      text: 'Hello, streaming world! 👋',
      usage: { prompt_tokens: 120, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 100 } },
    };
    const { message, summary } = await both(reply);
    assert.deepEqual(message.content, [{ type: 'text', text: 'Hello, streaming world! 👋' }]);
    assert.equal(message.model, 'claude-opus-4-8');
    assert.equal(message.stop_reason, 'end_turn');
    assert.equal(message.usage.output_tokens, 9);
    assert.equal(message.usage.input_tokens, 20, 'prompt minus cached, from message_delta');
    assert.equal(message.usage.cache_read_input_tokens, 100);
    assert.deepEqual(summary.blocks, ['text']);
    assert.ok(Number(messageStartUsage(summary).input_tokens) > 0, 'message_start carries an estimate, never 0');
    const sent = h.backend.chatRequests[0]!.body;
    assert.equal(sent.stream, true);
    assert.deepEqual(sent.stream_options, { include_usage: true }, 'usage is asked for');
  });

  test('usage on the finish_reason chunk itself', async () => {
    const { message } = await both({ text: 'together', usage: { prompt_tokens: 15, completion_tokens: 2 }, streamUsage: 'with-finish' });
    assert.equal(message.usage.input_tokens, 15);
    assert.equal(message.usage.output_tokens, 2);
  });

  test('thinking (reasoning_content) then text: a signed thinking block first', async () => {
    const { message, summary } = await both({ reasoning: 'First I think it over, at some length.', text: 'Then I answer.' });
    assert.deepEqual(summary.blocks, ['thinking', 'text']);
    assert.ok(summary.events.some((e) => (e.data.delta as { type?: string } | undefined)?.type === 'signature_delta'));
    const [thinking, text] = message.content;
    assert.equal(thinking?.type, 'thinking');
    if (thinking?.type === 'thinking') {
      assert.equal(thinking.thinking, 'First I think it over, at some length.');
      assert.ok(thinking.signature.length > 0, 'signature present');
    }
    assert.deepEqual(text, { type: 'text', text: 'Then I answer.' });
  });

  test('thinking from `reasoning` (OpenRouter) too', async () => {
    const { message } = await both({ reasoning: 'Routed thoughts.', reasoningField: 'reasoning', text: 'Done.' });
    assert.equal(message.content[0]?.type, 'thinking');
    assert.equal(message.content[1]?.type, 'text');
  });

  test('two parallel tool calls with interleaved argument deltas: one whole block each', async () => {
    const chunks: StreamStep[] = [
      { delta: { role: 'assistant', content: null } },
      { delta: { content: 'Two at once.' } },
      call(0, { name: 'Bash', arguments: '' }, 'call_one'),
      call(1, { name: 'Read', arguments: '' }, 'call_two'),
      call(0, { arguments: '{"comm' }),
      call(1, { arguments: '{"file_path":' }),
      call(0, { arguments: 'and":"ls -la"}' }),
      call(1, { arguments: '"/tmp/a.txt"}' }),
      { delta: {}, finish_reason: 'tool_calls', usage: { prompt_tokens: 40, completion_tokens: 30, total_tokens: 70 } },
    ];
    const { message, summary } = await both({ chunks });
    assert.equal(message.stop_reason, 'tool_use');
    assert.deepEqual(summary.blocks, ['text', 'tool_use', 'tool_use']);
    assert.deepEqual(message.content.slice(1), [
      { type: 'tool_use', id: 'call_one', name: 'Bash', input: { command: 'ls -la' } },
      { type: 'tool_use', id: 'call_two', name: 'Read', input: { file_path: '/tmp/a.txt' } },
    ]);
    assert.equal(message.usage.output_tokens, 30);
  });

  test('parallel calls reusing index 0, told apart by new ids (Ollama-style)', async () => {
    const chunks: StreamStep[] = [
      { delta: { role: 'assistant', content: '' } },
      call(0, { name: 'Read', arguments: '{"path":' }, 'call_a'),
      call(0, { arguments: '"a.txt"}' }),
      call(0, { name: 'Read', arguments: '{"path":"b.txt"}' }, 'call_b'),
      { delta: {}, finish_reason: 'tool_calls' },
    ];
    const { message, summary } = await both({ chunks });
    assert.deepEqual(summary.blocks, ['tool_use', 'tool_use']);
    assert.deepEqual(message.content, [
      { type: 'tool_use', id: 'call_a', name: 'Read', input: { path: 'a.txt' } },
      { type: 'tool_use', id: 'call_b', name: 'Read', input: { path: 'b.txt' } },
    ]);
  });

  test('a backend that sends no usage: estimated counts, marked in the request log', async () => {
    const model = 'claude-opus-4-8-no-usage';
    h.backend.reply({ text: 'no usage here at all', usage: null });
    const message = await client.messages.stream({ ...params, model }).finalMessage();
    assert.ok(message.usage.input_tokens > 0);
    assert.ok(message.usage.output_tokens > 0);
    const entry = await loggedEntry(h, (e) => e.model === model);
    assert.equal(entry.endpoint, '/v1/messages');
    assert.equal(entry.stream, true);
    assert.equal(entry.usage_estimated, true);
    assert.ok(entry.output_tokens > 0);
  });

  test('streamed usage is recorded under /v1/messages', async () => {
    const model = 'claude-opus-4-8-usage';
    h.backend.reply({ text: 'counted', usage: { prompt_tokens: 77, completion_tokens: 3 } });
    await client.messages.stream({ ...params, model }).finalMessage();
    const entry = await loggedEntry(h, (e) => e.model === model);
    assert.equal(entry.status, 200);
    assert.equal(entry.input_tokens, 77);
    assert.equal(entry.output_tokens, 3);
    assert.equal(entry.usage_estimated, false);
    const report = await h.runtime.admin.usage({ key_id: h.keyId });
    const row = report.rows.find((r) => r.model === model);
    assert.equal(row?.endpoint, '/v1/messages');
    assert.equal(row?.input_tokens, 77);
  });

  test('no buffering: a text delta reaches the client while the backend is paused mid-stream', { timeout: 20_000 }, async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    // Should the proxy hold the text back, the pause ends by this timer and the order below shows it.
    const fallback = setTimeout(() => {
      order.push('pause ended by its timer');
      release();
    }, 5_000);
    h.backend.reply({
      chunks: [
        { delta: { role: 'assistant', content: '' } },
        { delta: { content: 'early ' } },
        { pauseMs: 60_000, until: gate },
        { delta: { content: 'late' } },
        { delta: {}, finish_reason: 'stop' },
      ],
    });
    const stream = client.messages.stream(params);
    stream.on('text', (delta) => {
      order.push(`text: ${delta}`);
      release();
    });
    try {
      const message = await stream.finalMessage();
      assert.deepEqual(message.content, [{ type: 'text', text: 'early late' }]);
      assert.equal(order[0], 'text: early ', `order: ${order.join(' | ')}`);
    } finally {
      clearTimeout(fallback);
    }
  });

  test('a client abort mid-stream aborts the backend request', { timeout: 20_000 }, async () => {
    h.backend.reply({
      chunks: [{ delta: { role: 'assistant', content: '' } }, { delta: { content: 'partial' } }, { pauseMs: 60_000 }, { delta: { content: 'never' } }],
    });
    const stream = client.messages.stream(params);
    const final = stream.finalMessage();
    final.catch(() => {});
    await new Promise<void>((resolve) => stream.once('text', () => resolve()));
    const rec = h.backend.chatRequests[0]!;
    stream.abort();
    await assert.rejects(final, Anthropic.APIUserAbortError);
    await rec.done;
    assert.equal(rec.aborted, true, 'the backend saw its connection closed before the answer ended');
  });
});
