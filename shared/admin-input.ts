/**
 * The admin inputs, checked once at each edge: one zod schema per AdminApi method, for its arguments as a tuple. The
 * admin HTTP routes (proxy/routes/admin.ts), the IPC handlers (desktop/ipc-handlers.ts) and the CLI's in-process
 * admin ({@link validatedAdmin}) parse with these, so the service (core/admin-service.ts) receives the types
 * AdminApi declares. Ids may come as numbers or digit strings (HTTP paths and query strings carry text); an empty
 * query value counts as absent. A bad argument is an AdminError 400 `invalid_argument` naming the field.
 */
import { z } from 'zod';
import { AdminError } from './admin-api';
import type { AdminApi, AdminMethod, CreateKeyInput, CreateUserInput, KeyListFilter } from './admin-api';
import { isRecord } from './json';
import type { KeyLimits, RequestLogQuery, SettingsPatch, UsageQuery } from './types';
import { formatIssue } from './zod-issue';

/** The limits a key can have (KeyLimits' fields). */
export const LIMIT_FIELDS = [
  'requests_per_minute',
  'concurrent_streams',
  'tokens_per_day',
  'tokens_per_month',
] as const;

/** Most requests the request log returns at once. */
export const MAX_REQUEST_LOG_LIMIT = 1000;

const digits = (v: unknown): unknown => (typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : v);
const blankAsAbsent = (v: unknown): unknown => (v === '' || v === null ? undefined : v);

/** A positive integer id, or its digits. */
const id = z.preprocess(digits, z.number().int().positive());
/** An optional id; '' and null count as absent. */
const optionalId = z.preprocess((v) => digits(blankAsAbsent(v)), z.number().int().positive().optional());
/** One limit: a positive integer (or its digits), or null / '' for none. */
const limit = z.preprocess((v) => (v === '' ? null : digits(v)), z.number().int().positive().nullable());

const limits: z.ZodType<Partial<KeyLimits>> = z.strictObject({
  requests_per_minute: limit.optional(),
  concurrent_streams: limit.optional(),
  tokens_per_day: limit.optional(),
  tokens_per_month: limit.optional(),
});

const createUser: z.ZodType<CreateUserInput> = z.object({
  username: z.string().trim().min(1),
  email: z.preprocess(
    blankAsAbsent,
    z
      .string()
      .trim()
      .regex(/^[^\s@]+@[^\s@]+$/, 'is not an email address')
      .optional()
      .transform((v) => v ?? null),
  ),
});

const createKey: z.ZodType<CreateKeyInput> = z.object({
  user_id: id,
  name: z.preprocess(blankAsAbsent, z.string().trim().optional()),
  limits: limits.optional(),
});

/** A user id (number or digits) or a username, as text (shared/user-ref.ts reads it). */
const userRef = z.union([z.number().int().positive().transform(String), z.string().trim().min(1)]);

const keyFilter: z.ZodType<KeyListFilter> = z.object({ user_id: optionalId });

const optionalText = z.preprocess(blankAsAbsent, z.string().optional());
const usageQuery: z.ZodType<UsageQuery> = z.object({
  key_id: optionalId,
  user_id: optionalId,
  since: optionalText,
  until: optionalText,
});

const requestsQuery: z.ZodType<RequestLogQuery> = z.object({
  key_id: optionalId,
  session_id: z.preprocess(blankAsAbsent, z.string().max(256).optional()),
  limit: z.preprocess(
    (v) => digits(blankAsAbsent(v)),
    z
      .number()
      .int()
      .positive()
      .optional()
      .transform((n) => (n === undefined ? undefined : Math.min(n, MAX_REQUEST_LOG_LIMIT))),
  ),
});

/** A settings patch is an object here; its fields are the settings schema's to check (core/config.ts). */
const settingsPatch = z.custom<SettingsPatch>(isRecord, 'must be an object');

/** What testConnection probes: the default backend, or one provider by name. */
const connectionTarget = z.strictObject({ provider: z.string().regex(/^[a-z0-9-]{1,64}$/, 'must be a provider name').optional() });

/** An optional object argument that defaults to `{}`. */
const orEmpty = <T>(schema: z.ZodType<T>) => z.preprocess((v) => v ?? {}, schema);

/** Each method's arguments. */
export const ADMIN_ARGS: { [M in AdminMethod]: z.ZodType<Parameters<AdminApi[M]>> } = {
  status: z.tuple([]),
  listUsers: z.tuple([]),
  createUser: z.tuple([createUser]),
  deleteUser: z.tuple([userRef]),
  listKeys: z.tuple([keyFilter.optional()]),
  createKey: z.tuple([createKey]),
  revokeKey: z.tuple([id]),
  setKeyLimits: z.tuple([id, limits]),
  usage: z.tuple([orEmpty(usageQuery)]),
  requests: z.tuple([orEmpty(requestsQuery)]),
  getSettings: z.tuple([]),
  updateSettings: z.tuple([settingsPatch]),
  testConnection: z.tuple([connectionTarget.optional()]),
};

/** The names of scalar arguments, for messages (`id: …`); object arguments are named by their fields. */
const ARG_NAMES: Partial<Record<AdminMethod, readonly string[]>> = {
  deleteUser: ['ref'],
  revokeKey: ['id'],
  setKeyLimits: ['id', 'limits'],
};

/** The arguments of `method`, checked and normalised; an AdminError 400 `invalid_argument` naming the field. */
export function parseAdminArgs<M extends AdminMethod>(method: M, args: readonly unknown[]): Parameters<AdminApi[M]> {
  const schema: z.ZodType<Parameters<AdminApi[M]>> = ADMIN_ARGS[method];
  const parsed = schema.safeParse(args, { reportInput: true });
  if (parsed.success) return parsed.data;
  const names = ARG_NAMES[method] ?? [];
  const issues = parsed.error.issues.map((issue) => {
    const [index, ...rest] = issue.path;
    if (typeof index !== 'number') return issue;
    const name = names[index];
    return { ...issue, path: name === undefined ? rest : [name, ...rest] };
  });
  const { message, param } = formatIssue({ issues });
  const text = param === null && issues[0]?.path.length === 0 ? `arguments: ${message}` : message;
  throw new AdminError({ status: 400, code: 'invalid_argument', message: text });
}

/** True for the name of an AdminApi method. */
export function isAdminMethod(name: PropertyKey): name is AdminMethod {
  return typeof name === 'string' && Object.hasOwn(ADMIN_ARGS, name);
}

/** Calls `method` of `admin` with `args` checked by its schema first. */
export function callChecked<M extends AdminMethod>(
  admin: AdminApi,
  method: M,
  args: readonly unknown[],
): ReturnType<AdminApi[M]> {
  // TypeScript cannot see that AdminApi[M] is such a function for a generic M; it is, for each method.
  const call = admin[method] as (...checked: Parameters<AdminApi[M]>) => ReturnType<AdminApi[M]>;
  return call.apply(admin, parseAdminArgs(method, args));
}

/** `admin` with every call's arguments checked first (a bad one rejects): the edge of an in-process caller (the CLI). */
export function validatedAdmin(admin: AdminApi): AdminApi {
  return new Proxy(admin, {
    get(target, name, receiver) {
      if (!isAdminMethod(name)) return Reflect.get(target, name, receiver);
      return async (...args: unknown[]) => callChecked(target, name, args);
    },
  });
}
