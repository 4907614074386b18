import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { asciiJson } from '../support/ascii-json';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';
import type { ScriptedReply } from '../support/scripted-backend';

const messages = [{ role: 'user' as const, content: 'Say hi' }];

describe('POST /v1/chat/completions pass-through', () => {
  let h: ProxyHarness;
  let client: OpenAI;

  before(async () => {
    h = await startProxyHarness();
    client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
  });
  after(() => h.close());
  beforeEach(async () => {
    h.backend.reset();
    await h.runtime.admin.updateSettings({ model_routes: [], timeout_s: 300, retries: 2 });
  });

  /** POSTs the same body to the backend directly and through the proxy (one reply each); returns both texts. */
  async function directAndProxied(body: Record<string, unknown>, reply: ScriptedReply) {
    h.backend.reply(reply, reply);
    const direct = await fetch(`${h.backend.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.backend.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const proxied = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { direct: await direct.text(), proxied: await proxied.text(), proxiedRes: proxied };
  }

  /** The proxy's request log entry of its last request. */
  async function lastLogged() {
    const [entry] = await h.runtime.admin.requests({ key_id: h.keyId, limit: 1 });
    assert.ok(entry);
    return entry;
  }

  test('a plain answer arrives byte-identical to the backend answer, and the SDK parses it', async () => {
    const reply: ScriptedReply = { id: 'chatcmpl-fixed', text: 'Hi! 👋', usage: { prompt_tokens: 12, completion_tokens: 3 } };
    const { direct, proxied, proxiedRes } = await directAndProxied({ model: 'scripted-model', messages }, reply);
    assert.equal(proxied, direct);
    assert.equal(proxiedRes.headers.get('content-type'), 'application/json');
    assert.match(proxiedRes.headers.get('request-id') ?? '', /^req_[0-9a-f]{24}$/);

    h.backend.reply(reply);
    const answer = await client.chat.completions.create({ model: 'scripted-model', messages });
    assert.equal(answer.choices[0]?.message.content, 'Hi! 👋');
    assert.equal(answer.usage?.prompt_tokens, 12);
    assert.equal(h.backend.chatRequests.at(-1)?.raw, JSON.stringify({ model: 'scripted-model', messages }), 'unchanged body sent as is');
  });

  test('streamed: usage chunk added for accounting and stripped when the client did not ask for it', async () => {
    const reply: ScriptedReply = { id: 'chatcmpl-s', text: 'streamed words here', usage: { prompt_tokens: 20, completion_tokens: 7 } };
    const { direct, proxied, proxiedRes } = await directAndProxied({ model: 'scripted-model', messages, stream: true }, reply);
    assert.equal(proxiedRes.headers.get('content-type'), 'text/event-stream');
    assert.ok(!direct.includes('"usage"'), 'the direct answer has no usage chunk');
    assert.equal(proxied, direct, 'every other byte identical');
    const sent = h.backend.chatRequests.at(-1)!.body;
    assert.deepEqual(sent.stream_options, { include_usage: true });

    const logged = await lastLogged();
    assert.equal(logged.input_tokens, 20);
    assert.equal(logged.output_tokens, 7);
    assert.equal(logged.stream, true);
    const report = await h.runtime.admin.usage({ key_id: h.keyId });
    assert.ok(report.totals.input_tokens >= 20, 'counted in the usage aggregates too');
  });

  test('asking for usage keeps every byte the client sent (formatting, escapes) and adds one member', async () => {
    h.backend.reply({ text: 'ok', usage: { prompt_tokens: 3, completion_tokens: 1 } });
    const sent = '  {\n  "model": "scripted-model",\n  "stream": true,\n  "messages": [{"role": "user", "content": "caf\\u00e9 \\ud83d\\ude00"}]\n}\n';
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
      body: sent,
    });
    await res.text();
    const received = h.backend.chatRequests.at(-1)!;
    assert.equal(received.raw, `  {"stream_options":{"include_usage":true},${sent.slice(3)}`);
    assert.equal(received.body.messages?.[0]?.content, 'café 😀');
  });

  test('streamed: the usage chunk is kept when the client asked for it', async () => {
    const reply: ScriptedReply = { id: 'chatcmpl-u', text: 'abc', usage: { prompt_tokens: 5, completion_tokens: 1 } };
    const body = { model: 'scripted-model', messages, stream: true, stream_options: { include_usage: true } };
    const { direct, proxied } = await directAndProxied(body, reply);
    assert.ok(direct.includes('"choices":[],"usage"'));
    assert.equal(proxied, direct);

    h.backend.reply(reply);
    const stream = await client.chat.completions.create({ ...body, stream: true });
    let usage: OpenAI.CompletionUsage | undefined;
    let text = '';
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.equal(text, 'abc');
    assert.equal(usage?.completion_tokens, 1);
  });

  test('streamed usage on the finish chunk is counted and not stripped', async () => {
    const reply: ScriptedReply = { id: 'c', text: 'x', usage: { prompt_tokens: 9, completion_tokens: 4 }, streamUsage: 'with-finish' };
    const { direct, proxied } = await directAndProxied({ model: 'scripted-model', messages, stream: true }, reply);
    assert.equal(proxied, direct);
    assert.ok(proxied.includes('"usage"'));
    const logged = await lastLogged();
    assert.equal(logged.input_tokens, 9);
    assert.equal(logged.output_tokens, 4);
  });

  test('a body that breaks the Chat schema is a 400 naming the field (param), in OpenAI format, not forwarded', async () => {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages: [{ role: 'user', content: 'a' }, { role: 'user', content: [{ type: 'txt', text: 'x' }] }] }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { message: string; type: string; param: string | null; code: string } };
    assert.equal(body.error.type, 'invalid_request_error');
    assert.equal(body.error.param, 'messages.1.content.0.type');
    assert.match(body.error.message, /^messages\.1\.content\.0\.type: /);

    await assert.rejects(client.chat.completions.create({ model: 'scripted-model', messages, temperature: 3 }), (err: unknown) => {
      assert.ok(err instanceof OpenAI.BadRequestError);
      assert.equal(err.param, 'temperature');
      return true;
    });
    const missing = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': h.apiKey }, body: '{"messages":[]}' });
    assert.equal(((await missing.json()) as { error: { param: string } }).error.param, 'model');
    assert.equal(h.backend.requests.length, 0, 'nothing reached the backend');
  });

  test('no usage from the backend: tokens estimated from the texts and marked usage_estimated', async () => {
    /** The request log entry of the key's latest request once it is recorded. */
    const recorded = async (count: number) => {
      for (let i = 0; i < 200; i++) {
        const entries = await h.runtime.admin.requests({ key_id: h.keyId, limit: 1000 });
        if (entries.length >= count) return entries[0]!;
        await new Promise((r) => setTimeout(r, 10));
      }
      assert.fail('the request was not recorded');
    };
    const before = (await h.runtime.admin.requests({ key_id: h.keyId, limit: 1000 })).length;

    h.backend.reply({ text: 'a'.repeat(84), usage: null });
    const answer = await client.chat.completions.create({ model: 'scripted-model', messages });
    assert.equal(answer.usage, undefined, 'the backend really sent none');
    const plain = await recorded(before + 1);
    assert.equal(plain.usage_estimated, true);
    assert.equal(plain.output_tokens, 20, '84 bytes / 4.2');
    assert.ok(plain.input_tokens > 0);

    h.backend.reply({ chunks: [{ delta: { role: 'assistant', content: 'é'.repeat(10) } }, { delta: { content: 'é'.repeat(11) } }, { delta: {}, finish_reason: 'stop' }], usage: null });
    const stream = await client.chat.completions.create({ model: 'scripted-model', messages, stream: true });
    for await (const chunk of stream) assert.equal(chunk.usage ?? undefined, undefined);
    const streamed = await recorded(before + 2);
    assert.equal(streamed.usage_estimated, true);
    assert.equal(streamed.output_tokens, 10, '42 bytes of text / 4.2, not the bytes of the SSE framing');
    assert.equal(streamed.input_tokens, plain.input_tokens, 'the same request, the same estimate');

    h.backend.reply({ text: 'counted', usage: { prompt_tokens: 3, completion_tokens: 2 } });
    await client.chat.completions.create({ model: 'scripted-model', messages });
    const reported = await recorded(before + 3);
    assert.equal(reported.usage_estimated, false);
    assert.equal(reported.input_tokens, 3);
  });

  test('bytes are passed on as they arrive, not after the stream ends', { timeout: 15_000 }, async () => {
    h.backend.reply({ chunks: [{ delta: { content: 'first' } }, { pauseMs: 2000 }, { delta: { content: 'second' } }] });
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages, stream: true, stream_options: { include_usage: true } }),
    });
    const rec = h.backend.chatRequests.at(-1)!;
    let backendDone = false;
    void rec.done.then(() => (backendDone = true));
    const reader = res.body!.getReader();
    const first = await reader.read();
    assert.match(new TextDecoder().decode(first.value), /first/);
    assert.equal(backendDone, false, 'the first chunk reached the client while the backend was still streaming');
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    assert.match(rest, /second/);
    assert.match(rest, /\[DONE\]/);
  });

  test('model routes map matching models only; a settings change applies to the next request', async () => {
    await h.runtime.admin.updateSettings({ model_routes: [{ match: 'gpt-4o*', model: 'scripted-model' }] });
    h.backend.reply({ text: 'mapped' }, { text: 'as sent' });
    const mapped = await client.chat.completions.create({ model: 'gpt-4o-mini', messages });
    assert.equal(mapped.choices[0]?.message.content, 'mapped');
    assert.equal(h.backend.chatRequests[0]?.body.model, 'scripted-model');
    await client.chat.completions.create({ model: 'other-model', messages });
    assert.equal(h.backend.chatRequests[1]?.body.model, 'other-model');

    await h.runtime.store.flush();
    const log = await h.runtime.admin.requests({ key_id: h.keyId, limit: 2 });
    const mappedEntry = log.find((e) => e.model === 'gpt-4o-mini');
    assert.equal(mappedEntry?.backend_model, 'scripted-model');
    assert.equal(log.find((e) => e.model === 'other-model')?.backend_model, null);
  });

  test('texts in any script pass exactly, sent as characters or as \\u escapes, also when a route rewrites the body', async () => {
    await h.runtime.admin.updateSettings({ model_routes: [{ match: 'gpt-中文', model: 'modèle-β' }] });
    const text = 'naïve — 中文 😀 \u00a0\u2028 "quoted" \\ tab\t';
    const body = { model: 'gpt-中文', messages: [{ role: 'user', content: text }], user: `user-${text}` };
    for (const sent of [JSON.stringify(body), asciiJson(body)]) {
      h.backend.reset();
      h.backend.reply({ text: `Answer ${text}` });
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.apiKey}`, 'content-type': 'application/json' },
        body: sent,
      });
      const answer = (await res.json()) as OpenAI.ChatCompletion;
      assert.equal(answer.choices[0]?.message.content, `Answer ${text}`);
      const received = h.backend.chatRequests[0]?.body;
      assert.equal(received?.model, 'modèle-β');
      assert.equal(received?.messages?.[0]?.content, text);
      assert.equal(received?.user, `user-${text}`);
    }
  });

  test('backend errors pass through with their status, headers and body', async () => {
    const body = { error: { message: 'Rate limit reached for requests', type: 'requests', param: null, code: 'rate_limit_exceeded' } };
    h.backend.reply({ error: { status: 429, body, headers: { 'retry-after': '7' } } });
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages }),
    });
    assert.equal(res.status, 429);
    assert.equal(res.headers.get('retry-after'), '7');
    assert.deepEqual(await res.json(), body);
    // A strict-backend rejection (max_tokens too large) also passes through, with OpenAI's shape for the SDK.
    await assert.rejects(
      client.chat.completions.create({ model: 'scripted-model', messages: [{ role: 'tool', content: 'x', tool_call_id: 'nope' }] }),
      (err: unknown) => err instanceof OpenAI.BadRequestError && /preceeding message with 'tool_calls'/.test(err.message),
    );
    await h.runtime.store.flush();
    const [last] = await h.runtime.admin.requests({ key_id: h.keyId, limit: 1 });
    assert.equal(last?.status, 400);
    assert.match(last?.error ?? '', /backend 400/);
  });

  test('502/503 from the backend are retried before anything reached the client', async () => {
    await h.runtime.admin.updateSettings({ retries: 1 });
    h.backend.reply({ error: { status: 503, body: { error: { message: 'busy' } } } }, { text: 'second try' });
    const answer = await client.chat.completions.create({ model: 'scripted-model', messages });
    assert.equal(answer.choices[0]?.message.content, 'second try');
    assert.equal(h.backend.chatRequests.length, 2);
  });

  test('client errors: malformed JSON 400 and a too large body 413, in OpenAI format', async () => {
    const bad = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': h.apiKey }, body: '{"model":' });
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { error: { code: string; type: string } };
    assert.equal(badBody.error.code, 'invalid_json');
    assert.equal(badBody.error.type, 'invalid_request_error');

    const notObject = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': h.apiKey }, body: '[1]' });
    assert.equal(notObject.status, 400);

    const huge = 'x'.repeat(32 * 1024 * 1024 + 1);
    const big = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { 'x-api-key': h.apiKey }, body: huge });
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'request_too_large');
    assert.equal(h.backend.requests.length, 0);
  });

  test('a client disconnect mid-stream aborts the backend request', { timeout: 15_000 }, async () => {
    h.backend.reply({ chunks: [{ delta: { content: 'partial' } }, { pauseMs: 60_000 }, { delta: { content: 'never' } }] });
    const controller = new AbortController();
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages, stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    const rec = h.backend.chatRequests.at(-1)!;
    await rec.done;
    assert.equal(rec.aborted, true);
    await h.runtime.store.flush();
    const [last] = await h.runtime.admin.requests({ key_id: h.keyId, limit: 1 });
    assert.equal(last?.status, 499);
  });

  test('a client disconnect while waiting for the backend headers aborts the backend request', { timeout: 15_000 }, async () => {
    h.backend.reply({ delayMs: 60_000, text: 'late' });
    const controller = new AbortController();
    const pending = fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    const rec = await h.backend.waitForRequest(0);
    controller.abort();
    await pending;
    await rec.done;
    assert.equal(rec.aborted, true);
  });

  test('TIMEOUT bounds the wait for headers (504) and the silence between chunks', { timeout: 15_000 }, async () => {
    await h.runtime.admin.updateSettings({ timeout_s: 0.3 });
    h.backend.reply({ delayMs: 10_000, text: 'too late' });
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages }),
    });
    assert.equal(res.status, 504);
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'backend_timeout');
    assert.match(body.error.message, /TIMEOUT/);

    h.backend.reply({ chunks: [{ delta: { content: 'one' } }, { pauseMs: 10_000 }, { delta: { content: 'two' } }] });
    const streamed = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'scripted-model', messages, stream: true }),
    });
    assert.equal(streamed.status, 200);
    const text = await streamed.text().catch(() => 'cut');
    assert.ok(!text.includes('two'));
    const rec = h.backend.chatRequests.at(-1)!;
    await rec.done;
    assert.equal(rec.aborted, true, 'the silent backend request is aborted');
  });
});

describe('no backend configured', () => {
  test('the server starts and API requests answer 503 saying what to set', async () => {
    const h = await startProxyHarness({ noBackendEnv: true });
    try {
      assert.equal(h.runtime.status().backend_configured, false);
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'x-api-key': h.apiKey },
        body: JSON.stringify({ model: 'm', messages }),
      });
      assert.equal(res.status, 503);
      const body = (await res.json()) as { error: { message: string; code: string } };
      assert.equal(body.error.code, 'backend_not_configured');
      assert.match(body.error.message, /OPENAI_BASE_URL/);
      assert.match(body.error.message, /Settings tab/);
      const models = await fetch(`${h.url}/v1/models`, { headers: { 'x-api-key': h.apiKey } });
      assert.equal(models.status, 503);
      assert.equal(h.backend.requests.length, 0);

      // Configuring it through the admin API makes the next request work, no restart.
      await h.runtime.admin.updateSettings({ backend_url: h.backend.url, backend_api_key: h.backend.apiKey, default_model: 'scripted-model' });
      const ok = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'x-api-key': h.apiKey },
        body: JSON.stringify({ model: 'scripted-model', messages }),
      });
      assert.equal(ok.status, 200);
    } finally {
      await h.close();
    }
  });

  test('an unreachable backend answers 502 without the backend key in the message', async () => {
    const h = await startProxyHarness();
    try {
      await h.backend.close();
      await h.runtime.admin.updateSettings({ retries: 0 });
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'x-api-key': h.apiKey },
        body: JSON.stringify({ model: 'scripted-model', messages }),
      });
      assert.equal(res.status, 502);
      const text = await res.text();
      assert.match(text, /backend_unreachable/);
      assert.ok(!text.includes(h.backend.apiKey));
    } finally {
      await h.close();
    }
  });
});
