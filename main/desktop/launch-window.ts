/**
 * Whether the window opens at launch. The app lives in the tray, but a tray icon is not always visible: GNOME
 * shows none unless the AppIndicator extension is installed (Ubuntu's GNOME has it, Fedora's does not), and
 * Electron cannot tell. So where the tray may be invisible the window always opens at launch, even when started
 * hidden, and the first time it is closed a notification says how to reach it again.
 */

/**
 * True on Linux under GNOME (`XDG_CURRENT_DESKTOP` lists it, e.g. `ubuntu:GNOME`) or an unnamed desktop; KDE,
 * Xfce, Cinnamon, MATE and the others show tray icons. Windows and macOS always do.
 */
export function trayMayBeInvisible(platform: NodeJS.Platform, env: Record<string, string | undefined>): boolean {
  if (platform !== 'linux') return false;
  const desktops = (env.XDG_CURRENT_DESKTOP ?? '').split(':').map((d) => d.trim().toLowerCase()).filter(Boolean);
  return desktops.length === 0 || desktops.includes('gnome');
}

/** The window opens at launch unless started hidden (at login) where the tray is sure to show. */
export function showWindowAtLaunch(opts: { launchedHidden: boolean; trayMayBeInvisible: boolean }): boolean {
  return !opts.launchedHidden || opts.trayMayBeInvisible;
}

/** What the first close of the window says where the tray may be invisible (null elsewhere: the tray is there). */
export function hiddenWindowNotice(trayMayBeInvisible: boolean): { title: string; body: string } | null {
  if (!trayMayBeInvisible) return null;
  return {
    title: 'InfiniProxy is still running',
    body: 'The proxy keeps serving. Open InfiniProxy from the app menu to show the window again, or press Ctrl+Q in it to quit.',
  };
}
