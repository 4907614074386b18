/**
 * Anthropic `document` blocks as a backend sees them. Pure: PDF text is extracted before translation
 * (proxy/documents/), which replaces each base64 PDF by the text {@link pdfText} formats; what reaches the
 * translator is sent as:
 *
 * - a base64 PDF (the provider sends files: `pdf_input: "file"`) → an OpenAI `file` part
 *   (`{"type":"file","file":{"filename","file_data":"data:application/pdf;base64,…"}}`);
 * - plain text, or content blocks → their text under the document's heading;
 * - anything else (a URL: this proxy fetches nothing; another media type) → a note saying what was left out.
 *
 * The heading names the title and carries the context: `Document: <title>` then `Context: <context>`. Texts keep the
 * request's string form (strings.ts): they are copied, never decoded.
 */
import type { AnthropicDocumentBlockParam } from './anthropic-schema';
import type { ChatContentPart } from './chat-types';

/** The lines naming a document before its text. */
function heading(doc: AnthropicDocumentBlockParam, what: string): string {
  const title = doc.title ? `Document: ${doc.title}` : 'Document';
  const context = doc.context ? `\nContext: ${doc.context}` : '';
  return `${title} (${what})${context}`;
}

/** True for a document that is a base64 PDF. */
export const isPdfDocument = (doc: AnthropicDocumentBlockParam): boolean =>
  doc.source.type === 'base64' && /^application\/pdf$/i.test(doc.source.media_type);

/** The text of a PDF extracted page by page: the heading, then each page under `--- Page N ---`; `notes` after. */
export function pdfText(doc: AnthropicDocumentBlockParam, pages: readonly string[], totalPages: number, notes: readonly string[] = []): string {
  const what = `PDF, ${totalPages} page${totalPages === 1 ? '' : 's'}`;
  const body = pages.map((text, i) => `--- Page ${i + 1} ---\n${text}`).join('\n\n');
  return [heading(doc, what), body, ...notes].filter((s) => s !== '').join('\n\n');
}

/** A note standing for a document whose text could not be given (a scanned PDF, a URL, a failure). */
export function documentNote(doc: AnthropicDocumentBlockParam, note: string): string {
  return `${heading(doc, describeSource(doc))}\n\n[${note}]`;
}

function describeSource(doc: AnthropicDocumentBlockParam): string {
  const source = doc.source;
  if (source.type === 'url') return `at ${source.url}`;
  if (source.type === 'base64') return source.media_type;
  return 'text';
}

/** A document block as a Chat Completions content part. */
export function documentPart(doc: AnthropicDocumentBlockParam): ChatContentPart {
  const source = doc.source;
  if (source.type === 'base64' && isPdfDocument(doc)) {
    const filename = doc.title ? `${doc.title.replace(/[\\/]/g, '_')}${/\.pdf$/i.test(doc.title) ? '' : '.pdf'}` : 'document.pdf';
    return { type: 'file', file: { filename, file_data: `data:application/pdf;base64,${source.data}` } };
  }
  if (source.type === 'text') return { type: 'text', text: `${heading(doc, 'text')}\n\n${source.data}` };
  if (source.type === 'content') {
    const blocks = typeof source.content === 'string' ? [{ type: 'text' as const, text: source.content }] : source.content;
    const text = blocks.map((b) => (b.type === 'text' ? b.text : '[image]')).join('\n');
    return { type: 'text', text: `${heading(doc, 'text')}\n\n${text}` };
  }
  const note = source.type === 'url' ? 'This proxy does not fetch URLs: the document was not read.' : `Documents of type ${source.media_type} are not supported: the document was not read.`;
  return { type: 'text', text: documentNote(doc, note) };
}
