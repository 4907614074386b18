/** Each provider's health (its circuit breaker): state badge, last error, since when. */
import type { ProviderHealth, ProviderState } from '../../shared/types';
import { DataTable } from './DataTable';

const BADGE: Record<ProviderState, string> = { healthy: 'badge-ok', degraded: 'badge-off', down: 'badge-error' };

export function ProviderHealthTable({ providers, labelledBy }: { providers: readonly ProviderHealth[]; labelledBy: string }) {
  if (providers.length === 0) return <p className="muted">No provider is configured.</p>;
  return (
    <DataTable columns={['Provider', 'Kind', 'Health', 'Since', 'Last error']} labelledBy={labelledBy}>
      {providers.map((p) => (
        <tr key={p.name}>
          <td>
            <code>{p.name}</code>
          </td>
          <td>{p.kind}</td>
          <td>
            <span className={`badge ${BADGE[p.state]}`}>{p.state}</span>
            {p.retry_at && <span className="muted"> (probe after {new Date(p.retry_at).toLocaleTimeString()})</span>}
          </td>
          <td>{new Date(p.since).toLocaleString()}</td>
          <td>{p.last_error ? <span className="muted">{p.last_error}</span> : '—'}</td>
        </tr>
      ))}
    </DataTable>
  );
}
