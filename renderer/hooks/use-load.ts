/**
 * Loads data with an async function and keeps its state; the latest call wins, and nothing is set after
 * the component unmounts.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
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
  const latest = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const mounted = useRef(true);

  const reload = useCallback(async (quiet = false) => {
    const call = ++latest.current;
    if (!quiet) setLoading(true);
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

  useEffect(() => {
    mounted.current = true;
    void reload();
    return () => {
      mounted.current = false;
    };
  }, [reload, key]);

  return { data, error, loading, reload, setData };
}
