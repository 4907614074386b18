/** "Test connection": the backend probe's checks and models, and its suggested settings to apply. */
import { useState } from 'react';
import type { DoctorReport, SettingsView } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { errorMessage } from '../lib/errors';

const MODELS_SHOWN = 40;

export function ConnectionTest({ dirty, onApplied }: { dirty: boolean; onApplied: (view: SettingsView) => void }) {
  const { admin } = useApi();
  const [report, setReport] = useState<DoctorReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const test = async () => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      setReport(await admin.testConnection());
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    if (!report) return;
    setBusy(true);
    setError(null);
    try {
      const view = await admin.updateSettings(report.suggested);
      setMessage('Suggested settings applied.');
      setReport({ ...report, suggested: {} });
      onApplied(view);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };

  const suggestions = report ? Object.entries(report.suggested) : [];

  return (
    <section className="card" aria-labelledby="test-heading">
      <div className="card-head">
        <h2 id="test-heading">Connection</h2>
        <button type="button" className="button-secondary" disabled={busy} onClick={() => void test()}>
          {busy && !report ? 'Testing…' : 'Test connection'}
        </button>
      </div>
      <p className="hint">{dirty ? 'Tests the saved settings: save your changes first.' : 'Asks the backend for its models and tries a short request.'}</p>
      <ErrorAlert message={error} />
      <StatusMessage message={message} />
      {report && (
        <div className="report" aria-label="Connection test result">
          <p>
            <span className={`badge ${report.ok ? 'badge-ok' : 'badge-error'}`}>{report.ok ? 'Backend OK' : 'Problems found'}</span> <code>{report.backend_url}</code>
          </p>
          <ul className="checks">
            {report.checks.map((check) => (
              <li key={check.name} className={check.ok ? 'check-ok' : 'check-failed'}>
                <span className="check-mark" aria-hidden="true">
                  {check.ok ? '✓' : '✗'}
                </span>
                <strong>{check.name}</strong> <span className="visually-hidden">{check.ok ? 'passed' : 'failed'}</span>
                {check.detail && <span className="muted"> — {check.detail}</span>}
              </li>
            ))}
          </ul>
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
                    </dd>
                  </div>
                ))}
              </dl>
              <button type="button" disabled={busy} onClick={() => void apply()}>
                Apply suggested settings
              </button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
