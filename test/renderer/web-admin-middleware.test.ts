/**
 * Tests main/proxy/routes/web-admin.ts (the middleware serving this renderer's build) through a real Koa
 * server on loopback. It lives beside the renderer tests because it belongs to the renderer work.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Koa from 'koa';
import { resolveTarget, webAdmin } from '../../main/proxy/routes/web-admin';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request (no URL normalisation, so traversal attempts reach the server as written). */
function raw(port: number, method: string, path: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function startApp(distDir: string): Promise<{ server: Server; port: number }> {
  const app = new Koa();
  app.use(webAdmin(distDir));
  // Stands in for the admin API and everything else: proves which paths fall through.
  app.use((ctx) => {
    ctx.status = 418;
    ctx.body = `next:${ctx.path}`;
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return { server, port: (server.address() as AddressInfo).port };
}

const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

describe('webAdmin with a build', () => {
  let dir: string;
  let server: Server;
  let port: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ip-web-admin-'));
    const dist = join(dir, 'dist');
    await mkdir(join(dist, 'assets'), { recursive: true });
    await writeFile(join(dist, 'index.html'), '<!doctype html><title>InfiniProxy</title>');
    await writeFile(join(dist, 'assets', 'index-AbCd1234.js'), 'console.log(1)');
    await writeFile(join(dist, 'assets', 'index-AbCd1234.css'), 'body{}');
    await writeFile(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(dist, '.secret.json'), '{"TOPSECRET":1}');
    await writeFile(join(dir, 'outside.js'), 'TOPSECRET');
    ({ server, port } = await startApp(dist));
  });
  after(async () => {
    await close(server);
    await rm(dir, { recursive: true, force: true });
  });

  test('/admin redirects to /admin/ keeping the query', async () => {
    const plain = await raw(port, 'GET', '/admin');
    assert.equal(plain.status, 301);
    assert.equal(plain.headers.location, 'admin/');
    const withQuery = await raw(port, 'HEAD', '/admin?x=1');
    assert.equal(withQuery.status, 301);
    assert.equal(withQuery.headers.location, 'admin/?x=1');
  });

  test('/admin/ serves index.html with security headers and revalidation', async () => {
    const res = await raw(port, 'GET', '/admin/');
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /InfiniProxy/);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(String(res.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    const again = await raw(port, 'GET', '/admin/index.html', { 'if-none-match': String(res.headers.etag) });
    assert.equal(again.status, 304);
  });

  test('HEAD answers headers without a body', async () => {
    const res = await raw(port, 'HEAD', '/admin/');
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    assert.equal(res.headers['content-length'], String('<!doctype html><title>InfiniProxy</title>'.length));
  });

  test('hashed assets have their content type and an immutable cache', async () => {
    const js = await raw(port, 'GET', '/admin/assets/index-AbCd1234.js');
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body, 'console.log(1)');
    const css = await raw(port, 'GET', '/admin/assets/index-AbCd1234.css');
    assert.match(String(css.headers['content-type']), /^text\/css/);
  });

  test('top-level files of the build are served; unknown ones fall through', async () => {
    const svg = await raw(port, 'GET', '/admin/favicon.svg');
    assert.equal(svg.status, 200);
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal((await raw(port, 'GET', '/admin/missing.png')).status, 418);
  });

  test('a missing asset is a 404, not the API', async () => {
    const res = await raw(port, 'GET', '/admin/assets/nope-12345678.js');
    assert.equal(res.status, 404);
  });

  test('admin API paths and other methods fall through to next()', async () => {
    for (const [method, path] of [
      ['GET', '/admin/users'],
      ['GET', '/admin/api-keys/3'],
      ['POST', '/admin/'],
      ['DELETE', '/admin/users/1'],
      ['GET', '/v1/models'],
      ['GET', '/administrator.js'],
    ] as const) {
      const res = await raw(port, method, path);
      assert.equal(res.status, 418, `${method} ${path}`);
      assert.equal(res.body, `next:${path}`);
    }
  });

  test('no path traversal, no dotfiles', async () => {
    for (const path of [
      '/admin/../outside.js',
      '/admin/assets/../../outside.js',
      '/admin/assets/%2e%2e/%2e%2e/outside.js',
      '/admin/%2e%2e%2foutside.js',
      '/admin/assets/..%5c..%5coutside.js',
      '/admin/.secret.json',
      '/admin/assets/%00.js',
      '/admin/%E0%A4%A.js',
    ]) {
      const res = await raw(port, 'GET', path);
      assert.notEqual(res.status, 200, path);
      assert.ok(!res.body.includes('TOPSECRET'), path);
    }
  });
});

describe('webAdmin without a build', () => {
  test('/admin/ answers a 503 page telling how to build it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ip-web-admin-empty-'));
    const { server, port } = await startApp(join(dir, 'does-not-exist'));
    try {
      const res = await raw(port, 'GET', '/admin/');
      assert.equal(res.status, 503);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(res.body, /npm run build:renderer/);
      assert.equal((await raw(port, 'GET', '/admin/users')).status, 418);
    } finally {
      await close(server);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('resolveTarget', () => {
  test('classifies paths', () => {
    assert.deepEqual(resolveTarget('/admin/'), { kind: 'index' });
    assert.deepEqual(resolveTarget('/admin/assets/a-1.js'), { kind: 'asset', relative: 'assets/a-1.js' });
    assert.deepEqual(resolveTarget('/admin/logo.png'), { kind: 'file', relative: 'logo.png' });
    assert.equal(resolveTarget('/admin/settings'), undefined);
    assert.equal(resolveTarget('/admin/usage/api-key/3'), undefined);
    assert.equal(resolveTarget('/admin/assets/'), undefined);
    assert.equal(resolveTarget('/admin/sub/x.js'), undefined);
    assert.equal(resolveTarget('/admin/assets/x.exe'), undefined);
  });
});
