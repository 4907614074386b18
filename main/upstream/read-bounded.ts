/**
 * Reads a backend body as text up to a limit, for answers the proxy must hold whole (JSON answers, error bodies).
 * Past the limit it stops reading and destroys the stream, which ends the backend request.
 */
import type { Readable } from 'node:stream';

/** The text read, and whether the body went on past the limit (the text then holds its first `limit` bytes). */
export interface BoundedText {
  text: string;
  truncated: boolean;
}

/** Reads up to `limit` bytes of `body`. Rejects with the stream's error (a reset, the backend's silence past TIMEOUT). */
export function readBounded(body: Readable, limit: number): Promise<BoundedText> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (): void => {
      cleanup();
      resolve({ text: Buffer.concat(chunks).toString('utf8', 0, Math.min(size, limit)), truncated: size > limit });
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size <= limit) return;
      finish();
      body.destroy();
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const cleanup = (): void => {
      body.off('data', onData);
      body.off('end', finish);
      body.off('error', onError);
    };
    body.on('data', onData);
    body.once('end', finish);
    body.once('error', onError);
  });
}
