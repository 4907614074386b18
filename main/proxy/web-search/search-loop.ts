/**
 * Anthropic's web search server tool on an OpenAI-compatible backend: the proxy runs the search loop itself.
 *
 * The backend model is offered a `web_search` function beside the client's own tools (the server tool itself is
 * never sent). Each round the backend answers whole (not streamed); its thinking and text go to the client as
 * they are; each `web_search` call becomes a `server_tool_use` block, the search service is asked
 * (upstream/search-client.ts), and the outcome becomes a `web_search_tool_result` block (or its error block with
 * Anthropic's code) and the `tool` message the model reads next round. The loop ends when the model answers
 * without searching, calls a client tool (stop_reason `tool_use`), or has used `max_uses` searches (then it is
 * asked once more without the function, to answer from what it found). Usage sums every round, with
 * `server_tool_use.web_search_requests`. A forced `tool_choice` for web_search applies to the first round only.
 *
 * With no search service configured the answer is a normal message saying so and how to configure it.
 */
import { configuredSecrets } from '../../core/config';
import type { Settings, WebSearchConfig } from '../../../shared/types';
import {
  type AnthropicWebSearchTool,
  type ChatCompletionRequest,
  type ChatMessage,
  type ChatToolCall,
  type ChatRequestOptions,
  fromChatResponse,
  isWebSearchTool,
  type MessagesRequest,
  newMessageId,
  newToolUseId,
  type StringForm,
  toChatRequest,
} from '../../translate';
import { redactSecrets } from '../../../shared/redact';
import { splitToolId } from '../../translate/carried';
import type { UpstreamResponse } from '../../upstream/client';
import { searchWeb, SearchError, type SearchHit, type SearchQuery } from '../../upstream/search-client';
import type { AuthedContext } from '../context';
import { AppError } from '../errors';
import { answerBackendError, readBackendAnswer } from '../messages-answer';
import type { ExchangeOutcome } from '../usage-record';
import { AnswerSink, type AnswerUsage } from './answer-sink';
import { resultBlock, resultText } from './blocks';

/** Searches per request when the tool sets no `max_uses`, and the most it may set. */
export const DEFAULT_MAX_USES = 5;
export const MAX_USES_CAP = 10;
/** Results asked of the service per search. */
const RESULTS_PER_SEARCH = 8;

const FUNCTION_NAME = 'web_search';

/** The function the backend model is offered. */
const WEB_SEARCH_FUNCTION = Object.freeze({
  type: 'function' as const,
  function: {
    name: FUNCTION_NAME,
    description: 'Search the web. Returns the titles, URLs and excerpts of matching pages. Use it for current information.',
    parameters: { type: 'object', properties: { query: { type: 'string', description: 'The search query' } }, required: ['query'] },
  },
});

export interface WebSearchAnswer {
  request: MessagesRequest;
  strings: StringForm;
  chatOptions: ChatRequestOptions;
  /** The model the client asked for. */
  model: string;
  estimatedInput: number;
  /** The settings in force (the search service, and the secrets to mask). */
  settings: Settings;
  /** Sends a Chat Completions request to the backend. */
  send(req: ChatCompletionRequest): Promise<UpstreamResponse>;
  signal: AbortSignal;
  /** The search (upstream/search-client.ts by default). */
  search?: (config: WebSearchConfig, q: SearchQuery, signal: AbortSignal) => Promise<SearchHit[]>;
}

/** The web search tool of a request, if it has one. */
export function webSearchToolOf(request: MessagesRequest): AnthropicWebSearchTool | undefined {
  return request.tools?.find(isWebSearchTool);
}

/** The text of the answer when no search service is configured. */
export const NOT_CONFIGURED_TEXT =
  'Web search is not configured on this InfiniProxy, so no search was run. An administrator can set a search service ' +
  '(SearXNG, Brave Search or Tavily) in the Settings tab of the admin, with ' +
  '`npm run cli -- settings set \'web_search={"provider":"searxng","base_url":"http://localhost:8888"}\'`, ' +
  'or with PUT /admin/settings.';

/** Answers a request carrying the web search tool; resolves with the exchange's outcome. */
export async function answerWithWebSearch(ctx: AuthedContext, a: WebSearchAnswer): Promise<ExchangeOutcome> {
  const sink = new AnswerSink(ctx, a.request.stream === true, { id: newMessageId(), model: a.model, estimatedInput: a.estimatedInput });
  try {
    return await runLoop(ctx, a, sink);
  } finally {
    sink.dispose();
  }
}

async function runLoop(ctx: AuthedContext, a: WebSearchAnswer, sink: AnswerSink): Promise<ExchangeOutcome> {
  const tool = webSearchToolOf(a.request);
  const config = a.settings.web_search;
  if (!tool || !config) {
    sink.add({ type: 'text', text: NOT_CONFIGURED_TEXT });
    const usage = { input_tokens: a.estimatedInput, output_tokens: 60, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, server_tool_use: { web_search_requests: 0 } };
    sink.end('end_turn', usage);
    return { status: 200, tokens: { input: a.estimatedInput, output: 60, cacheRead: 0 }, estimated: true, error: null };
  }

  const redact = (text: string): string => redactSecrets(text, configuredSecrets(a.settings));
  const search = a.search ?? searchWeb;
  const maxUses = Math.min(tool.max_uses ?? DEFAULT_MAX_USES, MAX_USES_CAP);
  const base = toChatRequest({ ...a.request, stream: false }, a.chatOptions);
  const messages: ChatMessage[] = [...base.messages];
  const usage: AnswerUsage = { input_tokens: 0, output_tokens: 0, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, server_tool_use: { web_search_requests: 0 } };
  let estimated = false;
  let uses = 0;

  for (let round = 0; ; round++) {
    const canSearch = uses < maxUses;
    const chatReq = roundRequest(base, messages, canSearch, round === 0);
    let upstream: UpstreamResponse;
    try {
      upstream = await a.send(chatReq);
    } catch (err) {
      if (!sink.started) throw err;
      sink.fail('api_error', err instanceof Error ? redact(err.message) : 'the backend could not be reached');
      return outcome(usage, estimated, 'backend failed mid-search');
    }
    if (upstream.status >= 400) {
      if (!sink.started) return answerBackendError(ctx, { model: a.model, estimatedInput: a.estimatedInput, stopSequences: [], redact }, upstream, chatReq);
      upstream.body.destroy();
      sink.fail('api_error', `The backend answered ${upstream.status} during the web search.`);
      return outcome(usage, estimated, `backend answered ${upstream.status}`);
    }
    let json;
    try {
      json = await readBackendAnswer(upstream, redact);
    } catch (err) {
      if (!sink.started) throw err;
      sink.fail('api_error', err instanceof AppError ? err.message : 'The backend answer could not be read.');
      return outcome(usage, estimated, 'bad backend answer');
    }
    const { message, usageEstimated } = fromChatResponse(json, { requestedModel: a.model, stopSequences: [], messageId: newMessageId(), estimatedInputTokens: a.estimatedInput });
    estimated ||= usageEstimated;
    usage.input_tokens += message.usage.input_tokens;
    usage.output_tokens += message.usage.output_tokens;
    usage.cache_read_input_tokens += message.usage.cache_read_input_tokens;

    const searches: Array<{ id: string; query: string }> = [];
    let clientTools = false;
    const calls: ChatMessage[] = [];
    for (const block of message.content) {
      if (block.type === 'tool_use' && block.name === FUNCTION_NAME && canSearch) {
        searches.push({ id: block.id, query: typeof block.input.query === 'string' ? block.input.query : '' });
        continue;
      }
      if (block.type === 'tool_use') clientTools = true;
      sink.add(block);
    }
    if (searches.length === 0 || clientTools) {
      sink.end(clientTools ? 'tool_use' : 'end_turn', usage);
      return outcome(usage, estimated, null);
    }

    const text = message.content.filter((b) => b.type === 'text').map((b) => (b.type === 'text' ? b.text : '')).join('');
    calls.push({ role: 'assistant', content: text ? a.strings.fromText(text) : null, tool_calls: searches.map((s) => searchCall(s, a.strings)) });
    for (const s of searches) {
      const serverId = `srvtoolu_${newToolUseId().slice('toolu_'.length)}`;
      sink.add({ type: 'server_tool_use', id: serverId, name: 'web_search', input: { query: s.query } });
      let result: SearchHit[] | SearchError;
      if (uses >= maxUses) {
        result = new SearchError('max_uses_exceeded', `at most ${maxUses} searches per request`);
      } else {
        uses++;
        usage.server_tool_use.web_search_requests++;
        result = await search(config, { query: s.query, maxResults: RESULTS_PER_SEARCH, allowedDomains: tool.allowed_domains, blockedDomains: tool.blocked_domains, country: tool.user_location?.country }, a.signal).catch((err: unknown) =>
          err instanceof SearchError ? err : new SearchError('unavailable', 'the search failed'),
        );
      }
      if (a.signal.aborted) return outcome(usage, estimated, 'client closed the connection');
      const outcomeOf = result instanceof SearchError ? result.code : result;
      sink.add(resultBlock(serverId, outcomeOf));
      const readable = resultText(s.query, outcomeOf, result instanceof SearchError ? redact(result.message) : '');
      calls.push({ role: 'tool', tool_call_id: a.strings.fromText(splitToolId(s.id).id), content: a.strings.fromText(readable) });
    }
    messages.push(...calls);
  }
}

/** The backend's `web_search` call as it goes back in the conversation (its own id, a Gemini signature restored). */
function searchCall(s: { id: string; query: string }, strings: StringForm): ChatToolCall {
  const { id, signature } = splitToolId(s.id);
  const call: ChatToolCall = { id: strings.fromText(id), type: 'function', function: { name: FUNCTION_NAME, arguments: strings.fromText(JSON.stringify({ query: s.query })) } };
  if (signature) call.extra_content = { google: { thought_signature: strings.fromText(signature) } };
  return call;
}

/** The request of one round: the conversation so far, with the web_search function while searches are left. */
function roundRequest(base: ChatCompletionRequest, messages: ChatMessage[], canSearch: boolean, first: boolean): ChatCompletionRequest {
  const { tools: clientTools, tool_choice: choice, parallel_tool_calls: _p, ...rest } = base;
  const tools = [...(clientTools ?? []), ...(canSearch ? [WEB_SEARCH_FUNCTION] : [])];
  const req: ChatCompletionRequest = { ...rest, messages: [...messages], stream: false };
  delete req.stream_options;
  if (tools.length) req.tools = tools;
  const forced = typeof choice === 'object' && choice.function.name === FUNCTION_NAME;
  if (choice !== undefined && tools.length && (!forced || (first && canSearch))) req.tool_choice = choice;
  return req;
}

function outcome(usage: AnswerUsage, estimated: boolean, error: string | null): ExchangeOutcome {
  return {
    status: error === 'client closed the connection' ? 499 : 200,
    tokens: { input: usage.input_tokens + usage.cache_read_input_tokens, output: usage.output_tokens, cacheRead: usage.cache_read_input_tokens },
    estimated,
    error,
  };
}
