/**
 * The tray as a pure function of state: the whole menu is rebuilt from a {@link TrayState} on every change
 * (status with each provider's health, keys, busy), so there is no menu state to keep in sync. Also the texts derived from a status: the
 * status line, the tray icon and tooltip, and the notice shown when the proxy cannot start.
 * Imports only types from Electron; tray.ts turns the template into a real menu.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ApiKeyInfo, ServerStatus } from '../../shared/types';
import { proxyBaseUrl } from './proxy-url';

/** A key as the tray lists it. */
export interface TrayKey {
  id: number;
  label: string;
  /** Whether the desktop kept it (encrypted) and can copy it again. */
  revealable: boolean;
}

export interface TrayState {
  status: ServerStatus;
  /** Active keys only. */
  keys: TrayKey[];
  /** A start or stop is under way: both are disabled until it ends. */
  busy: boolean;
}

/** What the menu's items do; tray.ts implements them. */
export interface TrayActions {
  startProxy(): void;
  stopProxy(): void;
  copyKey(id: number): void;
  copyClaudeSetup(id: number): void;
  openWindow(): void;
  quit(): void;
}

export const NO_KEYS_LABEL = 'No keys yet — create one in the window';
export const CANNOT_SHOW_SUFFIX = " — can't be shown again";

/** The menu template for the current state. */
export function buildTrayMenu(state: TrayState, actions: TrayActions): MenuItemConstructorOptions[] {
  const { status, busy } = state;
  const header: MenuItemConstructorOptions[] = [{ id: 'status', label: statusLine(status), enabled: false }];
  if (status.running && !status.backend_configured) {
    header.push({ id: 'backend', label: 'No backend set — open the window to choose one', enabled: false });
  }
  return [
    ...header,
    ...providerItems(status),
    { type: 'separator' },
    { id: 'start', label: 'Start proxy', enabled: !status.running && !busy, click: () => actions.startProxy() },
    { id: 'stop', label: 'Stop proxy', enabled: status.running && !busy, click: () => actions.stopProxy() },
    { type: 'separator' },
    { id: 'copy-key', label: 'Copy API key', submenu: keyItems(state.keys, (id) => actions.copyKey(id)) },
    {
      id: 'copy-setup',
      label: 'Copy Claude Code setup',
      submenu: keyItems(state.keys, (id) => actions.copyClaudeSetup(id)),
    },
    { type: 'separator' },
    { id: 'open', label: 'Open window', click: () => actions.openWindow() },
    { id: 'quit', label: 'Quit', click: () => actions.quit() },
  ];
}

/** `Providers: 2 healthy, 1 down` with a line per provider (`deepseek — down: HTTP 503…`); none without providers. */
function providerItems(status: ServerStatus): MenuItemConstructorOptions[] {
  const providers = status.providers ?? [];
  if (providers.length === 0) return [];
  const counts = (['healthy', 'degraded', 'down'] as const).map((state) => [state, providers.filter((p) => p.state === state).length] as const);
  const summary = counts.filter(([, n]) => n > 0).map(([state, n]) => `${n} ${state}`).join(', ');
  return [
    {
      id: 'providers',
      label: `Providers: ${summary}`,
      submenu: providers.map((p) => ({
        id: `provider-${p.name}`,
        label: `${p.name} — ${p.state}${p.state !== 'healthy' && p.last_error ? `: ${p.last_error.split('\n')[0]!.slice(0, 60)}` : ''}`,
        enabled: false,
      })),
    },
  ];
}

function keyItems(keys: TrayKey[], copy: (id: number) => void): MenuItemConstructorOptions[] {
  if (keys.length === 0) return [{ label: NO_KEYS_LABEL, enabled: false }];
  return keys.map((key) =>
    key.revealable
      ? { id: `key-${key.id}`, label: key.label, click: () => copy(key.id) }
      : { id: `key-${key.id}`, label: key.label + CANNOT_SHOW_SUFFIX, enabled: false },
  );
}

/** The tray's view of the active keys: `name (user)`, revealable when the vault has it. */
export function trayKeysFrom(keys: ApiKeyInfo[], canReveal: (id: number) => boolean): TrayKey[] {
  return keys
    .filter((key) => key.is_active)
    .map((key) => ({
      id: key.id,
      label: `${key.name.trim() || key.key_prefix} (${key.username})`,
      revealable: canReveal(key.id),
    }));
}

/** `Running — http://127.0.0.1:8000`, `Stopped`, or `Stopped — port 8000 in use`. */
export function statusLine(status: ServerStatus): string {
  if (status.running) return `Running — ${proxyBaseUrl(status)}`;
  return status.error ? `Stopped — ${shortError(status)}` : 'Stopped';
}

/** A start error short enough for a menu line. */
export function shortError(status: Pick<ServerStatus, 'error' | 'port'>): string {
  const error = status.error ?? '';
  if (/EADDRINUSE|already in use|port .* in use/i.test(error)) return `port ${status.port} in use`;
  const line = error.split('\n')[0] ?? '';
  return line.length > 60 ? line.slice(0, 59) + '…' : line;
}

export type TrayIconName = 'running' | 'stopped' | 'error';

/** The tray image and tooltip for a status. On macOS the images are monochrome templates. */
export function trayIconFor(
  status: ServerStatus,
  platform: NodeJS.Platform = process.platform,
): { name: TrayIconName; file: string; tooltip: string } {
  const name: TrayIconName = status.running ? 'running' : status.error ? 'error' : 'stopped';
  const file = platform === 'darwin' ? `${name}Template.png` : `${name}.png`;
  const tooltip = status.running
    ? `InfiniProxy — running on ${proxyBaseUrl(status)}`
    : status.error
      ? `InfiniProxy — stopped: ${shortError(status)}`
      : 'InfiniProxy — stopped';
  return { name, file, tooltip };
}

/** The notification to show when a status change brings a new start error, else null. */
export function statusNotice(
  previous: ServerStatus | undefined,
  next: ServerStatus,
): { title: string; body: string } | null {
  if (next.running || !next.error || next.error === previous?.error) return null;
  const body = /EADDRINUSE|in use/i.test(next.error)
    ? `Port ${next.port} is in use by another program. Choose another port in Settings, or stop that program, ` +
      'then start the proxy again.'
    : `${next.error}\nOpen the window to check the settings.`;
  return { title: 'InfiniProxy could not start the proxy', body };
}

/**
 * Whether a left-click on the tray icon opens the window: on Windows (and Linux desktops that report clicks) a
 * left-click is how users open a tray app, the menu being on the right button; on macOS a click opens the menu.
 */
export function clickOpensWindow(platform: NodeJS.Platform = process.platform): boolean {
  return platform !== 'darwin';
}
