/**
 * Anthropic Messages ⇄ OpenAI Chat Completions translation: pure functions and one state machine, no I/O. The
 * `/v1/messages` route wires them: proxy/routes/messages.ts for the request ({@link parseMessagesRequest},
 * {@link resolveModel}, {@link toChatRequest}) and proxy/messages-answer.ts for the answer ({@link fromChatResponse},
 * or {@link SseParser} into {@link StreamTranslator}; backend errors through {@link toAnthropicError}).
 */
export * from './anthropic-schema';
export type * from './anthropic-types';
export type * from './chat-types';
export { countTokens, estimateTokens, estimateTextTokens, IMAGE_TOKENS } from './tokens';
export { anthropicError, errorStatus, errorTypeForStatus, readBackendError, toAnthropicError } from './errors';
export type { BackendErrorInfo, BackendErrorOptions, TranslatedError } from './errors';
export { detectContextOverflow, overflowMessage } from './context-overflow';
export { newMessageId, newToolUseId, PROXY_SIGNATURE_PREFIX } from './ids';
export { findModelRoute, isPattern, MODEL_TIERS, resolveModel, type ResolvedModel } from './model-map';
export { chatRequestOptions, clampMaxTokens, toChatRequest, MAX_USER_LENGTH, type ChatRequestOptions } from './request';
export { NO_RESULT_TEXT, type InlineSystemMode } from './request-messages';
export { fromChatResponse, responseAsChunk, type ResponseContext, type TranslatedMessage } from './response';
export { SseParser } from './sse-parser';
export { StreamTranslator, type StreamContext } from './stream';
export { RAW_ARGUMENTS_KEY, parseToolArguments } from './tool-args';
export { stripSchemaKeys } from './tools';
export { TEXT_STRINGS, type StringForm } from './strings';
