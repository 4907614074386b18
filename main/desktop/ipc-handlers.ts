/**
 * The IPC handler table, pure: one handler per channel (`admin:<method>` for the AdminApi, `desktop:<method>`
 * for the DesktopApi). Each checks the shape of what the renderer sent (arity, ids, plain objects; deeper
 * validation is the admin service's, shared with HTTP and the CLI), calls through, and returns
 * `{result}` or `{error: {status, code, message}}`: it never throws, and never sends a stack trace.
 * ipc.ts registers the table with Electron.
 */
import { AdminError, isAdminErrorBody, type AdminApi, type AdminErrorBody, type AdminMethod, type IpcOutcome } from '../../shared/admin-api';
import type { DesktopApi, DesktopMethod } from '../../shared/desktop-api';

/** A handler as registered: arguments are unknown until checked. */
export type IpcHandler<R> = (...args: unknown[]) => Promise<IpcOutcome<R>>;

type Result<F> = F extends (...args: never[]) => Promise<infer R> ? R : never;

/** Every channel with its handler; the result type follows the contract's method. */
export type IpcHandlers = { [M in AdminMethod as `admin:${M}`]: IpcHandler<Result<AdminApi[M]>> } & {
  [M in DesktopMethod as `desktop:${M}`]: IpcHandler<Result<DesktopApi[M]>>;
};

export interface IpcHandlerDeps {
  /** The desktop's AdminApi (vaulted: see vaulted-admin.ts). */
  admin: AdminApi;
  desktop: DesktopApi;
  /** Where unexpected errors are logged (never sent to the renderer beyond their message). */
  log?: (message: string, error: unknown) => void;
}

/** Builds the handler table. */
export function createIpcHandlers(deps: IpcHandlerDeps): IpcHandlers {
  const { admin, desktop } = deps;
  const log = deps.log ?? ((message, error) => console.error(message, error));

  /** Wraps a call: checks the argument count, turns every failure into `{error}`. */
  function handle<R>(channel: string, arity: number, call: (...args: unknown[]) => Promise<R>): IpcHandler<R> {
    return async (...args) => {
      try {
        if (args.length > arity) throw invalid(`${channel} takes at most ${arity} argument(s), got ${args.length}.`);
        return { result: await call(...args) };
      } catch (error) {
        return { error: toErrorBody(error, channel, log) };
      }
    };
  }

  return {
    'admin:status': handle('admin:status', 0, () => admin.status()),
    'admin:listUsers': handle('admin:listUsers', 0, () => admin.listUsers()),
    'admin:createUser': handle('admin:createUser', 1, (input) => admin.createUser(plainObject(input, 'input'))),
    'admin:deleteUser': handle('admin:deleteUser', 1, (ref) => admin.deleteUser(userRef(ref))),
    'admin:listKeys': handle('admin:listKeys', 1, (filter) =>
      admin.listKeys(filter === undefined ? undefined : plainObject(filter, 'filter')),
    ),
    'admin:createKey': handle('admin:createKey', 1, (input) => admin.createKey(plainObject(input, 'input'))),
    'admin:revokeKey': handle('admin:revokeKey', 1, (id) => admin.revokeKey(positiveId(id, 'id'))),
    'admin:setKeyLimits': handle('admin:setKeyLimits', 2, (id, limits) =>
      admin.setKeyLimits(positiveId(id, 'id'), plainObject(limits, 'limits')),
    ),
    'admin:usage': handle('admin:usage', 1, (query) => admin.usage(plainObject(query ?? {}, 'query'))),
    'admin:requests': handle('admin:requests', 1, (query) => admin.requests(plainObject(query ?? {}, 'query'))),
    'admin:getSettings': handle('admin:getSettings', 0, () => admin.getSettings()),
    'admin:updateSettings': handle('admin:updateSettings', 1, (patch) =>
      admin.updateSettings(plainObject(patch, 'patch')),
    ),
    'admin:testConnection': handle('admin:testConnection', 0, () => admin.testConnection()),

    'desktop:startProxy': handle('desktop:startProxy', 0, () => desktop.startProxy()),
    'desktop:stopProxy': handle('desktop:stopProxy', 0, () => desktop.stopProxy()),
    'desktop:configureClaudeCode': handle('desktop:configureClaudeCode', 1, (input) => {
      const { key_id } = plainObject<{ key_id?: unknown }>(input, 'input');
      return desktop.configureClaudeCode({ key_id: positiveId(key_id, 'key_id') });
    }),
    'desktop:undoClaudeCodeConfig': handle('desktop:undoClaudeCodeConfig', 0, () => desktop.undoClaudeCodeConfig()),
    'desktop:claudeCodeConfigState': handle('desktop:claudeCodeConfigState', 0, () => desktop.claudeCodeConfigState()),
    'desktop:canRevealKey': handle('desktop:canRevealKey', 1, (id) => desktop.canRevealKey(positiveId(id, 'key_id'))),
    'desktop:copyKeyToClipboard': handle('desktop:copyKeyToClipboard', 1, (id) =>
      desktop.copyKeyToClipboard(positiveId(id, 'key_id')),
    ),
  };
}

/** The error body sent to the renderer: AdminErrors as they are, validation errors as 400, the rest as 500. */
export function toErrorBody(
  error: unknown,
  channel: string,
  log: (message: string, error: unknown) => void = () => {},
): AdminErrorBody {
  if (error instanceof AdminError) return { status: error.status, code: error.code, message: error.message };
  if (isAdminErrorBody(error)) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof Error && error.name === 'ZodError') {
    return { status: 400, code: 'invalid_request', message: error.message };
  }
  log(`IPC ${channel} failed`, error);
  const reason = error instanceof Error ? error.message : String(error);
  return { status: 500, code: 'internal_error', message: `Something went wrong: ${reason}` };
}

function invalid(message: string): AdminError {
  return new AdminError({ status: 400, code: 'invalid_argument', message });
}

/**
 * A plain object argument (what structured clone gives for `{...}`). Its fields are checked by the admin
 * service, which validates every transport's input the same way.
 */
function plainObject<T extends object>(value: unknown, name: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(`${name} must be an object.`);
  return value as T;
}

function positiveId(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw invalid(`${name} must be a positive integer.`);
  }
  return value;
}

/** A user id or username (ids may come as numbers). */
function userRef(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && value.trim() !== '') return value;
  throw invalid('ref must be a user id or a username.');
}
