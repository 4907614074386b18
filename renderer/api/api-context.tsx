/**
 * Hands the chosen transport to the tabs: the AdminApi (HTTP or IPC) and, in the desktop app only, the
 * DesktopApi.
 */
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import type { AdminApi } from '../../shared/admin-api';
import type { DesktopApi } from '../../shared/desktop-api';

export interface Api {
  admin: AdminApi;
  /** Null in the web admin. */
  desktop: DesktopApi | null;
}

const ApiContext = createContext<Api | null>(null);

export function ApiProvider({ value, children }: { value: Api; children: ReactNode }) {
  return <ApiContext.Provider value={value}>{children}</ApiContext.Provider>;
}

/** The transport of the app; throws outside an ApiProvider (a programming error). */
export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi() outside <ApiProvider>');
  return api;
}
