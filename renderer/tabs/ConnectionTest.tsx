/**
 * "Test connection": the backend probe's report (the same as `cli doctor`): each check passed, passed with a note,
 * or failed; the models; the suggested settings, with a button that saves those a flag or the environment does
 * not fix.
 */
import { useState } from 'react';
import type { DoctorReport, Settings, SettingsView } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { Card } from '../components/Card';
import { DoctorChecks } from '../components/DoctorChecks';
import { errorMessage } from '../lib/errors';

const MODELS_SHOWN = 40;

export function ConnectionTest({ dirty, onApplied }: { dirty: boolean; onApplied: (view: SettingsView) => void }) {
  const { admin } = useApi();
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [overridden, setOverridden] = useState<(keyof Settings)[]>([]);
  const [busy, setBusy] = useState<'testing' | 'applying' | null>(null);

  const test = async () => {
    setBusy('testing');
    setError(null);
    setMessage(null);
    try {
      const [result, view] = await Promise.all([admin.testConnection(), admin.getSettings()]);
      setReport(result);
      setOverridden(view.overridden);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  /** A field a flag or the environment fixes: saving it would not apply. */
  const isFixed = (field: string): boolean => overridden.includes(field as keyof Settings);
  const savable = report ? Object.fromEntries(Object.entries(report.suggested).filter(([k]) => !isFixed(k))) : {};

  const apply = async () => {
    if (!report) return;
    setBusy('applying');
    setError(null);
    try {
      const view = await admin.updateSettings(savable);
      setMessage('Suggested settings applied: test again to check.');
      setReport({ ...report, suggested: Object.fromEntries(Object.entries(report.suggested).filter(([k]) => isFixed(k))) });
      onApplied(view);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(null);
    }
  };

  const suggestions = report ? Object.entries(report.suggested) : [];

  return (
    <Card
      headingId="test-heading"
      title="Connection"
      actions={
        <button type="button" className="button-secondary" disabled={busy !== null} onClick={() => void test()}>
          {busy === 'testing' ? 'Testing…' : 'Test connection'}
        </button>
      }
    >
      <p className="hint">
        {dirty
          ? 'Tests the saved settings: save your changes first.'
          : 'Probes the backend the way the proxy uses it: models, a short request, streaming and its usage, tool calls, reasoning, the largest max_tokens.'}
      </p>
      <ErrorAlert message={error} />
      <StatusMessage message={message} />
      {report && (
        <div className="report" aria-label="Connection test result">
          <p>
            <span className={`badge ${report.ok ? 'badge-ok' : 'badge-error'}`}>{report.ok ? 'Backend OK' : 'Problems found'}</span> <code>{report.backend_url}</code>
          </p>
          <DoctorChecks checks={report.checks} />
          {report.models.length > 0 && (
            <details>
              <summary>
                {report.models.length} model{report.models.length === 1 ? '' : 's'} available
              </summary>
              <ul className="models">
                {report.models.slice(0, MODELS_SHOWN).map((m) => (
                  <li key={m}>
                    <code>{m}</code>
                  </li>
                ))}
                {report.models.length > MODELS_SHOWN && <li className="muted">and {report.models.length - MODELS_SHOWN} more</li>}
              </ul>
            </details>
          )}
          {suggestions.length > 0 && (
            <div className="suggested">
              <h3>Suggested settings</h3>
              <dl className="facts">
                {suggestions.map(([field, value]) => (
                  <div key={field} className="fact">
                    <dt>{field}</dt>
                    <dd>
                      <code>{JSON.stringify(value)}</code>
                      {isFixed(field) && <span className="muted"> — fixed by a flag or environment variable: change it there</span>}
                    </dd>
                  </div>
                ))}
              </dl>
              {Object.keys(savable).length > 0 && (
                <button type="button" disabled={busy !== null} onClick={() => void apply()}>
                  Apply suggested settings
                </button>
              )}
            </div>
          )}
        </div>
      )}
    </Card>
  );
}
