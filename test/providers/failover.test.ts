/**
 * Failover and the breaker with the real backend client against real servers on loopback: one refusing
 * connections, one answering 503 then 529, one slow past the timeout, one healthy.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { providerSchema } from '../../main/core/provider-config';
import { backendTarget } from '../../main/providers/backend-target';
import { classifyStatus, sendWithFailover } from '../../main/providers/failover';
import { ProviderHealthBoard } from '../../main/providers/health';
import type { Target } from '../../main/providers/routing';
import { createUpstreamClient } from '../../main/upstream/client';
import { startScriptedBackend } from '../support/scripted-backend';
import type { ScriptedBackend } from '../support/scripted-backend';

/** A port nothing listens on (bound, then released). */
async function refusingUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

const BODY = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }], max_tokens: 10 });

describe('failover', () => {
  const upstream = createUpstreamClient({ retryDelayMs: 1 });
  let good: ScriptedBackend;
  let busy: ScriptedBackend;
  let slow: ScriptedBackend;
  let refusing: string;
  before(async () => {
    [good, busy, slow] = await Promise.all([
      startScriptedBackend({ apiKey: 'good-key-0123456789' }),
      startScriptedBackend({ apiKey: 'busy-key-0123456789' }),
      startScriptedBackend({ apiKey: 'slow-key-0123456789' }),
    ]);
    refusing = await refusingUrl();
  });
  after(async () => {
    upstream.close();
    await Promise.all([good.close(), busy.close(), slow.close()]);
  });

  const target = (name: string, url: string, key: string, model = 'm'): Target => ({
    provider: providerSchema.parse({ name, base_url: url, api_key: key }),
    model,
  });
  const send = (timeout_s = 5) => (t: Target, last: boolean) =>
    upstream.postChat(backendTarget(t.provider, { timeout_s }, last ? 1 : 0), BODY, { stream: false });
  const noRedact = (s: string) => s;

  test('refused, 503 and 529 fail over to the next target before any byte; the answer is the healthy one’s', async () => {
    const health = new ProviderHealthBoard();
    busy.reply({ error: { status: 503, body: { error: { message: 'busy' } } } }, { error: { status: 529, body: { error: { message: 'overloaded' } } } });
    const targets = [
      target('down', refusing, 'x'),
      target('busy', busy.url, busy.apiKey),
      target('busy2', busy.url, busy.apiKey),
      target('good', good.url, good.apiKey),
    ];
    good.reply({ text: 'from good' });
    const outcome = await sendWithFailover(targets, send(), { health, redact: noRedact });
    assert.equal(outcome.kind, 'answer');
    assert.equal(outcome.target.provider.name, 'good');
    assert.deepEqual(outcome.attempts.map((a) => [a.provider, a.status]), [['down', 0], ['busy', 503], ['busy2', 529]]);
    assert.match(outcome.attempts[0]!.error, /Cannot reach/);
    if (outcome.kind === 'answer') outcome.res.body.resume();
    const states = Object.fromEntries(health.snapshot(targets.map((t) => t.provider), 0).map((h) => [h.name, h.state]));
    assert.deepEqual(states, { down: 'degraded', busy: 'degraded', busy2: 'degraded', good: 'healthy' });
  });

  test('a slow target (no headers within the timeout) fails over', async () => {
    const health = new ProviderHealthBoard();
    slow.reply({ delayMs: 3000, text: 'too late' });
    good.reply({ text: 'in time' });
    const outcome = await sendWithFailover([target('slow', slow.url, slow.apiKey), target('good', good.url, good.apiKey)], send(0.3), { health, redact: noRedact });
    assert.equal(outcome.target.provider.name, 'good');
    assert.equal(outcome.attempts[0]?.status, 0);
    assert.match(outcome.attempts[0]!.error, /did not answer within 0.3 s/);
    if (outcome.kind === 'answer') outcome.res.body.resume();
  });

  test('a client’s own 400 is answered, not retried elsewhere; a context overflow 400 moves on', async () => {
    const health = new ProviderHealthBoard();
    const before = good.chatRequests.length;
    busy.reply({ error: { status: 400, body: { error: { message: 'messages.0.content: bad' } } } });
    const outcome = await sendWithFailover([target('busy', busy.url, busy.apiKey), target('good', good.url, good.apiKey)], send(), { health, redact: noRedact });
    assert.equal(outcome.kind, 'error');
    assert.ok(outcome.kind === 'error' && outcome.status === 400 && outcome.text.includes('messages.0.content: bad'));
    assert.equal(good.chatRequests.length, before, 'the next target never saw it');
    assert.equal(health.snapshot([{ name: 'busy', kind: 'openai' }], 0)[0]?.state, 'healthy', 'a 400 is not the provider’s fault');

    busy.reply({ error: { status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens" } } } });
    good.reply({ text: 'bigger model' });
    const moved = await sendWithFailover([target('busy', busy.url, busy.apiKey), target('good', good.url, good.apiKey)], send(), { health, redact: noRedact });
    assert.equal(moved.kind, 'answer');
    assert.deepEqual(moved.attempts.map((a) => a.status), [400]);
    if (moved.kind === 'answer') moved.res.body.resume();
  });

  test('401/403 from a provider fail over; the last target’s failure is what is answered; keys are redacted', async () => {
    const health = new ProviderHealthBoard();
    const redact = (t: string) => t.split('wrong-key-abcdefgh').join('[key]');
    // The scripted backend refuses a wrong key with 401; busy answers its default 200.
    const outcome = await sendWithFailover([target('badkey', good.url, 'wrong-key-abcdefgh'), target('busy', busy.url, busy.apiKey)], send(), { health, redact });
    assert.equal(outcome.kind, 'answer');
    assert.deepEqual(outcome.attempts.map((a) => [a.provider, a.status]), [['badkey', 401]]);
    if (outcome.kind === 'answer') outcome.res.body.resume();

    busy.reply({ error: { status: 500, body: { error: { message: 'echo: wrong-key-abcdefgh' } } } });
    const last = await sendWithFailover([target('badkey', good.url, 'wrong-key-abcdefgh'), target('busy', busy.url, busy.apiKey)], send(), { health, redact });
    assert.equal(last.kind, 'error');
    assert.ok(last.kind === 'error' && last.status === 500, JSON.stringify(last.kind));
    assert.ok(last.kind === 'error' && !last.text.includes('wrong-key-abcdefgh') && last.text.includes('echo: [key]'), 'the relayed body is redacted');
    assert.equal(health.snapshot([{ name: 'busy', kind: 'openai' }], 0)[0]?.state, 'degraded');
  });

  test('the breaker: down after 3 failures in a row, skipped (tried last) for the cool-down, then one probe closes it', async () => {
    let now = 1_000_000;
    const health = new ProviderHealthBoard({ failureThreshold: 3, cooldownMs: 10_000, now: () => now });
    const down = target('down', refusing, 'x');
    const ok = target('good', good.url, good.apiKey);
    for (let i = 0; i < 3; i++) {
      const o = await sendWithFailover([down, ok], send(), { health, redact: noRedact });
      if (o.kind === 'answer') o.res.body.resume();
    }
    const [h] = health.snapshot([down.provider], 0);
    assert.equal(h?.state, 'down');
    assert.equal(h?.consecutive_failures, 3);
    assert.equal(h?.retry_at, new Date(now + 10_000).toISOString());

    // While down it is not tried first: the next request goes straight to the healthy target.
    const skipped = await sendWithFailover([down, ok], send(), { health, redact: noRedact });
    assert.deepEqual(skipped.attempts, []);
    assert.equal(skipped.target.provider.name, 'good');
    if (skipped.kind === 'answer') skipped.res.body.resume();

    // After the cool-down one request probes it: only one is admitted.
    now += 10_001;
    assert.equal(health.admit('down'), 'probe');
    assert.equal(health.admit('down'), 'no');
    health.success('down');
    assert.equal(health.snapshot([down.provider], 0)[0]?.state, 'healthy');

    // A failed probe starts another cool-down at once (no three strikes this time).
    for (let i = 0; i < 3; i++) health.failure('down', 'x');
    now += 10_001;
    assert.equal(health.admit('down'), 'probe');
    health.failure('down', 'refused again');
    assert.equal(health.admit('down'), 'no');
    assert.equal(health.snapshot([down.provider], 0)[0]?.last_error, 'refused again');
  });

  test('when every target is down they are still tried (last resort), so a single backend keeps working', async () => {
    let now = 0;
    const health = new ProviderHealthBoard({ failureThreshold: 1, cooldownMs: 60_000, now: () => now });
    const ok = target('good', good.url, good.apiKey);
    health.failure('good', 'blip');
    assert.equal(health.snapshot([ok.provider], 0)[0]?.state, 'down');
    const o = await sendWithFailover([ok], send(), { health, redact: noRedact });
    assert.equal(o.kind, 'answer');
    if (o.kind === 'answer') o.res.body.resume();
    assert.equal(health.snapshot([ok.provider], 0)[0]?.state, 'healthy');
    now += 1;
  });

  test('classifyStatus', () => {
    assert.equal(classifyStatus(200, ''), 'answer');
    for (const s of [401, 403, 408, 429, 500, 502, 503, 504, 529]) assert.equal(classifyStatus(s, ''), 'fail', String(s));
    assert.equal(classifyStatus(400, 'bad field'), 'answer');
    assert.equal(classifyStatus(404, 'no such model'), 'answer');
    assert.equal(classifyStatus(400, '{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210000 tokens > 200000 maximum"}}'), 'overflow');
  });
});
