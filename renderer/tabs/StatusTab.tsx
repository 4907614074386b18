/**
 * Status: whether the proxy runs, where, against which backend; each provider's health; start/stop in the desktop app; the
 * Claude Code setup lines to copy (and, on desktop, "Configure Claude Code for me").
 */
import { useApi } from '../api/api-context';
import { ErrorAlert } from '../components/Alerts';
import { Card } from '../components/Card';
import { CopyButton } from '../components/CopyButton';
import { ProviderHealthTable } from '../components/ProviderHealthTable';
import { useAction } from '../hooks/use-action';
import { useInterval } from '../hooks/use-interval';
import { useLoad } from '../hooks/use-load';
import { formatHash } from '../lib/hash-route';
import { KEY_PLACEHOLDER, claudeCodeSnippet, clientBaseUrl } from '../lib/snippet';
import { ClaudeCodeSetup } from './ClaudeCodeSetup';

export function StatusTab() {
  const { admin, desktop } = useApi();
  const status = useLoad(() => admin.status());
  const { busy, error: actionError, run } = useAction();
  useInterval(() => void status.reload(true), 10_000);

  const toggle = async (start: boolean) => {
    if (!desktop) return;
    await run(async () => status.setData(start ? await desktop.startProxy() : await desktop.stopProxy()));
  };

  const s = status.data;
  const baseUrl = s ? (clientBaseUrl(s, window.location.protocol.startsWith('http') ? window.location.origin : undefined) ?? `http://${s.host}:${s.port}`) : '';
  const snippet = claudeCodeSnippet(baseUrl);

  return (
    <div className="stack">
      <Card
        headingId="status-heading"
        title="Proxy"
        actions={
          desktop && s ? (
            <div className="actions">
              {s.running ? (
                <button type="button" className="button-secondary" disabled={busy} onClick={() => void toggle(false)}>
                  Stop proxy
                </button>
              ) : (
                <button type="button" disabled={busy} onClick={() => void toggle(true)}>
                  Start proxy
                </button>
              )}
            </div>
          ) : null
        }
      >
        <ErrorAlert message={status.error ?? actionError} />
        {s === undefined ? (
          status.loading && <p className="muted">Loading…</p>
        ) : (
          <>
            <dl className="facts">
              <dt>State</dt>
              <dd>
                <span className={`badge ${s.running ? 'badge-ok' : 'badge-off'}`}>{s.running ? 'Running' : 'Stopped'}</span>
              </dd>
              <dt>URL</dt>
              <dd>{s.url ? <code>{s.url}</code> : <span className="muted">Not listening (configured for {s.host}:{s.port})</span>}</dd>
              <dt>Backend</dt>
              <dd>{s.backend_url ? <code>{s.backend_url}</code> : <span className="muted">None</span>}</dd>
              <dt>Default model</dt>
              <dd>{s.default_model ? <code>{s.default_model}</code> : <span className="muted">None</span>}</dd>
              <dt>Version</dt>
              <dd>{s.version}</dd>
            </dl>
            {!s.backend_configured && (
              <p className="alert alert-warning">
                The backend is not fully configured: requests need a backend URL and a default model.{' '}
                <a href={formatHash('settings')}>Open Settings</a>.
              </p>
            )}
            {s.error && <ErrorAlert message={`Last start failed: ${s.error}`} />}
          </>
        )}
      </Card>

      <Card headingId="provider-status-heading" title="Providers">
        <ProviderHealthTable providers={s?.providers ?? []} labelledBy="provider-status-heading" />
      </Card>

      <Card headingId="claude-heading" title="Use it with Claude Code">
        <p>
          Run these lines in the shell where you start <code>claude</code>. Replace <code>{KEY_PLACEHOLDER}</code> with a key from{' '}
          <a href={formatHash('keys')}>API Keys</a>.
        </p>
        <pre className="snippet" aria-label="Claude Code setup commands">
          <code>{snippet}</code>
        </pre>
        <CopyButton text={snippet} label="Copy setup commands" />
        {desktop && s && <ClaudeCodeSetup baseUrl={baseUrl} />}
      </Card>
    </div>
  );
}
