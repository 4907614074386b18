/**
 * One user action at a time (a create, a delete, a start): `busy` while it runs, and the message of its failure
 * in `error`, for a button to disable and an alert to show.
 */
import { useState } from 'react';
import { errorMessage } from '../lib/errors';

export interface Action {
  /** True while `run` waits for its action. */
  busy: boolean;
  /** What went wrong the last time, or a message set with `setError` (a check before running); null otherwise. */
  error: string | null;
  setError: (message: string | null) => void;
  /** Clears the error, runs `action` with `busy` set, and keeps its failure's message in `error`. Never rejects. */
  run: (action: () => Promise<void>) => Promise<void>;
}

/** The state of an action the user starts, with the try/catch/finally around it written once. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, run };
}
