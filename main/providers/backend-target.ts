/**
 * A provider as the backend client addresses it (upstream/client.ts BackendTarget): its URL, key, headers and how
 * the key is sent, with the TIMEOUT of the settings and the retries wanted for this attempt.
 */
import type { ProviderConfig, Settings } from '../../shared/types';
import type { BackendTarget } from '../upstream/client';

/**
 * The target for `provider`. An `anthropic` provider's paths are the Messages API's under `/v1` (`/messages`,
 * `/messages/count_tokens`, `/models`), its key sent as `x-api-key`.
 */
export function backendTarget(provider: ProviderConfig, settings: Pick<Settings, 'timeout_s'>, retries: number): BackendTarget {
  const anthropic = provider.kind === 'anthropic';
  return {
    backend_url: anthropic ? `${provider.base_url}/v1` : provider.base_url,
    backend_api_key: provider.api_key,
    timeout_s: settings.timeout_s,
    retries,
    headers: provider.headers,
    auth: anthropic ? 'x-api-key' : 'bearer',
  };
}
