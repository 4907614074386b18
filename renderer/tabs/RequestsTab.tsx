/** Requests: the recent request log, refreshed every few seconds. */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { RequestLogEntry } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert } from '../components/Alerts';
import { Card } from '../components/Card';
import { DataTable } from '../components/DataTable';
import type { Column } from '../components/DataTable';
import { CheckboxField } from '../components/Field';
import { useInterval } from '../hooks/use-interval';
import { useLoad } from '../hooks/use-load';
import { formatDateTime, formatInt, formatLatency, formatTime } from '../lib/format';

const REFRESH_MS = 3000;
const LIMIT = 200;
const COLUMNS: Column[] = [
  'Time',
  'Key',
  'Endpoint',
  'Model',
  'Status',
  { label: 'Latency', className: 'num' },
  { label: 'Tokens in / out', className: 'num' },
];

export function RequestsTab() {
  const { admin } = useApi();
  const [session, setSession] = useState('');
  const requests = useLoad(() => admin.requests({ limit: LIMIT, ...(session ? { session_id: session } : {}) }), session);
  const keys = useLoad(() => admin.listKeys());
  const [auto, setAuto] = useState(true);
  useInterval(() => void requests.reload(true), REFRESH_MS, auto);

  const keyNames = useMemo(() => new Map((keys.data ?? []).map((k) => [k.id, `${k.name} (${k.username})`])), [keys.data]);
  const entries = requests.data ?? [];

  // A key created since the names were loaded: load them again (once per set of unknown ids).
  const unknownIds = [...new Set(entries.map((e) => e.key_id).filter((id): id is number => id !== null && keys.data !== undefined && !keyNames.has(id)))].join(',');
  const triedIds = useRef('');
  const reloadKeys = keys.reload;
  useEffect(() => {
    if (unknownIds === '' || unknownIds === triedIds.current) return;
    triedIds.current = unknownIds;
    void reloadKeys(true);
  }, [unknownIds, reloadKeys]);

  return (
    <Card
      headingId="requests-heading"
      title="Recent requests"
      actions={
        <div className="actions">
          <CheckboxField label={`Auto-refresh every ${REFRESH_MS / 1000} s`} checked={auto} onChange={setAuto} />
          <button type="button" className="button-secondary" onClick={() => void requests.reload()}>
            Refresh
          </button>
        </div>
      }
    >
      <ErrorAlert message={requests.error} />
      {session && (
        <p className="session-filter">
          Session <code className="small">{session}</code>: {formatInt(entries.length)} requests,{' '}
          {formatInt(entries.reduce((n, e) => n + e.input_tokens + e.output_tokens, 0))} tokens{' '}
          <button type="button" className="button-secondary" onClick={() => setSession('')}>
            Show all sessions
          </button>
        </p>
      )}
      {requests.data && entries.length === 0 && <p className="empty">No requests yet. They appear here as clients use the proxy.</p>}
      {entries.length > 0 && (
        <DataTable columns={COLUMNS}>
          {entries.map((entry) => (
            <RequestRow key={entry.id} entry={entry} keyName={entry.key_id === null ? null : (keyNames.get(entry.key_id) ?? `Key ${entry.key_id}`)} onSession={setSession} />
          ))}
        </DataTable>
      )}
    </Card>
  );
}

function RequestRow({ entry, keyName, onSession }: { entry: RequestLogEntry; keyName: string | null; onSession: (id: string) => void }) {
  const ok = entry.status < 400;
  return (
    <tr>
      <td title={formatDateTime(entry.time)}>
        <time dateTime={entry.time}>{formatTime(entry.time)}</time>
      </td>
      <td>{keyName ?? <span className="muted">–</span>}</td>
      <td>
        <code className="small">{entry.endpoint}</code>
        {entry.stream && <span className="tag">stream</span>}
        {entry.session_id && (
          <button type="button" className="link-button cell-detail" title={`Session ${entry.session_id}: show only its requests`} onClick={() => onSession(entry.session_id ?? '')}>
            session {entry.session_id.slice(0, 8)}
          </button>
        )}
      </td>
      <td>
        {entry.model ?? <span className="muted">–</span>}
        {entry.backend_model && entry.backend_model !== entry.model && <span className="cell-detail"> → {entry.backend_model}</span>}
        {entry.provider && <span className="cell-detail"> on {entry.provider}</span>}
        {entry.attempts.length > 0 && (
          <span className="cell-detail"> after {entry.attempts.map((a) => `${a.provider} (${a.status || 'no answer'})`).join(', ')}</span>
        )}
      </td>
      <td>
        <span className={`badge ${ok ? 'badge-ok' : 'badge-error'}`}>{entry.status}</span>
        {entry.error && <span className="cell-detail error-text"> {entry.error}</span>}
      </td>
      <td className="num">{formatLatency(entry.latency_ms)}</td>
      <td className="num">
        {formatInt(entry.input_tokens)} / {formatInt(entry.output_tokens)}
        {entry.usage_estimated && (
          <span className="tag tag-estimated" title="The backend sent no usage: counted locally">
            estimated
          </span>
        )}
      </td>
    </tr>
  );
}
