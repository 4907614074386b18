/**
 * The IPC transport of {@link AdminApi} (and the desktop-only {@link DesktopApi}) over `window.infiniproxy`,
 * which the preload exposes. The preload rethrows `{error}` outcomes as errors whose message is the error
 * body as JSON (crossing the context bridge keeps only the message); every failure is turned back into an
 * {@link AdminError} with its status, code and human message here.
 */
import { AdminError, isAdminErrorBody } from '../../shared/admin-api';
import type { AdminApi, AdminErrorBody } from '../../shared/admin-api';
import type { BridgeApi, DesktopApi } from '../../shared/desktop-api';

declare global {
  interface Window {
    /** Present only in the desktop app (put there by the preload). */
    infiniproxy?: BridgeApi;
  }
}

/** Both halves of the bridge, each call's failure normalised to an AdminError. */
export interface IpcClient {
  admin: AdminApi;
  desktop: DesktopApi;
}

/** The bridge when running in the desktop app, else undefined (the web admin). */
export function findBridge(scope: { infiniproxy?: BridgeApi } | undefined): BridgeApi | undefined {
  const bridge = scope?.infiniproxy;
  return bridge && typeof bridge.status === 'function' ? bridge : undefined;
}

/** Wraps the preload's bridge. */
export function createIpcClient(bridge: BridgeApi): IpcClient {
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toAdminError(error);
    }
  };
  const admin: AdminApi = {
    status: () => guard(() => bridge.status()),
    listUsers: () => guard(() => bridge.listUsers()),
    createUser: (input) => guard(() => bridge.createUser(input)),
    deleteUser: (ref) => guard(() => bridge.deleteUser(ref)),
    listKeys: (filter) => guard(() => bridge.listKeys(filter)),
    createKey: (input) => guard(() => bridge.createKey(input)),
    revokeKey: (id) => guard(() => bridge.revokeKey(id)),
    setKeyLimits: (id, limits) => guard(() => bridge.setKeyLimits(id, limits)),
    usage: (query) => guard(() => bridge.usage(query)),
    requests: (query) => guard(() => bridge.requests(query)),
    getSettings: () => guard(() => bridge.getSettings()),
    updateSettings: (patch) => guard(() => bridge.updateSettings(patch)),
    testConnection: (target) => guard(() => bridge.testConnection(target)),
  };
  const desktop: DesktopApi = {
    startProxy: () => guard(() => bridge.startProxy()),
    stopProxy: () => guard(() => bridge.stopProxy()),
    configureClaudeCode: (input) => guard(() => bridge.configureClaudeCode(input)),
    undoClaudeCodeConfig: () => guard(() => bridge.undoClaudeCodeConfig()),
    claudeCodeConfigState: () => guard(() => bridge.claudeCodeConfigState()),
    canRevealKey: (id) => guard(() => bridge.canRevealKey(id)),
    copyKeyToClipboard: (id) => guard(() => bridge.copyKeyToClipboard(id)),
  };
  return { admin, desktop };
}

const REMOTE_PREFIX = /^Error invoking remote method '[^']*':\s*(?:\w*Error:\s*)?/;

/**
 * An AdminError from whatever crossed the bridge: an Error whose message is the error body as JSON (what
 * the preload throws; any prefix Electron adds is skipped), an object with the body's fields, an
 * AdminError, or any other Error (status 500, code `ipc_error`, its message kept).
 */
export function toAdminError(error: unknown): AdminError {
  const raw = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  const fromJson = bodyFromMessage(raw);
  if (fromJson) return new AdminError(fromJson);
  if (error instanceof AdminError) return error;
  if (isAdminErrorBody(error)) return new AdminError({ status: error.status, code: error.code, message: error.message });
  const message = raw.replace(REMOTE_PREFIX, '');
  return new AdminError({ status: 500, code: 'ipc_error', message: message || 'The desktop app did not answer.' });
}

function bodyFromMessage(message: string): AdminErrorBody | undefined {
  const start = message.indexOf('{');
  if (start < 0) return undefined;
  try {
    const body: unknown = JSON.parse(message.slice(start));
    return isAdminErrorBody(body) ? { status: body.status, code: body.code, message: body.message } : undefined;
  } catch {
    return undefined;
  }
}

