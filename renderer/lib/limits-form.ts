/**
 * The per-key limits editor: four inputs where blank means unlimited. Pure.
 */
import type { KeyLimits, KeyRemaining } from '../../shared/types';
import { formatCompact } from './format';
import { parseWhole } from './settings-form';

export type LimitsForm = Record<keyof KeyLimits, string>;

/** The limit fields with their labels, in display order. */
export const LIMIT_FIELDS: { field: keyof KeyLimits; label: string }[] = [
  { field: 'requests_per_minute', label: 'Requests per minute' },
  { field: 'concurrent_streams', label: 'Concurrent streams' },
  { field: 'tokens_per_day', label: 'Tokens per day' },
  { field: 'tokens_per_month', label: 'Tokens per month' },
];

export function limitsToForm(limits: KeyLimits): LimitsForm {
  const text = (v: number | null) => (v === null ? '' : String(v));
  return {
    requests_per_minute: text(limits.requests_per_minute),
    concurrent_streams: text(limits.concurrent_streams),
    tokens_per_day: text(limits.tokens_per_day),
    tokens_per_month: text(limits.tokens_per_month),
  };
}

export type LimitsResult = { ok: true; limits: KeyLimits } | { ok: false; errors: Partial<Record<keyof KeyLimits, string>> };

/** The limits the inputs stand for, or which inputs are not whole numbers above 0. */
export function limitsFromForm(form: LimitsForm): LimitsResult {
  const limits: KeyLimits = { requests_per_minute: null, concurrent_streams: null, tokens_per_day: null, tokens_per_month: null };
  const errors: Partial<Record<keyof KeyLimits, string>> = {};
  for (const { field } of LIMIT_FIELDS) {
    const value = parseWhole(form[field], 1);
    if (value === 'invalid') errors[field] = 'A whole number above 0, or blank for unlimited.';
    else limits[field] = value ?? null;
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, limits };
}

/** `60/min · 2 streams · 100k/day`, or `None`. */
export function limitsSummary(limits: KeyLimits): string {
  const parts = [
    limits.requests_per_minute !== null ? `${limits.requests_per_minute}/min` : '',
    limits.concurrent_streams !== null ? `${limits.concurrent_streams} stream${limits.concurrent_streams === 1 ? '' : 's'}` : '',
    limits.tokens_per_day !== null ? `${formatCompact(limits.tokens_per_day)}/day` : '',
    limits.tokens_per_month !== null ? `${formatCompact(limits.tokens_per_month)}/month` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : 'None';
}

/** `Left: 58/min · 1 stream · 91k today`: what a key has left under the limits it has; empty when it has none. */
export function remainingSummary(remaining: KeyRemaining | undefined): string {
  if (!remaining) return '';
  const parts = [
    remaining.requests_this_minute !== null ? `${remaining.requests_this_minute}/min` : '',
    remaining.concurrent !== null ? `${remaining.concurrent} stream${remaining.concurrent === 1 ? '' : 's'}` : '',
    remaining.tokens_today !== null ? `${formatCompact(remaining.tokens_today)} today` : '',
    remaining.tokens_this_month !== null ? `${formatCompact(remaining.tokens_this_month)} this month` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `Left: ${parts.join(' · ')}` : '';
}
