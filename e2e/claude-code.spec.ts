/**
 * The real Claude Code CLI through the proxy: `claude -p … --allowedTools Bash` (temp HOME, no network but
 * loopback) against a proxy whose scripted backend plays the model. Claude Code runs the tools the backend asks
 * for, the proxy translates the results back, and the backend's final text quotes them. No browser.
 * With two providers: opus routed to one backend and haiku to another, and opus failing over to the second when
 * the first stops. Skipped when the CLI is not installed (`.ci/run` installs it; see e2e/support/claude-code.ts).
 */
import { expect, test as base } from '@playwright/test';
import { startProxyHarness } from '../test/support/proxy-harness';
import type { ProxyHarness } from '../test/support/proxy-harness';
import { startAnthropicBackend } from '../test/support/anthropic-backend';
import { startScriptedBackend } from '../test/support/scripted-backend';
import type { RecordedRequest } from '../test/support/scripted-backend';
import { agentReply, agentRequestKind, claudeCodeBinary, CLAUDE_CODE_MISSING, runClaudeCode, toolText } from './support/claude-code';
import type { ClaudeCodeOptions, ClaudeCodeRun } from './support/claude-code';

const bin = claudeCodeBinary();

const test = base.extend<{ harness: ProxyHarness; claude: (prompt: string) => Promise<ClaudeCodeRun> }>({
  harness: async ({}, use) => {
    const h = await startProxyHarness();
    try {
      await use(h);
    } finally {
      await h.close();
    }
  },
  claude: async ({ harness }, use, testInfo) => {
    const runs: ClaudeCodeRun[] = [];
    await use(async (prompt) => {
      const opts: ClaudeCodeOptions = { bin: bin ?? '', baseUrl: harness.url, apiKey: harness.apiKey, prompt };
      const run = await runClaudeCode(opts);
      runs.push(run);
      return run;
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const [i, run] of runs.entries()) await testInfo.attach(`claude-code-${i}.txt`, { body: run.report(), contentType: 'text/plain' });
      await testInfo.attach('backend-requests.json', { body: requestsReport(harness.backend.chatRequests), contentType: 'application/json' });
      await testInfo.attach('proxy-log.txt', { body: harness.logs.join('\n'), contentType: 'text/plain' });
    }
  },
});

/** The backend's chat requests, with their message lists (not the 70 KB of tool schemas). */
function requestsReport(requests: RecordedRequest[]): string {
  return JSON.stringify(
    requests.map((r) => ({ status: r.status, model: r.body.model, stream: r.body.stream, tools: r.body.tools?.length ?? 0, messages: r.body.messages })),
    null,
    2,
  );
}

/** The requests of the main loop that carried tool results. */
function afterToolRequests(h: ProxyHarness): RecordedRequest[] {
  return h.backend.chatRequests.filter((r) => agentRequestKind(r.body) === 'after-tools');
}

/** The proxy's usage rows for this key's user, via `GET /usage/me`. */
async function usageRows(h: ProxyHarness): Promise<{ endpoint: string; requests: number; total_tokens: number }[]> {
  const res = await fetch(`${h.url}/usage/me`, { headers: { 'x-api-key': h.apiKey } });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { usage_by_endpoint: { endpoint: string; requests: number; total_tokens: number }[] };
  return body.usage_by_endpoint;
}

function expectSuccess(run: ClaudeCodeRun): void {
  expect(run.exitCode, run.report()).toBe(0);
  expect(run.result?.is_error, run.report()).toBe(false);
}

test.describe('Claude Code CLI through the proxy', () => {
  test.skip(!bin, CLAUDE_CODE_MISSING);
  test.describe.configure({ timeout: 150_000 });

  test('runs a Bash tool call and answers with its output', async ({ harness: h, claude }) => {
    const command = 'echo infiniproxy-$((6*7))';
    h.backend.setDefaultReply(
      agentReply({
        onPrompt: { text: 'Running it now.', toolCalls: [{ id: 'call_echo_1', name: 'Bash', arguments: { command, description: 'Print the marker' } }] },
        afterTools: (results) => ({ text: `The command printed: ${toolText(results[0]).trim()}` }),
      }),
    );

    const run = await claude('Run `echo infiniproxy-$((6*7))` with Bash and tell me what it printed.');

    expectSuccess(run);
    expect(run.toolUses.map((b) => [b.id, b.name, (b.input as { command?: string }).command])).toEqual([['call_echo_1', 'Bash', command]]);
    expect(run.toolResults).toHaveLength(1);
    expect(run.toolResults[0]).toMatchObject({ tool_use_id: 'call_echo_1', is_error: false });

    const [next, ...more] = afterToolRequests(h);
    expect(next, requestsReport(h.backend.chatRequests)).toBeDefined();
    expect(more).toHaveLength(0);
    const tools = next?.body.messages?.filter((m) => m.role === 'tool') ?? [];
    expect(tools.map((m) => m.tool_call_id)).toEqual(['call_echo_1']);
    expect(toolText(tools[0])).toContain('infiniproxy-42');

    expect(run.result?.result).toContain('The command printed: infiniproxy-42');
    expect(h.backend.chatRequests.every((r) => r.status === 200)).toBe(true);

    const messages = (await usageRows(h)).filter((r) => r.endpoint === '/v1/messages');
    expect(messages.reduce((n, r) => n + r.requests, 0)).toBeGreaterThanOrEqual(2);
    expect(messages.reduce((n, r) => n + r.total_tokens, 0)).toBeGreaterThan(0);
  });

  test('runs two tool calls of one turn and sends both results back in call order', async ({ harness: h, claude }) => {
    // The first call finishes last, so call order and completion order differ.
    const calls = [
      { id: 'call_first', name: 'Bash', arguments: { command: 'sleep 1; echo first-$((2+3))', description: 'Print the first marker' } },
      { id: 'call_second', name: 'Bash', arguments: { command: 'echo second-$((3*4))', description: 'Print the second marker' } },
    ];
    h.backend.setDefaultReply(
      agentReply({
        onPrompt: { toolCalls: calls },
        afterTools: (results) => ({ text: `Results: ${results.map((m) => toolText(m).trim()).join(' and ')}.` }),
      }),
    );

    const run = await claude('Run two Bash commands: `sleep 1; echo first-$((2+3))` and `echo second-$((3*4))`. Report both outputs.');

    expectSuccess(run);
    expect(run.toolUses.map((b) => b.id)).toEqual(['call_first', 'call_second']);
    expect(run.toolResults.map((b) => b.tool_use_id).sort()).toEqual(['call_first', 'call_second']);

    const [next] = afterToolRequests(h);
    const messages = next?.body.messages ?? [];
    const at = messages.findLastIndex((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
    expect(messages[at]?.tool_calls?.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments)])).toEqual(
      calls.map((c) => [c.id, c.name, c.arguments]),
    );
    const answers = messages.slice(at + 1, at + 3);
    expect(answers.map((m) => [m.role, m.tool_call_id])).toEqual([
      ['tool', 'call_first'],
      ['tool', 'call_second'],
    ]);
    expect(toolText(answers[0])).toContain('first-5');
    expect(toolText(answers[1])).toContain('second-12');

    expect(run.result?.result).toContain('Results: first-5 and second-12.');
    expect(h.backend.chatRequests.every((r) => r.status === 200)).toBe(true);
  });

  test('accepts streamed reasoning as thinking and sends the thinking turn back without error', async ({ harness: h, claude }) => {
    const thought = 'The user wants the date of a fixed epoch; Bash can compute it.';
    h.backend.setDefaultReply(
      agentReply({
        onPrompt: {
          reasoning: thought,
          toolCalls: [{ id: 'call_date', name: 'Bash', arguments: { command: 'date -u -d @0 +%Y', description: 'Print the epoch year' } }],
        },
        afterTools: (results) => ({ reasoning: 'The tool answered; quote it.', text: `The epoch year is ${toolText(results[0]).trim()}.` }),
      }),
    );

    const run = await claude('Use Bash to print the year of the Unix epoch (date -u -d @0 +%Y) and tell me.');

    expectSuccess(run);
    const thinking = run.assistantBlocks.filter((b) => b.type === 'thinking');
    expect(thinking.map((b) => b.thinking)).toContain(thought);
    // Claude Code sends the thinking block back with the signature the proxy gave it; it must never reach the backend.
    const signatures = thinking.map((b) => b.signature ?? '').filter((s) => s !== '');
    expect(signatures.length).toBeGreaterThan(0);
    for (const s of signatures) expect(h.backend.chatRequests.some((r) => r.raw.includes(s))).toBe(false);
    expect(run.toolUses.map((b) => b.id)).toEqual(['call_date']);
    expect(toolText(afterToolRequests(h)[0]?.body.messages?.find((m) => m.role === 'tool'))).toContain('1970');
    expect(run.result?.result).toContain('The epoch year is 1970.');
    expect(h.backend.chatRequests.every((r) => r.status === 200)).toBe(true);
  });
});

test.describe('Claude Code CLI with two providers', () => {
  test.skip(!bin, CLAUDE_CODE_MISSING);
  test.describe.configure({ timeout: 200_000 });

  test('opus goes to one backend and haiku to another; with the first stopped, opus fails over to the second', async ({ harness: h }, testInfo) => {
    const second = await startScriptedBackend({ apiKey: 'sk-e2e-second-provider', models: ['second-opus', 'second-haiku'] });
    const runs: ClaudeCodeRun[] = [];
    const session = async (prompt: string, model: string) => {
      const run = await runClaudeCode({ bin: bin ?? '', baseUrl: h.url, apiKey: h.apiKey, prompt, args: ['--model', model] });
      runs.push(run);
      return run;
    };
    const twoTools = (marker: string) =>
      agentReply({
        onPrompt: {
          toolCalls: [
            { id: `call_${marker}_a`, name: 'Bash', arguments: { command: `echo ${marker}-$((20+1))`, description: 'First marker' } },
            { id: `call_${marker}_b`, name: 'Bash', arguments: { command: `echo ${marker}-$((40+2))`, description: 'Second marker' } },
          ],
        },
        afterTools: (results) => ({ text: `Outputs: ${results.map((m) => toolText(m).trim()).join(' and ')}.` }),
      });
    try {
      await h.runtime.admin.updateSettings({
        providers: [{ name: 'second', kind: 'openai', base_url: second.url, api_key: 'sk-e2e-second-provider' }],
        model_routes: [
          { match: 'opus', targets: ['default/primary-opus', 'second/second-opus'] },
          { match: 'haiku', targets: ['second/second-haiku'] },
        ],
      });
      h.backend.setDefaultReply(twoTools('primary'));
      second.setDefaultReply(twoTools('second'));

      // opus on the first provider: a two-tool session.
      const first = await session('Run two Bash commands and report both outputs.', 'opus');
      expectSuccess(first);
      expect(first.toolUses.map((b) => b.id)).toEqual(['call_primary_a', 'call_primary_b']);
      expect(first.result?.result).toContain('Outputs: primary-21 and primary-42.');
      expect(h.backend.chatRequests.filter((r) => agentRequestKind(r.body) !== 'side').every((r) => r.body.model === 'primary-opus')).toBe(true);
      expect(second.chatRequests.filter((r) => r.body.model === 'second-opus')).toHaveLength(0);

      // haiku on the second provider.
      const small = await session('Run two Bash commands and report both outputs.', 'haiku');
      expectSuccess(small);
      expect(small.result?.result).toContain('Outputs: second-21 and second-42.');
      expect(second.chatRequests.filter((r) => agentRequestKind(r.body) !== 'side').map((r) => r.body.model)).toEqual(['second-haiku', 'second-haiku']);
      const primaryCount = h.backend.chatRequests.length;

      // The first provider stops: opus keeps working on the second, before any byte of an answer is lost.
      await h.backend.close();
      const failover = await session('Run two Bash commands and report both outputs.', 'opus');
      expectSuccess(failover);
      expect(failover.result?.result).toContain('Outputs: second-21 and second-42.');
      expect(h.backend.chatRequests.length).toBe(primaryCount);
      expect(second.chatRequests.filter((r) => r.body.model === 'second-opus').length).toBeGreaterThanOrEqual(2);
      const logged = await h.runtime.admin.requests({ key_id: h.keyId, limit: 10 });
      const failedOver = logged.find((e) => e.provider === 'second' && e.backend_model === 'second-opus');
      expect(failedOver?.attempts.map((a) => [a.provider, a.status])).toEqual([['default', 0]]);
      const health = (await h.runtime.admin.status()).providers.find((p) => p.name === 'default');
      expect(health?.state).not.toBe('healthy');
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        for (const [i, run] of runs.entries()) await testInfo.attach(`claude-code-${i}.txt`, { body: run.report(), contentType: 'text/plain' });
        await testInfo.attach('second-requests.json', { body: requestsReport(second.chatRequests), contentType: 'application/json' });
        await testInfo.attach('proxy-log.txt', { body: h.logs.join('\n'), contentType: 'text/plain' });
      }
      await second.close();
    }
  });
  test('opus on an anthropic-kind provider: Claude Code\'s requests forwarded as they are, the strict backend accepts them', async ({ harness: h }, testInfo) => {
    const anth = await startAnthropicBackend({ apiKey: 'sk-ant-e2e-provider' });
    anth.setDefaultReply((req) => {
      const messages = Array.isArray(req.body.messages) ? (req.body.messages as { content?: unknown }[]) : [];
      const last = messages.at(-1)?.content;
      const results = Array.isArray(last) ? (last as { type?: string; content?: unknown }[]).filter((b) => b.type === 'tool_result') : [];
      if (!Array.isArray(req.body.tools) || req.body.tools.length === 0) return { text: 'Side answer' };
      if (results.length === 0) return { toolUses: [{ id: 'toolu_fwd_1', name: 'Bash', input: { command: 'echo forwarded-$((5*5))', description: 'Marker' } }] };
      const text = JSON.stringify(results[0]?.content ?? '');
      return { text: `Forwarded tool said ${/forwarded-\d+/.exec(text)?.[0] ?? 'nothing'}.` };
    });
    let run: ClaudeCodeRun | undefined;
    try {
      await h.runtime.admin.updateSettings({
        providers: [{ name: 'anth', kind: 'anthropic', base_url: anth.url, api_key: 'sk-ant-e2e-provider' }],
        model_routes: [{ match: 'opus', targets: ['anth/claude-opus-4-8'] }],
      });
      run = await runClaudeCode({ bin: bin ?? '', baseUrl: h.url, apiKey: h.apiKey, prompt: 'Run the marker command with Bash.', args: ['--model', 'opus'] });
      expectSuccess(run);
      expect(run.toolUses.map((b) => b.id)).toEqual(['toolu_fwd_1']);
      expect(run.result?.result).toContain('Forwarded tool said forwarded-25.');
      const main = anth.messageRequests.filter((r) => Array.isArray(r.body.tools) && r.body.tools.length > 0);
      expect(main.length).toBeGreaterThanOrEqual(2);
      expect(main.every((r) => r.status === 200 && r.body.model === 'claude-opus-4-8' && r.headers['x-api-key'] === 'sk-ant-e2e-provider')).toBe(true);
      expect(main.some((r) => String(r.headers['anthropic-beta'] ?? '').length > 0)).toBe(true);
      expect(anth.requests.every((r) => !r.raw.includes(h.apiKey))).toBe(true);
    } finally {
      if (run && testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('claude-code.txt', { body: run.report(), contentType: 'text/plain' });
        await testInfo.attach('anthropic-requests.json', {
          body: JSON.stringify(anth.requests.map((r) => ({ path: r.path, status: r.status, sent: r.sent.toString('utf8').slice(0, 2000), beta: r.headers['anthropic-beta'] })), null, 2),
          contentType: 'application/json',
        });
      }
      await anth.close();
    }
  });
});
