import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppError } from '../../../main/proxy/errors';
import { nestsDeeperThan } from '../../../main/proxy/body/json-scan';
import { MAX_JSON_DEPTH, parseJson } from '../../../main/proxy/body/read-body';

/** The nesting depth of a JSON value (a scalar is 0, `[]` is 1). */
function depthOf(v: unknown): number {
  if (Array.isArray(v)) return 1 + Math.max(0, ...v.map(depthOf));
  if (v && typeof v === 'object') return 1 + Math.max(0, ...Object.values(v).map(depthOf));
  return 0;
}

describe('nestsDeeperThan', () => {
  test('counts arrays and objects, not brackets inside strings (escaped quotes included)', () => {
    const b = (s: string) => Buffer.from(s);
    assert.equal(nestsDeeperThan(b('{"a":[{"b":[]}]}'), 3), true);
    assert.equal(nestsDeeperThan(b('{"a":[{"b":[]}]}'), 4), false);
    assert.equal(nestsDeeperThan(b('{"a":"[[[[\\"[[[{{"}'), 1), false);
    assert.equal(nestsDeeperThan(b('{"a":"ends in a backslash \\\\","b":[[]]}'), 2), true);
    assert.equal(nestsDeeperThan(b('["\\\\\\"[[[["]'), 1), false);
  });

  test('agrees with the depth of any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.nat(8), (value, limit) => {
        const text = Buffer.from(JSON.stringify(value));
        assert.equal(nestsDeeperThan(text, limit), depthOf(value) > limit);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseJson', () => {
  test(`a body nested deeper than ${MAX_JSON_DEPTH} levels is a 400 invalid_json`, () => {
    const nested = (n: number) => Buffer.from(`{"x":${'['.repeat(n - 1)}${']'.repeat(n - 1)}}`);
    assert.deepEqual(depthOf(parseJson(nested(MAX_JSON_DEPTH))), MAX_JSON_DEPTH);
    assert.throws(
      () => parseJson(nested(MAX_JSON_DEPTH + 1)),
      (err: unknown) => err instanceof AppError && err.status === 400 && err.code === 'invalid_json',
    );
  });
});
