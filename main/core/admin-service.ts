/**
 * The AdminApi over the Store, the layered settings and the runtime's status. The admin HTTP routes, the Electron
 * IPC handlers and the CLI all call this one object, each after checking its input with the schemas of
 * shared/admin-input.ts, so arguments arrive with the types AdminApi declares; what is checked here is what needs
 * the data (a date range, settings against the providers) and the store's own rules.
 * Failures are AdminErrors: 400 `invalid_argument`, 404 `not_found`, 409 `conflict`.
 */
import { AdminError } from '../../shared/admin-api';
import type { AdminApi, ConnectionTarget, CreateKeyInput, CreateUserInput, KeyListFilter } from '../../shared/admin-api';
import type {
  ApiKeyInfo,
  DoctorReport,
  KeyLimits,
  KeyRemaining,
  ProviderConfig,
  RequestLogQuery,
  ServerStatus,
  Settings,
  SettingsPatch,
  SettingsView,
  UsageQuery,
} from '../../shared/types';
import { redactSecrets } from '../../shared/redact';
import { configuredSecrets, maskSecret, parseSettingsPatch } from './config';
import { DEFAULT_PROVIDER, effectiveProviders, providerView, withSavedKeys } from './provider-config';
import type { LayeredSettings, ResolvedSettings } from './config';
import { StoreError } from './store/store';
import type { Store } from './store/store';
import { isRecord } from '../../shared/json';

export interface AdminServiceDeps {
  store: Store;
  settings: Pick<LayeredSettings, 'current' | 'save'>;
  /** The server's current status (the runtime's). */
  status(): ServerStatus;
  /** Probes the backend the settings point at (testConnection; the doctor, app/backend-probe.ts). */
  probe(settings: Settings): Promise<DoctorReport>;
  /** Probes one provider (testConnection with a provider; app/provider-probe.ts). */
  probeProvider?(settings: Settings, provider: ProviderConfig): Promise<DoctorReport>;
  /** What a key has left under its limits now (the runtime's KeyLimiter); listed keys carry it as `remaining`. */
  remaining?(key: Pick<ApiKeyInfo, 'id' | 'name' | 'limits'>): KeyRemaining | Promise<KeyRemaining>;
}

/** Creates the admin service. */
export function createAdminService(deps: AdminServiceDeps): AdminApi {
  const { store } = deps;
  /** An active key with what it has left, when the service knows. */
  const withRemaining = async (info: ApiKeyInfo): Promise<ApiKeyInfo> =>
    deps.remaining && info.is_active ? { ...info, remaining: await deps.remaining(info) } : info;
  return {
    status: async () => deps.status(),

    listUsers: () => store.users.list(),

    createUser: ({ username, email }: CreateUserInput) => storeCall(() => store.users.create({ username, email: email ?? null })),

    deleteUser: async (ref: string) => {
      if (!(await store.users.delete(ref))) throw notFound(`ref: no user "${ref}"`);
    },

    listKeys: (filter?: KeyListFilter) =>
      store.keys.list(filter?.user_id === undefined ? undefined : { user_id: filter.user_id }).then((keys) => Promise.all(keys.map(withRemaining))),

    createKey: async ({ user_id, name, limits }: CreateKeyInput) => {
      const { info, secret } = await storeCall(() => store.keys.create({ user_id, name, limits }));
      return { ...info, api_key: secret };
    },

    revokeKey: async (id: number) => {
      const info = await store.keys.revoke(id);
      if (!info) throw notFound(`id: no API key with id ${id}`);
      return info;
    },

    setKeyLimits: async (id: number, limits: Partial<KeyLimits>) => {
      const info = await store.keys.setLimits(id, limits);
      if (!info) throw notFound(`id: no API key with id ${id}`);
      return withRemaining(info);
    },

    usage: ({ key_id, user_id, since, until }: UsageQuery) =>
      store.usage.report({
        key_id,
        user_id,
        since: since === undefined ? undefined : dateBound(since, 'since', 'start'),
        until: until === undefined ? undefined : dateBound(until, 'until', 'end'),
      }),

    requests: (query: RequestLogQuery) => store.requests.list(query),

    getSettings: async () => settingsView(deps.settings.current()),

    updateSettings: async (patch: SettingsPatch) => {
      const current = deps.settings.current().settings;
      const withProviders = isRecord(patch) && Array.isArray(patch.providers) ? { ...patch, providers: withSavedKeys(patch.providers, current.providers) } : patch;
      const input = isRecord(withProviders) ? withSavedSearchKey(withProviders, current.web_search) : withProviders;
      const parsed = parseSettingsPatch(input ?? {});
      if (!parsed.ok) throw new AdminError({ status: 400, code: 'invalid_argument', message: parsed.message });
      const clean = { ...parsed.patch };
      if (!clean.backend_api_key) delete clean.backend_api_key;
      const problem = routeProblem({ ...current, ...clean });
      if (problem) throw invalid(problem.field, problem.message);
      return settingsView(await deps.settings.save(clean));
    },

    testConnection: async (target?: ConnectionTarget) => {
      const settings = deps.settings.current().settings;
      const wanted = target?.provider; // checked at the edge (shared/admin-input.ts)
      let report: DoctorReport;
      if (wanted === undefined || wanted === DEFAULT_PROVIDER) report = await deps.probe(settings);
      else {
        const provider = effectiveProviders(settings).find((p) => p.name === wanted);
        if (!provider) throw notFound(`provider: no provider "${wanted}"`);
        if (!deps.probeProvider) throw invalid('provider', 'cannot be probed here');
        report = await deps.probeProvider(settings, provider);
      }
      // The report quotes the backend's answers, which may quote its key.
      return JSON.parse(redactSecrets(JSON.stringify(report), configuredSecrets(settings))) as typeof report;
    },
  };
}

/** Settings as an admin sees them: the backend key and every provider key replaced by a hint. */
export function settingsView({ settings, overridden }: ResolvedSettings): SettingsView {
  const { backend_api_key, providers: _saved, web_search, ...rest } = settings;
  return {
    ...rest,
    web_search: web_search ? { provider: web_search.provider, base_url: web_search.base_url, api_key_set: web_search.api_key !== '', api_key_hint: maskSecret(web_search.api_key) } : null,
    providers: effectiveProviders(settings).map((p) => providerView(p, maskSecret)),
    backend_api_key_set: backend_api_key !== '',
    backend_api_key_hint: maskSecret(backend_api_key),
    overridden: [...overridden],
  };
}

/** A patch whose `web_search` has no key keeps the key saved for the same provider (views never show it). */
function withSavedSearchKey(patch: Record<string, unknown>, saved: Settings['web_search']): Record<string, unknown> {
  const next = patch.web_search;
  if (!isRecord(next) || next.api_key || !saved?.api_key || next.provider !== saved.provider) return patch;
  return { ...patch, web_search: { ...next, api_key: saved.api_key } };
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

async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw err instanceof StoreError ? err.toAdminError() : err;
  }
}

function invalid(field: string, what: string): AdminError {
  return new AdminError({ status: 400, code: 'invalid_argument', message: `${field}: ${what}` });
}

function notFound(message: string): AdminError {
  return new AdminError({ status: 404, code: 'not_found', message });
}

