/**
 * `tool_choice` on a backend that rejects it (DeepSeek's reasoner): a 400 naming tool_choice is answered by the
 * same request without it; any other 400 reaches the client as it came. Over real HTTP with the official SDK.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startAnthropicHarness } from '../support/anthropic-harness';
import type { ProxyHarness } from '../support/proxy-harness';

const TOOL: Anthropic.Tool = { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } };

describe('tool_choice fallback', () => {
  let h: ProxyHarness;
  let client: Anthropic;
  before(async () => ({ h, client } = await startAnthropicHarness()));
  after(() => h.close());
  beforeEach(() => h.backend.reset());

  const ask = (): Promise<Anthropic.Message> =>
    client.messages
      .stream({ model: 'claude-x', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], tools: [TOOL], tool_choice: { type: 'tool', name: 'Bash' } })
      .finalMessage();

  test('a 400 naming tool_choice: retried once without it', async () => {
    const rejection = { status: 400, body: { error: { message: 'deepseek-reasoner does not support this tool_choice', type: 'invalid_request_error' } } };
    h.backend.reply({ error: rejection });
    h.backend.reply({ toolCalls: [{ name: 'Bash', arguments: { command: 'ls' } }] });
    const message = await ask();
    assert.equal(message.content[0]?.type, 'tool_use');
    assert.equal(h.backend.requests.length, 2);
    assert.ok(h.backend.requests[0]?.body.tool_choice);
    assert.equal(h.backend.requests[1]?.body.tool_choice, undefined);
  });

  test('another 400 is not retried and reaches the client with its message', async () => {
    h.backend.reply({ error: { status: 400, body: { error: { message: 'messages: bad role', type: 'invalid_request_error' } } } });
    await assert.rejects(ask(), (err: unknown) => err instanceof Anthropic.BadRequestError && /bad role/.test(err.message));
    assert.equal(h.backend.requests.length, 1);
  });
});
