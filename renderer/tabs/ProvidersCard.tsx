/**
 * Settings → Providers: the providers in force with their masked keys and health, "Add provider" (a preset or
 * custom: kind and base URL; the key; saved, then the doctor runs against it and its report shows), and Remove. `default` is the backend
 * of the fields above and is edited there.
 */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { findPreset, PRESETS, providerFromPreset, savedProviderInputs, withProvider } from '../../shared/provider-presets';
import type { DoctorReport, ProviderInput, ProviderKind, SettingsView } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { Card } from '../components/Card';
import { DoctorChecks } from '../components/DoctorChecks';
import { ACTIONS_COLUMN, DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { Options } from '../components/Options';
import { ProviderHealthTable } from '../components/ProviderHealthTable';
import { useAction } from '../hooks/use-action';
import { useLoad } from '../hooks/use-load';

const CUSTOM = 'custom';
const PRESET_ITEMS = [...PRESETS.map((p) => ({ value: p.id, label: p.label })), { value: CUSTOM, label: 'Custom…' }];

export function ProvidersCard({ view, onSaved }: { view: SettingsView; onSaved: (view: SettingsView) => void }) {
  const { admin } = useApi();
  const status = useLoad(() => admin.status(), JSON.stringify(view.providers.map((p) => p.name)));
  const { busy, error, setError, run } = useAction();
  const [note, setNote] = useState<string | null>(null);
  const [presetId, setPresetId] = useState(PRESETS[0]!.id);
  const preset = findPreset(presetId);
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [kind, setKind] = useState<ProviderKind>('openai');

  const [tested, setTested] = useState<{ name: string; report: DoctorReport } | null>(null);
  const save = (providers: ProviderInput[], done: string, test?: string) =>
    run(async () => {
      setNote(null);
      setTested(null);
      onSaved(await admin.updateSettings({ providers }));
      setNote(test ? `${done} Testing it…` : done);
      // The doctor against the provider just saved: its report shows below, and its health follows.
      if (test) setTested({ name: test, report: await admin.testConnection({ provider: test }) });
      setNote(done);
      await status.reload(true);
    });

  const add = async (event: FormEvent) => {
    event.preventDefault();
    let input: ProviderInput;
    if (preset) {
      if (preset.needs_key && !key.trim()) return setError(`${preset.label} needs an API key.`);
      input = providerFromPreset(preset, { name: name.trim() || undefined, api_key: key.trim(), ...(baseUrl.trim() ? { base_url: baseUrl.trim() } : {}) });
    } else {
      if (!name.trim() || !baseUrl.trim()) return setError('A custom provider needs a name and a base URL.');
      input = { name: name.trim(), kind, base_url: baseUrl.trim(), api_key: key.trim() };
    }
    await save(withProvider(savedProviderInputs(view.providers), input), `Provider ${input.name} saved.`, input.name);
    setKey('');
    setName('');
  };

  const remove = (target: string) =>
    save(
      savedProviderInputs(view.providers).filter((p) => p.name !== target),
      `Provider ${target} removed.`,
    );

  return (
    <Card headingId="providers-heading" title="Providers">
      <p className="hint">
        Backends requests can go to. Route to them in Model routes with <code>provider/model</code> targets, e.g.{' '}
        <code>deepseek/deepseek-chat, glm/glm-4.6</code> (the next is tried when one fails).
      </p>
      <DataTable columns={['Name', 'Kind', 'Base URL', 'API key', ACTIONS_COLUMN]} labelledBy="providers-heading">
        {view.providers.map((p) => (
          <tr key={p.name}>
            <td>
              <code>{p.name}</code>
            </td>
            <td>{p.kind}</td>
            <td>
              <code>{p.base_url}</code>
            </td>
            <td>{p.api_key_set ? <code>{p.api_key_hint}</code> : <span className="muted">none</span>}</td>
            <td>
              {p.legacy ? (
                <span className="muted">Backend above</span>
              ) : (
                <button type="button" className="button-secondary" disabled={busy} onClick={() => void remove(p.name)} aria-label={`Remove provider ${p.name}`}>
                  Remove
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      <h3 id="provider-health-heading">Health</h3>
      <ProviderHealthTable providers={status.data?.providers ?? []} labelledBy="provider-health-heading" />

      {tested && (
        <div className="report" aria-label={`Test of provider ${tested.name}`}>
          <p>
            <span className={`badge ${tested.report.ok ? 'badge-ok' : 'badge-error'}`}>{tested.report.ok ? 'Provider OK' : 'Problems found'}</span>{' '}
            <code>{tested.name}</code> <code>{tested.report.backend_url}</code>
          </p>
          <DoctorChecks checks={tested.report.checks} />
        </div>
      )}

      <form className="stack" onSubmit={(e) => void add(e)} aria-label="Add provider" noValidate>
        <h3>Add provider</h3>
        <div className="form-grid">
          <Field label="Preset" hint={preset ? (preset.note ?? `${preset.kind} API at ${preset.base_url}`) : 'Any OpenAI-compatible or Anthropic-format API.'}>
            {(control) => (
              <select {...control} value={presetId} onChange={(e) => (setPresetId(e.target.value), setBaseUrl(''))}>
                <Options items={PRESET_ITEMS} />
              </select>
            )}
          </Field>
          <Field label="Provider name" hint={preset ? `Default: ${preset.id}` : 'Lowercase letters, digits and -.'}>
            {(control) => <input {...control} value={name} placeholder={preset?.id ?? ''} onChange={(e) => setName(e.target.value)} autoComplete="off" spellCheck={false} />}
          </Field>
          <Field label="Provider API key" hint={preset && !preset.needs_key ? 'Not needed for this backend.' : 'Stored masked; never shown again.'}>
            {(control) => <input {...control} type="password" value={key} onChange={(e) => setKey(e.target.value)} autoComplete="new-password" />}
          </Field>
          <Field label="Base URL" hint={preset ? 'Leave blank for the preset’s.' : undefined}>
            {(control) => <input {...control} value={baseUrl} placeholder={preset?.base_url ?? 'https://api.example.com/v1'} onChange={(e) => setBaseUrl(e.target.value)} autoComplete="off" spellCheck={false} />}
          </Field>
          {!preset && presetId === CUSTOM && (
            <Field label="Kind">
              {(control) => (
                <select {...control} value={kind} onChange={(e) => setKind(e.target.value as ProviderKind)}>
                  <option value="openai">OpenAI-compatible (Chat Completions)</option>
                  <option value="anthropic">Anthropic Messages API</option>
                </select>
              )}
            </Field>
          )}
        </div>
        <div className="savebar">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Add provider'}
          </button>
          <ErrorAlert message={error ?? status.error} />
          <StatusMessage message={note} />
        </div>
      </form>
    </Card>
  );
}
