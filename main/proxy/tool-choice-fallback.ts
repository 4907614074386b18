/**
 * `tool_choice` on backends that reject it (DeepSeek's reasoner answers 400 naming `tool_choice`): the request is
 * sent once more without it. Claude Code's WebSearch and WebFetch side requests force a tool; without the fallback
 * they fail on such a backend. Only a 400 whose body names `tool_choice` is retried, once; any other answer is
 * handed on with its body intact.
 */
import { Readable } from 'node:stream';
import type { ChatCompletionRequest } from '../translate';
import type { UpstreamResponse } from '../upstream/client';

/** The most of a 400's body read to look for `tool_choice` (an error body is short). */
const MAX_PEEK = 64 * 1024;

/** True when a backend's error text says it rejects `tool_choice`. */
export const rejectsToolChoice = (text: string): boolean => /tool[_ ]?choice/i.test(text);

/**
 * The answer to `chatReq`: `first`, or, when it is a 400 naming `tool_choice` and the request had one, the answer to
 * the request sent again by `resend` without it.
 */
export async function retryWithoutToolChoice(
  first: UpstreamResponse,
  chatReq: ChatCompletionRequest,
  resend: (req: ChatCompletionRequest) => Promise<UpstreamResponse>,
): Promise<UpstreamResponse> {
  if (first.status !== 400 || chatReq.tool_choice === undefined) return first;
  const bytes = await peek(first.body);
  if (!rejectsToolChoice(bytes.toString('utf8'))) return { ...first, body: Readable.from([bytes]) };
  const { tool_choice: _dropped, ...rest } = chatReq;
  return resend(rest);
}

/** Up to {@link MAX_PEEK} bytes of `body` (the rest is discarded); a read failure yields what was read. */
function peek(body: Readable): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => {
      body.off('data', onData);
      resolve(Buffer.concat(chunks));
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size < MAX_PEEK) return;
      done();
      body.destroy();
    };
    body.on('data', onData);
    body.once('end', done);
    body.once('error', done);
    body.once('close', done);
  });
}
