/**
 * Hash routes of the app (`#/users`, `#/keys?user=3`). Hash routes never reach the server, so they cannot
 * collide with the admin API under `/admin/...`, and they work from `file://` in Electron too.
 */

/** The tabs, in display order. */
export const TABS = [
  { id: 'status', label: 'Status' },
  { id: 'users', label: 'Users' },
  { id: 'keys', label: 'API Keys' },
  { id: 'usage', label: 'Usage' },
  { id: 'requests', label: 'Requests' },
  { id: 'settings', label: 'Settings' },
] as const;

export type TabId = (typeof TABS)[number]['id'];

export interface Route {
  tab: TabId;
  params: Record<string, string>;
}

const DEFAULT_TAB: TabId = 'status';

function isTabId(value: string): value is TabId {
  return TABS.some((tab) => tab.id === value);
}

/** The route of a `location.hash`; unknown or empty hashes go to Status. */
export function parseHash(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = body.split('?', 2);
  const tab = decodeSafe(path.replace(/\/+$/, ''));
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) params[key] = value;
  return { tab: isTabId(tab) ? tab : DEFAULT_TAB, params };
}

/** The hash of a route: `#/keys?user=3`. Empty parameters are left out. */
export function formatHash(tab: TabId, params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== '') search.set(key, String(value));
  }
  const query = search.toString();
  return `#/${tab}${query ? `?${query}` : ''}`;
}

/** The tab an arrow, Home or End key moves to from `current` (wrapping), or undefined for other keys. */
export function tabForKey(current: TabId, key: string): TabId | undefined {
  const index = TABS.findIndex((tab) => tab.id === current);
  const last = TABS.length - 1;
  const next =
    key === 'ArrowRight' ? (index === last ? 0 : index + 1)
    : key === 'ArrowLeft' ? (index <= 0 ? last : index - 1)
    : key === 'Home' ? 0
    : key === 'End' ? last
    : undefined;
  return next === undefined ? undefined : TABS[next]?.id;
}

function decodeSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
