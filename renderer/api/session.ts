/**
 * The web admin's sign-in: where the admin token is kept (sessionStorage: gone when the tab closes) and
 * which base URL the admin API has (the page's own origin and any path prefix before `/admin/`).
 */

const TOKEN_KEY = 'infiniproxy.admin-token';

/** The subset of Storage used (sessionStorage in the browser). */
export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export function loadToken(storage: TokenStorage | undefined): string | null {
  try {
    const token = storage?.getItem(TOKEN_KEY) ?? null;
    return token && token.trim() !== '' ? token : null;
  } catch {
    return null;
  }
}

export function saveToken(storage: TokenStorage | undefined, token: string): void {
  try {
    storage?.setItem(TOKEN_KEY, token);
  } catch {
    // Storage disabled: the session lasts until reload.
  }
}

export function clearToken(storage: TokenStorage | undefined): void {
  try {
    storage?.removeItem(TOKEN_KEY);
  } catch {
    // Nothing kept.
  }
}

/**
 * The admin API's base URL for a page at `href`: `http://host:8000/admin/#/users` → `http://host:8000`,
 * `https://host/proxy/admin/` → `https://host/proxy`.
 */
export function apiBaseFromLocation(href: string): string {
  const url = new URL(href);
  const path = url.pathname;
  const at = path.lastIndexOf('/admin/');
  const prefix = at >= 0 ? path.slice(0, at) : path.endsWith('/admin') ? path.slice(0, -'/admin'.length) : '';
  return `${url.origin}${prefix}`;
}
