import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type CountTokensRequest, parseMessagesRequest } from '../../../main/translate/anthropic-schema';
import { TEXT_STRINGS } from '../../../main/translate/strings';
import { BYTE_STRINGS, bytesOf, cutBytes, encodeJsonBytes, parseJsonBytes, textOf } from '../../../main/proxy/body/byte-strings';
import { chatRequestOptions, toChatRequest } from '../../../main/translate/request';
import { estimateTokens } from '../../../main/translate/tokens';
import { asciiJson } from '../../support/ascii-json';


/** Characters that break naive byte handling: NBSP, 2- to 4-byte UTF-8, lone surrogates, escapes, U+2028. */
const tricky = fc.constantFrom('\u00a0', 'é', 'ÿ', '—', '中', '😀', '\ud800', '\udfff', '\\', '"', '\u2028', '\u001b', '\\u00e9');
const text = fc.string({ unit: fc.oneof(tricky, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 });
const serialise = fc.constantFrom(JSON.stringify, asciiJson);

/** What the backend receives, read as text: JSON bytes decoded as UTF-8 and parsed. */
const received = (bytes: Buffer): unknown => JSON.parse(bytes.toString('utf8'));

describe('byte strings', () => {
  it('parse then encode gives back the same JSON value, whatever the characters and escapes', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 }), text, serialise, (value, extra, write) => {
        const doc = { value, extra, [extra]: extra };
        const out = encodeJsonBytes(parseJsonBytes(Buffer.from(write(doc))));
        assert.deepEqual(received(out), JSON.parse(JSON.stringify(doc)));
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the bytes of unescaped text as they came, and writes escaped non-ASCII characters as UTF-8', () => {
    const body = Buffer.from('{"a":"naïve — 中文 😀","b":"\\u00e9\\ud83d\\ude00\\u001b","c":"\\\\u00e9","d":"\\ud800x"}');
    const out = encodeJsonBytes(parseJsonBytes(body));
    assert.equal(out.toString('utf8'), '{"a":"naïve — 中文 😀","b":"é😀\\u001b","c":"\\\\u00e9","d":"\\ud800x"}');
  });

  it('textOf and bytesOf are inverse; a byte string is as long as its UTF-8', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const bytes = bytesOf(s);
        assert.equal(bytes.length, Buffer.byteLength(s, 'utf8'));
        assert.equal(textOf(bytes), s);
      }),
    );
  });

  it('cutBytes keeps the longest start within the limit that ends between characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(40), (s, max) => {
        const cut = textOf(cutBytes(bytesOf(s), max));
        const chars = [...s];
        let n = 0;
        while (n < chars.length && Buffer.byteLength(chars.slice(0, n + 1).join('')) <= max) n++;
        assert.equal(cut, chars.slice(0, n).join(''));
      }),
    );
  });

  it('encodeJsonBytes refuses text that skipped bytesOf, instead of cutting it to one byte per character', () => {
    assert.throws(() => encodeJsonBytes({ model: '模型' }), /holds text, not bytes/);
    assert.equal(encodeJsonBytes({ model: bytesOf('模型') }).toString('utf8'), '{"model":"模型"}');
  });
});

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/claude-code-request.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** A Claude Code request with `t` in every kind of text the translation copies or reads. */
function requestWith(t: string, model: string, isError: boolean): Record<string, unknown> {
  return {
    ...fixture,
    model,
    stream: true,
    metadata: { user_id: `user-${t}` },
    stop_sequences: [`stop${t}`],
    system: [{ type: 'text', text: `You are Claude Code. ${t}` }],
    tools: [
      {
        name: 'Read',
        description: `Reads a file ${t}`,
        input_schema: { type: 'object', properties: { [`path${t}`]: { type: 'string', description: t, format: 'uri' } } },
      },
    ],
    messages: [
      { role: 'user', content: t },
      { role: 'assistant', content: [{ type: 'text', text: `Reading ${t}` }, { type: 'tool_use', id: 'toolu_1', name: 'Read', input: { [`path${t}`]: t } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: t, is_error: isError }, { type: 'text', text: ` ${t} ` }] },
    ],
  };
}

function valid(json: unknown): CountTokensRequest {
  const r = parseMessagesRequest(json);
  if (!r.ok) throw new Error(r.message);
  return r.value;
}

describe('translation of byte strings', () => {
  const settings = {
    max_tokens_cap: null,
    max_tokens_field: 'max_tokens' as const,
    reasoning_request: 'none' as const,
    reasoning_send_back: false,
    strip_schema_keys: ['format'],
  };

  it('sends the backend what the text translation sends, with the same estimate', () => {
    const modelName = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(text, modelName, fc.boolean(), serialise, (t, backendModel, isError, write) => {
        const body = Buffer.from(write(requestWith(t, 'claude-sonnet-4-5', isError)));
        const options = chatRequestOptions(settings, { model: backendModel }, TEXT_STRINGS);
        const asText = valid(JSON.parse(body.toString('utf8')));
        const asBytes = valid(parseJsonBytes(body));
        const sent = encodeJsonBytes(toChatRequest(asBytes, { ...options, strings: BYTE_STRINGS }));
        assert.deepEqual(received(sent), JSON.parse(JSON.stringify(toChatRequest(asText, options))));
        if (Buffer.from(t).toString() === t) assert.equal(estimateTokens(asBytes, BYTE_STRINGS), estimateTokens(asText, TEXT_STRINGS));
      }),
      { numRuns: 300 },
    );
  });

  it('cuts metadata.user_id to 64 bytes between characters', () => {
    const user = `${'a'.repeat(62)}中文`;
    const req = valid(parseJsonBytes(Buffer.from(JSON.stringify({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: user } }))));
    const out = toChatRequest(req, { model: 'm', strings: BYTE_STRINGS });
    assert.equal(textOf(out.user ?? ''), 'a'.repeat(62));
  });
});
