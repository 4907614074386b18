/**
 * `cli providers`: the saved provider list as a change to send (`PUT /admin/settings` replaces the whole list; a
 * provider given without a key keeps its saved one), a provider made from a preset or from `--base-url --kind`,
 * and the list shown with each provider's health. Pure: the CLI sends and prints.
 */
import type { ProviderHealth, ProviderInput, ProviderKind, ProviderView } from '../../shared/types';
import { DEFAULT_PROVIDER } from '../core/provider-config';
import { findPreset, PRESETS, providerFromPreset } from '../providers/presets';
export { savedProviderInputs, withProvider } from '../../shared/provider-presets';
import { CliError } from './connect';
import { table } from './output';

export interface AddProviderArgs {
  preset?: string;
  key?: string;
  name?: string;
  baseUrl?: string;
  kind?: string;
}

/** The provider `providers add` makes: from `--preset` (its URL replaceable by `--base-url`), or custom. */
export function providerToAdd(args: AddProviderArgs): ProviderInput {
  const key = args.key ? { api_key: args.key } : {};
  if (args.preset) {
    const preset = findPreset(args.preset);
    if (!preset) throw new CliError(`no preset "${args.preset}"; presets: ${PRESETS.map((p) => p.id).join(', ')}`, 2);
    if (preset.needs_key && !args.key) throw new CliError(`${preset.label} needs a key: --key …`, 2);
    return providerFromPreset(preset, { ...(args.name ? { name: args.name } : {}), ...key, ...(args.baseUrl ? { base_url: args.baseUrl } : {}) });
  }
  if (!args.name || !args.baseUrl) throw new CliError('providers add needs --preset ID, or --name N --base-url URL [--kind openai|anthropic]', 2);
  const kind = (args.kind ?? 'openai') as ProviderKind;
  if (kind !== 'openai' && kind !== 'anthropic') throw new CliError(`--kind must be openai or anthropic, got "${args.kind}"`, 2);
  return { name: args.name, kind, base_url: args.baseUrl, ...key };
}

/** `list` without the provider `name`; an error when there is none (or it is `default`). */
export function withoutProvider(list: readonly ProviderInput[], name: string): ProviderInput[] {
  if (name === DEFAULT_PROVIDER) throw new CliError('"default" is the backend of OPENAI_BASE_URL / backend_url; change those instead', 2);
  if (!list.some((p) => p.name === name)) throw new CliError(`no provider "${name}"`, 2);
  return list.filter((p) => p.name !== name);
}

/** The providers with their masked keys and health, as a table. */
export function providersTable(views: readonly ProviderView[], health: readonly ProviderHealth[]): string {
  const byName = new Map(health.map((h) => [h.name, h]));
  return table(
    views.map((p) => {
      const h = byName.get(p.name);
      return { name: p.name, kind: p.kind, base_url: p.base_url, key: p.api_key_hint || '-', health: h?.state ?? 'healthy', last_error: h?.last_error ?? '' };
    }),
    ['name', 'kind', 'base_url', 'key', 'health', 'last_error'],
  );
}

/** The presets as a table. */
export function presetsTable(): string {
  return table(
    PRESETS.map((p) => ({ id: p.id, label: p.label, kind: p.kind, base_url: p.base_url, models: p.model_names.join(', ') })),
    ['id', 'label', 'kind', 'base_url', 'models'],
  );
}
