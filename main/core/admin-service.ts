/**
 * The AdminApi over the Store, the layered settings and the runtime's status. The admin HTTP routes, the Electron
 * IPC handlers and the CLI all call this one object. Inputs are checked here (they may come from HTTP query
 * strings or IPC): ids may be numbers or digit strings; a bad field is a 400 naming it.
 * Failures are AdminErrors: 400 `invalid_argument`, 404 `not_found`, 409 `conflict`.
 */
import { AdminError } from '../../shared/admin-api';
import type { AdminApi, CreateKeyInput, CreateUserInput, KeyListFilter } from '../../shared/admin-api';
import type {
  ApiKeyInfo,
  DoctorReport,
  KeyLimits,
  KeyRemaining,
  RequestLogQuery,
  ServerStatus,
  Settings,
  SettingsPatch,
  SettingsView,
  UsageQuery,
} from '../../shared/types';
import { redactSecrets } from '../../shared/redact';
import { configuredSecrets, maskSecret, parseSettingsPatch } from './config';
import { effectiveProviders, providerView, withSavedKeys } from './provider-config';
import type { LayeredSettings, ResolvedSettings } from './config';
import { StoreError } from './store/store';
import type { Store } from './store/store';

export interface AdminServiceDeps {
  store: Store;
  settings: Pick<LayeredSettings, 'current' | 'save'>;
  /** The server's current status (the runtime's). */
  status(): ServerStatus;
  /** Probes the backend the settings point at (testConnection; the doctor, app/backend-probe.ts). */
  probe(settings: Settings): Promise<DoctorReport>;
  /** What a key has left under its limits now (the runtime's KeyLimiter); listed keys carry it as `remaining`. */
  remaining?(key: Pick<ApiKeyInfo, 'id' | 'name' | 'limits'>): KeyRemaining | Promise<KeyRemaining>;
}

const LIMIT_FIELDS = ['requests_per_minute', 'concurrent_streams', 'tokens_per_day', 'tokens_per_month'] as const;

/** Creates the admin service. */
export function createAdminService(deps: AdminServiceDeps): AdminApi {
  const { store } = deps;
  /** An active key with what it has left, when the service knows. */
  const withRemaining = async (info: ApiKeyInfo): Promise<ApiKeyInfo> =>
    deps.remaining && info.is_active ? { ...info, remaining: await deps.remaining(info) } : info;
  return {
    status: async () => deps.status(),

    listUsers: () => store.users.list(),

    createUser: (input: CreateUserInput) => {
      const body = record(input, 'body');
      const username = str(body.username, 'username');
      if (!username) throw invalid('username', 'is required');
      const email = body.email === undefined || body.email === null || body.email === '' ? null : str(body.email, 'email');
      if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid('email', 'is not an email address');
      return storeCall(() => store.users.create({ username, email }));
    },

    deleteUser: async (ref: string) => {
      const r = String(ref ?? '').trim();
      if (!r) throw invalid('ref', 'is required (a user id or username)');
      if (!(await store.users.delete(r))) throw notFound(`ref: no user "${r}"`);
    },

    listKeys: (filter?: KeyListFilter) => {
      const f = record(filter ?? {}, 'filter');
      const user_id = optInt(f.user_id, 'user_id', 1);
      return store.keys.list(user_id === undefined ? undefined : { user_id }).then((keys) => Promise.all(keys.map(withRemaining)));
    },

    createKey: async (input: CreateKeyInput) => {
      const body = record(input, 'body');
      const user_id = optInt(body.user_id, 'user_id', 1);
      if (user_id === undefined) throw invalid('user_id', 'is required');
      const name = body.name === undefined || body.name === null ? undefined : str(body.name, 'name');
      const limits = body.limits === undefined ? undefined : parseLimits(body.limits);
      const { info, secret } = await storeCall(() => store.keys.create({ user_id, name, limits }));
      return { ...info, api_key: secret };
    },

    revokeKey: async (id: number) => {
      const keyId = reqInt(id, 'id');
      const info = await store.keys.revoke(keyId);
      if (!info) throw notFound(`id: no API key with id ${keyId}`);
      return info;
    },

    setKeyLimits: async (id: number, limits: Partial<KeyLimits>) => {
      const keyId = reqInt(id, 'id');
      const info = await store.keys.setLimits(keyId, parseLimits(limits));
      if (!info) throw notFound(`id: no API key with id ${keyId}`);
      return withRemaining(info);
    },

    usage: (query: UsageQuery) => {
      const q = record(query ?? {}, 'query');
      return store.usage.report({
        key_id: optInt(q.key_id, 'key_id', 1),
        user_id: optInt(q.user_id, 'user_id', 1),
        since: q.since === undefined || q.since === '' ? undefined : dateBound(str(q.since, 'since'), 'since', 'start'),
        until: q.until === undefined || q.until === '' ? undefined : dateBound(str(q.until, 'until'), 'until', 'end'),
      });
    },

    requests: (query: RequestLogQuery) => {
      const q = record(query ?? {}, 'query');
      const limit = optInt(q.limit, 'limit', 1);
      return store.requests.list({ key_id: optInt(q.key_id, 'key_id', 1), limit: limit === undefined ? undefined : Math.min(limit, 1000) });
    },

    getSettings: async () => settingsView(deps.settings.current()),

    updateSettings: async (patch: SettingsPatch) => {
      const current = deps.settings.current().settings;
      const input = isRecord(patch) && Array.isArray(patch.providers) ? { ...patch, providers: withSavedKeys(patch.providers, current.providers) } : patch;
      const parsed = parseSettingsPatch(input ?? {});
      if (!parsed.ok) throw new AdminError({ status: 400, code: 'invalid_argument', message: parsed.message });
      const clean = { ...parsed.patch };
      if (!clean.backend_api_key) delete clean.backend_api_key;
      const problem = routeProblem({ ...current, ...clean });
      if (problem) throw invalid(problem.field, problem.message);
      return settingsView(await deps.settings.save(clean));
    },

    testConnection: async () => {
      const settings = deps.settings.current().settings;
      // The report quotes the backend's answers, which may quote its key.
      const report = await deps.probe(settings);
      return JSON.parse(redactSecrets(JSON.stringify(report), configuredSecrets(settings))) as typeof report;
    },
  };
}

/** Settings as an admin sees them: the backend key and every provider key replaced by a hint. */
export function settingsView({ settings, overridden }: ResolvedSettings): SettingsView {
  const { backend_api_key, providers: _saved, ...rest } = settings;
  return {
    ...rest,
    providers: effectiveProviders(settings).map((p) => providerView(p, maskSecret)),
    backend_api_key_set: backend_api_key !== '',
    backend_api_key_hint: maskSecret(backend_api_key),
    overridden: [...overridden],
  };
}

/**
 * A route target or the default model naming a provider that does not exist, as a field and message; null when
 * every `provider/model` target names a provider in force. (A default model whose prefix is no provider's name is
 * a model id of the default provider, e.g. OpenRouter's `anthropic/claude-sonnet-4`.)
 */
export function routeProblem(settings: Settings): { field: string; message: string } | null {
  const names = new Set(effectiveProviders(settings).map((p) => p.name));
  for (const [i, route] of settings.model_routes.entries()) {
    for (const [j, target] of (route.targets ?? []).entries()) {
      const provider = target.slice(0, target.indexOf('/'));
      if (!names.has(provider)) {
        const known = names.size > 0 ? ` (providers: ${[...names].join(', ')})` : ' (no provider is configured)';
        return { field: `model_routes.${i}.targets.${j}`, message: `no provider named "${provider}"${known}` };
      }
    }
  }
  return null;
}

/**
 * An ISO bound of a date range: a date-time as given (normalised), or a date (`2025-06-01`) as the start of that
 * day (UTC), or for an `end` bound the start of the next day, so an end date includes its whole day.
 */
export function dateBound(value: string, field: string, side: 'start' | 'end'): string {
  const v = value.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
    const t = Date.parse(`${v}T00:00:00Z`);
    if (Number.isNaN(t)) throw invalid(field, `must be an ISO date or date-time, got "${value}"`);
    return new Date(side === 'end' ? t + 86_400_000 : t).toISOString();
  }
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalid(field, `must be an ISO date or date-time, got "${value}"`);
  return new Date(t).toISOString();
}

function parseLimits(value: unknown): Partial<KeyLimits> {
  const body = record(value, 'limits');
  const out: Partial<KeyLimits> = {};
  for (const [k, v] of Object.entries(body)) {
    if (!(LIMIT_FIELDS as readonly string[]).includes(k)) throw invalid(`limits.${k}`, 'is not a key limit');
    if (v === null || v === '') out[k as keyof KeyLimits] = null;
    else out[k as keyof KeyLimits] = reqInt(v, `limits.${k}`, 1);
  }
  return out;
}

async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StoreError) {
      const status = err.code === 'conflict' ? 409 : err.code === 'not_found' ? 404 : err.code === 'unavailable' ? 503 : 400;
      const code = err.code === 'invalid' ? 'invalid_argument' : err.code;
      throw new AdminError({ status, code, message: err.message });
    }
    throw err;
  }
}

function invalid(field: string, what: string): AdminError {
  return new AdminError({ status: 400, code: 'invalid_argument', message: `${field}: ${what}` });
}

function notFound(message: string): AdminError {
  return new AdminError({ status: 404, code: 'not_found', message });
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (!isRecord(value)) throw invalid(field, 'must be an object');
  return value;
}

function str(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  return value.trim();
}

/** An integer from a number or a string of digits; undefined when absent or empty. */
function optInt(value: unknown, field: string, min = 0): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return reqInt(value, field, min);
}

function reqInt(value: unknown, field: string, min = 0): number {
  const n = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalid(field, 'must be an integer');
  if (n < min) throw invalid(field, `must be at least ${min}`);
  return n;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
