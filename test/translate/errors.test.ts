import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { detectContextOverflow } from '../../main/translate/context-overflow';
import { anthropicError, errorTypeForStatus, readBackendError, toAnthropicError } from '../../main/translate/errors';
import * as fx from './fixtures/errors';

const INPUT_PLUS_MAX = /^input length and `max_tokens` exceed context limit: (\d+) \+ (\d+) > (\d+)$/;
const TOO_LONG = /^prompt is too long: (\d+) tokens > (\d+) maximum$/;

function overflow(status: number, body: string, known: { inputTokens?: number; maxTokens?: number } = {}): string {
  const out = toAnthropicError(status, body, known);
  assert.equal(out.status, 400);
  assert.equal(out.body.type, 'error');
  assert.equal(out.body.error.type, 'invalid_request_error');
  return out.body.error.message;
}

describe('context overflow rewording', () => {
  it('OpenAI input + completion → "input length and `max_tokens` exceed context limit"', () => {
    assert.equal(overflow(400, fx.openaiInputPlusCompletion), 'input length and `max_tokens` exceed context limit: 6000 + 64000 > 131072');
  });

  it('OpenAI messages alone → "prompt is too long"', () => {
    assert.equal(overflow(400, fx.openaiMessagesOnly), 'prompt is too long: 130512 tokens > 128000 maximum');
  });

  it('vLLM max_tokens too large → input + max form', () => {
    assert.equal(overflow(400, fx.vllmMaxTokensTooLarge), 'input length and `max_tokens` exceed context limit: 2778 + 8000 > 4096');
  });

  it('vLLM / SGLang / llama.cpp input too long → prompt is too long', () => {
    assert.equal(overflow(400, fx.vllmInputTooLong), 'prompt is too long: 40960 tokens > 32768 maximum');
    assert.equal(overflow(400, fx.sglangTooLong), 'prompt is too long: 61709 tokens > 40960 maximum');
    assert.equal(overflow(500, fx.llamaCppExceeded), 'prompt is too long: 14429 tokens > 8192 maximum');
  });

  it('GLM with numbers; GLM 1261 without numbers quotes the backend', () => {
    // GLM counts max_tokens in: the input alone is below the limit
    assert.equal(overflow(400, fx.glmInputTokens, { maxTokens: 32000 }), 'input length and `max_tokens` exceed context limit: 182387 + 32000 > 202750');
    const msg = overflow(400, fx.glmPromptTooLong, { inputTokens: 5000, maxTokens: 32000 });
    assert.equal(msg, "prompt is too long: the backend's context window was exceeded (Prompt exceeds max length)");
  });

  it('Kimi: limit only → uses the caller’s input estimate and max_tokens', () => {
    assert.equal(overflow(400, fx.kimiTokenLimit, { inputTokens: 100000, maxTokens: 64000 }), 'input length and `max_tokens` exceed context limit: 100000 + 64000 > 131072');
    assert.equal(overflow(400, fx.kimiTokenLimit, { inputTokens: 140000, maxTokens: 64000 }), 'prompt is too long: 140000 tokens > 131072 maximum');
  });

  it('DashScope input range: input-only, an estimate below the limit is raised to limit + 1', () => {
    assert.equal(overflow(400, fx.dashscopeRange, { inputTokens: 900000, maxTokens: 32000 }), 'prompt is too long: 983617 tokens > 983616 maximum');
    assert.equal(overflow(400, fx.dashscopeRange, { inputTokens: 990000 }), 'prompt is too long: 990000 tokens > 983616 maximum');
  });

  it('OpenRouter split input', () => {
    assert.equal(overflow(400, fx.openrouterSplit), 'input length and `max_tokens` exceed context limit: 7978 + 1000000 > 1000000');
  });

  it('every reworded message matches one of the two phrasings Claude Code acts on', () => {
    for (const body of [fx.openaiInputPlusCompletion, fx.openaiMessagesOnly, fx.vllmMaxTokensTooLarge, fx.vllmInputTooLong, fx.sglangTooLong, fx.llamaCppExceeded, fx.glmInputTokens, fx.openrouterSplit]) {
      const msg = overflow(400, body, { maxTokens: 64000 });
      assert.ok(INPUT_PLUS_MAX.test(msg) || TOO_LONG.test(msg), msg);
    }
  });

  it('does not mistake rate limits or other errors for overflows', () => {
    assert.equal(detectContextOverflow(readBackendError(413, fx.groqTpm).searchText), undefined);
    const tpm = toAnthropicError(429, fx.groqTpm);
    assert.equal(tpm.status, 429);
    assert.equal(tpm.body.error.type, 'rate_limit_error');
    assert.equal(detectContextOverflow('max_tokens must be less than or equal to 16384'), undefined);
  });
});

describe('toAnthropicError status mapping', () => {
  const cases: Array<[number, string, number]> = [
    [400, 'invalid_request_error', 400],
    [401, 'authentication_error', 401],
    [402, 'billing_error', 402],
    [403, 'permission_error', 403],
    [404, 'not_found_error', 404],
    [408, 'timeout_error', 408],
    [413, 'request_too_large', 413],
    [422, 'invalid_request_error', 422],
    [429, 'rate_limit_error', 429],
    [500, 'api_error', 500],
    [502, 'api_error', 502],
    [503, 'overloaded_error', 503],
    [504, 'timeout_error', 504],
    [529, 'overloaded_error', 529],
    [200, 'api_error', 502],
  ];
  for (const [status, type, outStatus] of cases) {
    it(`${status} → ${type}`, () => {
      const out = toAnthropicError(status, '{"error":{"message":"nope"}}');
      assert.equal(out.status, outStatus);
      assert.equal(out.body.error.type, type);
      assert.equal(out.headers['content-type'], 'application/json');
      assert.ok(out.body.error.message.includes('nope'));
    });
  }

  it('401/403 say the backend key or account is at fault, unless it is the proxy key', () => {
    assert.match(toAnthropicError(401, '{"error":{"message":"Incorrect API key provided"}}').body.error.message, /backend rejected InfiniProxy's backend API key/);
    assert.match(toAnthropicError(403, '{"error":{"message":"account suspended"}}').body.error.message, /backend refused InfiniProxy's backend key or account/);
    assert.equal(toAnthropicError(401, '{"error":{"message":"Invalid API key"}}', { proxyKey: true }).body.error.message, 'Invalid API key');
  });

  it('HTML, plain text, FastAPI detail and empty bodies give readable messages', () => {
    assert.equal(readBackendError(502, fx.nginx502).message, '502 Bad Gateway (HTML error page from the backend or a gateway)');
    assert.equal(readBackendError(500, 'Internal Server Error').message, 'Internal Server Error');
    assert.equal(readBackendError(422, fx.fastapiDetail).message, 'field required');
    assert.equal(readBackendError(503, '').message, 'HTTP 503 with an empty body');
    assert.equal(readBackendError(500, '{"broken json').message, '{"broken json');
    assert.ok(readBackendError(500, 'x'.repeat(5000)).message.length <= 501);
    const html = toAnthropicError(502, fx.nginx502);
    assert.equal(html.body.error.type, 'api_error');
    assert.ok(!html.body.error.message.includes('<'));
  });

  it('anthropicError builds the body, with request_id when given', () => {
    assert.deepEqual(anthropicError('overloaded_error', 'busy'), { type: 'error', error: { type: 'overloaded_error', message: 'busy' } });
    assert.equal(anthropicError('api_error', 'x', 'req_1').request_id, 'req_1');
    assert.equal(toAnthropicError(500, '', { requestId: 'req_2' }).body.request_id, 'req_2');
    assert.equal(errorTypeForStatus(418), 'invalid_request_error');
  });
});
