/** The checks of a doctor report (`cli doctor`, "Test connection", a provider's test): passed, passed with a note, or failed. */
import type { DoctorCheck } from '../../shared/types';

/** How a check is shown: its class, mark and the words a screen reader hears. */
function checkState(check: DoctorCheck): { className: string; mark: string; label: string } {
  if (!check.ok) return { className: 'check-failed', mark: '✗', label: 'failed' };
  if (check.warning) return { className: 'check-warn', mark: '!', label: 'passed with a note' };
  return { className: 'check-ok', mark: '✓', label: 'passed' };
}

export function DoctorChecks({ checks }: { checks: readonly DoctorCheck[] }) {
  return (
    <ul className="checks">
      {checks.map((check) => {
        const state = checkState(check);
        return (
          <li key={check.name} className={state.className}>
            <span className="check-mark" aria-hidden="true">
              {state.mark}
            </span>
            <strong>{check.name}</strong> <span className="visually-hidden">{state.label}</span>
            {check.detail && <span className="muted"> — {check.detail}</span>}
          </li>
        );
      })}
    </ul>
  );
}
