/**
 * Settings: the backend, model routing, reasoning and server options. Fields fixed by a flag or an
 * environment variable are disabled with a note. Only what changed is saved; the backend key only
 * when a new one is typed. "Test connection" probes the saved backend.
 */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import type { MaxTokensField, PdfInput, ReasoningRequestStyle, Settings, SettingsView, WebSearchProvider } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { CheckboxField, Field } from '../components/Field';
import { Options } from '../components/Options';
import { useLoad } from '../hooks/use-load';
import { errorMessage } from '../lib/errors';
import { REASONING_STYLES, buildPatch, formFromSettings, isOverridden } from '../lib/settings-form';
import type { FieldErrors, SettingsForm } from '../lib/settings-form';
import { ConnectionTest } from './ConnectionTest';
import { ModelRoutesEditor } from './ModelRoutesEditor';
import { ProvidersCard } from './ProvidersCard';

/** Form fields held as free text (not the select, the checkboxes or the routes). */
type TextField = { [K in keyof SettingsForm]: string extends SettingsForm[K] ? K : never }[keyof SettingsForm] & keyof Settings;

export function SettingsTab() {
  const { admin } = useApi();
  const settings = useLoad(() => admin.getSettings());
  const [message, setMessage] = useState<string | null>(null);
  const [dirty, setDirty] = useState(false);
  const saved = (view: SettingsView, note: string | null) => {
    settings.setData(view);
    setMessage(note);
  };
  if (settings.error && !settings.data) return <ErrorAlert message={settings.error} />;
  if (!settings.data) return <p className="muted">Loading…</p>;
  return (
    <div className="stack">
      {/* Keyed by the saved view: after a save the form starts again from what the proxy now holds. */}
      <SettingsEditor
        key={JSON.stringify(settings.data)}
        view={settings.data}
        message={message}
        onEdit={() => setMessage(null)}
        onDirty={setDirty}
        onSaved={(view) => saved(view, 'Settings saved.')}
      />
      <ProvidersCard view={settings.data} onSaved={(view) => saved(view, null)} />
      <ConnectionTest dirty={dirty} onApplied={(view) => saved(view, null)} />
    </div>
  );
}

interface EditorProps {
  view: SettingsView;
  message: string | null;
  onEdit: () => void;
  onDirty: (dirty: boolean) => void;
  onSaved: (view: SettingsView) => void;
}

function SettingsEditor({ view, message, onEdit, onDirty, onSaved }: EditorProps) {
  const { admin, desktop } = useApi();
  const [form, setForm] = useState<SettingsForm>(() => formFromSettings(view));
  /** Errors show after a save attempt, then follow the edits live. */
  const [showErrors, setShowErrors] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const result = buildPatch(view, form);
  const errors: FieldErrors = showErrors && !result.ok ? result.errors : {};
  const dirty = !result.ok || Object.keys(result.patch).length > 0;
  useEffect(() => onDirty(dirty), [dirty, onDirty]);
  const set = <K extends keyof SettingsForm>(field: K, value: SettingsForm[K]) => {
    onEdit();
    setNote(null);
    setForm((f) => ({ ...f, [field]: value }));
  };
  const locked = (field: keyof Settings) => isOverridden(view, field);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setNote(null);
    if (!result.ok) {
      setShowErrors(true);
      return;
    }
    if (Object.keys(result.patch).length === 0) {
      setNote('Nothing to save.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSaved(await admin.updateSettings(result.patch));
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  };

  const searchText = (field: 'web_search_url' | 'web_search_key', label: string, placeholder: string, hint: string, type = 'text') => (
    <Field label={label} hint={hint} error={errors[field]} overridden={locked('web_search')}>
      {(control) => (
        <input {...control} type={type} placeholder={placeholder} value={form[field]} disabled={locked('web_search')} onChange={(e) => set(field, e.target.value)} autoComplete="off" spellCheck={false} />
      )}
    </Field>
  );

  const text = (field: TextField, label: string, extra: { hint?: string; type?: string; placeholder?: string; inputMode?: 'numeric' | 'decimal' } = {}) => (
    <Field label={label} hint={extra.hint} error={errors[field]} overridden={locked(field)}>
      {(control) => (
        <input
          {...control}
          type={extra.type ?? 'text'}
          inputMode={extra.inputMode}
          placeholder={extra.placeholder}
          value={String(form[field])}
          disabled={locked(field)}
          onChange={(e) => set(field, e.target.value)}
          autoComplete="off"
          spellCheck={false}
        />
      )}
    </Field>
  );

  return (
      <form className="stack" onSubmit={(e) => void save(e)} noValidate aria-label="Settings">
        <fieldset className="card">
          <legend>Backend</legend>
          {text('backend_url', 'Backend URL', { placeholder: 'https://api.example.com/v1', hint: 'Any OpenAI-compatible API (Chat Completions).' })}
          <Field
            label="Backend API key"
            hint={view.backend_api_key_set ? `Saved key: ${view.backend_api_key_hint}. Type a new key to replace it.` : 'No key saved. Leave blank if the backend needs none.'}
            overridden={locked('backend_api_key')}
          >
            {(control) => (
              <input
                {...control}
                type="password"
                value={form.backend_api_key}
                placeholder={view.backend_api_key_set ? view.backend_api_key_hint : ''}
                disabled={locked('backend_api_key')}
                onChange={(e) => set('backend_api_key', e.target.value)}
                autoComplete="new-password"
              />
            )}
          </Field>
          {text('default_model', 'Default model', { hint: 'The backend model used when no route below matches.' })}
        </fieldset>

        <fieldset className="card">
          <legend>Model routes</legend>
          <p className="hint">
            Claude model names (exact, a tier like “opus”, or a glob like “claude-3-*”) mapped to backend models, first match wins; “thinking” and
            “long_context” match kinds of request. A backend model may name providers: <code>glm/glm-4.6, deepseek/deepseek-chat</code> tries them in
            order (failover).
          </p>
          <ModelRoutesEditor rows={form.model_routes} errors={errors.routes} disabled={locked('model_routes')} onChange={(rows) => set('model_routes', rows)} />
          {locked('model_routes') && <p className="hint">Set by a command-line flag or environment variable.</p>}
        </fieldset>

        <fieldset className="card">
          <legend>Requests to the backend</legend>
          <div className="form-grid">
            {text('max_tokens_cap', 'Max tokens cap', { inputMode: 'numeric', placeholder: 'No cap', hint: 'Largest max_tokens sent to any model; blank for none.' })}
            <Field label="Reasoning style" hint="How Claude's extended thinking is asked of the backend." overridden={locked('reasoning_request')}>
              {(control) => (
                <select {...control} value={form.reasoning_request} disabled={locked('reasoning_request')} onChange={(e) => set('reasoning_request', e.target.value as ReasoningRequestStyle)}>
                  <Options items={REASONING_STYLES} />
                </select>
              )}
            </Field>
            <Field label="Max tokens field" hint="OpenAI's reasoning and GPT-5 models accept only max_completion_tokens." overridden={locked('max_tokens_field')}>
              {(control) => (
                <select {...control} value={form.max_tokens_field} disabled={locked('max_tokens_field')} onChange={(e) => set('max_tokens_field', e.target.value as MaxTokensField)}>
                  <option value="max_tokens">max_tokens</option>
                  <option value="max_completion_tokens">max_completion_tokens</option>
                </select>
              )}
            </Field>
          </div>
          <CheckboxField
            label="Send reasoning back"
            checked={form.reasoning_send_back}
            disabled={locked('reasoning_send_back')}
            onChange={(v) => set('reasoning_send_back', v)}
            hint="Include earlier thinking as reasoning_content (DeepSeek thinking mode with tools needs it; others reject it)."
          />
          {text('strip_schema_keys', 'Strip schema keys', { placeholder: 'format, $schema', hint: 'JSON-Schema keys removed from tool schemas, comma-separated.' })}
          <CheckboxField
            label="Think tags are thinking"
            checked={form.think_tags}
            disabled={locked('think_tags')}
            onChange={(v) => set('think_tags', v)}
            hint="Turn <think>…</think> in the backend's text into thinking (Ollama, vLLM without a reasoning parser, MiniMax)."
          />
          <CheckboxField
            label="Session as prompt_cache_key"
            checked={form.prompt_cache_key}
            disabled={locked('prompt_cache_key')}
            onChange={(v) => set('prompt_cache_key', v)}
            hint="Send Claude Code's session id as prompt_cache_key (OpenAI; only for backends that accept the field)."
          />
          <Field label="PDF documents" hint="Extracted text works everywhere; the file itself only on backends that take file parts (OpenAI, OpenRouter)." overridden={locked('pdf_input')}>
            {(control) => (
              <select {...control} value={form.pdf_input} disabled={locked('pdf_input')} onChange={(e) => set('pdf_input', e.target.value as PdfInput)}>
                <option value="text">Send the extracted text</option>
                <option value="file">Send the PDF file</option>
              </select>
            )}
          </Field>
        </fieldset>

        <fieldset className="card">
          <legend>Web search</legend>
          <p className="hint">The search service the proxy uses when Claude Code's WebSearch runs. Without one, WebSearch answers that it is not configured.</p>
          <div className="form-grid">
            <Field label="Search service" overridden={locked('web_search')}>
              {(control) => (
                <select {...control} value={form.web_search_provider} disabled={locked('web_search')} onChange={(e) => set('web_search_provider', e.target.value as WebSearchProvider | '')}>
                  <option value="">Not configured</option>
                  <option value="searxng">SearXNG (self-hosted)</option>
                  <option value="brave">Brave Search API</option>
                  <option value="tavily">Tavily</option>
                </select>
              )}
            </Field>
            {searchText('web_search_url', 'Search service URL', 'http://localhost:8888', 'SearXNG: your instance. Brave and Tavily: blank for their API.')}
            {searchText('web_search_key', 'Search API key', view.web_search?.api_key_hint || 'Brave or Tavily key', 'Blank keeps the saved key.', 'password')}
          </div>
        </fieldset>

        <fieldset className="card">
          <legend>Server</legend>
          <div className="form-grid">
            {text('host', 'Host', { hint: '127.0.0.1 for this machine only; 0.0.0.0 for the network.' })}
            {text('port', 'Port', { inputMode: 'numeric' })}
            {text('timeout_s', 'Timeout (seconds)', { inputMode: 'decimal', hint: 'Wait for the backend’s headers and between stream chunks.' })}
            {text('retries', 'Retries', { inputMode: 'numeric', hint: 'Connection failures and 502/503 before the first byte.' })}
          </div>
          <CheckboxField label="Debug logging" checked={form.debug} disabled={locked('debug')} onChange={(v) => set('debug', v)} />
          {desktop && (
            <>
              <CheckboxField label="Start the proxy when the app opens" checked={form.start_on_launch} disabled={locked('start_on_launch')} onChange={(v) => set('start_on_launch', v)} />
              <CheckboxField label="Open the app at login" checked={form.start_at_login} disabled={locked('start_at_login')} onChange={(v) => set('start_at_login', v)} />
            </>
          )}
        </fieldset>

        <div className="savebar">
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
          <span className="muted">{dirty ? 'Unsaved changes' : 'All changes saved'}</span>
          <ErrorAlert message={error ?? (Object.keys(errors).length > 0 ? 'Some fields need attention.' : null)} />
          <StatusMessage message={note ?? message} />
        </div>
      </form>
  );
}
