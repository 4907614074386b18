/** The model routes table: one row per route (match → model, max tokens), add and remove. */
import { ACTIONS_COLUMN, DataTable } from '../components/DataTable';
import type { Column } from '../components/DataTable';
import type { RouteRow } from '../lib/settings-form';

const COLUMNS: Column[] = ['Match', { label: '', decorative: true }, 'Backend model', 'Max tokens', ACTIONS_COLUMN];

export function ModelRoutesEditor({
  rows,
  errors,
  disabled,
  onChange,
}: {
  rows: RouteRow[];
  errors: string[] | undefined;
  disabled: boolean;
  onChange: (rows: RouteRow[]) => void;
}) {
  const update = (index: number, patch: Partial<RouteRow>) => onChange(rows.map((row, i) => (i === index ? { ...row, ...patch } : row)));
  return (
    <div className="routes">
      {rows.length === 0 ? (
        <p className="empty">No routes: every model goes to the default model.</p>
      ) : (
        <DataTable columns={COLUMNS} className="routes-table" scroll={false}>
          {rows.map((row, i) => (
            <tr key={i}>
              <td>
                <input aria-label={`Route ${i + 1} match`} value={row.match} placeholder="opus" disabled={disabled} onChange={(e) => update(i, { match: e.target.value })} spellCheck={false} />
              </td>
              <td aria-hidden="true" className="arrow">
                →
              </td>
              <td>
                <input aria-label={`Route ${i + 1} backend model`} value={row.model} disabled={disabled} onChange={(e) => update(i, { model: e.target.value })} spellCheck={false} />
              </td>
              <td>
                <input
                  aria-label={`Route ${i + 1} max tokens`}
                  value={row.max_tokens}
                  placeholder="No cap"
                  inputMode="numeric"
                  disabled={disabled}
                  onChange={(e) => update(i, { max_tokens: e.target.value })}
                />
              </td>
              <td>
                <button type="button" className="button-danger-quiet" disabled={disabled} aria-label={`Remove route ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
                  Remove
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {errors?.filter(Boolean).map((message) => (
        <p key={message} className="field-error" role="alert">
          {message}
        </p>
      ))}
      <button type="button" className="button-secondary" disabled={disabled} onClick={() => onChange([...rows, { match: '', model: '', max_tokens: '' }])}>
        Add route
      </button>
    </div>
  );
}
