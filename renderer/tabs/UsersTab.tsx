/** Users: create (Username, Email), list, delete with a confirmation. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { User } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { Field } from '../components/Field';
import { ConfirmDialog } from '../components/Modal';
import { useLoad } from '../hooks/use-load';
import { errorMessage } from '../lib/errors';
import { formatDateTime } from '../lib/format';
import { formatHash } from '../lib/hash-route';

export function UsersTab() {
  const { admin } = useApi();
  const users = useLoad(() => admin.listUsers());
  const [username, setUsername] = useState('');
  const [email, setEmail] = useState('');
  const [createError, setCreateError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState<User | null>(null);
  const [deleteError, setDeleteError] = useState<string | null>(null);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    const name = username.trim();
    if (name === '') {
      setCreateError('Enter a username.');
      return;
    }
    setBusy(true);
    setCreateError(null);
    setMessage(null);
    try {
      const user = await admin.createUser({ username: name, email: email.trim() === '' ? null : email.trim() });
      setUsername('');
      setEmail('');
      setMessage(`User ${user.username} created.`);
      await users.reload(true);
    } catch (e) {
      setCreateError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(true);
    setDeleteError(null);
    try {
      await admin.deleteUser(String(deleting.id));
      setMessage(`User ${deleting.username} deleted; their keys are revoked.`);
      setDeleting(null);
      await users.reload(true);
    } catch (e) {
      setDeleteError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="stack">
      <section className="card" aria-labelledby="new-user-heading">
        <h2 id="new-user-heading">New user</h2>
        <form className="form-row" onSubmit={(e) => void create(e)} noValidate>
          <Field label="Username">
            {(control) => <input {...control} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" required />}
          </Field>
          <Field label="Email" hint="Optional.">
            {(control) => <input {...control} type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" />}
          </Field>
          <div className="form-row-actions">
            <button type="submit" disabled={busy}>
              Create user
            </button>
          </div>
        </form>
        <ErrorAlert message={createError} />
        <StatusMessage message={message} />
      </section>

      <section className="card" aria-labelledby="users-heading">
        <h2 id="users-heading">Users</h2>
        <ErrorAlert message={users.error} />
        {users.data && users.data.length === 0 && <p className="empty">No users yet. Create one above, then give them an API key.</p>}
        {users.data && users.data.length > 0 && (
          <div className="table-wrap">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Username</th>
                  <th scope="col">Email</th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {users.data.map((user) => (
                  <tr key={user.id}>
                    <th scope="row">{user.username}</th>
                    <td>{user.email ?? <span className="muted">–</span>}</td>
                    <td>{formatDateTime(user.created_at)}</td>
                    <td className="row-actions">
                      <a className="button-link" href={formatHash('keys', { user: user.id })} aria-label={`API keys of ${user.username}`}>
                        API keys
                      </a>
                      <button type="button" className="button-danger-quiet" aria-label={`Delete ${user.username}`} onClick={() => { setDeleteError(null); setDeleting(user); }}>
                        Delete
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.username}?`}
          message={<p>Their API keys are revoked at once. Their usage history is kept.</p>}
          confirmLabel="Delete user"
          busy={busy}
          error={deleteError}
          onConfirm={() => void confirmDelete()}
          onCancel={() => setDeleting(null)}
        />
      )}
    </div>
  );
}
