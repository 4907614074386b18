import { useEffect, useEffectEvent } from 'react';

/** Calls `tick` every `ms` while `enabled` and the page is visible. */
export function useInterval(tick: () => void, ms: number, enabled = true): void {
  const onTick = useEffectEvent(tick);
  useEffect(() => {
    if (!enabled) return;
    const id = window.setInterval(() => {
      if (document.visibilityState !== 'hidden') onTick();
    }, ms);
    return () => window.clearInterval(id);
  }, [ms, enabled]);
}
