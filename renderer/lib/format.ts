/**
 * Display formatting used across the tabs. Pure: the locale and time zone are parameters (the user's by
 * default), so tests can pin them.
 */

export interface FormatOptions {
  locale?: string;
  timeZone?: string;
}

/** `12,345` */
export function formatInt(value: number, options: FormatOptions = {}): string {
  return new Intl.NumberFormat(options.locale, { maximumFractionDigits: 0 }).format(value);
}

/** Short token counts: `950`, `1.2k`, `3.4M`, `1.1B`. */
export function formatCompact(value: number): string {
  const abs = Math.abs(value);
  const units: [number, string][] = [
    [1e9, 'B'],
    [1e6, 'M'],
    [1e3, 'k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const scaled = value / size;
      const text = Math.abs(scaled) >= 100 ? Math.round(scaled).toString() : trimZeros(scaled.toFixed(1));
      return `${text}${suffix}`;
    }
  }
  return Math.round(value).toString();
}

/** `850 ms`, `1.2 s`, `2 min 5 s`. */
export function formatLatency(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${trimZeros((ms / 1000).toFixed(ms < 10_000 ? 2 : 1))} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return seconds === 0 ? `${minutes} min` : `${minutes} min ${seconds} s`;
}

/** A date and time, e.g. `Mar 4, 2025, 14:03`; `–` for null or unparseable input. */
export function formatDateTime(iso: string | null, options: FormatOptions = {}): string {
  return formatDate(iso, options, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** A time of day with seconds, for the request log: `14:03:22`. */
export function formatTime(iso: string, options: FormatOptions = {}): string {
  return formatDate(iso, options, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** `just now`, `5 min ago`, `3 h ago`, `2 days ago`; `never` for null. */
export function formatRelative(iso: string | null, now: Date = new Date()): string {
  if (iso === null) return 'never';
  const date = parse(iso);
  if (!date) return '–';
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** A limit for display: `Unlimited` for null. */
export function formatLimit(value: number | null, options: FormatOptions = {}): string {
  return value === null ? 'Unlimited' : formatInt(value, options);
}

/** The parts of `iso` named in `fields`, on a 24-hour clock; `–` for null or unparseable input. */
function formatDate(iso: string | null, options: FormatOptions, fields: Intl.DateTimeFormatOptions): string {
  const date = parse(iso);
  if (!date) return '–';
  return new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone, ...fields, hourCycle: 'h23' }).format(date);
}

function parse(iso: string | null): Date | undefined {
  if (iso === null || iso === '') return undefined;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}
