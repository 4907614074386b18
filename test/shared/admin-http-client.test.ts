import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AdminError } from '../../shared/admin-api';
import { createHttpAdminClient, errorFromResponse, queryString } from '../../shared/admin-http-client';

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** A tiny admin server: records each request and answers from `reply`. */
function startServer(reply: (seen: Seen, res: ServerResponse) => void): Promise<{ server: Server; url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      reply(entry, res);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}`, seen });
    });
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('createHttpAdminClient against a real HTTP server', () => {
  let server: Server;
  let baseUrl: string;
  let seen: Seen[];

  before(async () => {
    ({ server, url: baseUrl, seen } = await startServer((req, res) => {
      if (req.authorization !== 'Bearer good-token') return json(res, 401, { error: { code: 'unauthorized', message: 'Wrong admin token.' } });
      const path = req.url.split('?')[0];
      if (req.method === 'GET' && path === '/admin/users') return json(res, 200, [{ id: 1, username: 'ada', email: null, created_at: 'x' }]);
      if (req.method === 'POST' && path === '/admin/users') return json(res, 201, { id: 2, ...JSON.parse(req.body), created_at: 'x' });
      if (req.method === 'DELETE' && path?.startsWith('/admin/users/')) {
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'GET' && path === '/admin/api-keys') return json(res, 200, []);
      if (req.method === 'PATCH' && path === '/admin/api-keys/7') return json(res, 200, { id: 7, limits: JSON.parse(req.body) });
      if (req.method === 'GET' && path === '/admin/usage') return json(res, 200, { rows: [] });
      if (req.method === 'POST' && path === '/admin/test-connection') return json(res, 200, { ok: true });
      if (path === '/admin/gateway') {
        res.writeHead(502, { 'content-type': 'text/html' });
        return res.end('<html>Bad gateway</html>');
      }
      if (path === '/admin/not-json') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end('hello');
      }
      return json(res, 404, { error: { code: 'not_found', message: `No user ${path}` } });
    }));
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('GET calls send the bearer token and parse the JSON answer', async () => {
    const client = createHttpAdminClient({ baseUrl: `${baseUrl}/`, token: 'good-token' });
    const users = await client.listUsers();
    assert.deepEqual(users.map((u) => u.username), ['ada']);
    const last = seen.at(-1);
    assert.equal(last?.method, 'GET');
    assert.equal(last?.url, '/admin/users');
    assert.equal(last?.authorization, 'Bearer good-token');
  });

  test('POST sends the input as a JSON body', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token' });
    const user = await client.createUser({ username: 'grace', email: 'g@example.com' });
    assert.equal(user.id, 2);
    assert.equal(user.username, 'grace');
    const last = seen.at(-1);
    assert.equal(last?.contentType, 'application/json');
    assert.deepEqual(JSON.parse(last?.body ?? ''), { username: 'grace', email: 'g@example.com' });
  });

  test('path parameters are filled from leading arguments and encoded', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token' });
    assert.equal(await client.deleteUser('a b/c'), undefined);
    assert.equal(seen.at(-1)?.url, '/admin/users/a%20b%2Fc');
    const key = await client.setKeyLimits(7, { requests_per_minute: 10 });
    assert.deepEqual(key.limits, { requests_per_minute: 10 });
    assert.equal(seen.at(-1)?.method, 'PATCH');
    assert.equal(seen.at(-1)?.url, '/admin/api-keys/7');
  });

  test('GET arguments travel as query parameters, undefined ones left out', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token' });
    await client.usage({ user_id: 3, since: '2025-01-01T00:00:00.000Z', until: undefined });
    assert.equal(seen.at(-1)?.url, '/admin/usage?user_id=3&since=2025-01-01T00%3A00%3A00.000Z');
    await client.listKeys();
    assert.equal(seen.at(-1)?.url, '/admin/api-keys');
  });

  test('a POST without arguments sends no body', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token' });
    const report = await client.testConnection();
    assert.equal(report.ok, true);
    assert.equal(seen.at(-1)?.body, '');
    assert.equal(seen.at(-1)?.contentType, undefined);
  });

  test('a wrong token rejects with AdminError 401 and the server message', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'bad' });
    await assert.rejects(client.status(), (error: unknown) => {
      assert.ok(error instanceof AdminError);
      assert.equal(error.status, 401);
      assert.equal(error.code, 'unauthorized');
      assert.equal(error.message, 'Wrong admin token.');
      return true;
    });
  });

  test('a 404 body keeps its code and message', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token' });
    await assert.rejects(client.revokeKey(99), { name: 'AdminError', status: 404, code: 'not_found' });
  });

  test('a missing path argument rejects without a request', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token' });
    const count = seen.length;
    await assert.rejects(client.deleteUser(''), { name: 'AdminError', code: 'invalid_argument' });
    assert.equal(seen.length, count);
  });

  test('a custom fetch is used and non-JSON errors keep the status', async () => {
    const urls: string[] = [];
    const client = createHttpAdminClient({
      baseUrl,
      token: 'good-token',
      fetch: (input, init) => {
        urls.push(input);
        return fetch(`${baseUrl}/admin/gateway`, init);
      },
    });
    await assert.rejects(client.listUsers(), { name: 'AdminError', status: 502, code: 'http_error', message: 'The proxy answered HTTP 502.' });
    assert.deepEqual(urls, [`${baseUrl}/admin/users`]);
  });

  test('a 200 that is not JSON rejects with invalid_response', async () => {
    const client = createHttpAdminClient({ baseUrl, token: 'good-token', fetch: (_input, init) => fetch(`${baseUrl}/admin/not-json`, init) });
    await assert.rejects(client.getSettings(), { name: 'AdminError', code: 'invalid_response' });
  });

  test('an unreachable proxy rejects with network_error', async () => {
    const closed = await startServer(() => undefined);
    await new Promise<void>((resolve) => closed.server.close(() => resolve()));
    const client = createHttpAdminClient({ baseUrl: closed.url, token: 'good-token' });
    await assert.rejects(client.status(), { name: 'AdminError', status: 0, code: 'network_error' });
  });
});

describe('queryString', () => {
  test('skips empty values and encodes the rest', () => {
    assert.equal(queryString(undefined), '');
    assert.equal(queryString({}), '');
    assert.equal(queryString({ a: 1, b: null, c: '', d: 'x y', e: false }), '?a=1&d=x+y&e=false');
  });
});

describe('errorFromResponse', () => {
  test('reads OpenAI-style and string errors too', () => {
    assert.equal(errorFromResponse(400, '{"error":{"type":"invalid_request","message":"bad"}}').code, 'invalid_request');
    assert.equal(errorFromResponse(500, '{"error":"boom"}').message, 'boom');
    const plain = errorFromResponse(401, '');
    assert.equal(plain.code, 'unauthorized');
    assert.equal(plain.status, 401);
  });
});
