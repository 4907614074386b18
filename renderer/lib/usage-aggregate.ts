/**
 * Groups the usage report's rows (key × model × endpoint) into the per-user, per-key and per-model
 * tables of the Usage tab. Pure.
 */
import type { UsageRow, UsageTotals } from '../../shared/types';

/** One line of a Usage table: a label, what it groups, and its totals. */
export interface UsageGroup extends UsageTotals {
  id: string;
  label: string;
  /** A second line under the label (the key's owner), when there is one. */
  detail?: string;
}

/** Totals of nothing. */
export function emptyTotals(): UsageTotals {
  return { requests: 0, errors: 0, input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, total_tokens: 0 };
}

/** Adds `row`'s counters into `into`. */
export function addTotals(into: UsageTotals, row: UsageTotals): void {
  into.requests += row.requests;
  into.errors += row.errors;
  into.input_tokens += row.input_tokens;
  into.output_tokens += row.output_tokens;
  into.cache_read_input_tokens += row.cache_read_input_tokens;
  into.total_tokens += row.total_tokens;
}

function groupBy(rows: UsageRow[], keyOf: (row: UsageRow) => Pick<UsageGroup, 'id' | 'label' | 'detail'>): UsageGroup[] {
  const groups = new Map<string, UsageGroup>();
  for (const row of rows) {
    const head = keyOf(row);
    let group = groups.get(head.id);
    if (!group) {
      group = { ...head, ...emptyTotals() };
      groups.set(head.id, group);
    }
    addTotals(group, row);
  }
  return [...groups.values()].sort((a, b) => b.total_tokens - a.total_tokens || b.requests - a.requests || a.label.localeCompare(b.label));
}

/** Totals per user, most tokens first. */
export function usageByUser(rows: UsageRow[]): UsageGroup[] {
  return groupBy(rows, (row) => ({ id: `user:${row.user_id}`, label: row.username }));
}

/** Totals per API key (with the owner as detail), most tokens first. */
export function usageByKey(rows: UsageRow[]): UsageGroup[] {
  return groupBy(rows, (row) => ({ id: `key:${row.key_id}`, label: row.key_name || `Key ${row.key_id}`, detail: row.username }));
}

/** Totals per model the clients asked for, most tokens first. */
export function usageByModel(rows: UsageRow[]): UsageGroup[] {
  return groupBy(rows, (row) => ({ id: `model:${row.model}`, label: row.model || '(none)' }));
}

/** Totals per provider that answered (`(none)`: no provider answered, or recorded before providers), most tokens first. */
export function usageByProvider(rows: UsageRow[]): UsageGroup[] {
  return groupBy(rows, (row) => ({ id: `provider:${row.provider}`, label: row.provider || '(none)' }));
}

/** The sum of all rows (to check against the report's own totals, or when it has none). */
export function sumRows(rows: UsageRow[]): UsageTotals {
  const totals = emptyTotals();
  for (const row of rows) addTotals(totals, row);
  return totals;
}
