/**
 * The app: picks the transport (IPC in the desktop app, HTTP in the browser), asks the web admin for
 * its token, then shows the tabs.
 */
import { useCallback, useMemo, useState } from 'react';
import { createHttpAdminClient } from '../shared/admin-http-client';
import { ApiProvider } from './api/api-context';
import type { Api } from './api/api-context';
import { createIpcClient, findBridge } from './api/ipc-client';
import { apiBaseFromLocation, clearToken, loadToken, saveToken } from './api/session';
import { Shell } from './Shell';
import { SignIn } from './SignIn';

export function App() {
  const ipc = useMemo<Api | null>(() => {
    const bridge = findBridge(window);
    return bridge ? createIpcClient(bridge) : null;
  }, []);
  if (ipc) {
    return (
      <ApiProvider value={ipc}>
        <Shell />
      </ApiProvider>
    );
  }
  return <WebApp />;
}

function WebApp() {
  const [token, setToken] = useState<string | null>(() => loadToken(window.sessionStorage));
  const [notice, setNotice] = useState<string | null>(null);
  const baseUrl = useMemo(() => apiBaseFromLocation(window.location.href), []);

  const signOut = useCallback((why: string | null) => {
    clearToken(window.sessionStorage);
    setToken(null);
    setNotice(why);
  }, []);

  const api = useMemo<Api | null>(() => {
    if (token === null) return null;
    const admin = createHttpAdminClient({
      baseUrl,
      token,
      fetch: async (input, init) => {
        const response = await window.fetch(input, init);
        if (response.status === 401) signOut('The admin token is no longer accepted. Sign in again.');
        return response;
      },
    });
    return { admin, desktop: null };
  }, [token, baseUrl, signOut]);

  if (!api) {
    return (
      <SignIn
        baseUrl={baseUrl}
        notice={notice}
        onSignedIn={(accepted) => {
          saveToken(window.sessionStorage, accepted);
          setNotice(null);
          setToken(accepted);
        }}
      />
    );
  }
  return (
    <ApiProvider value={api}>
      <Shell onSignOut={() => signOut(null)} />
    </ApiProvider>
  );
}
