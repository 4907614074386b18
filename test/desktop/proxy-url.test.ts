import assert from 'node:assert/strict';
import { test } from 'node:test';
import { proxyBaseUrl } from '../../main/desktop/proxy-url';

test('proxyBaseUrl: the listening URL, or the address it will have; wildcards become loopback', () => {
  assert.equal(proxyBaseUrl({ url: 'http://127.0.0.1:8000', host: '127.0.0.1', port: 8000 }), 'http://127.0.0.1:8000');
  assert.equal(proxyBaseUrl({ url: 'http://0.0.0.0:8000/', host: '0.0.0.0', port: 8000 }), 'http://127.0.0.1:8000');
  assert.equal(proxyBaseUrl({ url: null, host: '127.0.0.1', port: 8123 }), 'http://127.0.0.1:8123');
  assert.equal(proxyBaseUrl({ url: null, host: '0.0.0.0', port: 8000 }), 'http://127.0.0.1:8000');
  assert.equal(proxyBaseUrl({ url: null, host: '::', port: 8000 }), 'http://[::1]:8000');
  assert.equal(proxyBaseUrl({ url: 'http://[::]:8000', host: '::', port: 8000 }), 'http://[::1]:8000');
  assert.equal(proxyBaseUrl({ url: null, host: '::1', port: 8000 }), 'http://[::1]:8000');
  assert.equal(proxyBaseUrl({ url: null, host: 'localhost', port: 80 }), 'http://localhost:80');
});
