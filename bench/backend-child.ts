/**
 * The benchmark's backend, run as its own process (so its CPU does not mix with the proxy's): the scripted backend
 * of the tests, answering every request with a realistic reply — about 400 characters of text, streamed as ~50
 * content chunks with usage — and keeping no record of past requests (a long run would otherwise hold every body).
 *
 * Prints one JSON line `{"url","apiKey","pid"}` on stdout once listening; exits on SIGTERM/SIGINT or when stdin
 * closes (the parent died).
 */
import { startScriptedBackend } from '../test/support/scripted-backend';
import type { ScriptedReply } from '../test/support/scripted-backend';

/** The answer: Claude Code-like prose, 8 characters per streamed chunk. */
export const BENCH_REPLY: ScriptedReply = {
  text:
    'I found the limit in src/proxy/http-body.ts: readRawBody rejects bodies over 32 MB with a 413. ' +
    'I will raise it to 64 MB there, update the constant in the settings schema so the admin UI shows the new ' +
    'bound, and change the README section on limits. The tests in test/proxy/http-body.test.ts build a body ' +
    'one byte over the limit, so they follow the constant and need no edit. Shall I go ahead?',
  chunkSize: 8,
  usage: { prompt_tokens: 21_000, completion_tokens: 96 },
};

const backend = await startScriptedBackend({ apiKey: 'bk-bench' });
backend.setDefaultReply(() => {
  backend.reset(); // forget recorded requests: only the ones in flight stay referenced
  return BENCH_REPLY;
});
process.stdout.write(`${JSON.stringify({ url: backend.url, apiKey: backend.apiKey, pid: process.pid })}\n`);

const stop = (): void => {
  void backend.close().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
