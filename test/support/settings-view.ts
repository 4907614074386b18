/** A complete SettingsView for tests (what `GET /admin/settings` answers), with the fields a test cares about overridden. */
import type { SettingsView } from '../../shared/types';

/** Defaults: a configured backend at `http://backend.test/v1` with model `gpt-test`, no routes, nothing overridden. */
export function settingsView(overrides: Partial<SettingsView> = {}): SettingsView {
  return {
    providers: [],
    backend_url: 'http://backend.test/v1',
    backend_api_key_set: true,
    backend_api_key_hint: 'sk-…test',
    default_model: 'gpt-test',
    model_routes: [],
    max_tokens_field: 'max_tokens',
    max_tokens_cap: null,
    reasoning_request: 'none',
    reasoning_send_back: false,
    strip_schema_keys: [],
    think_tags: false,
    pdf_input: 'text',
    prompt_cache_key: false,
    web_search: null,
    host: '127.0.0.1',
    port: 8000,
    timeout_s: 600,
    retries: 2,
    debug: false,
    start_on_launch: true,
    start_at_login: false,
    overridden: [],
    ...overrides,
  };
}
