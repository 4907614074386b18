/**
 * Anthropic Messages ⇄ OpenAI Chat Completions translation: pure functions and one state machine, no I/O. The
 * `/v1/messages` route (proxy/routes/messages.ts) wires them as
 *
 * ```ts
 * const { request, strings } = await messagesBody.read(ctx);   // proxy/body: parsed and checked (400 if not)
 * const resolved = resolveModel(textOf(request.model), settings.model_routes, settings.default_model);
 * const chatReq = toChatRequest(request, chatRequestOptions(settings, resolved, strings));
 * const estimate = estimateTokens(request, strings);
 * // backend error → toAnthropicError(status, text, { inputTokens: estimate, maxTokens: chatReq.max_tokens })
 * // stream: SseParser → JSON.parse → StreamTranslator.push; finish() at [DONE] / end of body
 * // no stream: fromChatResponse(json, { requestedModel, stopSequences, messageId, estimatedInputTokens })
 * ```
 */
export * from './anthropic-schema';
export type * from './anthropic-types';
export type * from './chat-types';
export { countTokens, estimateTokens, estimateTextTokens, IMAGE_TOKENS } from './tokens';
export { anthropicError, errorStatus, errorTypeForStatus, readBackendError, toAnthropicError } from './errors';
export type { BackendErrorInfo, BackendErrorOptions, TranslatedError } from './errors';
export { detectContextOverflow, overflowMessage } from './context-overflow';
export { isProxySignature, newMessageId, newToolUseId, PROXY_SIGNATURE_PREFIX } from './ids';
export { findModelRoute, isPattern, MODEL_TIERS, resolveModel, type ResolvedModel } from './model-map';
export { chatRequestOptions, clampMaxTokens, toChatRequest, MAX_USER_LENGTH, type ChatRequestOptions } from './request';
export { NO_RESULT_TEXT, type InlineSystemMode } from './request-messages';
export { fromChatResponse, responseAsChunk, type ResponseContext, type TranslatedMessage } from './response';
export { SseParser } from './sse-parser';
export { StreamTranslator, type StreamContext } from './stream';
export { RAW_ARGUMENTS_KEY, parseToolArguments } from './tool-args';
export { stripSchemaKeys } from './tools';
export { TEXT_STRINGS, type StringForm } from './strings';
