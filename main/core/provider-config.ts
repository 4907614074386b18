/**
 * The provider settings model: the schema of one provider, the provider `default` made from the single-backend
 * fields (OPENAI_BASE_URL, OPENAI_API_KEY and the quirk settings), the list in force, and the masked views.
 *
 * Adding a per-provider option: add the field to `ProviderConfig` (shared/types.ts) and to
 * {@link providerFields} below with a `.default(…)`, so that providers saved before it existed still load.
 */
import { z } from 'zod';
import type { ProviderConfig, ProviderInput, ProviderView, Settings } from '../../shared/types';
import { isHttpUrl } from './http-url';

/** What a provider name may be. */
export const PROVIDER_NAME = /^[a-z0-9-]+$/;

/** The provider made from the single-backend fields. */
export const DEFAULT_PROVIDER = 'default';

/** Longest provider name. */
const MAX_NAME = 40;

const httpUrl = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .refine(isHttpUrl, { message: 'must be an http:// or https:// URL' });

/** The fields of a provider besides name, kind, base_url and key, each with the default an absent one gets. */
export const providerFields = {
  api_key: z.string().default(''),
  reasoning_request: z
    .enum(['none', 'reasoning_effort', 'thinking', 'enable_thinking', 'chat_template_kwargs', 'openrouter'])
    .default('none'),
  reasoning_send_back: z.boolean().default(false),
  max_tokens_field: z.enum(['max_tokens', 'max_completion_tokens']).default('max_tokens'),
  max_tokens_cap: z.number().int().positive().nullable().default(null),
  strip_schema_keys: z.array(z.string().min(1)).default(['$schema']),
  think_tags: z.boolean().default(false),
  pdf_input: z.enum(['text', 'file']).default('text'),
  prompt_cache_key: z.boolean().default(false),
  headers: z
    .record(
      z.string().regex(/^[A-Za-z0-9-]+$/, 'header names are letters, digits and -'),
      z.string().refine((v) => !/[\r\n]/.test(v), { message: 'header values must be one line' }),
    )
    .refine((h) => !Object.keys(h).some((k) => /^(host|content-length|transfer-encoding|connection)$/i.test(k)), {
      message: 'host, content-length, transfer-encoding and connection cannot be set',
    })
    .default({}),
  models: z
    .record(
      z.string().min(1),
      z.strictObject({
        context_window: z.number().int().positive().optional(),
        max_tokens: z.number().int().positive().optional(),
      }),
    )
    .default({}),
  preset: z.string().optional(),
};

/** One provider as saved (unknown fields rejected, absent optional ones defaulted). */
export const providerSchema = z
  .strictObject({
    name: z
      .string()
      .trim()
      .max(MAX_NAME, `must be at most ${MAX_NAME} characters`)
      .regex(PROVIDER_NAME, 'must be lowercase letters, digits and - (e.g. deepseek)'),
    kind: z.enum(['openai', 'anthropic']).default('openai'),
    base_url: httpUrl,
    ...providerFields,
  })
  .transform((p) => ({ ...p, base_url: normaliseProviderUrl(p.base_url, p.kind) }) as ProviderConfig);

/** The saved list: valid providers with distinct names, none of them `default`. */
export const providersSchema = z.array(providerSchema).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (p.name === DEFAULT_PROVIDER) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'name'],
        message: '"default" is the backend set by backend_url / OPENAI_BASE_URL; choose another name',
      });
    }
    if (seen.has(p.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `"${p.name}" is used twice` });
    seen.add(p.name);
  });
});

/**
 * A provider's base URL as used: trimmed, no trailing slashes, and without the endpoint a user may have pasted
 * (`/chat/completions` for `openai`; `/v1/messages` or `/v1` for `anthropic`, whose paths start with `/v1`).
 */
export function normaliseProviderUrl(url: string, kind: ProviderConfig['kind']): string {
  let out = url.trim().replace(/\/+$/, '');
  if (kind === 'openai') return out.replace(/\/chat\/completions$/i, '').replace(/\/+$/, '');
  out = out.replace(/\/messages$/i, '').replace(/\/+$/, '');
  return out.replace(/\/v1$/i, '');
}

/** The provider `default` of the single-backend fields, or null when `backend_url` is not set. */
export function legacyProvider(settings: Settings): ProviderConfig | null {
  if (!settings.backend_url) return null;
  return {
    name: DEFAULT_PROVIDER,
    kind: 'openai',
    base_url: settings.backend_url,
    api_key: settings.backend_api_key,
    reasoning_request: settings.reasoning_request,
    reasoning_send_back: settings.reasoning_send_back,
    max_tokens_field: settings.max_tokens_field,
    max_tokens_cap: settings.max_tokens_cap,
    strip_schema_keys: settings.strip_schema_keys,
    think_tags: settings.think_tags,
    pdf_input: settings.pdf_input,
    prompt_cache_key: settings.prompt_cache_key,
    headers: {},
    models: {},
  };
}

/** Every provider in force: `default` (when the backend fields set it) first, then the saved list. */
export function effectiveProviders(settings: Settings): ProviderConfig[] {
  const legacy = legacyProvider(settings);
  const rest = settings.providers.filter((p) => p.name !== DEFAULT_PROVIDER);
  return legacy ? [legacy, ...rest] : rest;
}

/** The provider bare model names go to: `default` when set, else the first of the list; null when there is none. */
export function defaultProviderOf(providers: readonly ProviderConfig[]): ProviderConfig | null {
  return providers.find((p) => p.name === DEFAULT_PROVIDER) ?? providers[0] ?? null;
}

/** A provider as an admin sees it: the key replaced by a hint. */
export function providerView(p: ProviderConfig, mask: (key: string) => string): ProviderView {
  const { api_key, ...rest } = p;
  return {
    ...rest,
    api_key_set: api_key !== '',
    api_key_hint: mask(api_key),
    ...(p.name === DEFAULT_PROVIDER ? { legacy: true } : {}),
  };
}

/**
 * A new saved list from a patch's list: each entry without a key (absent or empty) keeps the key saved for the
 * provider of the same name. Entries are not validated here (the schema does that after).
 */
export function withSavedKeys(input: readonly ProviderInput[], saved: readonly ProviderConfig[]): ProviderInput[] {
  const keys = new Map(saved.map((p) => [p.name, p.api_key]));
  return input.map((p) => {
    if (p.api_key) return p;
    const key = keys.get(typeof p.name === 'string' ? p.name.trim() : p.name);
    return key ? { ...p, api_key: key } : p;
  });
}
