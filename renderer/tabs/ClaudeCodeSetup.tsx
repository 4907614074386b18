/**
 * Desktop only: writes ANTHROPIC_BASE_URL and ANTHROPIC_AUTH_TOKEN into Claude Code's settings.json for a chosen
 * key (setting an ANTHROPIC_API_KEY there aside), after showing what will change; shows what changed. Undo is
 * offered whenever a configuration of ours is in place, also after a tab switch or a restart (the main process
 * says so from the backups it left).
 */
import { useState } from 'react';
import type { ApiKeyInfo, ClaudeCodeConfigResult, ClaudeCodeConfigState } from '../../shared/types';
import { useApi } from '../api/api-context';
import { ErrorAlert, StatusMessage } from '../components/Alerts';
import { DataTable } from '../components/DataTable';
import { Field } from '../components/Field';
import { Options } from '../components/Options';
import { useAction } from '../hooks/use-action';
import { useLoad } from '../hooks/use-load';

interface RevealableKey {
  key: ApiKeyInfo;
  revealable: boolean;
}

export function ClaudeCodeSetup({ baseUrl }: { baseUrl: string }) {
  const { admin, desktop } = useApi();
  const keys = useLoad<RevealableKey[]>(async () => {
    const active = (await admin.listKeys()).filter((k) => k.is_active);
    return Promise.all(active.map(async (key) => ({ key, revealable: desktop ? await desktop.canRevealKey(key.id).catch(() => false) : false })));
  });
  const config = useLoad<ClaudeCodeConfigState | null>(async () => (desktop ? desktop.claudeCodeConfigState() : null));
  const [keyId, setKeyId] = useState('');
  const [stage, setStage] = useState<'idle' | 'preview' | 'done'>('idle');
  const [result, setResult] = useState<ClaudeCodeConfigResult | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const { busy, error, run: runAction } = useAction();

  if (!desktop) return null;
  const usable = (keys.data ?? []).filter((k) => k.revealable);
  const chosen = usable.find((k) => String(k.key.id) === keyId) ?? usable[0];

  const state = config.data ?? null;
  const settingsFile = state?.path ?? '~/.claude/settings.json';
  const run = (action: () => Promise<ClaudeCodeConfigResult>, done: string) =>
    runAction(async () => {
      try {
        setResult(await action());
        setMessage(done);
        setStage('done');
      } finally {
        await config.reload(true);
      }
    });
  const undo = () => void run(() => desktop.undoClaudeCodeConfig(), 'The previous settings are restored.');

  return (
    <div className="subsection">
      <h3>Configure Claude Code for me</h3>
      <ErrorAlert message={keys.error ?? config.error ?? error} />
      {keys.data && usable.length === 0 && (
        <p className="muted">
          {state?.key_storage_problem
            ? `This app cannot write a key for you: ${state.key_storage_problem}`
            : 'Create an API key in this app first: only keys created here can be written for you.'}
        </p>
      )}
      {state?.can_undo && stage !== 'done' && (
        <div className="actions">
          <span className="muted">
            Claude Code is set up by InfiniProxy in <code>{settingsFile}</code>.
          </span>
          <button type="button" className="button-secondary" disabled={busy} onClick={undo}>
            Undo
          </button>
        </div>
      )}
      {usable.length > 0 && stage !== 'done' && (
        <Field label="API key to use">
          {(control) => (
            <select {...control} value={chosen ? String(chosen.key.id) : ''} onChange={(e) => setKeyId(e.target.value)}>
              <Options items={usable.map(({ key }) => ({ value: key.id, label: `${key.name} (${key.username}, ${key.key_prefix}…)` }))} />
            </select>
          )}
        </Field>
      )}
      {stage === 'idle' && chosen && (
        <button type="button" onClick={() => setStage('preview')}>
          Configure Claude Code for me
        </button>
      )}
      {stage === 'preview' && chosen && (
        <div className="preview">
          <p>
            These entries will be set under <code>env</code> in <code>{settingsFile}</code>
            {state?.current.ANTHROPIC_API_KEY && (
              <>
                {' '}
                (its <code>ANTHROPIC_API_KEY</code> is set aside meanwhile: with it Claude Code would ask whether to use that key)
              </>
            )}
            . The current file is backed up first, and you can undo the change.
          </p>
          <DataTable columns={['Variable', 'New value']} scroll={false}>
            <tr>
              <td>
                <code>ANTHROPIC_BASE_URL</code>
              </td>
              <td>
                <code>{baseUrl}</code>
              </td>
            </tr>
            <tr>
              <td>
                <code>ANTHROPIC_AUTH_TOKEN</code>
              </td>
              <td>
                <code>{chosen.key.key_prefix}…</code> (key “{chosen.key.name}”)
              </td>
            </tr>
          </DataTable>
          <div className="actions">
            <button type="button" disabled={busy} onClick={() => void run(() => desktop.configureClaudeCode({ key_id: chosen.key.id }), 'Claude Code is configured.')}>
              Apply changes
            </button>
            <button type="button" className="button-secondary" onClick={() => setStage('idle')}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {stage === 'done' && result && (
        <div className="preview">
          <StatusMessage message={message} />
          <p>
            File: <code>{result.path}</code>
            {result.backup_path && (
              <>
                {' '}
                (backup: <code>{result.backup_path}</code>)
              </>
            )}
          </p>
          <ChangeTable result={result} />
          <div className="actions">
            {state?.can_undo && (
              <button type="button" className="button-secondary" disabled={busy} onClick={undo}>
                Undo
              </button>
            )}
            <button type="button" className="button-secondary" onClick={() => setStage('idle')}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  );
}

function ChangeTable({ result }: { result: ClaudeCodeConfigResult }) {
  const names = [...new Set([...Object.keys(result.before), ...Object.keys(result.after)])].sort();
  if (names.length === 0) return <p className="muted">Nothing changed.</p>;
  return (
    <DataTable columns={['Variable', 'Before', 'After']} scroll={false}>
      {names.map((name) => (
        <tr key={name}>
          <td>
            <code>{name}</code>
          </td>
          <td>{result.before[name] ?? <span className="muted">(unset)</span>}</td>
          <td>{result.after[name] ?? <span className="muted">(unset)</span>}</td>
        </tr>
      ))}
    </DataTable>
  );
}
