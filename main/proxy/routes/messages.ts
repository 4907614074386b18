/**
 * The Anthropic Messages API on the configured providers:
 *
 * - `POST /v1/messages` (also `?beta=true`, as Claude Code sends it): parse → route → call → answer. The body is
 *   read through the fast path (body/: 400 `invalid_request_error` naming the field); the route's targets come from
 *   provider-dispatch.ts (routing by name, kind, tier, glob; context windows) and are tried in turn with failover
 *   before the first byte, each in its provider's dialect (messages-providers.ts: translated for `openai`, the
 *   client's bytes forwarded for `anthropic`). Usage is recorded once, when the exchange ends
 *   (usage-record.ts; endpoint `/v1/messages`), marked estimated when the backend reported none: `input_tokens` as
 *   the whole prompt (cached tokens included, as on `/v1/chat/completions`), the cached part in
 *   `cache_read_input_tokens`.
 * - `POST /v1/messages/count_tokens`: forwarded when the route's first target is an `anthropic` provider; otherwise
 *   (or when none of those answers) `{input_tokens}` counted locally. It counts toward the key's request limits
 *   (requests per minute, concurrency) and reserves no tokens.
 * A request carrying Anthropic's web search tool is answered by the proxy's search loop (web-search/) when its first
 * target is an `openai` provider; PDF documents become their text first (documents/resolve-documents.ts), so what is
 * sent is what is counted.
 */
import Router from '@koa/router';
import { redactSecrets } from '../../../shared/redact';
import { configuredSecrets } from '../../core/config';
import { countTokens, estimateTokens, parseCountTokensRequest, parseMessagesRequest, TEXT_STRINGS } from '../../translate';
import type { AnthropicAnyTool, MessagesRequest } from '../../translate';
import { clientAuth } from '../auth';
import { FastPath, parseJson, readRawBody, textOf } from '../body';
import type { BodyContract } from '../body';
import { abortOnClose } from '../client-gone';
import type { AppDeps, AuthedState } from '../context';
import { resolveDocuments } from '../documents/resolve-documents';
import { AppError } from '../errors';
import { keyLimits } from '../key-limits';
import { answerFromProvider, answerWebSearch, countTokensAtProvider, sendMessages } from '../messages-providers';
import { routeTargets } from '../provider-dispatch';
import { recordExchange } from '../usage-record';
import type { ExchangeInfo } from '../usage-record';
import { webSearchToolOf } from '../web-search/search-loop';

export { PING_INTERVAL_MS } from '../messages-answer';

/** `/v1/messages` bodies: Anthropic's request schema, tool definitions in `tools`. */
export const MESSAGES_BODY: BodyContract<MessagesRequest, AnthropicAnyTool> = {
  check: parseMessagesRequest,
  tools: (req) => req.tools,
  setTools: (req, tools) => {
    req.tools = tools as AnthropicAnyTool[];
  },
};

/** The routes `POST /v1/messages` and `POST /v1/messages/count_tokens`. */
export function messagesRoutes(deps: AppDeps): Router<AuthedState> {
  const router = new Router<AuthedState>();
  const bodies = new FastPath(MESSAGES_BODY);
  router.post('/v1/messages', clientAuth(deps), keyLimits(deps), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const read = await bodies.read(ctx);
    const { strings } = read;
    const model = textOf(read.request.model);
    // One estimate per request object: routing may need it, message_start does (the same object without documents).
    let estimated: { of: MessagesRequest; tokens: number } | undefined;
    const estimateOf = (req: MessagesRequest): number => (estimated?.of === req ? estimated : (estimated = { of: req, tokens: estimateTokens(req, strings) })).tokens;
    const targets = routeTargets(deps.settings(), {
      api: 'messages',
      model,
      thinking: read.request.thinking !== undefined && read.request.thinking.type !== 'disabled',
      maxTokens: read.request.max_tokens,
      inputTokens: () => estimateOf(read.request),
    });
    const abort = abortOnClose(ctx);
    // PDFs become text for `openai` providers (an `anthropic` one gets the client's bytes), unless the first one
    // takes files.
    const firstOpenai = targets.find((t) => t.provider.kind === 'openai');
    const pdfAsFile = firstOpenai?.provider.pdf_input === 'file';
    const request = firstOpenai ? await resolveDocuments(read.request, { strings, pdfAsFile, signal: abort.signal }) : read.request;
    const estimateInput = (): number => estimateOf(request);
    const stream = request.stream === true;
    const info: ExchangeInfo = { endpoint: '/v1/messages', model, backendModel: targets[0]!.model, stream };
    await recordExchange(deps, ctx, info, async () => {
      if (webSearchToolOf(request) && targets[0]!.provider.kind === 'openai') {
        return answerWebSearch(deps, ctx, info, targets, { request, strings, model, estimatedInput: estimateInput() }, abort.signal);
      }
      const sent = sendMessages(deps, ctx, info, targets, { ...read, request }, abort.signal);
      sent.catch(() => undefined); // awaited below; until then a failure must not count as an unhandled rejection
      // Counted while the backend works, once the request is on the wire: it is first needed for message_start.
      const estimatedInput = await onNextTurn(estimateInput);
      const stopSequences = (request.stop_sequences ?? []).map(textOf);
      const redact = (text: string): string => redactSecrets(text, configuredSecrets(deps.settings()));
      return answerFromProvider(ctx, await sent, { model, estimatedInput, stopSequences, redact }, estimateInput, abort.signal);
    });
  });

  router.post('/v1/messages/count_tokens', clientAuth(deps), keyLimits(deps, { free: true }), async (ctx) => {
    ctx.state.errorFormat = 'anthropic';
    const raw = await readRawBody(ctx);
    const parsed = validated(parseCountTokensRequest(parseJson(raw)));
    if (await countTokensAtProvider(deps, ctx, raw, typeof parsed.model === 'string' ? parsed.model : '')) return;
    const req = await resolveDocuments(parsed, { strings: TEXT_STRINGS, pdfAsFile: deps.settings().pdf_input === 'file' });
    ctx.body = { input_tokens: await countTokens(req) };
  });
  return router;
}

/** `fn()` on the next turn of the event loop, after the writes started in this one went out. */
function onNextTurn<T>(fn: () => T): Promise<T> {
  return new Promise((resolve, reject) =>
    setImmediate(() => {
      try {
        resolve(fn());
      } catch (err) {
        reject(err);
      }
    }),
  );
}

/** The parsed request, or a 400 naming the failing field. */
function validated<T>(result: { ok: true; value: T } | { ok: false; message: string }): T {
  if (!result.ok) throw new AppError(400, 'invalid_request', result.message);
  return result.value;
}
