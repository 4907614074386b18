/** Human output for the CLI: aligned tables, key/value lines, the doctor report. `--json` bypasses all of this. */
import type { DoctorReport, Settings, SettingsPatch } from '../../shared/types';
import { ENV_VARS } from '../core/config';

/** Renders rows as an aligned text table with a header line. */
export function table(rows: readonly object[], columns: string[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => cell((r as Record<string, unknown>)[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[]): string => values.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Renders an object as `key: value` lines. */
export function fields(obj: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(obj).map((k) => k.length));
  return Object.entries(obj)
    .map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${cell(v)}`)
    .join('\n');
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Marks of a check: passed, passed with a caveat, failed. */
const MARK = { ok: '✓', warning: '!', failed: '✗' } as const;

/**
 * The `doctor` report as text: each check with its mark and detail, the models, then the suggested settings and
 * how to apply them (`doctor --apply` for saved settings; the variable to change for a field that the environment
 * or `.env` fixes, since a saved value would not apply).
 */
export function doctorText(report: DoctorReport, overridden: readonly (keyof Settings)[] = []): string {
  const width = Math.max(0, ...report.checks.map((c) => c.name.length));
  const lines = [`Backend: ${report.backend_url || '(none)'}`, ''];
  for (const c of report.checks) {
    const mark = !c.ok ? MARK.failed : c.warning ? MARK.warning : MARK.ok;
    lines.push(`  ${mark} ${c.name.padEnd(width)}  ${c.detail}`);
  }
  if (report.models.length > 0) {
    const shown = report.models.slice(0, 10).join(', ');
    const more = report.models.length > 10 ? `, and ${report.models.length - 10} more` : '';
    lines.push('', `Models (${report.models.length}): ${shown}${more}`);
  }
  const notes = report.checks.filter((c) => c.ok && c.warning).length;
  const failed = report.checks.filter((c) => !c.ok).length;
  lines.push('', failed ? `${failed} check${failed === 1 ? '' : 's'} failed.` : `All checks passed${notes ? ` (${notes} with a note)` : ''}.`);
  lines.push(...suggestionText(report.suggested, overridden));
  return lines.join('\n');
}

/** The suggested settings and how to apply them; nothing when there are none. */
export function suggestionText(suggested: SettingsPatch, overridden: readonly (keyof Settings)[] = []): string[] {
  const entries = Object.entries(suggested) as [keyof Settings, unknown][];
  if (entries.length === 0) return [];
  const fixed = entries.filter(([k]) => overridden.includes(k));
  const saved = entries.filter(([k]) => !overridden.includes(k));
  const lines = ['', 'Suggested settings:', settingLines(suggested)];
  if (saved.length > 0) {
    lines.push('', `Save ${saved.length === 1 ? 'it' : 'them'} (the web admin's Settings tab does the same):`, '  npm run cli -- doctor --apply');
    const env = saved.filter(([k]) => k in ENV_VARS);
    if (env.length > 0) lines.push('or set in the environment or .env:', ...env.map(([k, v]) => `  ${envLine(k, v)}`));
  }
  if (fixed.length > 0) {
    lines.push('', 'Fixed by a flag, the environment or .env (a saved value would not apply): change it there:');
    lines.push(...fixed.map(([k, v]) => `  ${k in ENV_VARS ? envLine(k, v) : `${k} = ${JSON.stringify(v)}`}`));
  }
  return lines;
}

/** Settings as indented `field: value` lines, values as JSON. */
export function settingLines(patch: SettingsPatch): string {
  return fields(Object.fromEntries(Object.entries(patch).map(([k, v]) => [k, JSON.stringify(v)]))).replace(/^/gm, '  ');
}

/** `OPENAI_MODEL=glm-4.6`, quoted for a shell when needed. */
function envLine(field: keyof Settings, value: unknown): string {
  const name = ENV_VARS[field as keyof typeof ENV_VARS];
  const text = String(value);
  return `${name}=${/^[\w.:/@+-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`}`;
}
