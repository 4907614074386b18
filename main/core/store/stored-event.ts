/**
 * What a store keeps of one request, bounded whatever the client sent: the request log and usage aggregates hold
 * texts that clients influence (model names, backend error messages that quote the request), so each is cut to a
 * fixed length before it is stored, and at most {@link MAX_ATTEMPTS_STORED} failover attempts are kept. Every store
 * records {@link storedEvent}(event), so the rule has one home.
 */
import type { RequestLogEntry } from '../../../shared/types';
import type { UsageEvent } from './store';

/** Longest error text kept (the request log shows the start of a long backend message). */
export const MAX_STORED_ERROR_CHARS = 1000;
/** Longest model name kept (the API routes refuse longer ones; this bounds every other path). */
export const MAX_STORED_MODEL_CHARS = 256;
/** Failover attempts kept per request. */
export const MAX_ATTEMPTS_STORED = 8;

/** `text` cut to at most `max` characters, an ellipsis marking a cut. */
export function cutText(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The event as it is stored: texts cut, attempts bounded. */
export function storedEvent(e: UsageEvent): UsageEvent {
  const model = (m: string): string => cutText(m, MAX_STORED_MODEL_CHARS);
  return {
    ...e,
    model: model(e.model),
    backend_model: e.backend_model === null ? null : model(e.backend_model),
    error: e.error === null ? null : cutText(e.error, MAX_STORED_ERROR_CHARS),
    ...(e.attempts
      ? {
          attempts: e.attempts.slice(0, MAX_ATTEMPTS_STORED).map((a) => ({
            ...a,
            model: model(a.model),
            error: cutText(a.error, MAX_STORED_ERROR_CHARS),
          })),
        }
      : {}),
  };
}

/** The request log entry of a (stored) event, without its id (each store numbers its own). */
export function requestLogEntryOf(e: UsageEvent): Omit<RequestLogEntry, 'id'> {
  return {
    time: e.time.toISOString(),
    key_id: e.key_id,
    user_id: e.user_id,
    endpoint: e.endpoint,
    model: e.model,
    backend_model: e.backend_model,
    provider: e.provider ?? null,
    attempts: e.attempts ?? [],
    session_id: e.session_id ?? null,
    status: e.status,
    latency_ms: e.latency_ms,
    stream: e.stream,
    input_tokens: e.input_tokens,
    output_tokens: e.output_tokens,
    usage_estimated: e.usage_estimated,
    error: e.error,
  };
}
