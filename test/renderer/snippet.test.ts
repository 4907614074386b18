import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { KEY_PLACEHOLDER, claudeCodeSnippet, clientBaseUrl } from '../../renderer/lib/snippet';

describe('Claude Code snippet', () => {
  test('the two export lines', () => {
    assert.equal(claudeCodeSnippet('http://127.0.0.1:8000', 'sk-ip-abc'), 'export ANTHROPIC_BASE_URL=http://127.0.0.1:8000\nexport ANTHROPIC_AUTH_TOKEN=sk-ip-abc');
    assert.match(claudeCodeSnippet('http://x'), new RegExp(`ANTHROPIC_AUTH_TOKEN=${KEY_PLACEHOLDER}$`));
    assert.doesNotMatch(KEY_PLACEHOLDER, /[<>|&;$ ]/, 'the placeholder is safe to paste into a shell');
  });

  test('the status URL is used as it is', () => {
    assert.equal(clientBaseUrl({ url: 'http://127.0.0.1:8000/', host: '127.0.0.1', port: 8000 }), 'http://127.0.0.1:8000');
  });

  test('a wildcard listen address becomes the page origin, or loopback', () => {
    const status = { url: 'http://0.0.0.0:8000', host: '0.0.0.0', port: 8000 };
    assert.equal(clientBaseUrl(status, 'http://proxy.lan:8000'), 'http://proxy.lan:8000');
    assert.equal(clientBaseUrl(status, 'file://'), 'http://127.0.0.1:8000');
    assert.equal(clientBaseUrl(status), 'http://127.0.0.1:8000');
  });

  test('a stopped proxy has no URL', () => {
    assert.equal(clientBaseUrl({ url: null, host: '127.0.0.1', port: 8000 }), null);
  });
});
