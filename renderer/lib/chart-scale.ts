/**
 * The arithmetic of the tokens-over-time chart: nice axis ticks, filling the gaps of a sparse series,
 * bar geometry and which buckets get a label. Pure, so the SVG component only draws.
 */
import type { UsageSeriesPoint } from '../../shared/types';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** The y axis: its top value and the tick values from 0 up to it. */
export interface Axis {
  max: number;
  ticks: number[];
}

/** A 1, 2 or 5 times a power of ten, at least `rough`. */
export function niceStep(rough: number): number {
  if (!(rough > 0) || !Number.isFinite(rough)) return 1;
  const power = 10 ** Math.floor(Math.log10(rough));
  const fraction = rough / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

/** Ticks from 0 covering `max` in about `count` whole steps (integers only: these are token counts). */
export function niceAxis(max: number, count = 4): Axis {
  if (!(max > 0) || !Number.isFinite(max)) return { max: 1, ticks: [0, 1] };
  const step = Math.max(1, niceStep(max / count));
  const top = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let value = 0; value <= top + step / 2; value += step) ticks.push(value);
  return { max: top, ticks };
}

/** The bucket size of a series: the smallest gap between points, else hours for ranges up to 3 days. */
export function inferStep(points: UsageSeriesPoint[], rangeMs: number): number {
  let step = Number.POSITIVE_INFINITY;
  for (let i = 1; i < points.length; i++) {
    const gap = Date.parse(points[i]?.bucket ?? '') - Date.parse(points[i - 1]?.bucket ?? '');
    if (gap > 0 && gap < step) step = gap;
  }
  if (Number.isFinite(step)) return step >= DAY_MS ? DAY_MS : HOUR_MS;
  return rangeMs <= 3 * DAY_MS ? HOUR_MS : DAY_MS;
}

/**
 * The series with a zero point for every empty bucket between `since` and `until` (epoch ms, until
 * exclusive), buckets aligned to multiples of `step` as the store aligns them. Returns the points as they
 * are when the range would need more than `maxPoints` buckets.
 */
export function fillSeries(points: UsageSeriesPoint[], since: number, until: number, step: number, maxPoints = 800): UsageSeriesPoint[] {
  const first = since - (since % step);
  if (!(until > first) || (until - first) / step > maxPoints) return points;
  const byTime = new Map(points.map((p) => [Date.parse(p.bucket), p]));
  const filled: UsageSeriesPoint[] = [];
  const covered = new Set<number>();
  for (let t = first; t < until; t += step) {
    covered.add(t);
    filled.push(byTime.get(t) ?? { bucket: new Date(t).toISOString(), input_tokens: 0, output_tokens: 0, requests: 0 });
  }
  // Points off the grid (another bucket size, or outside the range) are kept, in time order.
  const outside = points.filter((p) => !covered.has(Date.parse(p.bucket)));
  return outside.length === 0 ? filled : [...filled, ...outside].sort((a, b) => Date.parse(a.bucket) - Date.parse(b.bucket));
}

/** One stacked bar: input tokens at the bottom, output tokens on top (SVG coordinates, y down). */
export interface Bar {
  point: UsageSeriesPoint;
  x: number;
  width: number;
  inputY: number;
  inputHeight: number;
  outputY: number;
  outputHeight: number;
}

export interface PlotArea {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Places a stacked bar per point in `area`, scaled to `axis.max`. */
export function layoutBars(points: UsageSeriesPoint[], area: PlotArea, axis: Axis): Bar[] {
  if (points.length === 0) return [];
  const slot = area.width / points.length;
  const gap = slot > 6 ? Math.min(slot * 0.2, 8) : 0;
  const bottom = area.top + area.height;
  const scale = (v: number) => (axis.max > 0 ? (v / axis.max) * area.height : 0);
  return points.map((point, i) => {
    const inputHeight = scale(point.input_tokens);
    const outputHeight = scale(point.output_tokens);
    return {
      point,
      x: area.left + i * slot + gap / 2,
      width: Math.max(slot - gap, 0.5),
      inputY: bottom - inputHeight,
      inputHeight,
      outputY: bottom - inputHeight - outputHeight,
      outputHeight,
    };
  });
}

/** The y coordinate of a value on the axis. */
export function yFor(value: number, area: PlotArea, axis: Axis): number {
  return area.top + area.height - (axis.max > 0 ? (value / axis.max) * area.height : 0);
}

/** Indexes of the points that get an x label: at most `maxLabels`, evenly spread, always the first. */
export function labelIndices(count: number, maxLabels: number): number[] {
  if (count <= 0 || maxLabels <= 0) return [];
  if (count <= maxLabels) return Array.from({ length: count }, (_, i) => i);
  const every = Math.ceil(count / maxLabels);
  const out: number[] = [];
  for (let i = 0; i < count; i += every) out.push(i);
  return out;
}

/** A bucket's x label: `14:00` for hours (with the day at midnight), `Mar 4` for days. */
export function bucketLabel(iso: string, step: number, options: { locale?: string; timeZone?: string } = {}): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const day = new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone, month: 'short', day: 'numeric' });
  if (step >= DAY_MS) return day.format(date);
  const time = new Intl.DateTimeFormat(options.locale, { timeZone: options.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);
  return time === '00:00' ? day.format(date) : time;
}
