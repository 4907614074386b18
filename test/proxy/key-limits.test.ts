import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ApiKeyInfo, KeyLimits } from '../../shared/types';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

const messages = [{ role: 'user' as const, content: 'hi' }];

describe('per-key limits on /v1/chat/completions', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());
  beforeEach(() => h.backend.reset());

  /** A fresh key with these limits, set through the admin HTTP API as the web admin does. */
  async function keyWith(limits: Partial<KeyLimits>): Promise<{ id: number; secret: string; client: OpenAI }> {
    const created = await h.runtime.admin.createKey({ user_id: h.userId, name: `limited-${Date.now()}-${Math.random()}` });
    const res = await fetch(`${h.url}/admin/api-keys/${created.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(limits),
    });
    assert.equal(res.status, 200);
    const saved = (await res.json()) as ApiKeyInfo;
    assert.deepEqual({ ...saved.limits }, { requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null, ...limits });
    return { id: created.id, secret: created.api_key, client: new OpenAI({ baseURL: `${h.url}/v1`, apiKey: created.api_key, maxRetries: 0 }) };
  }

  const post = (secret: string, body: Record<string, unknown>, signal?: AbortSignal) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': secret, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  /** What the admin's key list says the key has left. */
  async function remainingOf(id: number) {
    const keys = await h.runtime.admin.listKeys();
    const key = keys.find((k) => k.id === id);
    assert.ok(key?.remaining, 'listed active keys carry remaining');
    return key.remaining;
  }

  /** Waits (bounded) until a condition holds; the test fails if it never does. */
  async function eventually(what: string, check: () => boolean): Promise<void> {
    for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(check(), what);
  }

  test('requests per minute: over the limit is a 429 rate_limit_error with retry-after, and nothing reaches the backend', async () => {
    const key = await keyWith({ requests_per_minute: 2 });
    for (let i = 0; i < 2; i++) assert.equal((await post(key.secret, { model: 'scripted-model', messages })).status, 200);
    assert.equal((await remainingOf(key.id)).requests_this_minute, 0);

    const refused = await post(key.secret, { model: 'scripted-model', messages });
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
    const body = (await refused.json()) as { error: { message: string; type: string; code: string; param: null } };
    assert.equal(body.error.type, 'rate_limit_error');
    assert.equal(body.error.code, 'rate_limit_exceeded');
    assert.match(body.error.message, /is over its limit of 2 requests per minute/);
    assert.equal(h.backend.chatRequests.length, 2, 'the refused request was not forwarded');

    await assert.rejects(key.client.chat.completions.create({ model: 'scripted-model', messages }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.RateLimitError);
      assert.equal(err.headers?.get('retry-after'), String(Number(err.headers?.get('retry-after'))));
      return true;
    });
    assert.equal((await post(h.apiKey, { model: 'scripted-model', messages })).status, 200, 'other keys are not affected');
  });

  test('concurrency: a second request waits for the first; the slot comes back when the client aborts', { timeout: 20_000 }, async () => {
    const key = await keyWith({ concurrent_streams: 1 });
    h.backend.reply({ chunks: [{ delta: { content: 'partial' } }, { pauseMs: 60_000 }, { delta: { content: 'never' } }] });
    const controller = new AbortController();
    const first = await post(key.secret, { model: 'scripted-model', messages, stream: true }, controller.signal);
    assert.equal(first.status, 200);
    const reader = first.body!.getReader();
    await reader.read();
    assert.equal(h.runtime.limiter.inFlight(key.id), 1);
    assert.equal((await remainingOf(key.id)).concurrent, 0);

    const second = await post(key.secret, { model: 'scripted-model', messages });
    assert.equal(second.status, 429);
    assert.equal(second.headers.get('retry-after'), '1');
    assert.match(((await second.json()) as { error: { message: string } }).error.message, /1 concurrent stream\b/);

    controller.abort();
    await reader.cancel().catch(() => undefined);
    await eventually('the aborted request released its slot', () => h.runtime.limiter.inFlight(key.id) === 0);
    const third = await post(key.secret, { model: 'scripted-model', messages });
    assert.equal(third.status, 200);
    await third.text();
    await eventually('a finished request released its slot', () => h.runtime.limiter.inFlight(key.id) === 0);
    assert.equal((await remainingOf(key.id)).concurrent, 1);
  });

  test('a refused or failed request holds no slot: 400s, backend errors and 429s leave the count at 0', async () => {
    const key = await keyWith({ concurrent_streams: 1 });
    assert.equal((await post(key.secret, { model: 'scripted-model', messages: [] })).status, 400);
    h.backend.reply({ error: { status: 500, body: { error: { message: 'boom' } } } });
    assert.equal((await post(key.secret, { model: 'scripted-model', messages })).status, 500);
    await eventually('no slot held', () => h.runtime.limiter.inFlight(key.id) === 0);
    assert.equal((await post(key.secret, { model: 'scripted-model', messages })).status, 200);
  });

  test('token budget per day: once used up, 429 until the next UTC day; usage shows what is left', async () => {
    const key = await keyWith({ tokens_per_day: 50, requests_per_minute: 100 });
    h.backend.reply({ text: 'spent', usage: { prompt_tokens: 40, completion_tokens: 20 } });
    const answer = await key.client.chat.completions.create({ model: 'scripted-model', messages });
    assert.equal(answer.usage?.total_tokens, 60);
    await eventually('usage recorded', () => h.runtime.store.usage.tokensSince(key.id, new Date(0)) === 60);

    const refused = await post(key.secret, { model: 'scripted-model', messages });
    assert.equal(refused.status, 429);
    const now = Date.now();
    const nextDay = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate() + 1);
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter >= 1 && retryAfter <= Math.ceil((nextDay - now) / 1000) + 1, `retry-after ${retryAfter} runs to midnight UTC`);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /has used its budget of 50 tokens per day/);

    const usage = await fetch(`${h.url}/usage/me`, { headers: { 'x-api-key': key.secret } });
    assert.equal(usage.status, 200, '/usage/me is not limited: a key over budget can still see why');
    const me = (await usage.json()) as { key: { id: number; limits: KeyLimits; remaining: Record<string, number | null> } };
    assert.equal(me.key.id, key.id);
    assert.equal(me.key.limits.tokens_per_day, 50);
    assert.deepEqual(me.key.remaining, { requests_this_minute: 99, concurrent: null, tokens_today: 0, tokens_this_month: null });
  });

  test('raising a limit in the admin applies to the next request', async () => {
    const key = await keyWith({ requests_per_minute: 1 });
    assert.equal((await post(key.secret, { model: 'scripted-model', messages })).status, 200);
    assert.equal((await post(key.secret, { model: 'scripted-model', messages })).status, 429);
    await h.runtime.admin.setKeyLimits(key.id, { requests_per_minute: null });
    assert.equal((await post(key.secret, { model: 'scripted-model', messages })).status, 200);
    assert.equal((await remainingOf(key.id)).requests_this_minute, null);
  });
});

describe('per-key limits on /v1/messages', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());
  beforeEach(() => h.backend.reset());

  async function keyWith(limits: Partial<KeyLimits>) {
    const created = await h.runtime.admin.createKey({ user_id: h.userId, name: `anthropic-${Math.random()}` });
    await h.runtime.admin.setKeyLimits(created.id, limits);
    return { id: created.id, client: new Anthropic({ baseURL: h.url, apiKey: created.api_key, maxRetries: 0 }) };
  }
  const params = { model: 'claude-sonnet-4-6', max_tokens: 100, messages: [{ role: 'user' as const, content: 'hi' }] };

  test('over the limit: the SDK gets a RateLimitError (rate_limit_error) with retry-after; count_tokens is limited too', async () => {
    const key = await keyWith({ requests_per_minute: 1 });
    const first = await key.client.messages.create(params);
    assert.equal(first.type, 'message');
    const seen = h.backend.chatRequests.length;

    await assert.rejects(key.client.messages.create(params), (err: unknown) => {
      assert.ok(err instanceof Anthropic.RateLimitError, String(err));
      assert.equal(err.status, 429);
      const retryAfter = Number(err.headers?.get('retry-after'));
      assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `retry-after ${retryAfter}`);
      const body = err.error as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'rate_limit_error');
      assert.match(body.error.message, /over its limit of 1 request per minute/);
      return true;
    });
    assert.equal(h.backend.chatRequests.length, seen, 'the refused request was not forwarded');

    await assert.rejects(
      key.client.messages.countTokens({ model: params.model, messages: params.messages }),
      (err: unknown) => err instanceof Anthropic.RateLimitError,
      'count_tokens counts toward the request limit too',
    );
  });

  test('an aborted stream gives its concurrency slot back', { timeout: 20_000 }, async () => {
    const key = await keyWith({ concurrent_streams: 1 });
    h.backend.reply({ chunks: [{ delta: { role: 'assistant', content: 'partial' } }, { pauseMs: 60_000 }, { delta: { content: 'never' } }] });
    const stream = key.client.messages.stream(params);
    const ended = stream.done().then(() => 'finished', (err: unknown) => (err instanceof Anthropic.APIUserAbortError ? 'aborted' : String(err)));
    await new Promise<void>((resolve) => stream.on('text', () => resolve()));
    assert.equal(h.runtime.limiter.inFlight(key.id), 1);
    await assert.rejects(key.client.messages.create(params), (err: unknown) => err instanceof Anthropic.RateLimitError);
    stream.abort();
    assert.equal(await ended, 'aborted');
    for (let i = 0; i < 500 && h.runtime.limiter.inFlight(key.id) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.runtime.limiter.inFlight(key.id), 0, 'released after the abort');
    const next = await key.client.messages.create(params);
    assert.equal(next.type, 'message');
  });
});
