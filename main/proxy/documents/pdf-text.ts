/**
 * Text out of a PDF, page by page, with pdf.js in a worker thread, bounded so that a hostile PDF cannot stall or
 * starve the proxy:
 *
 * - bytes: at most {@link PDF_LIMITS}.maxBytes of PDF (larger ones are not opened);
 * - pages and text: the first `maxPages` pages, at most `maxChars` characters in all (the rest is cut, and said);
 * - time: the worker is terminated after `timeoutMs` (a PDF built to loop, or just a slow one), and when the client
 *   goes away;
 * - memory: the worker's heap is capped (`maxHeapMb`); running out ends the worker, not the proxy;
 * - CPU: at most `concurrency` workers at once, the others wait their turn.
 *
 * The same PDF comes back in every later request of a conversation (Claude Code resends the history), so results
 * are kept by the SHA-256 of the bytes (the last {@link CACHE_ENTRIES}). A worker per PDF costs ~0.3 s of start-up;
 * with the cache that is paid once per document.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PDF_WORKER_SOURCE } from './pdf-worker-source';

export interface PdfLimits {
  maxBytes: number;
  maxPages: number;
  maxChars: number;
  timeoutMs: number;
  maxHeapMb: number;
  concurrency: number;
}

/** The bounds in force (Anthropic's own PDF limits are 32 MB and 100 pages). */
export const PDF_LIMITS: Readonly<PdfLimits> = Object.freeze({
  maxBytes: 32 * 1024 * 1024,
  maxPages: 100,
  maxChars: 500_000,
  timeoutMs: 20_000,
  maxHeapMb: 256,
  concurrency: 2,
});

/** What came out of a PDF. */
export type PdfResult =
  | { ok: true; numPages: number; pages: string[]; truncated: boolean }
  | { ok: false; reason: string };

const CACHE_ENTRIES = 32;
const cache = new Map<string, PdfResult>();

let running = 0;
const waiting: Array<() => void> = [];

async function slot(): Promise<() => void> {
  if (running >= PDF_LIMITS.concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  return () => {
    running--;
    waiting.shift()?.();
  };
}

let pdfjsUrl: string | undefined;

/** pdf.js's legacy (Node) build, as a file URL the worker can import. */
function pdfjsLocation(): string {
  const req = typeof require === 'function' ? require : createRequire(import.meta.url);
  pdfjsUrl ??= pathToFileURL(req.resolve('pdfjs-dist/legacy/build/pdf.mjs')).href;
  return pdfjsUrl;
}

/** The text of `bytes` (a PDF), page by page; never rejects: a failure is `{ok: false, reason}`. */
export async function extractPdfText(bytes: Buffer, signal?: AbortSignal, limits: PdfLimits = PDF_LIMITS): Promise<PdfResult> {
  if (bytes.length > limits.maxBytes) return { ok: false, reason: `the PDF is larger than ${limits.maxBytes / 1024 / 1024} MB` };
  const key = createHash('sha256').update(bytes).digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const release = await slot();
  let result: PdfResult;
  try {
    if (signal?.aborted) return { ok: false, reason: 'the client went away' };
    result = await runWorker(bytes, limits, signal);
  } finally {
    release();
  }
  if (result.ok || result.reason !== 'the client went away') {
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value ?? '');
    cache.set(key, result);
  }
  return result;
}

function runWorker(bytes: Buffer, limits: PdfLimits, signal: AbortSignal | undefined): Promise<PdfResult> {
  return new Promise((resolve) => {
    const copy = new Uint8Array(bytes); // transferred to the worker
    const worker = new Worker(PDF_WORKER_SOURCE, {
      eval: true,
      workerData: { pdfjsUrl: pdfjsLocation(), bytes: copy.buffer, maxPages: limits.maxPages, maxChars: limits.maxChars },
      transferList: [copy.buffer],
      resourceLimits: { maxOldGenerationSizeMb: limits.maxHeapMb, maxYoungGenerationSizeMb: 32 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const finish = (result: PdfResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      void worker.terminate();
      resolve(result);
    };
    const onAbort = (): void => finish({ ok: false, reason: 'the client went away' });
    const timer = setTimeout(() => finish({ ok: false, reason: `reading it took longer than ${limits.timeoutMs / 1000} s` }), limits.timeoutMs);
    signal?.addEventListener('abort', onAbort, { once: true });
    worker.stdout.resume();
    worker.stderr.resume();
    worker.on('message', (msg: { ok: boolean; numPages?: number; pages?: string[]; error?: string }) => {
      if (msg.ok && Array.isArray(msg.pages) && typeof msg.numPages === 'number') {
        const chars = msg.pages.reduce((n, p) => n + p.length, 0);
        finish({ ok: true, numPages: msg.numPages, pages: msg.pages, truncated: msg.pages.length < msg.numPages || chars >= limits.maxChars });
      } else {
        finish({ ok: false, reason: `it could not be read (${msg.error ?? 'unknown error'})` });
      }
    });
    worker.on('error', (err) => finish({ ok: false, reason: `it could not be read (${err.message.slice(0, 200)})` }));
    worker.on('exit', () => finish({ ok: false, reason: 'it could not be read (the reader stopped)' }));
  });
}
