/** Users: create (Username, Email), list, delete with a confirmation. */
import { useState } from 'react';
import type { User } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { Card } from '../components/Card';
import { ACTIONS_COLUMN, DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { InlineForm } from '../components/InlineForm';
import { ConfirmDialog } from '../components/Modal';
import { useAction } from '../hooks/use-action';
import { useLoad } from '../hooks/use-load';
import { formatDateTime } from '../lib/format';
import { formatHash } from '../lib/hash-route';

const COLUMNS = ['Username', 'Email', 'Created', ACTIONS_COLUMN];

export function UsersTab() {
  const { admin } = useApi();
  const users = useLoad(() => admin.listUsers());
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const creation = useAction();
  const deletion = useAction();
  const busy = creation.busy || deletion.busy;

  const create = async () => {
    const name = username.trim();
    if (name === '') {
      creation.setError('Enter a username.');
      return;
    }
    setMessage(null);
    await creation.run(async () => {
      const user = await admin.createUser({ username: name, email: email.trim() === '' ? null : email.trim() });
      setUsername('');
      setEmail('');
      setMessage(`User ${user.username} created.`);
      await users.reload(true);
    });
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    await deletion.run(async () => {
      await admin.deleteUser(String(deleting.id));
      setMessage(`User ${deleting.username} deleted; their keys are revoked.`);
      setDeleting(null);
      await users.reload(true);
    });
  };

  return (
    <div className="stack">
      <Card headingId="new-user-heading" title="New user">
        <InlineForm onSubmit={() => void create()} submitLabel="Create user" disabled={busy}>
          <Field label="Username">
            {(control) => <input {...control} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" required />}
          </Field>
          <Field label="Email" hint="Optional.">
            {(control) => <input {...control} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}
          </Field>
        </InlineForm>
        <ErrorAlert message={creation.error} />
        <StatusMessage message={message} />
      </Card>

      <Card headingId="users-heading" title="Users">
        <ErrorAlert message={users.error} />
        {users.data && users.data.length === 0 && <p className="empty">No users yet. Create one above, then give them an API key.</p>}
        {users.data && users.data.length > 0 && (
          <DataTable columns={COLUMNS}>
            {users.data.map((user) => (
              <tr key={user.id}>
                <th scope="row">{user.username}</th>
                <td>{user.email ?? <span className="muted">–</span>}</td>
                <td>{formatDateTime(user.created_at)}</td>
                <td className="row-actions">
                  <a className="button-link" href={formatHash('keys', { user: user.id })} aria-label={`API keys of ${user.username}`}>
                    API keys
                  </a>
                  <button type="button" className="button-danger-quiet" aria-label={`Delete ${user.username}`} onClick={() => { deletion.setError(null); setDeleting(user); }}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </Card>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.username}?`}
          message={<p>Their API keys are revoked at once. Their usage history is kept.</p>}
          confirmLabel="Delete user"
          busy={busy}
          error={deletion.error}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
