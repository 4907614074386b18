import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { backendPageError, isJsonType, readErrorPage } from '../../main/proxy/backend-error-page';

test('isJsonType: JSON media types only', () => {
  for (const t of ['application/json', 'application/json; charset=utf-8', 'application/problem+json', ' Application/JSON ']) assert.ok(isJsonType(t), t);
  for (const t of ['', 'text/html', 'text/plain; charset=utf-8', 'text/event-stream', 'application/jsonl', 'text/html; note=json']) {
    assert.ok(!isJsonType(t), t);
  }
});

test('backendPageError: an HTML page is quoted by its title, plain text as it is, with the status and retry-after', () => {
  const page = '<html><head><title>502 Bad Gateway</title><style>b{}</style></head><body><h1>502 Bad Gateway</h1></body></html>';
  const html = backendPageError(502, 'text/html', page, '5');
  assert.equal(html.status, 502);
  assert.equal(html.code, 'backend_error');
  assert.match(html.message, /HTTP 502 with an HTML page instead of an OpenAI error: "502 Bad Gateway"/);
  assert.deepEqual(html.headers, { 'retry-after': '5' });

  const untitled = backendPageError(503, '', '<p>Service <b>Unavailable</b></p><script>x()</script>');
  assert.match(untitled.message, /: "Service Unavailable"/);

  const plain = backendPageError(400, 'text/plain', `model not found\n${'x'.repeat(1000)}`);
  assert.equal(plain.status, 400);
  assert.match(plain.message, /HTTP 400 with a non-JSON body instead of an OpenAI error: "model not found x+…"/);
  assert.ok(plain.message.length < 500, 'quoted at most a few hundred characters');
  assert.doesNotMatch(backendPageError(500, 'text/plain', '').message, /""/);
});

test('readErrorPage: the whole page, at most the limit (then it stops reading), the stream error when it breaks', async () => {
  assert.equal(await readErrorPage(Readable.from([Buffer.from('<html>'), Buffer.from('</html>')])), '<html></html>');

  const endless = new PassThrough();
  endless.write(Buffer.alloc(10, 0x61));
  endless.write(Buffer.alloc(10, 0x62));
  assert.equal(await readErrorPage(endless, 15), 'aaaaaaaaaabbbbb');
  assert.ok(endless.destroyed, 'the backend request is ended');

  const broken = new PassThrough();
  broken.write('half');
  setImmediate(() => broken.destroy(new Error('socket hang up')));
  await assert.rejects(readErrorPage(broken), /socket hang up/);
});
