/**
 * The real Claude Code CLI using WebSearch and reading a PDF through the proxy (issue 14), against the scripted
 * backend and a scripted search service on loopback. Skipped when the CLI is not installed.
 */
import { expect, test } from '@playwright/test';
import { startProxyHarness } from '../test/support/proxy-harness';
import type { ProxyHarness } from '../test/support/proxy-harness';
import type { ChatRequestBody, Reply } from '../test/support/scripted-backend';
import { makePdf } from '../test/support/make-pdf';
import { startScriptedSearch } from '../test/support/scripted-search';
import type { ScriptedSearch } from '../test/support/scripted-search';
import { claudeCodeBinary, CLAUDE_CODE_MISSING, runClaudeCode, toolResultsOf, toolText } from './support/claude-code';
import type { ClaudeCodeRun } from './support/claude-code';

const bin = claudeCodeBinary();

/** The backend's requests without the tool schemas, for a failure report. */
const report = (h: ProxyHarness): string =>
  JSON.stringify(h.backend.chatRequests.map((r) => ({ status: r.status, tools: r.body.tools?.map((t) => t.function.name).slice(0, 30), tool_choice: r.body.tool_choice, messages: r.body.messages })), null, 2);

const isSearchSubRequest = (body: ChatRequestBody): boolean => body.tools?.length === 1 && body.tools[0]?.function.name === 'web_search';
const lastToolCallName = (body: ChatRequestBody): string | undefined => {
  const messages = body.messages ?? [];
  const at = messages.findLastIndex((m) => m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0);
  return at < 0 ? undefined : messages[at]?.tool_calls?.[0]?.function.name;
};

test.describe('Claude Code tools through the proxy', () => {
  test.skip(!bin, CLAUDE_CODE_MISSING);
  test.describe.configure({ timeout: 150_000 });

  let h: ProxyHarness;
  let search: ScriptedSearch;
  test.beforeEach(async () => {
    h = await startProxyHarness();
    search = await startScriptedSearch([{ url: 'https://releases.example.test/infiniproxy-7', title: 'InfiniProxy 7 released', content: 'InfiniProxy 7 shipped with the codename Lighthouse-99.' }]);
    await h.runtime.admin.updateSettings({ web_search: { provider: 'searxng', base_url: search.url } });
  });
  test.afterEach(async () => {
    await h.close();
    await search.close();
  });

  const attach = async (run: ClaudeCodeRun, info: { status?: string; expectedStatus: string; attach: (n: string, o: { body: string; contentType: string }) => Promise<void> }): Promise<void> => {
    if (info.status === info.expectedStatus) return;
    await info.attach('claude-code.txt', { body: run.report(), contentType: 'text/plain' });
    await info.attach('backend-requests.json', { body: report(h), contentType: 'application/json' });
    await info.attach('proxy-log.txt', { body: h.logs.join('\n'), contentType: 'text/plain' });
  };

  test('WebSearch: the model searches, the proxy runs the search, the model answers from the result', async ({}, testInfo) => {
    const reply: Reply = (req) => {
      const body = req.body;
      if (isSearchSubRequest(body)) {
        // Claude Code's WebSearch sub-request, as the proxy's loop sends it to the backend.
        const results = toolResultsOf(body);
        if (results.length === 0) return { toolCalls: [{ id: 'call_ws', name: 'web_search', arguments: { query: 'InfiniProxy 7 codename' } }] };
        return { text: `Found: ${toolText(results[0]).match(/codename [\w-]+/)?.[0] ?? 'nothing'}.` };
      }
      if (!body.tools?.length) return { text: 'Scripted session' };
      if (lastToolCallName(body) === 'WebSearch') {
        const result = toolText(toolResultsOf(body)[0]);
        return { text: `The answer: ${result.includes('Lighthouse-99') ? 'Lighthouse-99' : 'unknown'} (${result.includes('https://releases.example.test/infiniproxy-7') ? 'cited' : 'no link'}).` };
      }
      return { toolCalls: [{ id: 'call_websearch', name: 'WebSearch', arguments: { query: 'InfiniProxy 7 codename' } }] };
    };
    h.backend.setDefaultReply(reply);
    const run = await runClaudeCode({ bin: bin ?? '', baseUrl: h.url, apiKey: h.apiKey, prompt: 'Search the web for the codename of InfiniProxy 7.', allowedTools: ['WebSearch'] });
    await attach(run, testInfo);

    expect(run.exitCode, run.report()).toBe(0);
    expect(search.requests.map((r) => r.query)).toEqual(['InfiniProxy 7 codename']);
    const sub = h.backend.chatRequests.filter((r) => isSearchSubRequest(r.body));
    expect(sub.length, report(h)).toBe(2);
    expect(sub[0]?.body.tool_choice).toEqual({ type: 'function', function: { name: 'web_search' } });
    expect(run.result?.result).toContain('The answer: Lighthouse-99 (cited).');
    expect(h.backend.chatRequests.every((r) => r.status === 200)).toBe(true);
  });

  test('Read on a PDF: the proxy extracts its text and the model answers from it', async ({}, testInfo) => {
    const pdf = makePdf([['Quarterly report'], ['The secret number is 73519.']]);
    // The PDF's path is only known inside the run: the model asks for the file by the path Claude Code's prompt gives.
    h.backend.setDefaultReply(readPdfReply());
    const run = await runClaudeCode({ bin: bin ?? '', baseUrl: h.url, apiKey: h.apiKey, prompt: 'Read report.pdf and tell me the secret number.', allowedTools: ['Read'], files: { 'report.pdf': pdf } });
    await attach(run, testInfo);

    expect(run.exitCode, run.report()).toBe(0);
    expect(run.result?.result, report(h)).toContain('The PDF says 73519; two pages.');
    expect(h.backend.chatRequests.every((r) => r.status === 200)).toBe(true);
  });
});

/** Answers the main loop with a Read of `report.pdf` in Claude Code's working directory (named in its system prompt). */
function readPdfReply(): Reply {
  return (req) => {
    const body = req.body;
    if (!body.tools?.length) return { text: 'Scripted session' };
    if (lastToolCallName(body) === 'Read') {
      const all = JSON.stringify(body.messages);
      return { text: `The PDF says ${all.match(/secret number is (\d+)/)?.[1] ?? 'nothing'}; ${all.includes('--- Page 2 ---') ? 'two pages' : 'no pages'}.` };
    }
    const system = JSON.stringify(body.messages?.filter((m) => m.role === 'system'));
    const cwd = system.match(/Primary working directory: ([^\s\\"]+)/)?.[1] ?? system.match(/Working directory: ([^\s\\"]+)/)?.[1] ?? '';
    return { toolCalls: [{ id: 'call_read', name: 'Read', arguments: { file_path: `${cwd}/report.pdf` } }] };
  };
}
