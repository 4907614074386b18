import { useCallback, useEffect, useState } from 'react';
import { formatHash, parseHash } from '../lib/hash-route';
import type { Route, TabId } from '../lib/hash-route';

/** The current hash route and a way to go to another one. */
export function useHashRoute(): [Route, (tab: TabId, params?: Record<string, string | number | undefined>) => void] {
  const [route, setRoute] = useState<Route>(() => parseHash(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  const navigate = useCallback((tab: TabId, params: Record<string, string | number | undefined> = {}) => {
    const hash = formatHash(tab, params);
    if (window.location.hash !== hash) window.location.hash = hash;
  }, []);
  return [route, navigate];
}
