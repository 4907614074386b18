/**
 * Anthropic's web search tool on an OpenAI-compatible backend (issue 14 §1), as Claude Code's WebSearch sends it,
 * through the official SDK (streamed and not) against the strict scripted backend and a scripted search service.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startAnthropicHarness } from '../../support/anthropic-harness';
import type { ProxyHarness } from '../../support/proxy-harness';
import { startScriptedSearch, type ScriptedSearch } from '../../support/scripted-search';
import { checkAndReplay } from '../../support/anthropic-stream-check';
import { readHits } from '../../../main/upstream/search-client';

const WEB_SEARCH = { type: 'web_search_20250305', name: 'web_search', max_uses: 8 } as const;
/** What Claude Code's WebSearch sends (protocol.md). */
const params = (over: Record<string, unknown> = {}) =>
  ({
    model: 'claude-opus-4-8',
    max_tokens: 4096,
    system: 'You are an assistant for performing a web search tool use',
    messages: [{ role: 'user', content: 'Perform a web search for the query: infiniproxy release' }],
    tools: [WEB_SEARCH],
    tool_choice: { type: 'tool', name: 'web_search' },
    ...over,
  }) as unknown as Anthropic.MessageCreateParamsNonStreaming;

describe('web search', () => {
  let h: ProxyHarness;
  let client: Anthropic;
  let search: ScriptedSearch;
  before(async () => {
    ({ h, client } = await startAnthropicHarness());
    search = await startScriptedSearch([
      { url: 'https://infiniproxy.test/releases/1.0', title: 'InfiniProxy 1.0 released', content: 'Version 1.0 shipped on 1 December.', publishedDate: '2026-12-01' },
      { url: 'https://blocked.test/spam', title: 'Spam', content: 'spam' },
    ]);
  });
  after(async () => {
    await h.close();
    await search.close();
  });
  beforeEach(async () => {
    h.backend.reset();
    search.requests.length = 0;
    search.failWith = null;
    await h.runtime.admin.updateSettings({ web_search: { provider: 'searxng', base_url: search.url }, retries: 0 });
  });

  test('streamed: server_tool_use, web_search_tool_result, then the answer; usage counts the search', async () => {
    h.backend.reply({ toolCalls: [{ name: 'web_search', arguments: { query: 'infiniproxy release' } }], usage: { prompt_tokens: 100, completion_tokens: 10 } });
    h.backend.reply({ text: 'InfiniProxy 1.0 shipped on 1 December.', usage: { prompt_tokens: 300, completion_tokens: 20 } });
    const res = await fetch(`${h.url}/v1/messages?beta=true`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ ...params({ tools: [{ ...WEB_SEARCH, blocked_domains: ['blocked.test'] }] }), stream: true }),
    });
    const raw = await res.text();
    const { summary, message } = await checkAndReplay(raw);
    assert.deepEqual(summary.blocks, ['server_tool_use', 'web_search_tool_result', 'text']);
    assert.deepEqual((message.content[0] as Anthropic.ServerToolUseBlock).input, { query: 'infiniproxy release' });
    assert.equal(message.usage.input_tokens, 400);
    assert.match(raw, /"partial_json":"\{\\"query\\":\\"infiniproxy release\\"\}"/);
    assert.match(raw, /"web_search_requests":1/);
    assert.doesNotMatch(raw, /blocked\.test/);
    assert.equal(search.requests[0]?.query, 'infiniproxy release');

    const first = h.backend.requests[0]?.body;
    assert.deepEqual(first?.tool_choice, { type: 'function', function: { name: 'web_search' } });
    assert.ok(first?.tools?.some((t) => t.function.name === 'web_search'));
    assert.equal(first?.stream, false);
    const second = h.backend.requests[1]?.body;
    const tool = second?.messages?.find((m) => m.role === 'tool') as { content: string } | undefined;
    assert.match(tool?.content ?? '', /InfiniProxy 1\.0 released\nURL: https:\/\/infiniproxy\.test\/releases\/1\.0\nAge: 2026-12-01\nVersion 1\.0 shipped/);
    assert.equal(second?.tool_choice, undefined, 'the forced choice applies to the first round only');
  });

  test('not streamed, through the SDK: the blocks, results and usage in Anthropic shapes', async () => {
    h.backend.reply({ toolCalls: [{ name: 'web_search', arguments: { query: 'q1' } }] });
    h.backend.reply({ text: 'Answer.' });
    const message = await client.messages.create(params());
    assert.deepEqual(message.content.map((b) => b.type), ['server_tool_use', 'web_search_tool_result', 'text']);
    const result = message.content[1] as Anthropic.WebSearchToolResultBlock;
    assert.equal(result.tool_use_id, (message.content[0] as Anthropic.ServerToolUseBlock).id);
    const items = result.content as Anthropic.WebSearchResultBlock[];
    assert.equal(items[0]?.url, 'https://infiniproxy.test/releases/1.0');
    assert.equal(items[0]?.page_age, '2026-12-01');
    assert.ok(items[0]?.encrypted_content);
    assert.equal(message.usage.server_tool_use?.web_search_requests, 1);
    assert.equal(message.stop_reason, 'end_turn');

    // The answer sent back as history (a later turn): the search becomes text the backend can read.
    h.backend.reset();
    h.backend.reply({ text: 'ok' });
    await client.messages.create({
      model: 'claude-x',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'search' }, { role: 'assistant', content: message.content as never }, { role: 'user', content: 'thanks' }],
    });
    const assistant = h.backend.requests[0]?.body.messages?.find((m) => m.role === 'assistant') as { content: string };
    assert.match(assistant.content, /\[Web search: q1\]\n\n\[Web search results\]\n- InfiniProxy 1\.0 released \(https:\/\/infiniproxy\.test\/releases\/1\.0\): Version 1\.0 shipped on 1 December\.[^]*Answer\./);
  });

  test('a failing search service: a web_search_tool_result_error block, the answer still comes', async () => {
    search.failWith = 429;
    h.backend.reply({ toolCalls: [{ name: 'web_search', arguments: { query: 'q' } }] });
    h.backend.reply({ text: 'I could not search.' });
    const message = await client.messages.stream(params()).finalMessage();
    const result = message.content[1] as Anthropic.WebSearchToolResultBlock;
    assert.deepEqual(result.content, { type: 'web_search_tool_result_error', error_code: 'too_many_requests' });
    assert.equal(message.content[2]?.type, 'text');
  });

  test('max_uses: after the last search the model answers without the function', async () => {
    h.backend.reply({ toolCalls: [{ name: 'web_search', arguments: { query: 'a' } }] });
    h.backend.reply({ text: 'Done.' });
    const message = await client.messages.create(params({ tools: [{ ...WEB_SEARCH, max_uses: 1 }], tool_choice: { type: 'auto' } }));
    assert.equal(message.usage.server_tool_use?.web_search_requests, 1);
    const second = h.backend.requests[1]?.body;
    assert.equal(second?.tools, undefined);
    assert.equal(second?.tool_choice, undefined);
  });

  test('no search service configured: a normal message saying how to configure it', async () => {
    await h.runtime.admin.updateSettings({ web_search: null });
    const message = await client.messages.stream(params()).finalMessage();
    assert.equal(message.content[0]?.type, 'text');
    assert.match((message.content[0] as Anthropic.TextBlock).text, /Web search is not configured.*settings set 'web_search=/s);
    assert.equal(h.backend.requests.length, 0);
  });

  test('the setting: key kept when a change omits it, masked in the view', async () => {
    await h.runtime.admin.updateSettings({ web_search: { provider: 'brave', api_key: 'BSA-secret-key-123456' } });
    const view = await h.runtime.admin.updateSettings({ web_search: { provider: 'brave', base_url: 'https://api.search.brave.com' } });
    assert.deepEqual(view.web_search, { provider: 'brave', base_url: 'https://api.search.brave.com', api_key_set: true, api_key_hint: view.web_search?.api_key_hint });
    assert.doesNotMatch(JSON.stringify(view), /BSA-secret-key-123456/);
    assert.equal(h.runtime.settings().web_search?.api_key, 'BSA-secret-key-123456');
    await assert.rejects(h.runtime.admin.updateSettings({ web_search: { provider: 'tavily' } }), /api_key/);
    await assert.rejects(h.runtime.admin.updateSettings({ web_search: { provider: 'searxng' } }), /base_url/);
  });

  test('readHits reads SearXNG, Brave and Tavily answers', () => {
    assert.equal(readHits('searxng', { results: [{ url: 'https://a.test', title: 'A', content: 'x' }] })[0]?.snippet, 'x');
    assert.equal(readHits('brave', { web: { results: [{ url: 'https://b.test', title: 'B', description: 'y', age: '2 days ago' }] } })[0]?.pageAge, '2 days ago');
    assert.equal(readHits('tavily', { results: [{ url: 'https://c.test', title: 'C', content: 'z' }, { url: 'javascript:x' }] }).length, 1);
  });
});
