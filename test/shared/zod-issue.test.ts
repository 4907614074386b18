import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { formatIssue, formatPath } from '../../shared/zod-issue';

const first = (schema: z.ZodType, value: unknown, reportInput = true) => {
  const r = schema.safeParse(value, { reportInput });
  assert.equal(r.success, false, 'the value was meant to fail');
  return formatIssue((r as { error: z.ZodError }).error);
};

test('paths are dotted, the root has none', () => {
  assert.equal(formatPath(['messages', 2, 'content', 0, 'type']), 'messages.2.content.0.type');
  assert.equal(formatPath([]), null);
  assert.deepEqual(first(z.object({}), 'text'), { param: null, message: 'expected object, got string \'text\'' });
});

test('missing fields read "required"; wrong types name what came', () => {
  const s = z.object({ a: z.object({ b: z.string() }) });
  assert.deepEqual(first(s, { a: {} }), { param: 'a.b', message: 'a.b: required' });
  assert.deepEqual(first(s, { a: { b: 5 } }), { param: 'a.b', message: 'a.b: expected string, got number 5' });
  // Without reportInput the wording falls back on zod's own.
  assert.equal(first(s, { a: { b: 5 } }, false).message, 'a.b: expected string, got number');
});

test('a union reports the branch that got furthest, or every type it could have been', () => {
  const s = z.object({ content: z.union([z.string(), z.array(z.object({ text: z.string() }))]) });
  assert.equal(first(s, { content: [{ text: 1 }] }).message, 'content.0.text: expected string, got number 1');
  assert.equal(first(s, { content: true }).message, 'content: expected string or array, got boolean true');
  const choice = z.object({ c: z.union([z.enum(['auto', 'none']), z.object({ name: z.string() })]) });
  assert.equal(first(choice, { c: 'any' }).message, "c: expected one of 'auto' | 'none' or object, got string 'any'");
});

test('a discriminated union names its tag and the options', () => {
  const s = z.object({
    parts: z.array(z.discriminatedUnion('type', [z.object({ type: z.literal('a') }), z.object({ type: z.literal('b') })])),
  });
  assert.deepEqual(first(s, { parts: [{ type: 'a' }, { type: 'c' }] }), {
    param: 'parts.1.type',
    message: "parts.1.type: expected one of 'a' | 'b', got string 'c'",
  });
  assert.equal(first(s, { parts: [{}] }).message, "parts.0.type: required, one of 'a' | 'b'");
  assert.equal(first(s, { parts: [7] }).message, 'parts.0: expected object, got number 7');
});

test('bounds are worded as limits', () => {
  const s = z.object({ n: z.int().positive(), t: z.number().max(2), list: z.array(z.string()).min(1) });
  assert.equal(first(s, { n: 0, t: 1, list: ['x'] }).message, 'n: must be > 0, got 0');
  assert.equal(first(s, { n: 1, t: 2.5, list: ['x'] }).message, 't: must be <= 2, got 2.5');
  assert.equal(first(s, { n: 1, t: 1, list: [] }).message, 'list: must not be empty');
  assert.equal(first(s, { n: 1.5, t: 1, list: ['x'] }).message, 'n: expected integer, got number 1.5');
});

test('only the first issue is reported', () => {
  const s = z.object({ a: z.string(), b: z.string() });
  assert.equal(first(s, {}).param, 'a');
  assert.deepEqual(formatIssue({ issues: [] }), { param: null, message: 'invalid request' });
});
