/**
 * The Usage tab's From/To dates (`YYYY-MM-DD`, the user's calendar days) and the query range they stand
 * for: From at local midnight (inclusive) to the day after To at local midnight (exclusive).
 */

/** `YYYY-MM-DD` of a date in local time. */
export function toDateInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** Local midnight of a `YYYY-MM-DD` value, or undefined when it is not a real date. */
export function fromDateInput(value: string, addDays = 0): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day + addDays);
  const check = new Date(year, month - 1, day);
  if (check.getFullYear() !== year || check.getMonth() !== month - 1 || check.getDate() !== day) return undefined;
  return date;
}

/** The last `days` days up to today, as From/To inputs. */
export function lastDays(days: number, today: Date = new Date()): { from: string; to: string } {
  const from = new Date(today.getFullYear(), today.getMonth(), today.getDate() - (days - 1));
  return { from: toDateInput(from), to: toDateInput(today) };
}

export type RangeResult = { ok: true; since: string; until: string } | { ok: false; message: string };

/** The ISO `since` (inclusive) and `until` (exclusive) of From/To inputs, or why they are not valid. */
export function rangeQuery(from: string, to: string): RangeResult {
  const since = fromDateInput(from);
  const until = fromDateInput(to, 1);
  if (!since) return { ok: false, message: 'From is not a valid date.' };
  if (!until) return { ok: false, message: 'To is not a valid date.' };
  if (until.getTime() <= since.getTime()) return { ok: false, message: 'From must be on or before To.' };
  return { ok: true, since: since.toISOString(), until: until.toISOString() };
}
