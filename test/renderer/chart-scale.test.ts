import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { UsageSeriesPoint } from '../../shared/types';
import { DAY_MS, HOUR_MS, bucketLabel, fillSeries, inferStep, labelIndices, layoutBars, niceAxis, niceStep, yFor } from '../../renderer/lib/chart-scale';

const point = (iso: string, input = 0, output = 0): UsageSeriesPoint => ({ bucket: new Date(iso).toISOString(), input_tokens: input, output_tokens: output, requests: 1 });

describe('chart scaling', () => {
  test('niceStep rounds up to 1, 2 or 5 times a power of ten', () => {
    assert.equal(niceStep(0.7), 1);
    assert.equal(niceStep(3), 5);
    assert.equal(niceStep(12), 20);
    assert.equal(niceStep(2500), 5000);
    assert.equal(niceStep(0), 1);
  });

  test('niceAxis covers the maximum with whole steps from 0', () => {
    assert.deepEqual(niceAxis(0), { max: 1, ticks: [0, 1] });
    assert.deepEqual(niceAxis(1234), { max: 1500, ticks: [0, 500, 1000, 1500] });
    assert.deepEqual(niceAxis(3), { max: 3, ticks: [0, 1, 2, 3] });
  });

  test('niceAxis always covers the data with at most a few ticks (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e12 }), (max) => {
        const axis = niceAxis(max);
        assert.ok(axis.max >= max);
        assert.equal(axis.ticks[0], 0);
        assert.equal(axis.ticks.at(-1), axis.max);
        assert.ok(axis.ticks.length >= 2 && axis.ticks.length <= 7, `${max}: ${axis.ticks.length} ticks`);
        assert.ok(axis.ticks.every(Number.isInteger));
      }),
    );
  });

  test('inferStep reads the gaps, or the range when there is one point', () => {
    assert.equal(inferStep([point('2025-01-01T00:00Z'), point('2025-01-01T03:00Z')], 0), HOUR_MS);
    assert.equal(inferStep([point('2025-01-01T00:00Z'), point('2025-01-04T00:00Z')], 0), DAY_MS);
    assert.equal(inferStep([point('2025-01-01T00:00Z')], DAY_MS), HOUR_MS);
    assert.equal(inferStep([], 7 * DAY_MS), DAY_MS);
  });

  test('fillSeries adds zero buckets across the range and keeps the data', () => {
    const since = Date.parse('2025-01-01T00:00Z');
    const until = Date.parse('2025-01-05T00:00Z');
    const filled = fillSeries([point('2025-01-02T00:00Z', 5, 6)], since, until, DAY_MS);
    assert.deepEqual(
      filled.map((p) => [p.bucket.slice(0, 10), p.input_tokens, p.output_tokens]),
      [
        ['2025-01-01', 0, 0],
        ['2025-01-02', 5, 6],
        ['2025-01-03', 0, 0],
        ['2025-01-04', 0, 0],
      ],
    );
  });

  test('fillSeries aligns to the bucket grid and keeps off-grid points in order', () => {
    const since = Date.parse('2025-01-01T10:30Z');
    const until = Date.parse('2025-01-01T13:00Z');
    const filled = fillSeries([point('2025-01-01T12:00Z', 1), point('2025-01-01T11:15Z', 2)], since, until, HOUR_MS);
    assert.deepEqual(
      filled.map((p) => [p.bucket.slice(11, 16), p.input_tokens]),
      [
        ['10:00', 0],
        ['11:00', 0],
        ['11:15', 2],
        ['12:00', 1],
      ],
    );
  });

  test('fillSeries leaves huge ranges alone', () => {
    const points = [point('2025-01-01T00:00Z', 1)];
    assert.equal(fillSeries(points, 0, 1000 * HOUR_MS, HOUR_MS, 10), points);
  });

  test('layoutBars stacks output on input inside the plot area', () => {
    const area = { left: 10, top: 0, width: 100, height: 50 };
    const axis = niceAxis(100);
    const bars = layoutBars([point('2025-01-01T00:00Z', 60, 40), point('2025-01-01T01:00Z', 0, 0)], area, axis);
    assert.equal(bars.length, 2);
    const [first, second] = bars;
    assert.ok(first && second);
    assert.equal(first.inputHeight + first.outputHeight, 50);
    assert.equal(first.outputY, 0);
    assert.equal(first.inputY, 20);
    assert.equal(second.inputHeight, 0);
    assert.ok(first.x >= 10 && second.x + second.width <= 110);
    assert.ok(second.x > first.x + first.width - 1e-9);
    assert.equal(yFor(50, area, axis), 25);
  });

  test('labelIndices spreads at most the given count', () => {
    assert.deepEqual(labelIndices(3, 8), [0, 1, 2]);
    assert.deepEqual(labelIndices(24, 8), [0, 3, 6, 9, 12, 15, 18, 21]);
    assert.ok(labelIndices(169, 8).length <= 8);
    assert.deepEqual(labelIndices(0, 8), []);
  });

  test('bucketLabel shows hours, days at midnight', () => {
    const opts = { locale: 'en-US', timeZone: 'UTC' };
    assert.equal(bucketLabel('2025-03-04T14:00:00Z', HOUR_MS, opts), '14:00');
    assert.equal(bucketLabel('2025-03-04T00:00:00Z', HOUR_MS, opts), 'Mar 4');
    assert.equal(bucketLabel('2025-03-04T00:00:00Z', DAY_MS, opts), 'Mar 4');
    assert.equal(bucketLabel('nope', DAY_MS, opts), '');
  });
});
