/**
 * PDF documents (issue 14 §2): text extracted page by page in a worker, bounded, cached; scanned and broken PDFs
 * become notes; documents inside tool results; PDFs as `file` parts; count_tokens counting what is sent. The
 * integration part runs the official SDK against the proxy in front of the strict scripted backend.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { extractPdfText, PDF_LIMITS } from '../../../main/proxy/documents/pdf-text';
import { resolveDocuments } from '../../../main/proxy/documents/resolve-documents';
import { TEXT_STRINGS, toChatRequest, type MessagesRequest } from '../../../main/translate';
import { startAnthropicHarness } from '../../support/anthropic-harness';
import { makePdf } from '../../support/make-pdf';
import type { ProxyHarness } from '../../support/proxy-harness';

const pdf = (pages: ReadonlyArray<readonly string[]>): string => makePdf(pages).toString('base64');
const doc = (data: string, extra: Record<string, unknown> = {}) => ({ type: 'document' as const, source: { type: 'base64' as const, media_type: 'application/pdf', data }, ...extra });
const req = (content: unknown[]): MessagesRequest => ({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: content as never }] });
const userText = (r: MessagesRequest): string => {
  const c = r.messages[0]?.content;
  return Array.isArray(c) ? c.map((b) => (b.type === 'text' ? b.text : `<${b.type}>`)).join('|') : String(c);
};

describe('PDF text extraction', () => {
  test('page by page, with page markers, the title and the context', async () => {
    const r = await resolveDocuments(req([doc(pdf([['Alpha line', 'second'], ['Beta page']]), { title: 'spec.pdf', context: 'the spec' }), { type: 'text', text: 'Summarise' }]), {
      strings: TEXT_STRINGS,
      pdfAsFile: false,
    });
    const text = userText(r);
    assert.match(text, /^Document: spec\.pdf \(PDF, 2 pages\)\nContext: the spec\n\n--- Page 1 ---\nAlpha line\nsecond\n\n--- Page 2 ---\nBeta page\|Summarise$/);
  });

  test('a scanned PDF (no text) becomes a clear note; garbage becomes a note, never a failure', async () => {
    const scanned = userText(await resolveDocuments(req([doc(pdf([[], []]))]), { strings: TEXT_STRINGS, pdfAsFile: false }));
    assert.match(scanned, /no extractable text: it is probably scanned/);
    const garbage = userText(await resolveDocuments(req([doc(Buffer.from('not a pdf at all').toString('base64'))]), { strings: TEXT_STRINGS, pdfAsFile: false }));
    assert.match(garbage, /could not be extracted/);
  });

  test('inside a tool_result too, and the translated request carries the text', async () => {
    const r = await resolveDocuments(
      { model: 'm', max_tokens: 10, messages: [
        { role: 'user', content: 'read it' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'Read', input: { file_path: '/x.pdf' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: [doc(pdf([['Inside result']])) as never] }] },
      ] },
      { strings: TEXT_STRINGS, pdfAsFile: false },
    );
    const chat = toChatRequest(r, { model: 'm', strings: TEXT_STRINGS });
    assert.deepEqual(chat.messages[2], { role: 'tool', tool_call_id: 't1', content: 'Document (PDF, 1 page)\n\n--- Page 1 ---\nInside result' });
  });

  test('pdf_input "file": the PDF goes as an OpenAI file part', async () => {
    const data = pdf([['x']]);
    const r = await resolveDocuments(req([doc(data, { title: 'a.pdf' })]), { strings: TEXT_STRINGS, pdfAsFile: true });
    const chat = toChatRequest(r, { model: 'm', strings: TEXT_STRINGS });
    assert.deepEqual(chat.messages[0], { role: 'user', content: [{ type: 'file', file: { filename: 'a.pdf', file_data: `data:application/pdf;base64,${data}` } }] });
  });

  test('bounds: pages cut with a note, time (the worker is ended), bytes', async () => {
    const many = makePdf(Array.from({ length: 5 }, (_, i) => [`page ${i + 1}`]));
    const cut = await extractPdfText(many, undefined, { ...PDF_LIMITS, maxPages: 2 });
    assert.ok(cut.ok && cut.pages.length === 2 && cut.numPages === 5 && cut.truncated);
    const slow = await extractPdfText(makePdf([['fresh bytes, not cached']]), undefined, { ...PDF_LIMITS, timeoutMs: 1 });
    assert.deepEqual(slow, { ok: false, reason: 'reading it took longer than 0.001 s' });
    const big = await extractPdfText(Buffer.alloc(2048), undefined, { ...PDF_LIMITS, maxBytes: 1024 });
    assert.equal(big.ok, false);
  });

  test('a URL document becomes a note (this proxy fetches nothing); a text document its text', () => {
    const chat = toChatRequest(req([{ type: 'document', source: { type: 'url', url: 'https://x.test/a.pdf' } }, { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain body' }, title: 'notes' }]), { model: 'm', strings: TEXT_STRINGS });
    const content = chat.messages[0]?.content as string;
    assert.match(content, /Document \(at https:\/\/x\.test\/a\.pdf\)\n\n\[This proxy does not fetch URLs/);
    assert.match(content, /Document: notes \(text\)\n\nplain body/);
  });
});

describe('PDF documents through the proxy', () => {
  let h: ProxyHarness;
  let client: Anthropic;
  before(async () => ({ h, client } = await startAnthropicHarness()));
  after(() => h.close());
  beforeEach(() => h.backend.reset());

  const params = (data: string): Anthropic.MessageCreateParamsNonStreaming => ({
    model: 'claude-x',
    max_tokens: 100,
    messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data }, title: 'Report' }, { type: 'text', text: 'What does it say?' }] }],
  });

  test('streamed: the backend gets the text, the client its answer; count_tokens counts the text sent', async () => {
    const data = pdf([['The launch code is 4321.'], ['Second page text.']]);
    h.backend.reply({ text: 'It says 4321.' });
    const message = await client.messages.stream(params(data)).finalMessage();
    assert.deepEqual(message.content, [{ type: 'text', text: 'It says 4321.' }]);
    const sent = h.backend.requests[0]?.body.messages?.[0] as { content: string };
    assert.match(sent.content, /Document: Report \(PDF, 2 pages\)\n\n--- Page 1 ---\nThe launch code is 4321\.\n\n--- Page 2 ---\nSecond page text\.\n\nWhat does it say\?/);

    const counted = await client.messages.countTokens(params(data));
    const textOnly = await client.messages.countTokens({ model: 'claude-x', messages: [{ role: 'user', content: sent.content }] });
    assert.ok(Math.abs(counted.input_tokens - textOnly.input_tokens) <= 8, `${counted.input_tokens} vs ${textOnly.input_tokens}`);
    assert.ok(counted.input_tokens < 100, 'the text is counted, not the base64 bytes');
  });

  test('the same PDF again is served from the cache', async () => {
    const data = pdf([['cached page']]);
    h.backend.reply({ text: 'a' });
    h.backend.reply({ text: 'b' });
    await client.messages.create(params(data));
    const t0 = performance.now();
    await client.messages.create(params(data));
    assert.ok(performance.now() - t0 < 2000);
    assert.equal(h.backend.requests.length, 2);
  });
});
