/** Guards for parsed JSON, used on both sides of every boundary (HTTP bodies, backend answers, IPC). */

/** True for a plain object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
