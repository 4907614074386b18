import { useEffect, useRef } from 'react';

/** Calls `tick` every `ms` while `enabled` and the page is visible. */
export function useInterval(tick: () => void, ms: number, enabled = true): void {
  const tickRef = useRef(tick);
  tickRef.current = tick;
  useEffect(() => {
    if (!enabled) return;
    const id = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') tickRef.current();
    }, ms);
    return () => window.clearInterval(id);
  }, [ms, enabled]);
}
