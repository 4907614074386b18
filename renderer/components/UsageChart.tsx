/**
 * Tokens over time as stacked bars (input below, output above), hand-rolled SVG. Geometry comes from
 * lib/chart-scale; this only draws. Each bar has a <title> tooltip; the figure has a text summary.
 */
import type { UsageSeriesPoint } from '../../shared/types';
import { bucketLabel, labelIndices, layoutBars, niceAxis, yFor } from '../lib/chart-scale';
import type { PlotArea } from '../lib/chart-scale';
import { formatCompact, formatInt } from '../lib/format';

const WIDTH = 760;
const HEIGHT = 260;
const AREA: PlotArea = { left: 56, top: 12, width: WIDTH - 56 - 12, height: HEIGHT - 12 - 34 };

export function UsageChart({ points, step }: { points: UsageSeriesPoint[]; step: number }) {
  const max = points.reduce((m, p) => Math.max(m, p.input_tokens + p.output_tokens), 0);
  const input = points.reduce((s, p) => s + p.input_tokens, 0);
  const output = points.reduce((s, p) => s + p.output_tokens, 0);
  if (points.length === 0 || max === 0) {
    return <p className="empty">No tokens in this range yet.</p>;
  }
  const axis = niceAxis(max);
  const bars = layoutBars(points, AREA, axis);
  const labels = labelIndices(points.length, 8);
  const first = points[0];
  const last = points[points.length - 1];
  const summary = `Tokens over time: ${formatInt(input)} input and ${formatInt(output)} output tokens${
    first && last ? `, ${bucketLabel(first.bucket, step)} to ${bucketLabel(last.bucket, step)}` : ''
  }.`;
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={summary} preserveAspectRatio="xMidYMid meet">
        {axis.ticks.map((tick) => {
          const y = yFor(tick, AREA, axis);
          return (
            <g key={tick} className="chart-grid">
              <line x1={AREA.left} x2={AREA.left + AREA.width} y1={y} y2={y} />
              <text x={AREA.left - 8} y={y} dy="0.32em" textAnchor="end">
                {formatCompact(tick)}
              </text>
            </g>
          );
        })}
        {bars.map((bar) => (
          <g key={bar.point.bucket}>
            <title>{`${bucketLabel(bar.point.bucket, step)}: ${formatInt(bar.point.input_tokens)} input, ${formatInt(bar.point.output_tokens)} output tokens, ${formatInt(bar.point.requests)} requests`}</title>
            <rect className="bar-input" x={bar.x} y={bar.inputY} width={bar.width} height={bar.inputHeight} />
            <rect className="bar-output" x={bar.x} y={bar.outputY} width={bar.width} height={bar.outputHeight} />
          </g>
        ))}
        {labels.map((i) => {
          const bar = bars[i];
          if (!bar) return null;
          return (
            <text key={bar.point.bucket} className="chart-label" x={bar.x + bar.width / 2} y={AREA.top + AREA.height + 20} textAnchor="middle">
              {bucketLabel(bar.point.bucket, step)}
            </text>
          );
        })}
        <line className="chart-axis" x1={AREA.left} x2={AREA.left + AREA.width} y1={AREA.top + AREA.height} y2={AREA.top + AREA.height} />
      </svg>
      <figcaption className="legend">
        <span>
          <span className="swatch swatch-input" aria-hidden="true" /> Input tokens
        </span>
        <span>
          <span className="swatch swatch-output" aria-hidden="true" /> Output tokens
        </span>
      </figcaption>
    </figure>
  );
}
