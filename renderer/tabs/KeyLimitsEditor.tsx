/** Edits a key's limits (blank = unlimited). */
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { ApiKeyInfo, KeyLimits } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert } from '../components/Alerts';
import { Field } from '../components/Field';
import { errorMessage } from '../lib/errors';
import { LIMIT_FIELDS, limitsFromForm, limitsToForm } from '../lib/limits-form';
import type { LimitsForm } from '../lib/limits-form';

export function KeyLimitsEditor({ apiKey, onSaved, onCancel }: { apiKey: ApiKeyInfo; onSaved: (key: ApiKeyInfo) => void; onCancel: () => void }) {
  const { admin } = useApi();
  const [form, setForm] = useState<LimitsForm>(() => limitsToForm(apiKey.limits));
  const [errors, setErrors] = useState<Partial<Record<keyof KeyLimits, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    const parsed = limitsFromForm(form);
    if (!parsed.ok) {
      setErrors(parsed.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    setError(null);
    try {
      onSaved(await admin.setKeyLimits(apiKey.id, parsed.limits));
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  return (
    <form className="limits-editor" onSubmit={(e) => void save(e)} noValidate aria-label={`Limits of ${apiKey.name}`}>
      <div className="form-grid">
        {LIMIT_FIELDS.map(({ field, label }) => (
          <Field key={field} label={label} error={errors[field]}>
            {(control) => (
              <input
                {...control}
                inputMode="numeric"
                placeholder="Unlimited"
                value={form[field]}
                onChange={(e) => setForm({ ...form, [field]: e.target.value })}
              />
            )}
          </Field>
        ))}
      </div>
      <p className="hint">Leave a field blank for no limit.</p>
      <ErrorAlert message={error} />
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save limits
        </button>
        <button type="button" className="button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
