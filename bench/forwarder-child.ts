/**
 * The references the benchmark measures the proxy's latency against: a bare node:http server that forwards each
 * Chat Completions body, unchanged, to the backend and pipes the answer back, through InfiniProxy's own backend
 * client (`got`: main/upstream/client.ts) or through a plain `node:http` request (`http`). What the first adds over the
 * backend direct is the cost of one Node HTTP hop through got, which every request through InfiniProxy pays before
 * any work of its own (Koa, auth, translation, usage); the second shows how much of that is got.
 *
 * Run as its own process with the backend's URL, its key and the client (`got` or `http`) as arguments; prints
 * `{"url","pid"}` once listening; exits on SIGTERM/SIGINT or when stdin closes.
 */
import { Agent, createServer, request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SETTINGS } from '../main/core/config';
import { createUpstreamClient } from '../main/upstream/client';

const [backendUrl = '', backendKey = '', client = 'got'] = process.argv.slice(2);
const settings = { ...DEFAULT_SETTINGS, backend_url: backendUrl, backend_api_key: backendKey, retries: 0 };
const upstream = createUpstreamClient();
const agent = new Agent({ keepAlive: true, scheduling: 'lifo' });

type Answer = { status: number; headers: IncomingHttpHeaders; body: Readable };

/** The same request as InfiniProxy's client makes, through node:http alone. */
function postPlain(body: Buffer, stream: boolean): Promise<Answer> {
  const url = new URL(`${backendUrl}/chat/completions`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          accept: stream ? 'text/event-stream' : 'application/json',
          authorization: `Bearer ${backendKey}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: res }),
    );
    req.once('error', reject);
    req.end(body);
  });
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const stream = req.headers.accept === 'text/event-stream' || body.includes('"stream":true');
    const answer: Promise<Answer> = client === 'http' ? postPlain(body, stream) : upstream.postChat(settings, body, { stream });
    answer.then(
      (answer) => {
        res.writeHead(answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json') });
        answer.body.pipe(res);
      },
      (err: Error) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(err.message);
      },
    );
  });
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}`, pid: process.pid })}\n`);
});

const stop = (): void => {
  upstream.close();
  agent.destroy();
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
