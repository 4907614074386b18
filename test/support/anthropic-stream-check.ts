/**
 * Checks an Anthropic Messages SSE body against the rules clients enforce (docs: /work/shared/protocol.md),
 * and replays it through the official SDK's own SSE decoder and message accumulator (no HTTP).
 *
 * Rules: every event is `event: X` + `data: {json}` with `data.type === X`; `message_start` first
 * and once; `content_block_start` before any delta or stop of its index; indexes 0, 1, 2… in order;
 * one block open at a time; delta type matches block type (text_delta→text, thinking_delta and
 * signature_delta→thinking, input_json_delta→tool_use); a tool_use block's partial_json concatenates
 * to a JSON object; `message_delta` has `usage.output_tokens`; `message_stop` last, nothing after it;
 * `ping` anywhere; an `error` event ends the stream.
 */
import assert from 'node:assert/strict';
import { Stream } from '@anthropic-ai/sdk/core/streaming';
import { MessageStream } from '@anthropic-ai/sdk/lib/MessageStream';
import type { Message } from '@anthropic-ai/sdk/resources/messages';

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Splits an SSE body into events (each must have exactly one `event:` and one `data:` line). */
export function parseSse(body: string): SseEvent[] {
  assert.ok(body === '' || body.endsWith('\n\n'), 'SSE body must end with a blank line');
  const events: SseEvent[] = [];
  for (const raw of body.split('\n\n')) {
    if (raw === '') continue;
    const lines = raw.split('\n');
    assert.equal(lines.length, 2, `event must be two lines: ${JSON.stringify(raw)}`);
    const [eventLine = '', dataLine = ''] = lines;
    assert.ok(eventLine.startsWith('event: '), `bad event line: ${eventLine}`);
    assert.ok(dataLine.startsWith('data: '), `bad data line: ${dataLine}`);
    const data = JSON.parse(dataLine.slice(6)) as Record<string, unknown>;
    const event = eventLine.slice(7);
    assert.equal(data.type, event, `data.type ${String(data.type)} differs from event ${event}`);
    events.push({ event, data });
  }
  return events;
}

const DELTA_BLOCK: Record<string, string> = {
  text_delta: 'text',
  thinking_delta: 'thinking',
  signature_delta: 'thinking',
  input_json_delta: 'tool_use',
};

export interface StreamSummary {
  events: SseEvent[];
  /** Block types in index order. */
  blocks: string[];
  /** The concatenated partial_json of each tool_use block, by index. */
  toolJson: Map<number, string>;
  /** True when the stream ended with an `error` event. */
  errored: boolean;
}

/** Validates the event sequence; throws an AssertionError naming the first broken rule. */
export function checkAnthropicStream(body: string, opts: { complete?: boolean } = {}): StreamSummary {
  const events = parseSse(body);
  const blocks: string[] = [];
  const toolJson = new Map<number, string>();
  let started = false;
  let stopped = false;
  let errored = false;
  let open: { index: number; type: string } | null = null;

  events.forEach(({ event, data }, i) => {
    const where = `event #${i} (${event})`;
    assert.ok(!stopped, `${where} after message_stop`);
    assert.ok(!errored, `${where} after error`);
    if (event === 'ping') return;
    if (event === 'error') {
      const error = data.error as { type?: unknown; message?: unknown } | undefined;
      assert.equal(typeof error?.type, 'string', `${where}: error.type`);
      assert.equal(typeof error?.message, 'string', `${where}: error.message`);
      errored = true;
      return;
    }
    if (event === 'message_start') {
      assert.ok(!started, `${where}: second message_start`);
      started = true;
      const message = data.message as Record<string, unknown>;
      assert.equal(message.type, 'message');
      assert.equal(message.role, 'assistant');
      assert.deepEqual(message.content, []);
      const usage = message.usage as Record<string, unknown>;
      assert.equal(typeof usage.input_tokens, 'number', `${where}: usage.input_tokens`);
      assert.equal(typeof usage.output_tokens, 'number', `${where}: usage.output_tokens`);
      return;
    }
    assert.ok(started, `${where} before message_start`);
    const index = data.index as number;
    switch (event) {
      case 'content_block_start': {
        assert.equal(open, null, `${where}: block ${index} started while ${open?.index} is open`);
        assert.equal(index, blocks.length, `${where}: index ${index}, expected ${blocks.length}`);
        const block = data.content_block as Record<string, unknown>;
        const type = block.type as string;
        assert.ok(['text', 'thinking', 'tool_use', 'server_tool_use', 'web_search_tool_result'].includes(type), `${where}: block type ${type}`);
        if (type === 'tool_use' || type === 'server_tool_use') {
          assert.equal(typeof block.id, 'string');
          assert.ok((block.name as string).length > 0, `${where}: tool_use without name`);
          assert.deepEqual(block.input, {});
          toolJson.set(index, '');
        }
        blocks.push(type);
        open = { index, type };
        return;
      }
      case 'content_block_delta': {
        assert.ok(open && open.index === index, `${where}: delta for block ${index}, which is not open`);
        const delta = data.delta as Record<string, unknown>;
        const want = DELTA_BLOCK[delta.type as string];
        assert.equal(want, open.type === 'server_tool_use' ? 'tool_use' : open.type, `${where}: ${String(delta.type)} on a ${open.type} block`);
        if (delta.type === 'input_json_delta') toolJson.set(index, (toolJson.get(index) ?? '') + String(delta.partial_json));
        return;
      }
      case 'content_block_stop': {
        assert.ok(open && open.index === index, `${where}: stop for block ${index}, which is not open`);
        if (open.type === 'tool_use' || open.type === 'server_tool_use') {
          const json = toolJson.get(index) ?? '';
          const input = JSON.parse(json === '' ? '{}' : json) as unknown;
          assert.ok(input !== null && typeof input === 'object' && !Array.isArray(input), `${where}: tool input not an object`);
        }
        open = null;
        return;
      }
      case 'message_delta': {
        assert.equal(open, null, `${where}: message_delta with block ${open?.index} open`);
        const usage = data.usage as Record<string, unknown> | undefined;
        assert.equal(typeof usage?.output_tokens, 'number', `${where}: usage.output_tokens`);
        assert.ok('stop_reason' in (data.delta as object), `${where}: delta.stop_reason`);
        return;
      }
      case 'message_stop':
        assert.equal(open, null, `${where}: message_stop with a block open`);
        stopped = true;
        return;
      default:
        assert.fail(`${where}: unknown event`);
    }
  });
  if (opts.complete !== false && !errored) {
    assert.ok(stopped, 'stream must end with message_stop');
    const deltas = events.filter((e) => e.event === 'message_delta');
    assert.equal(deltas.length, 1, 'exactly one message_delta');
  }
  return { events, blocks, toolJson, errored };
}

/** Replays an SSE body through the SDK's SSE decoder and MessageStream; resolves to its final message. */
export async function replayWithSdk(body: string): Promise<Message> {
  const controller = new AbortController();
  const events = Stream.fromSSEResponse(new Response(body), controller);
  const stream = MessageStream.fromReadableStream(events.toReadableStream());
  return stream.finalMessage();
}

/** Both checks at once: the rule check, then the SDK's accumulated message. */
export async function checkAndReplay(body: string): Promise<{ summary: StreamSummary; message: Message }> {
  const summary = checkAnthropicStream(body);
  const message = await replayWithSdk(body);
  return { summary, message };
}
