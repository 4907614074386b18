/**
 * Configuration: where settings come from and how they are layered.
 *
 * Precedence, highest first: flags > environment > `.env` file > saved settings (Store.settings) > defaults.
 * Everything here is pure (no I/O): callers pass the layers in. Environment variables are the seed's:
 * `OPENAI_BASE_URL`, `OPENAI_API_KEY`, `OPENAI_MODEL`, `PROXY_HOST`, `PROXY_PORT`, `TIMEOUT` (seconds), `DEBUG`,
 * plus `INFINIPROXY_DATA_DIR`, `ADMIN_TOKEN`, `TRUSTED_PROXIES` and `PUBLIC_HOSTS`, which are not settings (see {@link resolveProcessConfig}).
 */
import { posix, win32 } from 'node:path';
import { z } from 'zod';
import { secretMask } from '../../shared/redact';
import type { Settings } from '../../shared/types';
import { PROVIDER_NAME, providersSchema } from './provider-config';
import { isHttpUrl } from './http-url';

/** The values used when no layer sets a field. */
export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  providers: [],
  backend_url: '',
  backend_api_key: '',
  default_model: '',
  model_routes: [],
  max_tokens_cap: null,
  reasoning_request: 'none',
  max_tokens_field: 'max_tokens',
  reasoning_send_back: false,
  strip_schema_keys: ['$schema'],
  think_tags: false,
  pdf_input: 'text',
  prompt_cache_key: false,
  web_search: null,
  host: '127.0.0.1',
  port: 8000,
  timeout_s: 300,
  retries: 2,
  debug: false,
  start_on_launch: true,
  start_at_login: false,
});

/** The environment variable behind each setting that has one. */
export const ENV_VARS = {
  backend_url: 'OPENAI_BASE_URL',
  backend_api_key: 'OPENAI_API_KEY',
  default_model: 'OPENAI_MODEL',
  host: 'PROXY_HOST',
  port: 'PROXY_PORT',
  timeout_s: 'TIMEOUT',
  debug: 'DEBUG',
} as const satisfies Partial<Record<keyof Settings, string>>;

const httpUrl = z.string().refine((s) => s === '' || isHttpUrl(s), { message: 'must be an http:// or https:// URL' });

/** A `provider/model` route target. */
const routeTarget = z
  .string()
  .trim()
  .refine((t) => PROVIDER_NAME.test(t.slice(0, Math.max(0, t.indexOf('/')))) && t.indexOf('/') < t.length - 1, {
    message: 'must be provider/model (e.g. deepseek/deepseek-chat)',
  });

/** One model route: `targets` (the provider form) or `model` (the single-backend form), or both. */
function modelRouteSchema() {
  return z
    .strictObject({
      match: z.string().trim().min(1, 'must not be empty'),
      targets: z.array(routeTarget).min(1, 'must name at least one provider/model').optional(),
      model: z.string().trim().min(1, 'must not be empty').optional(),
      max_tokens: z.number().int().positive().optional(),
      above_tokens: z.number().int().positive().optional(),
    })
    .refine((r) => r.targets !== undefined || r.model !== undefined, { message: 'needs targets (or a model)' });
}

/** The default API of each search service with one. */
export const WEB_SEARCH_DEFAULT_URLS: Readonly<Record<string, string>> = { brave: 'https://api.search.brave.com', tavily: 'https://api.tavily.com' };

/** The `web_search` setting: SearXNG needs its URL; Brave and Tavily need a key and default their URL. */
function webSearchSchema() {
  return z
    .strictObject({
      provider: z.enum(['searxng', 'brave', 'tavily']),
      base_url: httpUrl.default(''),
      api_key: z.string().default(''),
    })
    .transform((w) => ({ ...w, base_url: (w.base_url || WEB_SEARCH_DEFAULT_URLS[w.provider] || '').replace(/\/+$/, '') }))
    .refine((w) => w.base_url !== '', { message: 'searxng needs base_url (e.g. http://localhost:8888)', path: ['base_url'] })
    .refine((w) => w.provider === 'searxng' || w.api_key !== '', { message: 'brave and tavily need an api_key', path: ['api_key'] });
}

/** The schema of a whole Settings object; `settingsPatchSchema` validates admin changes with it. */
export const settingsSchema = z.strictObject({
  providers: providersSchema,
  backend_url: httpUrl.transform(normaliseBackendUrl),
  backend_api_key: z.string(),
  default_model: z.string().trim(),
  model_routes: z.array(modelRouteSchema()),
  max_tokens_cap: z.number().int().positive().nullable(),
  reasoning_request: z.enum(['none', 'reasoning_effort', 'thinking', 'enable_thinking', 'chat_template_kwargs', 'openrouter']),
  reasoning_send_back: z.boolean(),
  max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']),
  strip_schema_keys: z.array(z.string().min(1)),
  think_tags: z.boolean(),
  pdf_input: z.enum(['text', 'file']),
  prompt_cache_key: z.boolean(),
  web_search: webSearchSchema().nullable(),
  host: z.string().trim().min(1, 'must not be empty'),
  port: z.number().int().min(0).max(65535),
  timeout_s: z.number().positive().max(86_400),
  retries: z.number().int().min(0).max(10),
  debug: z.boolean(),
  start_on_launch: z.boolean(),
  start_at_login: z.boolean(),
});

/** Validates a SettingsPatch: known fields only, each of the right type. */
export const settingsPatchSchema = settingsSchema.partial();

/** Checks a settings patch; returns the cleaned patch or a message naming the first bad field. */
export function parseSettingsPatch(input: unknown): { ok: true; patch: Partial<Settings> } | { ok: false; field: string; message: string } {
  const parsed = settingsPatchSchema.safeParse(input);
  if (parsed.success) return { ok: true, patch: parsed.data as Partial<Settings> };
  const issue = parsed.error.issues[0];
  const keys = issue?.code === 'unrecognized_keys' ? issue.keys : [];
  const field = keys.length > 0 ? keys.join(', ') : (issue?.path.join('.') ?? '');
  const what = issue?.code === 'unrecognized_keys' ? 'is not a setting' : (issue?.message ?? 'is invalid');
  return { ok: false, field, message: field ? `${field}: ${what}` : `settings: ${what}` };
}

/** The layers {@link resolveSettings} merges, highest precedence first. */
export interface SettingsLayers {
  flags?: Partial<Settings>;
  env?: Record<string, string | undefined>;
  dotenv?: Record<string, string | undefined>;
  saved?: Partial<Settings>;
}

export interface ResolvedSettings {
  settings: Settings;
  /** Fields fixed by a flag, an environment variable or `.env` (saved values for them do not apply). */
  overridden: (keyof Settings)[];
  /** Values that were ignored because they were invalid (each names its source), for a startup warning. */
  problems: string[];
}

/** Merges the layers into effective settings. Invalid values are skipped (and reported), never thrown. */
export function resolveSettings(layers: SettingsLayers): ResolvedSettings {
  const problems: string[] = [];
  const fromFlags = validLayer(layers.flags ?? {}, 'flag', problems);
  const fromEnv = envLayer(layers.env ?? {}, 'environment', problems);
  const fromDotenv = envLayer(layers.dotenv ?? {}, '.env', problems);
  const fromSaved = validLayer(layers.saved ?? {}, 'saved setting', problems);
  const settings: Settings = { ...DEFAULT_SETTINGS, ...fromSaved, ...fromDotenv, ...fromEnv, ...fromFlags };
  const overridden = (Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[]).filter(
    (k) => k in fromFlags || k in fromEnv || k in fromDotenv,
  );
  return { settings, overridden, problems };
}

/** Settings read from environment-style variables (`OPENAI_BASE_URL`...); empty values count as unset. */
function envLayer(vars: Record<string, string | undefined>, source: string, problems: string[]): Partial<Settings> {
  const raw: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(ENV_VARS) as [keyof typeof ENV_VARS, string][]) {
    const value = vars[name]?.trim();
    if (!value) continue;
    if (field === 'port' || field === 'timeout_s') raw[field] = /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    else if (field === 'debug') raw[field] = isTruthy(value);
    else raw[field] = value;
  }
  return validLayer(raw, source, problems, ENV_VARS);
}

/** Keeps the fields of `raw` that pass the schema, one by one, reporting the others. */
function validLayer(
  raw: Record<string, unknown>,
  source: string,
  problems: string[],
  names: Partial<Record<string, string>> = {},
): Partial<Settings> {
  const out: Record<string, unknown> = {};
  const shape = settingsSchema.shape as Record<string, z.ZodType | undefined>;
  for (const [field, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const schema = shape[field];
    if (!schema) {
      problems.push(`${source} ${field}: not a setting (ignored)`);
      continue;
    }
    const parsed = schema.safeParse(value);
    if (parsed.success) out[field] = parsed.data;
    else problems.push(`${source} ${names[field] ?? field}: ${parsed.error.issues[0]?.message ?? 'invalid'} (ignored)`);
  }
  return out as Partial<Settings>;
}

/** `1`, `true`, `yes`, `on` (any case) are true; anything else is false. */
export function isTruthy(value: string | undefined): boolean {
  return /^(1|true|yes|on)$/i.test(value?.trim() ?? '');
}

/**
 * Parses a `.env` file: `KEY=value` lines, optional `export `, `#` comments (whole-line, or after an unquoted value
 * and a space), single quotes (literal) and double quotes (with `\n`, `\t`, `\"`, `\\` escapes).
 */
export function parseDotenv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, key, rest = ''] = m;
    if (key) out[key] = dotenvValue(rest);
  }
  return out;
}

function dotenvValue(rest: string): string {
  const quote = rest[0];
  if (quote === '"' || quote === "'") {
    const end = rest.indexOf(quote, 1);
    if (quote === "'") return end > 0 ? rest.slice(1, end) : rest.slice(1);
    let value = '';
    for (let i = 1; i < rest.length; i++) {
      const c = rest[i];
      if (c === '"') break;
      if (c === '\\' && i + 1 < rest.length) {
        const n = rest[++i];
        value += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : (n ?? '');
      } else value += c;
    }
    return value;
  }
  return rest.replace(/\s+#.*$/, '').trim();
}

/**
 * The backend base URL a user gave, as the proxy uses it: trimmed, without trailing slashes and without a
 * trailing `/chat/completions`, so `https://host/v1` and `https://host/v1/chat/completions` both give `https://host/v1`.
 */
export function normaliseBackendUrl(url: string): string {
  let out = url.trim().replace(/\/+$/, '');
  if (/\/chat\/completions$/i.test(out)) out = out.replace(/\/chat\/completions$/i, '').replace(/\/+$/, '');
  return out;
}

/**
 * The per-user data dir, the same one Electron's `app.getPath('userData')` gives for productName InfiniProxy, so the
 * desktop app and the headless server share data: Linux `$XDG_CONFIG_HOME/InfiniProxy` (or `~/.config/InfiniProxy`),
 * macOS `~/Library/Application Support/InfiniProxy`, Windows `%APPDATA%\InfiniProxy`.
 */
export function defaultDataDir(env: Record<string, string | undefined>, platform: NodeJS.Platform): string {
  if (platform === 'win32') {
    const home = env.USERPROFILE ?? env.HOME ?? 'C:\\';
    return win32.join(env.APPDATA || win32.join(home, 'AppData', 'Roaming'), 'InfiniProxy');
  }
  const home = env.HOME ?? '/';
  if (platform === 'darwin') return posix.join(home, 'Library', 'Application Support', 'InfiniProxy');
  return posix.join(env.XDG_CONFIG_HOME || posix.join(home, '.config'), 'InfiniProxy');
}

/**
 * The data dir: an explicit choice (`--data-dir`), else `INFINIPROXY_DATA_DIR` from the environment, then `.env`,
 * else `fallback` (the desktop app's own folder) or the per-user default.
 */
export function resolveDataDir(opts: {
  explicit?: string;
  env: Record<string, string | undefined>;
  dotenv?: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  fallback?: string;
}): string {
  return (
    opts.explicit?.trim() ||
    opts.env.INFINIPROXY_DATA_DIR?.trim() ||
    opts.dotenv?.INFINIPROXY_DATA_DIR?.trim() ||
    opts.fallback ||
    defaultDataDir(opts.env, opts.platform)
  );
}

/** `ADMIN_TOKEN` from the environment, then `.env`; undefined when neither sets it (the store's token applies). */
export function adminTokenOverride(
  env: Record<string, string | undefined>,
  dotenv: Record<string, string | undefined> = {},
): string | undefined {
  return env.ADMIN_TOKEN?.trim() || dotenv.ADMIN_TOKEN?.trim() || undefined;
}

/** What a process takes from flags, the environment and `.env` besides the settings: the same for every command. */
export interface ProcessConfig {
  dataDir: string;
  /** ADMIN_TOKEN, when set (else the data dir's `admin-token` file applies). */
  adminToken: string | undefined;
  /** TRUSTED_PROXIES (empty when unset): the reverse proxies whose X-Forwarded-For is believed. */
  trustedProxies: string;
  /** PUBLIC_HOSTS (empty when unset): the names clients reach the proxy by behind a reverse proxy. */
  publicHosts: string;
  /** DATABASE_URL (postgres://…): the store is PostgreSQL (a team gateway); undefined = the data dir's lowdb file. */
  databaseUrl?: string;
  /** INFINIPROXY_SECRET_KEY: 64 hex characters sealing secrets stored in PostgreSQL. */
  secretKey?: string;
}

/** Resolves {@link ProcessConfig}: flags > environment > `.env` > defaults, as for the settings. */
export function resolveProcessConfig(opts: {
  dataDirFlag?: string;
  env: Record<string, string | undefined>;
  dotenv: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  fallbackDataDir?: string;
}): ProcessConfig {
  const { env, dotenv } = opts;
  return {
    dataDir: resolveDataDir({ explicit: opts.dataDirFlag, env, dotenv, platform: opts.platform, fallback: opts.fallbackDataDir }),
    adminToken: adminTokenOverride(env, dotenv),
    trustedProxies: (env.TRUSTED_PROXIES ?? dotenv.TRUSTED_PROXIES ?? '').trim(),
    publicHosts: (env.PUBLIC_HOSTS ?? dotenv.PUBLIC_HOSTS ?? '').trim(),
    ...definedOnly({
      databaseUrl: env.DATABASE_URL?.trim() || dotenv.DATABASE_URL?.trim(),
      secretKey: env.INFINIPROXY_SECRET_KEY?.trim() || dotenv.INFINIPROXY_SECRET_KEY?.trim(),
    }),
  };
}

/** The fields that have a (non-empty) value. */
function definedOnly<T extends Record<string, string | undefined>>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v)) as Partial<T>;
}

/** A secret as it may be shown: `sk-…a1b2` (short secrets show nothing but the ellipsis). Empty stays empty. */
export const maskSecret: (key: string) => string = secretMask;

/**
 * Every secret the settings hold that must never reach a client or a record: the backend key, each provider's
 * key and the search service's key. Relayed and recorded texts are passed through `redactSecrets(text, configuredSecrets(settings))`.
 */
export function configuredSecrets(settings: Pick<Settings, 'backend_api_key' | 'providers'> & Partial<Pick<Settings, 'web_search'>>): string[] {
  const keys = [settings.backend_api_key, ...(settings.providers ?? []).map((p) => p.api_key), settings.web_search?.api_key];
  return keys.filter((k): k is string => typeof k === 'string' && k !== '');
}

/**
 * Why requests cannot reach a backend, or null when they can. Chat pass-through needs only the URL (the client
 * names the model; local backends need no key); translated requests also need a default model.
 */
export function missingBackendMessage(settings: Settings, opts: { needModel: boolean }): string | null {
  const missing: string[] = [];
  if (!settings.backend_url) missing.push('OPENAI_BASE_URL');
  if (opts.needModel && !settings.default_model) missing.push('OPENAI_MODEL');
  if (missing.length === 0) return null;
  return (
    `InfiniProxy has no backend configured (missing ${missing.join(', ')}). Set OPENAI_BASE_URL, OPENAI_API_KEY and ` +
    'OPENAI_MODEL in the environment or .env and restart, or fill in the backend in the Settings tab of the admin UI.'
  );
}

/**
 * True when a backend (the URL, or a provider) and the default model are set (the key is optional: local backends
 * need none).
 */
export function isBackendConfigured(settings: Settings): boolean {
  return (settings.backend_url !== '' || settings.providers.length > 0) && settings.default_model !== '';
}

/** True for hosts only this machine can reach (no warning about keys in clear text). */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * The effective settings of a running process: fixed layers (flags, environment, `.env`) over the saved settings,
 * re-resolved whenever an admin saves a change, so the next request sees it.
 */
export class LayeredSettings {
  readonly #layers: SettingsLayers;
  readonly #persist: (patch: Partial<Settings>) => Promise<Partial<Settings>>;
  readonly #listeners = new Set<(resolved: ResolvedSettings) => void>();
  #resolved: ResolvedSettings;

  /** `persist` saves a patch and returns all saved settings (Store.settings.update). */
  constructor(layers: SettingsLayers, persist: (patch: Partial<Settings>) => Promise<Partial<Settings>>) {
    this.#layers = { ...layers };
    this.#persist = persist;
    this.#resolved = resolveSettings(this.#layers);
  }

  /** The settings now in force and which fields flags/env fix. */
  current(): ResolvedSettings {
    return this.#resolved;
  }

  /** Saves a (validated) patch and re-resolves. */
  async save(patch: Partial<Settings>): Promise<ResolvedSettings> {
    this.#layers.saved = await this.#persist(patch);
    this.#resolved = resolveSettings(this.#layers);
    for (const listener of this.#listeners) listener(this.#resolved);
    return this.#resolved;
  }

  /** Takes saved settings changed elsewhere (another instance on the same database) and re-resolves. */
  reload(saved: Partial<Settings>): ResolvedSettings {
    this.#layers.saved = saved;
    this.#resolved = resolveSettings(this.#layers);
    for (const listener of this.#listeners) listener(this.#resolved);
    return this.#resolved;
  }

  /** Calls `listener` after each save; returns the unsubscribe function. */
  onChange(listener: (resolved: ResolvedSettings) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
