/**
 * The Settings tab's form: its state (strings, as inputs hold them) made from a SettingsView, and the
 * validated patch of what changed. Pure.
 */
import type { MaxTokensField, ModelRoute, PdfInput, ReasoningRequestStyle, Settings, SettingsPatch, SettingsView, WebSearchProvider } from '../../shared/types';

export interface RouteRow {
  match: string;
  /** A model of the default provider, or `provider/model` targets separated by commas (tried in order). */
  model: string;
  /** Blank for no cap. */
  max_tokens: string;
  /** `long_context` routes: the input tokens above which the route applies; blank for the default. */
  above_tokens?: string;
}

export interface SettingsForm {
  backend_url: string;
  /** A new backend key; blank keeps the saved one. */
  backend_api_key: string;
  default_model: string;
  model_routes: RouteRow[];
  max_tokens_cap: string;
  reasoning_request: ReasoningRequestStyle;
  max_tokens_field: MaxTokensField;
  reasoning_send_back: boolean;
  /** Comma-separated. */
  strip_schema_keys: string;
  think_tags: boolean;
  pdf_input: PdfInput;
  prompt_cache_key: boolean;
  /** Blank: web search not configured. */
  web_search_provider: WebSearchProvider | '';
  web_search_url: string;
  /** A new search key; blank keeps the saved one. */
  web_search_key: string;
  host: string;
  port: string;
  timeout_s: string;
  retries: string;
  debug: boolean;
  start_on_launch: boolean;
  start_at_login: boolean;
}

export type FieldErrors = Partial<Record<keyof SettingsForm, string>> & { routes?: string[] };

export type PatchResult = { ok: true; patch: SettingsPatch } | { ok: false; errors: FieldErrors };

/** The reasoning styles, with what each one sends. */
export const REASONING_STYLES: { value: ReasoningRequestStyle; label: string }[] = [
  { value: 'none', label: 'None (send nothing)' },
  { value: 'reasoning_effort', label: 'reasoning_effort (OpenAI)' },
  { value: 'thinking', label: 'thinking: {type} (GLM, DeepSeek)' },
  { value: 'enable_thinking', label: 'enable_thinking (Qwen / DashScope)' },
  { value: 'chat_template_kwargs', label: 'chat_template_kwargs (vLLM, SGLang)' },
  { value: 'openrouter', label: 'reasoning: {effort} (OpenRouter)' },
];

/** The form showing a SettingsView (the backend key field starts blank: only its hint is known). */
export function formFromSettings(view: SettingsView): SettingsForm {
  return {
    backend_url: view.backend_url,
    backend_api_key: '',
    default_model: view.default_model,
    model_routes: view.model_routes.map(rowFromRoute),
    max_tokens_cap: view.max_tokens_cap === null ? '' : String(view.max_tokens_cap),
    reasoning_request: view.reasoning_request,
    max_tokens_field: view.max_tokens_field,
    reasoning_send_back: view.reasoning_send_back,
    strip_schema_keys: view.strip_schema_keys.join(', '),
    think_tags: view.think_tags,
    pdf_input: view.pdf_input,
    prompt_cache_key: view.prompt_cache_key,
    web_search_provider: view.web_search?.provider ?? '',
    web_search_url: view.web_search?.base_url ?? '',
    web_search_key: '',
    host: view.host,
    port: String(view.port),
    timeout_s: String(view.timeout_s),
    retries: String(view.retries),
    debug: view.debug,
    start_on_launch: view.start_on_launch,
    start_at_login: view.start_at_login,
  };
}

/** Whether a field is fixed by a flag or environment variable (then the form disables it). */
export function isOverridden(view: SettingsView, field: keyof Settings): boolean {
  return view.overridden.includes(field);
}

/**
 * The patch saving `form` over `view`: only changed fields that are not overridden, the backend key only
 * when one was typed. Or the errors, per field (routes per row).
 */
export function buildPatch(view: SettingsView, form: SettingsForm): PatchResult {
  const errors: FieldErrors = {};
  const patch: SettingsPatch = {};
  const editable = (field: keyof Settings) => !isOverridden(view, field);

  const backendUrl = form.backend_url.trim();
  if (editable('backend_url') && backendUrl !== view.backend_url) {
    if (backendUrl !== '' && !isHttpUrl(backendUrl)) errors.backend_url = 'Enter an http:// or https:// URL.';
    else patch.backend_url = backendUrl;
  }
  if (editable('backend_api_key') && form.backend_api_key.trim() !== '') patch.backend_api_key = form.backend_api_key.trim();
  const model = form.default_model.trim();
  if (editable('default_model') && model !== view.default_model) patch.default_model = model;

  if (editable('model_routes')) {
    const routeErrors: string[] = [];
    const providerNames = new Set((view.providers ?? []).map((p) => p.name));
    const routes = form.model_routes.map((row, i) => {
      const maxTokens = parseWhole(row.max_tokens, 1);
      const above = parseWhole(row.above_tokens ?? '', 1);
      const problems = [
        row.match.trim() === '' ? 'a match' : '',
        row.model.trim() === '' ? 'a model' : '',
        maxTokens === 'invalid' ? 'max tokens as a whole number above 0 (or blank)' : '',
        above === 'invalid' ? 'above tokens as a whole number above 0 (or blank)' : '',
      ].filter(Boolean);
      if (problems.length > 0) routeErrors[i] = `Route ${i + 1} needs ${problems.join(' and ')}.`;
      return routeFromRow(row, providerNames, maxTokens, above);
    });
    if (routeErrors.length > 0) errors.routes = routeErrors;
    else if (JSON.stringify(routes) !== JSON.stringify(view.model_routes.map(canonicalRoute))) {
      patch.model_routes = routes;
    }
  }

  if (editable('max_tokens_cap')) {
    const cap = parseWhole(form.max_tokens_cap, 1);
    if (cap === 'invalid') errors.max_tokens_cap = 'Enter a whole number above 0, or leave it blank for no cap.';
    else if ((cap ?? null) !== view.max_tokens_cap) patch.max_tokens_cap = cap ?? null;
  }
  if (editable('reasoning_request') && form.reasoning_request !== view.reasoning_request) patch.reasoning_request = form.reasoning_request;
  if (editable('max_tokens_field') && form.max_tokens_field !== view.max_tokens_field) patch.max_tokens_field = form.max_tokens_field;
  if (editable('reasoning_send_back') && form.reasoning_send_back !== view.reasoning_send_back) patch.reasoning_send_back = form.reasoning_send_back;

  if (editable('strip_schema_keys')) {
    const keys = [...new Set(form.strip_schema_keys.split(/[\s,]+/).map((k) => k.trim()).filter(Boolean))];
    if (keys.join('\n') !== view.strip_schema_keys.join('\n')) patch.strip_schema_keys = keys;
  }

  const host = form.host.trim();
  if (editable('host') && host !== view.host) {
    if (host === '' || /[\s/]/.test(host)) errors.host = 'Enter a host name or IP address, e.g. 127.0.0.1.';
    else patch.host = host;
  }
  numberField('port', form.port, view.port, { min: 1, max: 65535, whole: true }, 'Enter a port from 1 to 65535.');
  numberField('timeout_s', form.timeout_s, view.timeout_s, { min: 1, max: 86_400, whole: false }, 'Enter a number of seconds above 0.');
  numberField('retries', form.retries, view.retries, { min: 0, max: 10, whole: true }, 'Enter a whole number from 0 to 10.');

  for (const field of ['debug', 'start_on_launch', 'start_at_login', 'think_tags', 'prompt_cache_key'] as const) {
    if (editable(field) && form[field] !== view[field]) patch[field] = form[field];
  }
  if (editable('pdf_input') && form.pdf_input !== view.pdf_input) patch.pdf_input = form.pdf_input;
  if (editable('web_search')) webSearchField();

  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, patch };

  function webSearchField(): void {
    const provider = form.web_search_provider;
    if (provider === '') {
      if (view.web_search !== null) patch.web_search = null;
      return;
    }
    const url = form.web_search_url.trim();
    const key = form.web_search_key.trim();
    if (url !== '' && !isHttpUrl(url)) errors.web_search_url = 'Enter an http:// or https:// URL.';
    else if (provider === 'searxng' && url === '') errors.web_search_url = 'SearXNG needs the URL of its instance.';
    else if (provider !== 'searxng' && key === '' && !(view.web_search?.provider === provider && view.web_search.api_key_set)) errors.web_search_key = 'Brave and Tavily need an API key.';
    else if (provider !== view.web_search?.provider || url !== view.web_search.base_url || key !== '') {
      patch.web_search = { provider, ...(url ? { base_url: url } : {}), ...(key ? { api_key: key } : {}) };
    }
  }

  function numberField(
    field: 'port' | 'timeout_s' | 'retries',
    text: string,
    current: number,
    rule: { min: number; max: number; whole: boolean },
    message: string,
  ): void {
    if (!editable(field)) return;
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(value) || value < rule.min || value > rule.max || (rule.whole && !Number.isInteger(value))) {
      errors[field] = message;
    } else if (value !== current) {
      patch[field] = value;
    }
  }
}

/** A route as a form row. */
export function rowFromRoute(r: ModelRoute): RouteRow {
  return {
    match: r.match,
    model: r.targets?.join(', ') ?? r.model ?? '',
    max_tokens: r.max_tokens === undefined ? '' : String(r.max_tokens),
    above_tokens: r.above_tokens === undefined ? '' : String(r.above_tokens),
  };
}

/**
 * A form row as a route: `targets` when the text lists several entries or names a provider (`deepseek/deepseek-chat`),
 * else the single-backend form `model` (a model of the default provider, which may itself contain a `/`).
 */
function routeFromRow(row: RouteRow, providers: ReadonlySet<string>, maxTokens: number | undefined | 'invalid', above: number | undefined | 'invalid'): ModelRoute {
  const entries = row.model.split(',').map((t) => t.trim()).filter(Boolean);
  const named = entries.length > 0 && entries.every((t) => t.includes('/') && providers.has(t.slice(0, t.indexOf('/'))));
  return canonicalRoute({
    match: row.match.trim(),
    ...(entries.length > 1 || named ? { targets: entries } : { model: row.model.trim() }),
    ...(typeof maxTokens === 'number' ? { max_tokens: maxTokens } : {}),
    ...(typeof above === 'number' ? { above_tokens: above } : {}),
  });
}

/** The fields of a route in one order (for comparing a form's routes with the saved ones). */
function canonicalRoute(r: ModelRoute): ModelRoute {
  return {
    match: r.match,
    ...(r.targets ? { targets: r.targets } : {}),
    ...(r.model !== undefined && !r.targets ? { model: r.model } : {}),
    ...(r.max_tokens === undefined ? {} : { max_tokens: r.max_tokens }),
    ...(r.above_tokens === undefined ? {} : { above_tokens: r.above_tokens }),
  };
}

/** Blank → undefined; a whole number ≥ `min` → the number; anything else → `'invalid'`. */
export function parseWhole(text: string, min: number): number | undefined | 'invalid' {
  const trimmed = text.trim().replace(/[_,\s]/g, '');
  if (trimmed === '') return undefined;
  const value = Number(trimmed);
  return Number.isInteger(value) && value >= min ? value : 'invalid';
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
