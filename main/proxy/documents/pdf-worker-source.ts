/**
 * The code of the PDF text worker, as a string run with `new Worker(code, {eval: true})`: it needs no file of its
 * own, so the esbuild bundles (the headless CLI, the desktop app) carry it as they are. It loads pdf.js (the legacy
 * build, for Node) from the path it is given, reads at most `maxPages` pages and `maxChars` characters, and posts
 * `{ok: true, numPages, pages}` or `{ok: false, error}`. No fonts, no eval, no network: text only.
 */
export const PDF_WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const pdfjs = await import(workerData.pdfjsUrl);
  const task = pdfjs.getDocument({
    data: new Uint8Array(workerData.bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  });
  const doc = await task.promise;
  const pages = [];
  let chars = 0;
  const last = Math.min(doc.numPages, workerData.maxPages);
  for (let i = 1; i <= last && chars < workerData.maxChars; i++) {
    const page = await doc.getPage(i);
    const content = await page.getTextContent();
    let text = '';
    for (const item of content.items) {
      if (typeof item.str !== 'string') continue;
      text += item.str;
      if (item.hasEOL) text += '\\n';
    }
    text = text.slice(0, workerData.maxChars - chars);
    chars += text.length;
    pages.push(text);
    page.cleanup();
  }
  parentPort.postMessage({ ok: true, numPages: doc.numPages, pages });
  await doc.destroy();
})().catch((err) => parentPort.postMessage({ ok: false, error: String((err && err.message) || err).slice(0, 300) }));
`;
