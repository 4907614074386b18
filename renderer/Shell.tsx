/** The frame around the tabs: header, tab bar and the selected panel (hash-routed). */
import type { ReactNode } from 'react';
import { panelId, tabId, TabBar } from './components/TabBar';
import { useHashRoute } from './hooks/use-hash-route';
import type { TabId } from './lib/hash-route';
import { KeysTab } from './tabs/KeysTab';
import { RequestsTab } from './tabs/RequestsTab';
import { SettingsTab } from './tabs/SettingsTab';
import { StatusTab } from './tabs/StatusTab';
import { UsageTab } from './tabs/UsageTab';
import { UsersTab } from './tabs/UsersTab';

export function Shell({ onSignOut }: { onSignOut?: () => void }) {
  const [route, navigate] = useHashRoute();
  const panels: Record<TabId, () => ReactNode> = {
    status: () => <StatusTab />,
    users: () => <UsersTab />,
    keys: () => <KeysTab userFilter={route.params.user ?? ''} onFilter={(user) => navigate('keys', { user })} />,
    usage: () => <UsageTab />,
    requests: () => <RequestsTab />,
    settings: () => <SettingsTab />,
  };
  return (
    <div className="app">
      <header className="topbar">
        <h1 className="brand">
          <span className="brand-mark" aria-hidden="true">
            ∞
          </span>{' '}
          InfiniProxy
        </h1>
        {onSignOut && (
          <button type="button" className="button-quiet" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <nav className="tabs-nav" aria-label="Admin sections">
        <TabBar current={route.tab} onSelect={(tab) => navigate(tab)} />
      </nav>
      <main id={panelId(route.tab)} role="tabpanel" aria-labelledby={tabId(route.tab)} className="panel" tabIndex={-1}>
        {panels[route.tab]()}
      </main>
    </div>
  );
}
