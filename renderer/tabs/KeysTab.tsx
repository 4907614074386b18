/**
 * API Keys: create a key for a user (shown once), list keys with their use and status, filter by user
 * (`#/keys?user=<id>`), edit per-key limits and see what each key has left under them, revoke with a confirmation.
 */
import { Fragment, useState } from 'react';
import type { ApiKeyInfo, CreatedKey } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { Card } from '../components/Card';
import { ACTIONS_COLUMN, DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { InlineForm } from '../components/InlineForm';
import { ConfirmDialog } from '../components/Modal';
import { Options } from '../components/Options';
import { useAction } from '../hooks/use-action';
import { useLoad } from '../hooks/use-load';
import { formatDateTime, formatRelative } from '../lib/format';
import { formatHash } from '../lib/hash-route';
import { limitsSummary, remainingSummary } from '../lib/limits-form';
import { KeyLimitsEditor } from './KeyLimitsEditor';
import { NewKeyDialog } from './NewKeyDialog';

const COLUMNS = ['Name', 'User', 'Prefix', 'Created', 'Last used', 'Status', 'Limits', ACTIONS_COLUMN];

export function KeysTab({ userFilter, onFilter }: { userFilter: string; onFilter: (userId: string) => void }) {
  const { admin } = useApi();
  const users = useLoad(() => admin.listUsers());
  const filterId = /^\d+$/.test(userFilter) ? Number(userFilter) : undefined;
  const keys = useLoad(() => admin.listKeys(filterId === undefined ? undefined : { user_id: filterId }), String(filterId ?? ''));
  const [ownerId, setOwnerId] = useState('');
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyInfo | null>(null);
  const creation = useAction();
  const revocation = useAction();
  const busy = creation.busy || revocation.busy;

  const userList = users.data ?? [];
  const userOptions = userList.map((u) => ({ value: u.id, label: u.username }));
  const owner = ownerId || (filterId !== undefined ? String(filterId) : userList[0] ? String(userList[0].id) : '');

  const create = async () => {
    if (owner === '') {
      creation.setError('Choose a user.');
      return;
    }
    setMessage(null);
    await creation.run(async () => {
      const key = await admin.createKey({ user_id: Number(owner), ...(name.trim() ? { name: name.trim() } : {}) });
      setName('');
      setCreated(key);
      await keys.reload(true);
    });
  };

  const revoke = async () => {
    if (!revoking) return;
    await revocation.run(async () => {
      await admin.revokeKey(revoking.id);
      setMessage(`Key ${revoking.name} revoked: it no longer works.`);
      setRevoking(null);
      await keys.reload(true);
    });
  };

  const sorted = [...(keys.data ?? [])].sort((a, b) => Number(b.is_active) - Number(a.is_active) || b.id - a.id);

  return (
    <div className="stack">
      <Card headingId="new-key-heading" title="New API key">
        {users.data && userList.length === 0 ? (
          <p className="empty">
            Keys belong to users. <a href={formatHash('users')}>Create a user first</a>.
          </p>
        ) : (
          <InlineForm onSubmit={() => void create()} submitLabel="Create key" disabled={busy || owner === ''}>
            <Field label="User">
              {(control) => (
                <select {...control} value={owner} onChange={(e) => setOwnerId(e.target.value)}>
                  <Options items={userOptions} />
                </select>
              )}
            </Field>
            <Field label="Key name" hint="What it is for, e.g. “laptop”.">
              {(control) => <input {...control} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" />}
            </Field>
          </InlineForm>
        )}
        <ErrorAlert message={users.error ?? creation.error} />
      </Card>

      <Card
        headingId="keys-heading"
        title="API keys"
        actions={
          <Field label="Filter by user" className="field-inline">
            {(control) => (
              <select {...control} value={filterId === undefined ? '' : String(filterId)} onChange={(e) => onFilter(e.target.value)}>
                <option value="">All users</option>
                <Options items={userOptions} />
              </select>
            )}
          </Field>
        }
      >
        <StatusMessage message={message} />
        <ErrorAlert message={keys.error} />
        {keys.data && sorted.length === 0 && <p className="empty">No keys{filterId !== undefined ? ' for this user' : ''} yet.</p>}
        {sorted.length > 0 && (
          <DataTable columns={COLUMNS}>
            {sorted.map((key) => (
              <Fragment key={key.id}>
                <tr className={key.is_active ? undefined : 'row-inactive'}>
                  <th scope="row">{key.name}</th>
                  <td>{key.username}</td>
                  <td>
                    <code>{key.key_prefix}…</code>
                  </td>
                  <td>{formatDateTime(key.created_at)}</td>
                  <td title={key.last_used_at ? formatDateTime(key.last_used_at) : undefined}>{formatRelative(key.last_used_at)}</td>
                  <td>
                    {key.is_active ? (
                      <span className="badge badge-ok">Active</span>
                    ) : (
                      <span className="badge badge-off" title={key.revoked_at ? `Revoked ${formatDateTime(key.revoked_at)}` : undefined}>
                        Revoked
                      </span>
                    )}
                  </td>
                  <td className="small">
                    {limitsSummary(key.limits)}
                    {remainingSummary(key.remaining) && <div className="muted">{remainingSummary(key.remaining)}</div>}
                  </td>
                  <td className="row-actions">
                    {key.is_active && (
                      <>
                        <button
                          type="button"
                          className="button-quiet"
                          aria-expanded={editing === key.id}
                          aria-label={`Edit limits of ${key.name}`}
                          onClick={() => setEditing(editing === key.id ? null : key.id)}
                        >
                          Limits
                        </button>
                        <button type="button" className="button-danger-quiet" aria-label={`Revoke ${key.name}`} onClick={() => { revocation.setError(null); setRevoking(key); }}>
                          Revoke
                        </button>
                      </>
                    )}
                  </td>
                </tr>
                {editing === key.id && (
                  <tr className="row-editor">
                    <td colSpan={COLUMNS.length}>
                      <KeyLimitsEditor
                        apiKey={key}
                        onSaved={async (saved) => {
                          setEditing(null);
                          setMessage(`Limits of ${saved.name} saved.`);
                          await keys.reload(true);
                        }}
                        onCancel={() => setEditing(null)}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </DataTable>
        )}
      </Card>

      {created && <NewKeyDialog created={created} onClose={() => setCreated(null)} />}
      {revoking && (
        <ConfirmDialog
          title={`Revoke ${revoking.name}?`}
          message={<p>Clients using this key ({revoking.key_prefix}…) will be refused from now on. This cannot be undone.</p>}
          confirmLabel="Revoke key"
          busy={busy}
          error={revocation.error}
          onConfirm={() => void revoke()}
          onCancel={() => setRevoking(null)}
        />
      )}
    </div>
  );
}
