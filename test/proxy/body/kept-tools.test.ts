import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AppError } from '../../../main/proxy/errors';
import { arrayMemberRange } from '../../../main/proxy/body/json-scan';
import { KEPT_TOOLS_LIMITS, KeptTools } from '../../../main/proxy/body/kept-tools';
import { MESSAGES_BODY } from '../../../main/proxy/routes/messages';
import { CHAT_BODY, prepareChatRequest as prepare } from '../../../main/proxy/routes/chat';
import { FastPath } from '../../../main/proxy/body';
import { BYTE_STRINGS } from '../../../main/proxy/body/byte-strings';
import { encodeChatRequest } from '../../../main/proxy/body/write';
import { TEXT_STRINGS } from '../../../main/translate/strings';
import type { AnthropicToolParam } from '../../../main/translate/anthropic-schema';
import { parseJsonBytes } from '../../../main/proxy/body/byte-strings';
import { parseMessagesRequest } from '../../../main/translate/anthropic-schema';
import { toChatRequest } from '../../../main/translate/request';
import { estimateTokens } from '../../../main/translate/tokens';
import { asciiJson } from '../../support/ascii-json';

const fixture = JSON.parse(readFileSync(new URL('../../fixtures/claude-code-request.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const request = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ ...fixture, max_tokens: 32000, ...over });

const readMessagesBody = (raw: Buffer, keyId: string, kept: KeptTools<AnthropicToolParam>) => new FastPath(MESSAGES_BODY, kept).parse(raw, keyId).request;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const prepareChatRequest = (raw: Buffer, backendModel: Parameters<typeof prepare>[1], keyId: string, kept: KeptTools<any>) => {
  const prepared = prepare(new FastPath(CHAT_BODY, kept).parse(raw, keyId), backendModel);
  return { ...prepared, checked: prepared.read.request };
};

function valid(json: unknown) {
  const r = parseMessagesRequest(json);
  assert.ok(r.ok);
  return r.value;
}

describe('arrayMemberRange', () => {
  const range = (json: string): string | undefined => {
    const r = arrayMemberRange(Buffer.from(json), 'tools');
    return r && json.slice(r[0], r[1]);
  };

  it('finds the root member only, as JSON.parse reads it', () => {
    assert.equal(range('{"a":{"tools":[1]},"tools" : [ {"x":"]"} ] ,"b":"tools"}'), '[ {"x":"]"} ]');
    assert.equal(range('{"b":"tools","c":["tools"]}'), undefined, 'string values are not keys');
    assert.equal(range('{"tools":[1],"tools":[2]}'), undefined, 'twice: not used');
    assert.equal(range('{"tools":null}'), undefined);
    assert.equal(range('{"x\\"tools":[1]}'), undefined);
    assert.equal(range('[{"tools":[1]}]'), undefined);
  });

  it('gives the text of the tools member of any object, however written', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.array(fc.jsonValue({ maxDepth: 3 })), fc.boolean(), (rest, tools, pretty) => {
        delete rest.tools;
        const json = JSON.stringify({ ...rest, tools }, null, pretty ? 2 : undefined);
        const found = arrayMemberRange(Buffer.from(json), 'tools');
        assert.ok(found);
        assert.deepEqual(JSON.parse(json.slice(found[0], found[1])), JSON.parse(JSON.stringify(tools)));
      }),
      { numRuns: 300 },
    );
  });
});

describe('readMessagesBody', () => {
  const full = (raw: Buffer) => valid(parseJsonBytes(raw));

  it('a body with tools it has seen is read to the same request, the kept definitions frozen and shared', () => {
    const definitions = new KeptTools<AnthropicToolParam>();
    const raw = Buffer.from(JSON.stringify(request({ tool_choice: { type: 'any' } })));
    const first = readMessagesBody(raw, 'key1', definitions);
    assert.equal(definitions.size, 1);
    const second = readMessagesBody(Buffer.from(JSON.stringify(request({ tool_choice: { type: 'any' }, stream: true }))), 'key1', definitions);
    assert.equal(second.tools, first.tools, 'the kept definitions');
    assert.ok(Object.isFrozen(second.tools) && Object.isFrozen((second.tools?.[0] as { input_schema?: unknown } | undefined)?.input_schema));
    assert.deepEqual({ ...second, stream: undefined }, { ...full(raw), stream: undefined });
    assert.equal(definitions.size, 1);

    const options = { model: 'glm-4.6', stripSchemaKeys: ['$schema'], strings: BYTE_STRINGS };
    const sent = (req: typeof first) => JSON.parse(encodeChatRequest(toChatRequest(req, options)).toString('utf8'));
    assert.deepEqual(sent(second), { ...sent(full(raw)), stream: true, stream_options: { include_usage: true } });
    assert.equal(sent(second).tool_choice, 'required');
    assert.equal(estimateTokens(second, BYTE_STRINGS), estimateTokens(full(raw), BYTE_STRINGS));
  });

  it('keeps definitions per key and per exact text; the least recently used go first', () => {
    const definitions = new KeptTools<AnthropicToolParam>();
    const tools = fixture.tools as Array<Record<string, unknown>>;
    readMessagesBody(Buffer.from(JSON.stringify(request())), 'key1', definitions);
    readMessagesBody(Buffer.from(JSON.stringify(request())), 'key2', definitions);
    const changed = readMessagesBody(Buffer.from(JSON.stringify(request({ tools: [{ ...tools[0], description: 'changed' }, ...tools.slice(1)] }))), 'key1', definitions);
    assert.equal((changed.tools?.[0] as { description?: string } | undefined)?.description, 'changed');
    assert.equal(definitions.size, 3);
    const escaped = readMessagesBody(Buffer.from(asciiJson(request())), 'key1', definitions);
    assert.equal(definitions.size, 3, 'the same text once escapes are read');
    assert.ok(Object.isFrozen(escaped.tools));

    for (let i = 0; i < KEPT_TOOLS_LIMITS.maxEntries + 5; i++) {
      readMessagesBody(Buffer.from(JSON.stringify(request({ tools: [{ ...tools[0], description: `v${i}` }] }))), 'key3', definitions);
    }
    assert.equal(definitions.size, KEPT_TOOLS_LIMITS.maxEntries);
  });

  it('errors are the same whether the tools were kept or not', () => {
    const definitions = new KeptTools<AnthropicToolParam>();
    readMessagesBody(Buffer.from(JSON.stringify(request())), 'key1', definitions);
    const failure = (body: string): AppError => {
      try {
        readMessagesBody(Buffer.from(body), 'key1', definitions);
      } catch (err) {
        if (err instanceof AppError) return err;
        throw err;
      }
      throw new Error('no error');
    };
    const badMessage = failure(JSON.stringify(request({ messages: [{ role: 'user', content: [{ type: 'документ' }] }] })));
    assert.equal(badMessage.status, 400);
    assert.match(badMessage.message, /messages\.0\.content\.0.*"документ"/);
    const badJson = failure(`${JSON.stringify(request()).slice(0, -1)},}`);
    assert.equal(badJson.code, 'invalid_json');
    assert.equal(failure('').message, 'request body must be a JSON object');
    const badTool = failure(JSON.stringify(request({ tools: [{ name: '' }] })));
    assert.match(badTool.message, /^tools\.0\./);
  });
});

describe('prepareChatRequest with kept tools', () => {
  const chat = toChatRequest(valid(fixture), { model: 'scripted-model', strings: TEXT_STRINGS });
  const body = (over: Record<string, unknown> = {}): Buffer => Buffer.from(JSON.stringify({ ...chat, stream: true, ...over }));

  it('the second body with the same tools skips them, and still sends them byte for byte, also when rewritten', () => {
    const kept = new KeptTools<never>();
    const first = prepareChatRequest(body(), undefined, 'key1', kept);
    assert.equal(kept.size, 1);
    const second = prepareChatRequest(body(), 'other-model', 'key1', kept);
    assert.equal(kept.size, 1);
    assert.deepEqual(second.checked.tools, first.checked.tools);
    const sent = JSON.parse(second.body.toString('utf8')) as Record<string, unknown>;
    assert.equal(sent.model, 'other-model');
    assert.deepEqual(sent.stream_options, { include_usage: true });
    assert.deepEqual(sent.tools, JSON.parse(JSON.stringify(chat.tools)));
    assert.ok(second.body.includes(JSON.stringify(chat.tools)), 'the tools text as the client wrote it');
  });

  it('a bad body is refused the same way whether its tools were kept or not', () => {
    const kept = new KeptTools<never>();
    prepareChatRequest(body(), undefined, 'key1', kept);
    assert.throws(() => prepareChatRequest(body({ messages: [] }), undefined, 'key1', kept), (err: unknown) => err instanceof AppError && err.status === 400 && /messages/.test(err.message));
    assert.throws(() => prepareChatRequest(Buffer.from(''), undefined, 'key1', kept), /must be a JSON object/);
  });
});
