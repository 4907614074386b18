/**
 * Domain types shared by the core (main/), the preload and the renderer.
 * Wire format is snake_case, as in the seed's HTTP API, so the same objects travel over HTTP and IPC.
 */

/** A person who owns API keys. */
export interface User {
  id: number;
  username: string;
  email: string | null;
  created_at: string;
}

/** Per-key limits; null means unlimited. */
export interface KeyLimits {
  requests_per_minute: number | null;
  concurrent_streams: number | null;
  tokens_per_day: number | null;
  tokens_per_month: number | null;
}

/** What a key has left now under each of its limits; null where it has no limit. */
export interface KeyRemaining {
  requests_this_minute: number | null;
  /** Requests it may start now, beside those in flight. */
  concurrent: number | null;
  /** Tokens left today (UTC day). */
  tokens_today: number | null;
  /** Tokens left this month (UTC month). */
  tokens_this_month: number | null;
}

/** An API key as it may be shown: never the secret, only its display prefix. */
export interface ApiKeyInfo {
  id: number;
  user_id: number;
  username: string;
  name: string;
  /** First characters of the key, e.g. `sk-ip-AbC1`, for recognising it. */
  key_prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  is_active: boolean;
  limits: KeyLimits;
  /** What the key has left now; set by the admin service on listed keys (absent from the store's records). */
  remaining?: KeyRemaining;
}

/** Returned once, when a key is created: the only time the whole key exists outside the client. */
export interface CreatedKey extends ApiKeyInfo {
  api_key: string;
}

/** The API routes whose usage is counted. */
export type UsageEndpoint = '/v1/messages' | '/v1/chat/completions' | '/v1/messages/count_tokens';

export interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  total_tokens: number;
}

/** One aggregate row: a key × model × endpoint × provider over the queried range. */
export interface UsageRow extends UsageTotals {
  user_id: number;
  username: string;
  key_id: number;
  key_name: string;
  model: string;
  /** The provider that answered; empty for requests no provider answered (and usage recorded before providers). */
  provider: string;
  endpoint: UsageEndpoint;
}

/** One point of the tokens-over-time chart (hour buckets for short ranges, days for long). */
export interface UsageSeriesPoint {
  /** ISO start of the bucket. */
  bucket: string;
  input_tokens: number;
  output_tokens: number;
  requests: number;
}

export interface UsageQuery {
  key_id?: number;
  user_id?: number;
  /** ISO date-time, inclusive. */
  since?: string;
  /** ISO date-time, exclusive. */
  until?: string;
}

export interface UsageReport {
  start_date: string | null;
  end_date: string | null;
  totals: UsageTotals;
  rows: UsageRow[];
  series: UsageSeriesPoint[];
}

/** One entry of the bounded recent-request log. */
export interface RequestLogEntry {
  id: number;
  time: string;
  key_id: number | null;
  user_id: number | null;
  endpoint: string;
  /** The model the client asked for. */
  model: string | null;
  /** The model sent to the backend, when it differs. */
  backend_model: string | null;
  /** The provider that answered (or the last one tried); null when none was reached (or logged before providers). */
  provider: string | null;
  /** Targets tried and failed before the one that answered, in order (failover). */
  attempts: RequestAttempt[];
  status: number;
  latency_ms: number;
  stream: boolean;
  input_tokens: number;
  output_tokens: number;
  /** True when the backend sent no usage and the tokens were estimated locally. */
  usage_estimated: boolean;
  error: string | null;
  /** The client's session (Claude Code's `x-claude-code-session-id`); null when it sent none. */
  session_id: string | null;
}

export interface RequestLogQuery {
  key_id?: number;
  /** Only the requests of this session. */
  session_id?: string;
  limit?: number;
}

/**
 * How a request is routed to a backend model. `match` is an exact name (`claude-opus-4-8`), a tier (`opus`,
 * `sonnet`, `haiku`), a glob (`claude-3-*`) or a kind of request: `thinking` (thinking switched on) or
 * `long_context` (input estimate above `above_tokens`). Exact names win, then kinds, then the first tier or glob.
 */
export interface ModelRoute {
  match: string;
  /** Ordered `provider/model` targets: the first that is up and fits takes the request, the next on its failure. */
  targets?: string[];
  /** The older single-backend form: a model on the default provider (used when `targets` is absent). */
  model?: string;
  /** Largest `max_tokens` sent through this route; larger requests are clamped. */
  max_tokens?: number;
  /** `long_context` routes only: the input estimate (tokens) above which the route applies (default 60000). */
  above_tokens?: number;
}

/** The two API dialects a provider can speak. */
export type ProviderKind = 'openai' | 'anthropic';

/** What is known about one model of a provider. */
export interface ProviderModelInfo {
  /** Input + output tokens the model accepts; a request that cannot fit skips this target. */
  context_window?: number;
  /** Largest `max_tokens` the model accepts; larger requests are clamped. */
  max_tokens?: number;
}

/**
 * One backend. `kind: "openai"`: a Chat Completions backend (Anthropic requests are translated);
 * `kind: "anthropic"`: a backend speaking the Messages API itself (requests forwarded as they are).
 * The quirk fields apply to `openai` providers; new per-provider options are added here and in
 * main/core/provider-config.ts (the schema, with the default that old saved providers get).
 */
export interface ProviderConfig {
  /** Short id (`[a-z0-9-]+`), used in `provider/model` targets; `default` is the OPENAI_BASE_URL backend. */
  name: string;
  kind: ProviderKind;
  /** For `openai`, the URL before `/chat/completions` (e.g. `https://api.deepseek.com/v1`); for `anthropic`, before `/v1/messages`. */
  base_url: string;
  /** Secret: masked in every view, never logged, redacted from relayed errors. */
  api_key: string;
  reasoning_request: ReasoningRequestStyle;
  reasoning_send_back: boolean;
  max_tokens_field: MaxTokensField;
  /** Cap on `max_tokens` for every model of this provider; null = none. */
  max_tokens_cap: number | null;
  strip_schema_keys: string[];
  /** `<think>…</think>` in the backend's content is thinking (Ollama/vLLM without a reasoning parser, MiniMax). */
  think_tags: boolean;
  /** How PDF documents are sent: their extracted text (`text`), or the file itself as an OpenAI `file` part (`file`). */
  pdf_input: PdfInput;
  /** Send Claude Code's session id as OpenAI's `prompt_cache_key` (OpenAI and backends that accept the field). */
  prompt_cache_key: boolean;
  /** Extra request headers sent to this provider. */
  headers: Record<string, string>;
  /** Known models (context window, output cap), by backend model id. */
  models: Record<string, ProviderModelInfo>;
  /** The preset it was made from (`deepseek`…), informational. */
  preset?: string;
}

/** A provider as an admin may see it: the key replaced by a hint. */
export type ProviderView = Omit<ProviderConfig, 'api_key'> & {
  api_key_set: boolean;
  /** e.g. `sk-…a1b2`; empty when unset. */
  api_key_hint: string;
  /** True for `default`, defined by the backend fields (OPENAI_BASE_URL…), not by the `providers` list. */
  legacy?: boolean;
};

/**
 * A provider as given in a change: every field but `name` optional (the kind's defaults fill them). A missing or
 * empty `api_key` keeps the saved key of the provider with the same name.
 */
export type ProviderInput = Partial<ProviderConfig> & { name: string };

/** A built-in provider template (`cli providers add --preset deepseek`, "Add provider" in Settings). */
export interface ProviderPreset {
  id: string;
  label: string;
  kind: ProviderKind;
  base_url: string;
  /** The backend needs a key (local servers do not). */
  needs_key: boolean;
  /** Usual model ids, the first one the suggested default. */
  model_names: string[];
  /** The settings this backend needs, and what is known of its models. */
  config: Partial<Omit<ProviderConfig, 'name' | 'api_key' | 'base_url' | 'kind'>>;
  /** Where to get a key, or a note about the backend. */
  note?: string;
}

/** How a provider has been answering lately (its circuit breaker). */
export type ProviderState = 'healthy' | 'degraded' | 'down';

export interface ProviderHealth {
  name: string;
  kind: ProviderKind;
  state: ProviderState;
  /** The last failure (status or connection error), redacted; null when none since start. */
  last_error: string | null;
  /** ISO time the provider entered its state. */
  since: string;
  consecutive_failures: number;
  /** While down: ISO time after which one request probes it again. */
  retry_at: string | null;
}

/** One try of a request at a target that failed before the answer (request log). */
export interface RequestAttempt {
  provider: string;
  model: string;
  /** The status answered, or 0 when there was no answer (refused, reset, timed out). */
  status: number;
  error: string;
}

/** How Anthropic `thinking` is switched on at the backend. */
export type ReasoningRequestStyle =
  | 'none' // send nothing
  | 'reasoning_effort' // OpenAI: reasoning_effort: low|medium|high
  | 'thinking' // GLM, DeepSeek V3.1+: thinking: {type: "enabled"|"disabled"}
  | 'enable_thinking' // Qwen (DashScope): enable_thinking: true
  | 'chat_template_kwargs' // vLLM/SGLang: chat_template_kwargs: {enable_thinking: true}
  | 'openrouter'; // OpenRouter: reasoning: {effort}

/** The search services the proxy's web search can use. */
export type WebSearchProvider = 'searxng' | 'brave' | 'tavily';

/** The search service behind Anthropic's web search tool, which the proxy runs itself (setting `web_search`). */
export interface WebSearchConfig {
  provider: WebSearchProvider;
  /** SearXNG: the instance (`http://localhost:8888`); Brave and Tavily: their API (the default when empty). */
  base_url: string;
  /** Secret (Brave, Tavily): masked in every view, never logged, redacted from relayed errors. */
  api_key: string;
}

/** The search service as an admin sees it: the key replaced by a hint. */
export type WebSearchView = Omit<WebSearchConfig, 'api_key'> & { api_key_set: boolean; api_key_hint: string };

/** A change to the search service; a missing or empty `api_key` keeps the saved key of the same provider. */
export type WebSearchInput = Omit<WebSearchConfig, 'api_key' | 'base_url'> & { base_url?: string; api_key?: string };

/** How PDF documents reach a backend: their text (extracted by the proxy) or the file itself. */
export type PdfInput = 'text' | 'file';

/** The Chat Completions field that carries the output limit. */
export type MaxTokensField = 'max_tokens' | 'max_completion_tokens';

/** Everything the proxy can be configured with. */
export interface Settings {
  /**
   * The backends besides `default`. The fields from `backend_url` to `strip_schema_keys` define the provider
   * `default` (OPENAI_BASE_URL, the single-backend form) when `backend_url` is set.
   */
  providers: ProviderConfig[];
  /** Backend base URL, normalised to end in `/v1` (or the backend's own prefix), no trailing slash. */
  backend_url: string;
  backend_api_key: string;
  /** Backend model used when no route matches (OPENAI_MODEL): a model of the default provider, or `provider/model`. */
  default_model: string;
  model_routes: ModelRoute[];
  /** Global cap on `max_tokens` sent to the backend, applied after per-route caps; null = none. */
  max_tokens_cap: number | null;
  reasoning_request: ReasoningRequestStyle;
  /** Which request field carries the output limit: OpenAI's reasoning and GPT-5 models accept only `max_completion_tokens`. */
  max_tokens_field: MaxTokensField;
  /** Send earlier thinking back to the backend as `reasoning_content` (DeepSeek thinking mode with tools). */
  reasoning_send_back: boolean;
  /** JSON-Schema keys removed from tool schemas before they reach the backend (e.g. `format`, `$schema`). */
  strip_schema_keys: string[];
  /** `<think>…</think>` in the backend's content is turned into thinking blocks. */
  think_tags: boolean;
  /** How PDF documents are sent to the backend: extracted text, or the file (`file` parts: OpenAI, OpenRouter). */
  pdf_input: PdfInput;
  /** Send Claude Code's session id as OpenAI's `prompt_cache_key` (only to backends that accept the field). */
  prompt_cache_key: boolean;
  /** The search service for Anthropic's web search tool; null: web search answers that it is not configured. */
  web_search: WebSearchConfig | null;
  host: string;
  port: number;
  /** Seconds to wait for response headers and between stream chunks. */
  timeout_s: number;
  /** Retries of connection failures and 502/503 before any byte reached the client. */
  retries: number;
  debug: boolean;
  /** Desktop only: start the proxy when the app launches. */
  start_on_launch: boolean;
  /** Desktop only: launch the app at login. */
  start_at_login: boolean;
}

/** Settings as shown to an admin: the backend key and every provider key masked. */
export type SettingsView = Omit<Settings, 'backend_api_key' | 'providers' | 'web_search'> & {
  /** The search service, its key masked. */
  web_search: WebSearchView | null;
  /** Every provider in force, `default` (from the backend fields) first when it is set; keys masked. */
  providers: ProviderView[];
  backend_api_key_set: boolean;
  /** e.g. `sk-…a1b2`; empty when unset. */
  backend_api_key_hint: string;
  /** Which fields are fixed by a flag or environment variable (saved values for them do not apply). */
  overridden: (keyof Settings)[];
};

/**
 * A change to settings; `backend_api_key` replaces the key when present and non-empty. `providers` replaces the
 * list (a provider given without a key keeps its saved one; `default` is not part of the list).
 */
export type SettingsPatch = Partial<Omit<Settings, 'providers' | 'web_search'>> & { providers?: ProviderInput[]; web_search?: WebSearchInput | null };

/** What the proxy is doing now. */
export interface ServerStatus {
  running: boolean;
  /** e.g. `http://127.0.0.1:8000`; null while stopped. */
  url: string | null;
  host: string;
  port: number;
  backend_configured: boolean;
  backend_url: string;
  default_model: string;
  version: string;
  /** Last start error (port in use, bad setting), shown instead of a crash. */
  error: string | null;
  /** Each provider in force and how it has been answering. */
  providers: ProviderHealth[];
}

/** One check of the backend probe (`cli doctor`, "Test connection"). */
export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** Passed with a caveat worth reading (e.g. usage will be estimated); `ok` stays true. */
  warning?: boolean;
}

export interface DoctorReport {
  backend_url: string;
  ok: boolean;
  models: string[];
  checks: DoctorCheck[];
  /** Settings the probe suggests, to apply as they are. */
  suggested: SettingsPatch;
}

/** Claude Code's settings file as the desktop sees it: where it is, whether an undo is possible, our keys in it. */
export interface ClaudeCodeConfigState {
  /** The settings.json Claude Code reads (`$CLAUDE_CONFIG_DIR` or `~/.claude`). */
  path: string;
  /** A configuration of ours is in place (a backup or created-marker is left): Undo is offered. */
  can_undo: boolean;
  /** ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN and ANTHROPIC_API_KEY as set now (secrets masked). */
  current: Record<string, string>;
  /** Why the desktop cannot keep keys to write (no OS keychain, e.g. Linux without a keyring), else null. */
  key_storage_problem: string | null;
}

/** A change to Claude Code's `settings.json` (desktop only), shown before and after it is applied. */
export interface ClaudeCodeConfigResult {
  path: string;
  backup_path: string | null;
  before: Record<string, string>;
  after: Record<string, string>;
}
