/**
 * Doctor checks for what Claude Code's WebSearch needs (issue 14): `forced tool_choice` (its sub-requests force the
 * web_search tool; DeepSeek's reasoner rejects a forced choice, which the proxy then retries without) and
 * `web search` (the search service of the `web_search` setting answers a query).
 */
import { redactSecrets } from '../../shared/redact';
import { configuredSecrets } from '../core/config';
import { rejectsToolChoice } from '../proxy/tool-choice-fallback';
import { searchWeb, SearchError } from '../upstream/search-client';
import { clip, fail, pass, warn } from './probe-checks';
import type { ProbeContext } from './probe-checks';

const LOOKUP_TOOL = {
  type: 'function',
  function: { name: 'lookup', description: 'Look a word up.', parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } },
};

/** `forced tool_choice`: does the backend take `tool_choice` naming a function? */
export async function checkForcedToolChoice(ctx: ProbeContext): Promise<void> {
  const ex = await ctx.send({
    messages: [{ role: 'user', content: 'Look up the word "proxy".' }],
    tools: [LOOKUP_TOOL],
    tool_choice: { type: 'function', function: { name: 'lookup' } },
    max_tokens: 256,
    stream: false,
  });
  if (ex.status === 200) return void ctx.checks.push(pass('forced tool_choice', 'A tool_choice naming a function is accepted.'));
  if (ex.status === 400 && rejectsToolChoice(ex.text)) {
    return void ctx.checks.push(
      warn('forced tool_choice', `The backend rejects a forced tool_choice (${clip(ex.text, 120)}); InfiniProxy retries such requests without it, so WebSearch and WebFetch still work.`),
    );
  }
  ctx.checks.push(warn('forced tool_choice', `HTTP ${ex.status} to a forced tool_choice: ${clip(ex.text, 160)}`));
}

/** `web search`: the configured search service answers (or a note that none is configured). */
export async function checkWebSearch(ctx: ProbeContext): Promise<void> {
  const config = ctx.settings.web_search;
  if (!config) {
    return void ctx.checks.push(
      pass('web search', 'No search service (web_search) set: Claude Code\'s WebSearch will answer that web search is not configured. Set SearXNG, Brave or Tavily in Settings to use it.'),
    );
  }
  try {
    const hits = await searchWeb(config, { query: 'InfiniProxy', maxResults: 3 });
    ctx.checks.push(pass('web search', `${config.provider} at ${config.base_url} answered with ${hits.length} result${hits.length === 1 ? '' : 's'}.`));
  } catch (err) {
    const why = err instanceof SearchError ? `${err.code}: ${err.message}` : 'the search failed';
    ctx.checks.push(fail('web search', redactSecrets(`${config.provider} at ${config.base_url}: ${why}.`, configuredSecrets(ctx.settings))));
  }
}
