/**
 * The doctor for one provider ("Add provider" runs it on the provider it saved): an `openai` provider gets the whole
 * backend probe (backend-probe.ts) with its URL, key and quirks; an `anthropic` provider gets `reachable`,
 * `backend key` and `models` (GET /v1/models) and a tiny `completion` (POST /v1/messages). The model probed is the
 * first one the model routes (or `default_model`) send to the provider, else its preset's first, else the first
 * listed. Nothing is suggested: the settings a probe suggests are the global ones, not a provider's.
 */
import type { DoctorCheck, DoctorReport, ProviderConfig, Settings } from '../../shared/types';
import { isRecord } from '../../shared/json';
import { redactSecrets } from '../../shared/redact';
import { findPreset } from '../../shared/provider-presets';
import { backendTarget } from '../providers/backend-target';
import { readBounded } from '../upstream/read-bounded';
import type { UpstreamClient } from '../upstream/client';
import { probeBackend } from './backend-probe';

const CHECK_TIMEOUT_MS = 20_000;

/** Probes `provider` under `settings` (TIMEOUT). Never throws for the provider's failure: each is a failed check. */
export async function probeProvider(
  settings: Settings,
  provider: ProviderConfig,
  upstream: Pick<UpstreamClient, 'getModels' | 'postChat' | 'post'>,
): Promise<DoctorReport> {
  const model = modelFor(settings, provider);
  if (provider.kind === 'openai') {
    const report = await probeBackend(
      {
        ...settings,
        backend_url: provider.base_url,
        backend_api_key: provider.api_key,
        reasoning_request: provider.reasoning_request,
        reasoning_send_back: provider.reasoning_send_back,
        max_tokens_field: provider.max_tokens_field,
        max_tokens_cap: provider.max_tokens_cap,
        strip_schema_keys: provider.strip_schema_keys,
        default_model: model,
      },
      upstream,
    );
    if (model) return { ...report, suggested: {} };
    // No model routed to it yet: probing with the first one listed is what was wanted, not a failure.
    const checks = report.checks.map((c) =>
      c.name === 'default model' && !c.ok && report.models.length > 0
        ? { name: 'model', ok: true, warning: true, detail: `No model routed to ${provider.name} yet: probed with "${report.models[0]}", the first one listed.` }
        : c,
    );
    return { ...report, checks, ok: checks.every((c) => c.ok), suggested: {} };
  }
  return probeAnthropic(settings, provider, model, upstream);
}

/** The model probed: routed to the provider, else the preset's first (empty: the first listed). */
function modelFor(settings: Settings, provider: ProviderConfig): string {
  const prefix = `${provider.name}/`;
  const routed = [...settings.model_routes.flatMap((r) => r.targets ?? []), settings.default_model].find((t) => t.startsWith(prefix));
  if (routed) return routed.slice(prefix.length);
  return (provider.preset && findPreset(provider.preset)?.model_names[0]) || '';
}

async function probeAnthropic(
  settings: Settings,
  provider: ProviderConfig,
  model: string,
  upstream: Pick<UpstreamClient, 'getModels' | 'post'>,
): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  const timeoutMs = Math.min(CHECK_TIMEOUT_MS, settings.timeout_s * 1000);
  const target = { ...backendTarget(provider, { timeout_s: timeoutMs / 1000 }, 0), headers: { ...provider.headers, 'anthropic-version': '2023-06-01' } };
  let models: string[] = [];
  const done = (): DoctorReport => ({
    backend_url: provider.base_url,
    ok: checks.every((c) => c.ok),
    models,
    checks: checks.map((c) => ({ ...c, detail: redactSecrets(c.detail, [provider.api_key]) })),
    suggested: {},
  });

  let listed;
  try {
    listed = await upstream.getModels(target, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    checks.push({ name: 'reachable', ok: false, detail: `${err instanceof Error ? err.message : String(err)} Is the base URL right?` });
    return done();
  }
  checks.push({ name: 'reachable', ok: true, detail: `GET …/v1/models answered HTTP ${listed.status}.` });
  if (listed.status === 401 || listed.status === 403) {
    checks.push({ name: 'backend key', ok: false, detail: `Key rejected (HTTP ${listed.status}): ${listed.text.slice(0, 200)}` });
    return done();
  }
  checks.push({ name: 'backend key', ok: true, detail: provider.api_key ? 'Accepted.' : 'None set, and the provider asked for none.' });
  const data = isRecord(listed.json) && Array.isArray(listed.json.data) ? listed.json.data : [];
  models = data.flatMap((m) => (isRecord(m) && typeof m.id === 'string' ? [m.id] : []));
  checks.push(
    listed.status === 200
      ? { name: 'models', ok: true, detail: `${models.length} models available.` }
      : { name: 'models', ok: true, warning: true, detail: `No model list (HTTP ${listed.status}); not every provider has one.` },
  );
  const probed = model || models[0];
  if (!probed) {
    checks.push({ name: 'completion', ok: false, detail: 'No model to probe: route a model to this provider first.' });
    return done();
  }
  const body = JSON.stringify({ model: probed, max_tokens: 16, messages: [{ role: 'user', content: 'Say OK.' }] });
  try {
    const res = await upstream.post(target, '/messages', body, { signal: AbortSignal.timeout(timeoutMs) });
    const text = (await readBounded(res.body, 64 * 1024)).text;
    checks.push(
      res.status === 200
        ? { name: 'completion', ok: true, detail: `"${probed}" answered.` }
        : { name: 'completion', ok: false, detail: `"${probed}": HTTP ${res.status}: ${text.slice(0, 200)}` },
    );
  } catch (err) {
    checks.push({ name: 'completion', ok: false, detail: `"${probed}": ${err instanceof Error ? err.message : String(err)}` });
  }
  return done();
}
