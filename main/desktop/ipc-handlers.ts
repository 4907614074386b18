/**
 * The IPC handler table, pure: one handler per channel (`admin:<method>` for the AdminApi, `desktop:<method>`
 * for the DesktopApi). Each checks what the renderer sent (admin channels with the schemas the HTTP routes use too,
 * shared/admin-input.ts; desktop channels with the checks below), calls through, and returns
 * `{result}` or `{error: {status, code, message}}`: it never throws, and never sends a stack trace.
 * ipc.ts registers the table with Electron.
 */
import { AdminError, isAdminErrorBody, type AdminApi, type AdminErrorBody, type AdminMethod, type IpcOutcome } from '../../shared/admin-api';
import { parseAdminArgs } from '../../shared/admin-input';
import type { DesktopApi, DesktopMethod } from '../../shared/desktop-api';

type Call<R> = (...args: unknown[]) => Promise<R>;

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

  /**
   * Wraps a call: checks the argument count (admin channels: their schema, shared/admin-input.ts, checks it), turns
   * every failure into `{error}`.
   */
  function handle<R>(channel: string, ...rest: [arity: number, call: Call<R>] | [call: Call<R>]): IpcHandler<R> {
    const [arity, call] = rest.length === 2 ? rest : [Infinity, rest[0]];
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
    'admin:status': handle('admin:status', (...a) => admin.status(...parseAdminArgs('status', a))),
    'admin:listUsers': handle('admin:listUsers', (...a) => admin.listUsers(...parseAdminArgs('listUsers', a))),
    'admin:createUser': handle('admin:createUser', (...a) => admin.createUser(...parseAdminArgs('createUser', a))),
    'admin:deleteUser': handle('admin:deleteUser', (...a) => admin.deleteUser(...parseAdminArgs('deleteUser', a))),
    'admin:listKeys': handle('admin:listKeys', (...a) => admin.listKeys(...parseAdminArgs('listKeys', a))),
    'admin:createKey': handle('admin:createKey', (...a) => admin.createKey(...parseAdminArgs('createKey', a))),
    'admin:revokeKey': handle('admin:revokeKey', (...a) => admin.revokeKey(...parseAdminArgs('revokeKey', a))),
    'admin:setKeyLimits': handle('admin:setKeyLimits', (...a) => admin.setKeyLimits(...parseAdminArgs('setKeyLimits', a))),
    'admin:usage': handle('admin:usage', (...a) => admin.usage(...parseAdminArgs('usage', a))),
    'admin:requests': handle('admin:requests', (...a) => admin.requests(...parseAdminArgs('requests', a))),
    'admin:getSettings': handle('admin:getSettings', (...a) => admin.getSettings(...parseAdminArgs('getSettings', a))),
    'admin:updateSettings': handle('admin:updateSettings', (...a) =>
      admin.updateSettings(...parseAdminArgs('updateSettings', a)),
    ),
    'admin:testConnection': handle('admin:testConnection', (...a) =>
      admin.testConnection(...parseAdminArgs('testConnection', a)),
    ),

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

/** A plain object argument of a desktop channel (what structured clone gives for `{...}`). */
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
