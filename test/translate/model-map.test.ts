import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ModelRoute } from '../../shared/types';
import { resolveModel } from '../../main/translate/model-map';

const routes: ModelRoute[] = [
  { match: 'claude-3-*', model: 'legacy' },
  { match: 'haiku', model: 'small', max_tokens: 8192 },
  { match: 'opus', model: 'big' },
  { match: 'claude-opus-4-8', model: 'exact', max_tokens: 32000 },
];

describe('resolveModel', () => {
  it('exact match wins over tier and glob, and carries the route cap', () => {
    assert.deepEqual(resolveModel('claude-opus-4-8', routes, 'default'), { model: 'exact', maxTokens: 32000 });
    assert.deepEqual(resolveModel('CLAUDE-OPUS-4-8', routes, 'default'), { model: 'exact', maxTokens: 32000 });
  });

  it('tiers and globs: the first matching route in order', () => {
    assert.deepEqual(resolveModel('claude-opus-4-1-20250805', routes, 'default'), { model: 'big' });
    assert.deepEqual(resolveModel('claude-haiku-4-5-20251001', routes, 'default'), { model: 'small', maxTokens: 8192 });
    assert.deepEqual(resolveModel('claude-3-haiku-20240307', routes, 'default'), { model: 'legacy' }, 'the glob is listed first');
  });

  it('glob, then default', () => {
    assert.deepEqual(resolveModel('claude-3-5-sonnet-latest', routes, 'default'), { model: 'legacy' });
    assert.deepEqual(resolveModel('claude-sonnet-4-5', routes, 'default'), { model: 'default' });
    assert.deepEqual(resolveModel('anything', [{ match: '*', model: 'all' }], 'default'), { model: 'all' });
    assert.deepEqual(resolveModel('x.y', [{ match: 'x+y*', model: 'literal' }], 'd'), { model: 'd' }, 'regex metacharacters are literal');
    assert.deepEqual(resolveModel('sonnet', [], 'd'), { model: 'd' });
  });
});
