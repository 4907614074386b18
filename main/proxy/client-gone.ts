import type { ProxyContext } from './context';

/** A signal that aborts when the client goes before its answer is complete (the backend request is then cancelled). */
export function abortOnClose(ctx: ProxyContext): AbortController {
  const abort = new AbortController();
  ctx.res.once('close', () => {
    if (!ctx.res.writableFinished) abort.abort();
  });
  return abort;
}
