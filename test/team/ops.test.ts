/**
 * What operators of a team gateway watch: `GET /health` and `GET /ready` (lowdb: always ready; PostgreSQL: schema
 * current and database reachable), Prometheus `/metrics` behind the admin token or METRICS_TOKEN, and
 * LOG_FORMAT=json with one JSON line per request carrying its request id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startProxyHarness } from '../support/proxy-harness';
import { startScriptedBackend, type ScriptedBackend } from '../support/scripted-backend';
import { ADMIN_TOKEN, createDatabase, pgAvailable, SKIP_REASON, startInstance, startPgCluster, type PgCluster } from './team-harness';
import { send } from './team-requests';

test('lowdb: /health and /ready answer 200', async () => {
  const h = await startProxyHarness();
  try {
    assert.equal((await fetch(`${h.url}/health`)).status, 200);
    const ready = await fetch(`${h.url}/ready`);
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { status: string }).status, 'ready');
  } finally {
    await h.close();
  }
});

describe('operations on PostgreSQL', { skip: SKIP_REASON }, () => {
  let cluster: PgCluster;
  let backend: ScriptedBackend;
  before(async () => {
    if (!pgAvailable) return;
    cluster = await startPgCluster();
    backend = await startScriptedBackend({ defaultReply: { text: 'ok', usage: { prompt_tokens: 10, completion_tokens: 5 }, streamUsage: 'always' } });
  });
  after(async () => {
    await backend?.close();
    await cluster?.stop();
  });

  test('/ready, /metrics with either token, and JSON request logs', async () => {
    const url = await createDatabase(cluster);
    const node = await startInstance(url, backend, { METRICS_TOKEN: 'metrics-token-0123456789', LOG_FORMAT: 'json' });
    try {
      const ready = await fetch(`${node.url}/ready`);
      assert.equal(ready.status, 200);
      assert.match(((await ready.json()) as { detail: string }).detail, /postgresql, schema 1/);

      const user = await node.runtime.admin.createUser({ username: 'm' });
      const key = await node.runtime.admin.createKey({ user_id: user.id });
      assert.equal((await send(node.url, key.api_key, 'chat')).status, 200);
      assert.equal((await send(node.url, key.api_key, 'chat-stream')).status, 200);
      assert.equal((await send(node.url, key.api_key, 'messages')).status, 200);

      const anon = await fetch(`${node.url}/metrics`);
      assert.equal(anon.status, 401);
      assert.equal((await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${key.api_key}` } })).status, 401, 'an API key is not enough');
      assert.equal((await fetch(`${node.url}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
      const res = await fetch(`${node.url}/metrics`, { headers: { authorization: 'Bearer metrics-token-0123456789' } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await res.text();
      assert.match(text, /infiniproxy_http_requests_total\{method="POST",route="\/v1\/chat\/completions",status="200"\} 2/);
      assert.match(text, /infiniproxy_exchanges_total\{endpoint="\/v1\/messages",provider="[^"]*",model="claude-sonnet-4-5",status="200"\} 1/);
      assert.match(text, /infiniproxy_tokens_total\{direction="in",provider="[^"]*",model="scripted-model"\} 20/);
      assert.match(text, /infiniproxy_http_ttfb_seconds_bucket\{le="0.005",route="\/v1\/messages"\}/);
      assert.match(text, /infiniproxy_http_duration_seconds_count\{route="\/v1\/messages"\} 1/);
      assert.match(text, /infiniproxy_open_streams 0/);
      assert.match(text, /infiniproxy_store_flush_lag_seconds \d/);

      const probe = await fetch(`${node.url}/v1/models`, { headers: { authorization: `Bearer ${key.api_key}` } });
      const requestId = probe.headers.get('request-id');
      await probe.arrayBuffer();
      await new Promise((r) => setTimeout(r, 50));
      const lines = node.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
      const line = lines.find((l) => l.request_id === requestId);
      assert.ok(line, 'one JSON line for the request');
      assert.equal(line.status, 200);
      assert.equal(line.path, '/v1/models');
      assert.equal(line.key_id, key.id);
      assert.equal(lines.filter((l) => l.request_id === requestId).length, 1);
    } finally {
      await node.close();
    }
  });
});
