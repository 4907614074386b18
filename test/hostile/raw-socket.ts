/**
 * Raw TCP clients for hostile-client tests: send exactly the bytes a test wants (half a header, one byte of a body),
 * from a chosen loopback address (any 127.x.y.z works on Linux), and see what the server answered and whether it
 * closed the connection.
 */
import { connect } from 'node:net';
import type { Socket } from 'node:net';

export interface RawSocket {
  socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Settles when the server closed the connection (or it failed), with everything received. */
  closed: Promise<string>;
  /** The status code of the first answer received, or 0. */
  status(): number;
}

/** Connects to `url`'s host and port from `localAddress` and writes `first` once connected. */
export async function openRaw(url: string, opts: { localAddress?: string; first?: string } = {}): Promise<RawSocket> {
  const target = new URL(url);
  const socket = connect({ host: target.hostname, port: Number(target.port), localAddress: opts.localAddress });
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const received = (): string => Buffer.concat(chunks).toString('utf8');
  const closed = new Promise<string>((resolve) => {
    socket.once('close', () => resolve(received()));
  });
  socket.on('error', () => undefined); // a reset counts as closed
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  if (opts.first) socket.write(opts.first);
  return {
    socket,
    received,
    closed,
    status: () => Number(/^HTTP\/1\.1 (\d{3})/.exec(received())?.[1] ?? 0),
  };
}

/** The head of a POST announcing `contentLength` bytes of JSON body. */
export function postHead(path: string, contentLength: number, headers: Record<string, string> = {}): string {
  const lines = [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${contentLength}`];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return lines.join('\r\n') + '\r\n\r\n';
}

/** The JSON body of the answer in `raw` (an HTTP/1.1 response with a Content-Length body). */
export function answerJson(raw: string): unknown {
  const at = raw.indexOf('\r\n\r\n');
  return JSON.parse(raw.slice(at + 4)) as unknown;
}

/** Waits until `check()` is true, polling every `everyMs`, at most `tries` times; throws after that. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, tries = 200, everyMs = 25): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`not reached: ${what}`);
}
