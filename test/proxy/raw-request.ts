/**
 * One HTTP request with full control over what fetch will not let a test set: the `Host` header and the local
 * address the connection comes from (any 127.x.y.z works on Linux loopback, so one test can be several clients).
 */
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json(): unknown;
}

export interface RawRequest {
  /** The proxy's origin, e.g. `http://127.0.0.1:5000`. */
  url: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** The client's source address (default: the system's choice, 127.0.0.1). */
  localAddress?: string;
}

/** Sends the request and reads the whole answer. */
export function rawRequest(opts: RawRequest): Promise<RawResponse> {
  const target = new URL(opts.url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: opts.method ?? 'GET',
        path: opts.path,
        headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
        localAddress: opts.localAddress,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as unknown });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
