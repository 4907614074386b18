/**
 * Turns a zod issue into one readable line naming the field path, e.g.
 * `messages.2.content.0.type: unsupported content block type "document" (expected text, image, tool_result)`.
 *
 * zod reports a failed union as a bare "Invalid input" with every branch's issues; this picks the
 * branch the input was evidently meant for (the one that got past the type check) and reports that.
 */
import type { core } from 'zod';

type Issue = core.$ZodIssue;
type Path = readonly PropertyKey[];

const pathText = (path: Path): string => path.map(String).join('.');

/** What a discriminator names, from where it sits in the request. */
function discriminatorLabel(path: Path, key: string): string {
  const names = path.map(String);
  if (key === 'role') return 'role';
  if (names.includes('source')) return 'image source type';
  if (names.includes('content') || names.includes('system')) return 'content block type';
  if (names[0] === 'tool_choice') return 'tool_choice type';
  if (names[0] === 'thinking') return 'thinking type';
  return key;
}

function describeValue(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'missing' : typeof value;
}

/** The branch of a failed union that matched the input's type, if any (deepest first issue wins). */
function bestBranch(branches: Issue[][]): Issue | undefined {
  let best: Issue | undefined;
  for (const branch of branches) {
    const first = branch[0];
    if (!first || (first.code === 'invalid_type' && first.path.length === 0)) continue;
    if (!best || first.path.length > best.path.length) best = first;
  }
  return best;
}

/** One readable line for a zod issue; `prefix` is the path of an enclosing union. */
export function formatZodIssue(issue: Issue, prefix: Path = []): string {
  const path = [...prefix, ...issue.path];
  const where = path.length ? `${pathText(path)}: ` : '';

  if (issue.code === 'invalid_union') {
    if (issue.discriminator && issue.errors.length === 0 && issue.inclusive !== false) {
      const input = issue.input as Record<string, unknown> | undefined;
      const value = input && typeof input === 'object' ? input[issue.discriminator] : undefined;
      const label = discriminatorLabel(path, issue.discriminator);
      const expected = ('options' in issue ? (issue.options ?? []) : []).map(String).join(', ');
      const what = value === undefined ? `${label} is required` : `unsupported ${label} ${describeValue(value)}`;
      return `${where}${what} (expected ${expected})`;
    }
    const branch = bestBranch(issue.errors);
    if (branch) return formatZodIssue(branch, path);
    const expected = issue.errors
      .map((b) => (b[0]?.code === 'invalid_type' ? b[0].expected : undefined))
      .filter((e): e is NonNullable<typeof e> => e !== undefined);
    if (expected.length) return `${where}expected ${expected.join(' or ')}, received ${describeValue(issue.input)}`;
  }

  if ((issue.code === 'invalid_value' || issue.code === 'invalid_format') && path[0] === 'tools' && path[path.length - 1] === 'type') {
    return (
      `${where}unsupported tool type ${describeValue(issue.input)}: only client tools ` +
      '(name, description, input_schema) and web search can run on an OpenAI-compatible backend'
    );
  }

  return `${where}${issue.message}`;
}
