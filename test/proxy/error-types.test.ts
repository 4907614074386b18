// One status → Anthropic error type table (translate/errors.ts errorTypeForStatus), for backend errors and for the
// proxy's own: a 402 is billing_error and a 408 timeout_error on both paths (they once disagreed).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { AppError, errorBody, toAppError } from '../../main/proxy/errors';
import { StoreError } from '../../main/core/store/store';
import { errorStatus, errorTypeForStatus, toAnthropicError } from '../../main/translate/errors';
import type { AnthropicErrorType } from '../../main/translate/anthropic-types';
import { answerJson, openRaw, postHead } from '../hostile/raw-socket';
import { startProxyHarness } from '../support/proxy-harness';
import type { ProxyHarness } from '../support/proxy-harness';

/** Anthropic's documented HTTP errors (https://docs.anthropic.com/en/api/errors), plus the statuses we map alike. */
const TABLE: Array<[number, AnthropicErrorType]> = [
  [400, 'invalid_request_error'],
  [401, 'authentication_error'],
  [402, 'billing_error'],
  [403, 'permission_error'],
  [404, 'not_found_error'],
  [408, 'timeout_error'],
  [413, 'request_too_large'],
  [418, 'invalid_request_error'],
  [422, 'invalid_request_error'],
  [429, 'rate_limit_error'],
  [500, 'api_error'],
  [502, 'api_error'],
  [503, 'overloaded_error'],
  [504, 'timeout_error'],
  [529, 'overloaded_error'],
];

describe('status → Anthropic error type', () => {
  it('maps each status to its documented type', () => {
    for (const [status, type] of TABLE) assert.equal(errorTypeForStatus(status), type, `HTTP ${status}`);
  });

  it("round-trips each type's conventional status", () => {
    for (const [type, status] of Object.entries(errorStatus)) assert.equal(errorTypeForStatus(status), type);
  });

  it("the proxy's own errors and translated backend errors agree", () => {
    for (const [status, type] of TABLE) {
      const own = errorBody('anthropic', new AppError(status, 'x', 'm'), 'req_1') as { error: { type: string } };
      assert.equal(own.error.type, type, `proxy error HTTP ${status}`);
      assert.equal(toAnthropicError(status, '{"error":{"message":"m"}}').body.error.type, type);
    }
  });
});

describe('StoreError → admin error, mapped once', () => {
  it('gives the same status and code to the admin service and the proxy', () => {
    const cases = [
      ['conflict', 409, 'conflict'],
      ['not_found', 404, 'not_found'],
      ['invalid', 400, 'invalid_argument'],
    ] as const;
    for (const [code, status, adminCode] of cases) {
      const err = new StoreError(code, 'm');
      assert.deepEqual([err.toAdminError().status, err.toAdminError().code], [status, adminCode]);
      const { error, unexpected } = toAppError(err);
      assert.deepEqual([error.status, error.code, unexpected], [status, adminCode, false]);
    }
  });
});

describe('the proxy answers a stalled body with timeout_error on /v1/messages', () => {
  let h: ProxyHarness;
  before(async () => {
    h = await startProxyHarness({ connectionLimits: { bodyIdleMs: 200, bodyTotalMs: 1000, headersMs: 1000 } });
  });
  after(() => h.close());

  it('408 timeout_error', { timeout: 10_000 }, async () => {
    const c = await openRaw(h.url, { first: postHead('/v1/messages', 1000, { 'x-api-key': h.apiKey }) + '{' });
    const raw = await c.closed;
    assert.equal(c.status(), 408, raw);
    const json = answerJson(raw) as { type: string; error: { type: string } };
    assert.deepEqual([json.type, json.error.type], ['error', 'timeout_error']);
  });
});
