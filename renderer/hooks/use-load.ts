/**
 * Loads data with an async function and keeps its state; the latest call wins, and nothing is set after
 * the component unmounts.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { errorMessage } from '../lib/errors';

export interface Loaded<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  /** Loads again; `quiet` keeps `loading` false (background refresh). */
  reload: (quiet?: boolean) => Promise<void>;
  setData: (data: T) => void;
}

/** Runs `load` now and whenever `key` changes. */
export function useLoad<T>(load: () => Promise<T>, key: string = ''): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  // A new key shows `loading` from its first render (state adjusted during render, not in an effect).
  const [loadingKey, setLoadingKey] = useState(key);
  if (loadingKey !== key) {
    setLoadingKey(key);
    setLoading(true);
  }
  const latest = useRef(0);
  // The latest `load`, for `reload` (stable) to call; written after render, before the effects run.
  const loadRef = useRef(load);
  useLayoutEffect(() => {
    loadRef.current = load;
  });
  const mounted = useRef(true);

  /** Runs `load` as call number `call`; state is set only after it settles, and only by the latest call. */
  const settle = useCallback(async (call: number) => {
    try {
      const value = await loadRef.current();
      if (mounted.current && call === latest.current) {
        setData(value);
        setError(null);
      }
    } catch (e) {
      if (mounted.current && call === latest.current) setError(errorMessage(e));
    } finally {
      if (mounted.current && call === latest.current) setLoading(false);
    }
  }, []);

  const reload = useCallback(
    async (quiet = false) => {
      const call = ++latest.current;
      if (!quiet) setLoading(true);
      await settle(call);
    },
    [settle],
  );

  useEffect(() => {
    mounted.current = true;
    void settle(++latest.current);
    return () => {
      mounted.current = false;
    };
  }, [settle, key]);

  return { data, error, loading, reload, setData };
}
