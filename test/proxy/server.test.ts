import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ProxyRuntime, SERVER_INFO_FILE } from '../../main/app/runtime';
import { startProxyHarness, tempDir } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

describe('server basics', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness();
  });
  after(() => h.close());

  test('GET / lists the endpoints; HEAD / answers 200; /health is ok; all carry a request-id', async () => {
    const info = await fetch(`${h.url}/`);
    assert.equal(info.status, 200);
    const body = (await info.json()) as { name: string; endpoints: Record<string, string>; backend_configured: boolean };
    assert.equal(body.name, 'InfiniProxy');
    assert.equal(body.backend_configured, true);
    assert.equal(body.endpoints.messages, 'POST /v1/messages');
    const head = await fetch(`${h.url}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    const health = await fetch(`${h.url}/health`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ids = [info, head, health].map((r) => r.headers.get('request-id'));
    for (const id of ids) assert.match(id ?? '', /^req_[0-9a-f]{24}$/);
    assert.equal(new Set(ids).size, 3);
  });

  test('unknown routes are 404 in the format of their API', async () => {
    const v1 = await fetch(`${h.url}/v1/nope`);
    assert.equal(v1.status, 404);
    assert.equal(((await v1.json()) as { error: { type: string } }).error.type, 'invalid_request_error');
    const anthropic = await fetch(`${h.url}/v1/nope`, { headers: { 'anthropic-version': '2023-06-01' } });
    assert.equal(((await anthropic.json()) as { error: { type: string } }).error.type, 'not_found_error');
    const admin = await fetch(`${h.url}/admin/nope`);
    assert.equal(((await admin.json()) as { error: { code: string } }).error.code, 'not_found');
  });

  test('one log line per request with method, path, status, ms and key id, never a secret', async () => {
    await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'x-api-key': h.apiKey },
      body: JSON.stringify({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    await new Promise((r) => setImmediate(r));
    const line = h.logs.find((l) => l.includes('POST /v1/chat/completions 200'));
    assert.match(line ?? '', /POST \/v1\/chat\/completions 200 \d+ms key=\d+ req_/);
    const all = h.logs.join('');
    assert.ok(!all.includes(h.apiKey));
    assert.ok(!all.includes(h.backend.apiKey));
  });

  test('/v1/messages?beta=true: an invalid body is a 400 invalid_request_error naming the field', async () => {
    const res = await fetch(`${h.url}/v1/messages?beta=true`, { method: 'POST', headers: { 'x-api-key': h.apiKey }, body: '{}' });
    const body = (await res.json()) as { type?: string; error?: { type?: string; message?: string }; request_id?: string };
    assert.equal(res.status, 400);
    assert.equal(body.type, 'error');
    assert.equal(body.error?.type, 'invalid_request_error');
    assert.match(body.error?.message ?? '', /model/);
    assert.equal(body.request_id, res.headers.get('request-id'));
  });

  test('GET /v1/models: the backend list (cached), or the Anthropic shape with anthropic-version', async () => {
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
    const before = h.backend.requests.filter((r) => r.path === '/v1/models').length;
    const first = await client.models.list();
    assert.deepEqual(first.data.map((m) => m.id), ['scripted-model']);
    await client.models.list();
    const after = h.backend.requests.filter((r) => r.path === '/v1/models').length;
    assert.equal(after - before, 1, 'the second list came from the cache');

    await h.runtime.admin.updateSettings({ model_routes: [{ match: 'claude-custom-1', model: 'scripted-model' }, { match: 'haiku', model: 'small-model' }] });
    const res = await fetch(`${h.url}/v1/models`, { headers: { 'x-api-key': h.apiKey, 'anthropic-version': '2023-06-01' } });
    const list = (await res.json()) as { data: { type: string; id: string; display_name: string }[]; has_more: boolean; first_id: string; last_id: string };
    const ids = list.data.map((m) => m.id);
    assert.deepEqual(ids, ['claude-custom-1', 'claude-opus-4-8', 'claude-sonnet-4-6', 'claude-haiku-4-5']);
    assert.ok(list.data.every((m) => m.type === 'model'));
    assert.match(list.data.find((m) => m.id === 'claude-haiku-4-5')?.display_name ?? '', /small-model/);
    assert.equal(list.has_more, false);
    assert.equal(list.first_id, 'claude-custom-1');
    assert.equal(list.last_id, 'claude-haiku-4-5');
    await h.runtime.admin.updateSettings({ model_routes: [] });
  });

  test('GET /usage/me: the seed shape for the key’s user, with a date range', async () => {
    h.backend.reply({ text: 'x', usage: { prompt_tokens: 11, completion_tokens: 2 } });
    const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.apiKey, maxRetries: 0 });
    await client.chat.completions.create({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }] });
    await h.runtime.store.flush();
    const res = await fetch(`${h.url}/usage/me`, { headers: { authorization: `Bearer ${h.apiKey}` } });
    assert.equal(res.status, 200);
    const me = (await res.json()) as { user_id: number; username: string; total_requests: number; total_input_tokens: number; usage_by_endpoint: { endpoint: string }[] };
    assert.equal(me.user_id, h.userId);
    assert.equal(me.username, 'tester');
    assert.ok(me.total_requests >= 1);
    assert.ok(me.total_input_tokens >= 11);
    assert.equal(me.usage_by_endpoint[0]?.endpoint, '/v1/chat/completions');

    const past = await fetch(`${h.url}/usage/me?start_date=2020-01-01&end_date=2020-01-31`, { headers: { 'x-api-key': h.apiKey } });
    const old = (await past.json()) as { total_requests: number; start_date: string; end_date: string };
    assert.equal(old.total_requests, 0);
    assert.equal(old.start_date, '2020-01-01T00:00:00.000Z');
    assert.equal(old.end_date, '2020-02-01T00:00:00.000Z');
    const bad = await fetch(`${h.url}/usage/me?since=whenever`, { headers: { 'x-api-key': h.apiKey } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: { message: string } }).error.message, /^since/);
    assert.equal((await fetch(`${h.url}/usage/me`)).status, 401);
  });
});

describe('ProxyRuntime lifecycle', () => {
  test('server.json while listening; a busy port is a status error, not a throw', async () => {
    const dir = tempDir();
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const busyPort = (blocker.address() as AddressInfo).port;
    const runtime = await ProxyRuntime.open({ dataDir: dir.path, cwd: dir.path, env: {}, log: () => {} });
    try {
      await runtime.admin.updateSettings({ port: busyPort });
      const seen: boolean[] = [];
      runtime.onStatus((s) => seen.push(s.running));
      const failed = await runtime.start();
      assert.equal(failed.running, false);
      assert.match(failed.error ?? '', /already in use/);
      assert.equal(existsSync(join(dir.path, SERVER_INFO_FILE)), false);

      await runtime.admin.updateSettings({ port: 0 });
      const ok = await runtime.start();
      assert.equal(ok.running, true);
      assert.equal(ok.error, null);
      const info = JSON.parse(readFileSync(join(dir.path, SERVER_INFO_FILE), 'utf8')) as { pid: number; url: string; started_at: string };
      assert.equal(info.pid, process.pid);
      assert.equal(info.url, ok.url);
      assert.equal((await fetch(`${ok.url}/health`)).status, 200);

      const stopped = await runtime.stop();
      assert.equal(stopped.running, false);
      assert.equal(existsSync(join(dir.path, SERVER_INFO_FILE)), false);
      assert.deepEqual(seen.slice(0, 1), [false]);
      assert.ok(seen.includes(true));
    } finally {
      await runtime.close();
      await new Promise<void>((r) => blocker.close(() => r()));
      dir.remove();
    }
  });

  test('stop ends open streams; binding a non-loopback host warns about clear text', { timeout: 15_000 }, async () => {
    const h = await startProxyHarness({ flags: { host: '0.0.0.0' } });
    try {
      assert.ok(h.logs.some((l) => /clear text/.test(l)));
      h.backend.reply({ chunks: [{ delta: { content: 'a' } }, { pauseMs: 60_000 }] });
      const res = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'x-api-key': h.apiKey },
        body: JSON.stringify({ model: 'scripted-model', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      });
      const reader = res.body!.getReader();
      await reader.read();
      await h.runtime.stop();
      await assert.rejects(async () => {
        for (let r = await reader.read(); !r.done; r = await reader.read());
        throw new Error('stream ended cleanly');
      });
      const rec = h.backend.chatRequests.at(-1)!;
      await rec.done;
      assert.equal(rec.aborted, true);
    } finally {
      await h.close();
    }
  });

  test('.env in the working dir is read, below the environment', async () => {
    const dir = tempDir();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir.path, '.env'), 'OPENAI_MODEL=dotenv-model\nPROXY_PORT=9911\nOPENAI_BASE_URL=http://127.0.0.1:1/v1/chat/completions\n');
    const runtime = await ProxyRuntime.open({ dataDir: join(dir.path, 'data'), cwd: dir.path, env: { PROXY_PORT: '9912' }, log: () => {} });
    try {
      const s = runtime.settings();
      assert.equal(s.default_model, 'dotenv-model');
      assert.equal(s.port, 9912);
      assert.equal(s.backend_url, 'http://127.0.0.1:1/v1');
      assert.equal(runtime.status().backend_configured, true);
    } finally {
      await runtime.close();
      dir.remove();
    }
  });
});
