/** The web admin's sign-in: one "Admin token" field, checked against the proxy before it is kept. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { createHttpAdminClient } from '../shared/admin-http-client';
import { Field } from './components/Field';
import { errorMessage, isUnauthorized } from './lib/errors';

export function SignIn({ baseUrl, notice, onSignedIn }: { baseUrl: string; notice: string | null; onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const candidate = token.trim();
    if (candidate === '') {
      setError('Enter the admin token.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await createHttpAdminClient({ baseUrl, token: candidate }).status();
      onSignedIn(candidate);
    } catch (e) {
      setError(isUnauthorized(e) ? 'That admin token was not accepted. Check it and try again.' : errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="signin-heading">
        <h1 id="signin-heading">
          <span className="brand-mark" aria-hidden="true">
            ∞
          </span>{' '}
          InfiniProxy admin
        </h1>
        {notice && <p className="alert alert-warning">{notice}</p>}
        <Field
          label="Admin token"
          error={error ?? undefined}
          hint={
            <>
              Print it with <code>npm run cli -- admin-token</code>. It is kept in the <code>admin-token</code> file of the data folder, unless{' '}
              <code>ADMIN_TOKEN</code> sets it.
            </>
          }
        >
          {(control) => (
            <input {...control} type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="current-password" autoFocus spellCheck={false} />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
