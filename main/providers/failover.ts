/**
 * Sends one request to the targets of its route in turn until one answers, before any byte reaches the client.
 *
 * A target fails over to the next when it gives no answer (connection refused or reset, no headers within the
 * timeout) or answers 401, 403, 408, 429 or 5xx (529 included): those count against its provider's breaker. A 400,
 * 413 or 422 that says the context is too long also moves on (the next model may be larger) without counting. Any
 * other answer, success or the client's own mistake, is the answer. Only headers are awaited here: the body of a
 * success is left to the caller (streamed on), so nothing is ever retried after the first byte, and a request that
 * fails over is billed once, for the answer the client gets. An error body is read (bounded) to decide and kept
 * for the caller.
 *
 * Providers the breaker holds down go last (tried only when every other target failed), so one provider down never
 * makes a route fail while another could answer, and a route of one provider keeps trying it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestAttempt } from '../../shared/types';
import { detectContextOverflow } from '../translate/context-overflow';
import { UpstreamError } from '../upstream/client';
import type { UpstreamResponse } from '../upstream/client';
import { readBounded } from '../upstream/read-bounded';
import type { ProviderHealthBoard } from './health';
import type { Target } from './routing';

/** The most of an error body read. */
export const MAX_ERROR_BODY = 1024 * 1024;

/** How the request ended at the target that answered (or the last one tried). */
export type FailoverOutcome =
  /** Headers with a status below 400: the body is still to be read by the caller. */
  | { kind: 'answer'; target: Target; res: UpstreamResponse; attempts: RequestAttempt[] }
  /** An error status; its body read (up to {@link MAX_ERROR_BODY}) and redacted. */
  | { kind: 'error'; target: Target; status: number; headers: IncomingHttpHeaders; text: string; attempts: RequestAttempt[] }
  /** No answer from the last target tried. */
  | { kind: 'unreachable'; target: Target; error: UpstreamError; attempts: RequestAttempt[] };

export interface FailoverOptions {
  health: ProviderHealthBoard;
  /** Removes secrets (provider keys) from texts kept or relayed. */
  redact: (text: string) => string;
}

/** Sends to `target`; `last` is true for the final target (the caller may allow same-provider retries there). */
export type SendTo = (target: Target, last: boolean) => Promise<UpstreamResponse>;

/** What an answer's status means for failover. */
export function classifyStatus(status: number, bodyText: string): 'answer' | 'fail' | 'overflow' {
  if (status < 400) return 'answer';
  if (status === 401 || status === 403 || status === 408 || status === 429 || status >= 500) return 'fail';
  if ((status === 400 || status === 413 || status === 422) && detectContextOverflow(bodyText)) return 'overflow';
  return 'answer';
}

/** Tries the targets in order (down providers last). Rethrows an `aborted` UpstreamError at once (the client left). */
export async function sendWithFailover(targets: readonly Target[], send: SendTo, opts: FailoverOptions): Promise<FailoverOutcome> {
  if (targets.length === 0) throw new Error('sendWithFailover needs at least one target');
  const { health, redact } = opts;
  const up = targets.filter((t) => !health.isDown(t.provider.name));
  const ordered = [...up, ...targets.filter((t) => health.isDown(t.provider.name))];
  const attempts: RequestAttempt[] = [];
  const deferred = new Set<Target>();
  for (let i = 0; i < ordered.length; i++) {
    const target = ordered[i]!;
    const last = i === ordered.length - 1;
    const name = target.provider.name;
    if (!last && !deferred.has(target) && health.admit(name) === 'no') {
      // Down, or a probe of it is already out: leave it for the end, tried only if nothing else answers.
      deferred.add(target);
      ordered.push(target);
      continue;
    }
    let res: UpstreamResponse;
    try {
      res = await send(target, last);
    } catch (err) {
      if (!(err instanceof UpstreamError) || err.kind === 'aborted') throw err;
      const message = redact(err.message);
      health.failure(name, message);
      if (last) return { kind: 'unreachable', target, error: new UpstreamError(err.kind, message), attempts };
      attempts.push({ provider: name, model: target.model, status: 0, error: message });
      continue;
    }
    if (res.status < 400) {
      health.success(name);
      return { kind: 'answer', target, res, attempts };
    }
    let text: string;
    try {
      text = redact((await readBounded(res.body, MAX_ERROR_BODY)).text);
    } catch (err) {
      const error = err instanceof UpstreamError ? err : new UpstreamError('unreachable', `The error answer of ${name} broke off.`);
      if (error.kind === 'aborted') throw error;
      health.failure(name, redact(error.message));
      if (last) return { kind: 'unreachable', target, error, attempts };
      attempts.push({ provider: name, model: target.model, status: res.status, error: redact(error.message) });
      continue;
    }
    const verdict = classifyStatus(res.status, text);
    if (verdict === 'fail') health.failure(name, `HTTP ${res.status}: ${text.slice(0, 200)}`);
    else health.success(name);
    if (verdict === 'answer' || last) return { kind: 'error', target, status: res.status, headers: res.headers, text, attempts };
    attempts.push({ provider: name, model: target.model, status: res.status, error: text.slice(0, 300) });
  }
  throw new Error('unreachable: the last target always returns');
}
