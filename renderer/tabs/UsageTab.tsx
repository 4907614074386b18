/**
 * Usage: a From/To range, the totals, tokens over time, and tables per user, per key, per model and per provider.
 */
import { useMemo, useState } from 'react';
import type { UsageTotals } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert } from '../components/Alerts';
import { Card } from '../components/Card';
import { DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { UsageChart } from '../components/UsageChart';
import { useLoad } from '../hooks/use-load';
import { fillSeries, inferStep } from '../lib/chart-scale';
import { lastDays, rangeQuery } from '../lib/date-range';
import { formatInt } from '../lib/format';
import { usageByKey, usageByModel, usageByProvider, usageByUser } from '../lib/usage-aggregate';
import type { UsageGroup } from '../lib/usage-aggregate';

const PRESETS = [
  { label: 'Today', days: 1 },
  { label: 'Last 7 days', days: 7 },
  { label: 'Last 30 days', days: 30 },
];

export function UsageTab() {
  const { admin } = useApi();
  const [range, setRange] = useState(() => lastDays(7));
  const query = rangeQuery(range.from, range.to);
  const since = query.ok ? query.since : '';
  const until = query.ok ? query.until : '';
  const report = useLoad(
    () => (query.ok ? admin.usage({ since, until }) : Promise.reject(new Error(query.message))),
    `${range.from}/${range.to}`,
  );

  const view = useMemo(() => {
    const data = report.data;
    if (!data || since === '' || until === '') return undefined;
    const start = Date.parse(since);
    const end = Date.parse(until);
    const step = inferStep(data.series, end - start);
    return {
      totals: data.totals,
      step,
      points: fillSeries(data.series, start, end, step),
      byUser: usageByUser(data.rows),
      byKey: usageByKey(data.rows),
      byModel: usageByModel(data.rows),
      byProvider: usageByProvider(data.rows),
    };
  }, [report.data, since, until]);

  return (
    <div className="stack">
      <section className="card" aria-labelledby="range-heading">
        <h2 id="range-heading" className="visually-hidden">
          Date range
        </h2>
        <div className="form-row">
          <Field label="From">{(control) => <input {...control} type="date" value={range.from} max={range.to} onChange={(e) => setRange({ ...range, from: e.target.value })} />}</Field>
          <Field label="To">{(control) => <input {...control} type="date" value={range.to} min={range.from} onChange={(e) => setRange({ ...range, to: e.target.value })} />}</Field>
          <div className="form-row-actions presets">
            {PRESETS.map((preset) => (
              <button key={preset.days} type="button" className="button-quiet" onClick={() => setRange(lastDays(preset.days))}>
                {preset.label}
              </button>
            ))}
            <button type="button" className="button-secondary" onClick={() => void report.reload()}>
              Refresh
            </button>
          </div>
        </div>
        <ErrorAlert message={query.ok ? report.error : query.message} />
      </section>

      {view && (
        <>
          <Card headingId="totals-heading" title="Totals">
            <Totals totals={view.totals} />
          </Card>
          <Card headingId="chart-heading" title="Tokens over time">
            <UsageChart points={view.points} step={view.step} />
          </Card>
          <UsageTable title="Per user" nameHeader="User" groups={view.byUser} />
          <UsageTable title="Per API key" nameHeader="Key" groups={view.byKey} />
          <UsageTable title="Per model" nameHeader="Model" groups={view.byModel} />
          <UsageTable title="Per provider" nameHeader="Provider" groups={view.byProvider} />
        </>
      )}
    </div>
  );
}

function Totals({ totals }: { totals: UsageTotals }) {
  const items: [string, number][] = [
    ['Requests', totals.requests],
    ['Input tokens', totals.input_tokens],
    ['Output tokens', totals.output_tokens],
    ['Total tokens', totals.total_tokens],
    ['Cached input tokens', totals.cache_read_input_tokens],
    ['Errors', totals.errors],
  ];
  return (
    <dl className="totals">
      {items.map(([label, value]) => (
        <div key={label} className="total">
          <dt>{label}</dt>
          <dd>{formatInt(value)}</dd>
        </div>
      ))}
    </dl>
  );
}

function UsageTable({ title, nameHeader, groups }: { title: string; nameHeader: string; groups: UsageGroup[] }) {
  const headingId = `usage-${nameHeader.toLowerCase()}-heading`;
  return (
    <Card headingId={headingId} title={title}>
      {groups.length === 0 ? (
        <p className="empty">No requests in this range.</p>
      ) : (
        <DataTable columns={[nameHeader, 'Requests', 'Input', 'Output', 'Total', 'Errors']} className="numeric" labelledBy={headingId}>
          {groups.map((g) => (
            <tr key={g.id}>
              <th scope="row">
                {g.label}
                {g.detail && <span className="cell-detail"> {g.detail}</span>}
              </th>
              <td>{formatInt(g.requests)}</td>
              <td>{formatInt(g.input_tokens)}</td>
              <td>{formatInt(g.output_tokens)}</td>
              <td>{formatInt(g.total_tokens)}</td>
              <td>{formatInt(g.errors)}</td>
            </tr>
          ))}
        </DataTable>
      )}
    </Card>
  );
}
