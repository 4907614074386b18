/**
 * Turns a zod error into one line a client can act on: `messages.2.content.0.type: expected one of 'text' | …`.
 * One formatter for every zod schema: the request schemas of both APIs and the admin inputs. Pure.
 */
import type { core } from 'zod';

type Issue = core.$ZodIssue;
type UnionIssue = Extract<Issue, { code: 'invalid_union' }>;

/**
 * A schema's own name for a tag or enum field, so that its messages speak the API's words: for Anthropic's
 * `messages.0.content.0.type`, `{label: 'content block type'}` reads `unsupported content block type "document"
 * (expected text, image)`. Undefined keeps the generic wording (`expected one of 'text' | 'image', got …`).
 */
export type FieldLabel = (path: readonly PropertyKey[], key: string) => { label: string; hint?: string } | undefined;

/** The first problem of a failed parse, as a client sees it. */
export interface FormattedIssue {
  /** Dotted path of the field (`messages.2.content`), or null when the whole body is wrong. */
  param: string | null;
  /** `path: what is wrong`, or just what is wrong when there is no path. */
  message: string;
}

/** `['messages', 2, 'content']` → `messages.2.content`; the empty path → null. */
export function formatPath(path: readonly PropertyKey[]): string | null {
  if (path.length === 0) return null;
  return path.map((p) => (typeof p === 'symbol' ? (p.description ?? '?') : String(p))).join('.');
}

/**
 * The first issue of a zod error as `path: message`. A failed union is resolved to the branch that got furthest into
 * the value (so `content: [{type: 'text', text: 5}]` reports `content.0.text`, not "invalid input"), or, when every
 * branch failed at the value itself, to the list of what it could have been (`expected string or array`).
 * Parse with `{reportInput: true}` for the best wording: missing fields then read "required" and the received value is
 * named (`got number 5`).
 */
export function formatIssue(error: { readonly issues: readonly Issue[] }, label?: FieldLabel): FormattedIssue {
  const first = error.issues[0];
  if (!first) return { param: null, message: 'invalid request' };
  const { path, text } = describe(first, [], label);
  const param = formatPath(path);
  return { param, message: param === null ? text : `${param}: ${text}` };
}

interface Described {
  path: PropertyKey[];
  text: string;
  /** What the value could have been, when the issue is only that (lets a union list its branches' types). */
  expected?: string;
  input?: { value: unknown };
}

function describe(issue: Issue, base: readonly PropertyKey[], label: FieldLabel | undefined): Described {
  const path = [...base, ...issue.path];
  const input = 'input' in issue ? { value: issue.input } : undefined;
  switch (issue.code) {
    case 'invalid_union':
      return describeUnion(issue, path, label);
    case 'invalid_type': {
      if (input && input.value === undefined && issue.expected !== 'undefined') return { path, text: 'required' };
      const expected = typeName(issue.expected);
      return { path, text: `expected ${expected}${got(issue)}`, expected, input };
    }
    case 'invalid_value': {
      const key = path[path.length - 1];
      const named = typeof key === 'string' ? label?.(path, key) : undefined;
      if (named) return { path, text: unsupported(named, input?.value, issue.values) };
      const expected = `one of ${issue.values.map(quote).join(' | ')}`;
      return { path, text: `expected ${expected}${got(issue)}`, expected, input };
    }
    case 'invalid_format': {
      // A tag checked by pattern (e.g. `web_search_<date>` tool types): worded like an unsupported tag when labelled.
      const key = path[path.length - 1];
      const named = typeof key === 'string' ? label?.(path, key) : undefined;
      if (named) return { path, text: unsupported(named, input?.value, []) };
      return { path, text: withoutPrefix(issue.message) };
    }
    case 'too_small':
    case 'too_big':
      return { path, text: bound(issue) };
    default:
      return { path, text: withoutPrefix(issue.message) };
  }
}

function describeUnion(issue: UnionIssue, path: PropertyKey[], label: FieldLabel | undefined): Described {
  if (issue.discriminator !== undefined && 'options' in issue && issue.options) {
    return describeDiscriminator(issue, issue.discriminator, issue.options, path, label);
  }
  const branches = issue.errors
    .map((issues) => issues[0])
    .filter((i): i is Issue => i !== undefined)
    .map((b) => describe(b, path, label));
  if (branches.length === 0) return { path, text: withoutPrefix(issue.message) };
  const deepest = Math.max(...branches.map((d) => d.path.length));
  const atValue = deepest === path.length;
  if (atValue && branches.every((b) => b.expected !== undefined)) {
    const expected = [...new Set(branches.map((b) => b.expected))].join(' or ');
    const input = branches.find((b) => b.input)?.input;
    return { path, text: `expected ${expected}${input ? `, got ${kind(input.value)}` : ''}`, expected, input };
  }
  return branches.find((d) => d.path.length === deepest) as Described;
}

/** A discriminated union whose tag matched no branch: the issue's path already ends at the tag. */
function describeDiscriminator(
  issue: UnionIssue,
  tag: string,
  options: readonly unknown[],
  path: PropertyKey[],
  label: FieldLabel | undefined,
): Described {
  const choices = `one of ${options.map(quote).join(' | ')}`;
  if (!('input' in issue)) return { path, text: `expected ${choices}` };
  const holder = issue.input;
  if (typeof holder !== 'object' || holder === null || Array.isArray(holder)) {
    // The value is not even an object: say so at the value, not at its tag.
    const at = path[path.length - 1] === tag ? path.slice(0, -1) : path;
    return { path: at, text: `expected object, got ${kind(holder)}`, expected: 'object', input: { value: holder } };
  }
  const value = (holder as Record<string, unknown>)[tag];
  const named = label?.(path, tag);
  if (named) return { path, text: unsupported(named, value, options) };
  if (value === undefined) return { path, text: `required, ${choices}` };
  return { path, text: `expected ${choices}, got ${kind(value)}` };
}

/** `unsupported content block type "document" (expected text, image)`, or `… is required (…)` when absent. */
function unsupported(named: { label: string; hint?: string }, value: unknown, options: readonly unknown[]): string {
  const expected = options.length ? ` (expected ${options.map(String).join(', ')})` : '';
  if (value === undefined) return `${named.label} is required${expected}`;
  const shown = typeof value === 'string' ? JSON.stringify(value) : kind(value);
  return `unsupported ${named.label} ${shown}${expected}${named.hint ? `: ${named.hint}` : ''}`;
}

function bound(issue: Extract<Issue, { code: 'too_small' | 'too_big' }>): string {
  const small = issue.code === 'too_small';
  const limit = Number(small ? issue.minimum : issue.maximum);
  const { origin } = issue;
  if (origin === 'array' || origin === 'set' || origin === 'string') {
    const unit = origin === 'string' ? 'character' : 'item';
    if (small && limit === 1) return 'must not be empty';
    return `must have ${small ? 'at least' : 'at most'} ${limit} ${unit}${limit === 1 ? '' : 's'}`;
  }
  const op = small ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `must be ${op} ${limit}${'input' in issue ? `, got ${String(issue.input)}` : ''}`;
}

/** `, got number 5` when the issue carries its input (parse with reportInput), else zod's own `received …`. */
function got(issue: Issue): string {
  if ('input' in issue) return `, got ${kind(issue.input)}`;
  const m = /received (.+)$/.exec(issue.message);
  return m ? `, got ${m[1]}` : '';
}

function kind(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'string') return v.length <= 40 ? `string ${quote(v)}` : 'string';
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

/** zod's names for containers, in JSON's words. */
function typeName(expected: string): string {
  return expected === 'record' ? 'object' : expected === 'int' ? 'integer' : expected;
}

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : String(v);
}

/** zod words messages `Invalid input: expected …`; the path already says where, so keep what follows. */
function withoutPrefix(message: string): string {
  return message.replace(/^Invalid (input|option): /, '');
}
