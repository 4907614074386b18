/**
 * The IPC channel lists, derived from the shared contracts so the main-side handlers and the preload can
 * never drift: `admin:<method>` for every AdminApi method (taken from the `adminRoutes` table, which the
 * compiler keeps complete) and `desktop:<method>` for every DesktopApi method.
 */
import { adminChannel, adminRoutes, type AdminMethod } from '../../shared/admin-api';
import { desktopChannel, type DesktopMethod } from '../../shared/desktop-api';

/** Every AdminApi method, in the contract's order. */
export const adminMethods = Object.keys(adminRoutes) as AdminMethod[];

// `satisfies` makes this exhaustive: a DesktopApi method missing here (or an extra one) fails to compile.
const desktopMethodSet = {
  startProxy: true,
  stopProxy: true,
  configureClaudeCode: true,
  undoClaudeCodeConfig: true,
  claudeCodeConfigState: true,
  canRevealKey: true,
  copyKeyToClipboard: true,
} as const satisfies Record<DesktopMethod, true>;

/** Every DesktopApi method. */
export const desktopMethods = Object.keys(desktopMethodSet) as DesktopMethod[];

/** An IPC channel name: `admin:<method>` or `desktop:<method>`. */
export type IpcChannel = `admin:${AdminMethod}` | `desktop:${DesktopMethod}`;

/** Every IPC channel the main process handles. */
export const ipcChannels: IpcChannel[] = [...adminMethods.map(adminChannel), ...desktopMethods.map(desktopChannel)];
