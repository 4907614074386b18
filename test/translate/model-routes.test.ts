import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findModelRoute, isPattern } from '../../main/translate/model-map';

test('exact names win over tiers and globs; otherwise the first match in order', () => {
  const routes = [
    { match: 'claude-3-*', model: 'old' },
    { match: 'opus', model: 'big' },
    { match: 'haiku', model: 'small' },
    { match: 'claude-opus-4-8', model: 'exact' },
    { match: 'gpt-?o', model: 'glob-one' },
  ];
  assert.equal(findModelRoute(routes, 'claude-opus-4-8')?.model, 'exact');
  assert.equal(findModelRoute(routes, 'CLAUDE-OPUS-4-8')?.model, 'exact');
  assert.equal(findModelRoute(routes, 'claude-opus-4-1')?.model, 'big');
  assert.equal(findModelRoute(routes, 'claude-3-5-haiku-latest')?.model, 'old', 'the glob comes first in order');
  assert.equal(findModelRoute(routes, 'claude-haiku-4-5')?.model, 'small');
  assert.equal(findModelRoute(routes, 'gpt-4o')?.model, 'glob-one');
  assert.equal(findModelRoute(routes, 'gpt-4o-mini'), undefined);
  assert.equal(findModelRoute(routes, 'opusx-1'), undefined, 'a tier matches whole name parts only');
  assert.equal(findModelRoute([{ match: 'a.b*', model: 'm' }], 'axb-1'), undefined, 'regex characters are literal');
});

test('isPattern', () => {
  assert.ok(isPattern('sonnet'));
  assert.ok(isPattern('claude-*'));
  assert.ok(!isPattern('claude-sonnet-4-6'));
});
