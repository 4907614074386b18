/**
 * The reference the benchmark measures the proxy's latency against: a bare node:http server that forwards each
 * Chat Completions body, unchanged, through InfiniProxy's own backend client (got, main/upstream/client.ts) and pipes
 * the answer back. What it adds over the backend direct is the cost of one Node HTTP hop through got, which every
 * request through InfiniProxy pays before any of its own work (Koa, auth, translation, usage).
 *
 * Run as its own process with the backend's URL and key as arguments; prints `{"url","pid"}` once listening; exits on
 * SIGTERM/SIGINT or when stdin closes.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_SETTINGS } from '../main/core/config';
import { createUpstreamClient } from '../main/upstream/client';

const [backendUrl = '', backendKey = ''] = process.argv.slice(2);
const settings = { ...DEFAULT_SETTINGS, backend_url: backendUrl, backend_api_key: backendKey, retries: 0 };
const upstream = createUpstreamClient();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const stream = req.headers.accept === 'text/event-stream' || body.includes('"stream":true');
    upstream.postChat(settings, body, { stream }).then(
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
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).on('close', stop).resume();
