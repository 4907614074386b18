/**
 * The async step before translation that turns PDF `document` blocks into text (translation itself stays pure and
 * synchronous: translate/documents.ts). Each base64 PDF — in a user turn or inside a `tool_result` — becomes a text
 * block: its heading (title, context), then page by page under page markers; a PDF without text (scanned) or one
 * that could not be read becomes a note saying so, never a failed request (Claude Code resends the history, so a
 * failing document would fail every later turn). With `pdfAsFile` (the provider's `pdf_input: "file"`) PDFs are
 * left for the translator, which sends them as OpenAI `file` parts. Other documents (text, content, URL) are left
 * for the translator too.
 *
 * Bounds per request, besides those of each PDF (pdf-text.ts): at most {@link MAX_PDFS} PDFs read, and
 * {@link REQUEST_BUDGET_MS} for all of them; what is left over gets a note.
 */
import type { AnthropicDocumentBlockParam, CountTokensRequest, StringForm } from '../../translate';
import { documentNote, isPdfDocument, pdfText } from '../../translate/documents';
import { extractPdfText, PDF_LIMITS, type PdfResult } from './pdf-text';

/** Most PDFs read per request. */
export const MAX_PDFS = 20;
/** Time for reading all the PDFs of one request. */
export const REQUEST_BUDGET_MS = 60_000;

export interface ResolveOptions {
  strings: StringForm;
  /** Leave PDFs as they are (sent as files). */
  pdfAsFile: boolean;
  /** The client went away: stop reading. */
  signal?: AbortSignal;
}

type Block = { type: string };

const isDocument = (b: Block): b is AnthropicDocumentBlockParam => b.type === 'document';

/** `req` with every PDF document replaced by its text (the same object when there is nothing to do). */
export async function resolveDocuments<R extends CountTokensRequest>(req: R, opts: ResolveOptions): Promise<R> {
  if (opts.pdfAsFile) return req;
  const pdfs: AnthropicDocumentBlockParam[] = [];
  forEachDocument(req, (doc) => {
    if (isPdfDocument(doc)) pdfs.push(doc);
  });
  if (pdfs.length === 0) return req;

  const budget = new AbortController();
  const timer = setTimeout(() => budget.abort(), REQUEST_BUDGET_MS);
  const onClientGone = (): void => budget.abort();
  opts.signal?.addEventListener('abort', onClientGone, { once: true });
  const texts = new Map<AnthropicDocumentBlockParam, string>();
  try {
    await Promise.all(
      pdfs.map(async (doc, i) => {
        const result: PdfResult =
          i >= MAX_PDFS
            ? { ok: false, reason: `this request has more than ${MAX_PDFS} PDFs` }
            : await extractPdfText(Buffer.from(doc.source.type === 'base64' ? doc.source.data : '', 'base64'), budget.signal);
        texts.set(doc, textOf(doc, result, opts.strings, budget.signal.aborted && !opts.signal?.aborted));
      }),
    );
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onClientGone);
  }
  return replaceDocuments(req, texts);
}

/** The text a PDF is sent as. */
function textOf(doc: AnthropicDocumentBlockParam, result: PdfResult, strings: StringForm, outOfTime: boolean): string {
  if (!result.ok) {
    const reason = outOfTime && result.reason === 'the client went away' ? `the ${REQUEST_BUDGET_MS / 1000} s for reading this request's PDFs ran out` : result.reason;
    return documentNote(doc, `The text of this PDF could not be extracted: ${reason}.`);
  }
  if (result.pages.every((p) => p.trim() === '')) {
    return documentNote(doc, `This PDF (${result.numPages} page${result.numPages === 1 ? '' : 's'}) has no extractable text: it is probably scanned images, which this proxy cannot read.`);
  }
  const notes = result.truncated
    ? [`[Only the first ${result.pages.length} of ${result.numPages} pages were read (limits: ${PDF_LIMITS.maxPages} pages, ${PDF_LIMITS.maxChars} characters).]`]
    : [];
  return pdfText(doc, result.pages.map((p) => strings.fromText(p)), result.numPages, notes);
}

function forEachDocument(req: CountTokensRequest, fn: (doc: AnthropicDocumentBlockParam) => void): void {
  for (const message of req.messages) {
    if (message.role !== 'user' || typeof message.content === 'string') continue;
    for (const block of message.content) {
      if (isDocument(block)) fn(block);
      else if (block.type === 'tool_result' && Array.isArray(block.content)) for (const part of block.content) if (isDocument(part)) fn(part);
    }
  }
}

/** A copy of `req` whose documents in `texts` are text blocks (unchanged messages shared). */
function replaceDocuments<R extends CountTokensRequest>(req: R, texts: ReadonlyMap<AnthropicDocumentBlockParam, string>): R {
  const swap = <B extends Block>(block: B): B | { type: 'text'; text: string } => {
    const text = isDocument(block) ? texts.get(block) : undefined;
    return text === undefined ? block : { type: 'text', text };
  };
  const messages = req.messages.map((message) => {
    if (message.role !== 'user' || typeof message.content === 'string') return message;
    const content = message.content.map((block) => {
      if (block.type === 'tool_result' && Array.isArray(block.content)) return { ...block, content: block.content.map(swap) };
      return swap(block);
    });
    return { ...message, content };
  });
  return { ...req, messages } as R;
}
