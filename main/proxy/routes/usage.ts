/**
 * Usage in the seed's shape:
 * - `GET /usage/me` (client key): the usage of the key's user;
 * - `GET /usage/api-key/:id` (admin token): the usage of one key.
 * Both take `?start_date=&end_date=` (or `since`/`until`): ISO date-times, or dates (`2025-06-01`; an end date
 * includes its whole day). Both add `key`: the key's limits and what it has left under them now (the calling key for
 * `/usage/me`).
 */
import Router from '@koa/router';
import type { KeyLimits, KeyRemaining, UsageReport } from '../../../shared/types';
import { dateBound } from '../../core/admin-service';
import { adminAuth, clientAuth } from '../auth';
import type { AppDeps, ProxyContext, ProxyRouter, ProxyState } from '../context';
import { AppError } from '../errors';

/** One row of `usage_by_endpoint`. */
export interface SeedUsageRow {
  endpoint: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
}

/** A key's limits and what it has left under them now. */
export interface KeyAllowance {
  id: number;
  name: string;
  limits: KeyLimits;
  remaining: KeyRemaining;
}

/** The seed's usage answer. */
export interface SeedUsage {
  user_id: number;
  username: string;
  total_requests: number;
  total_input_tokens: number;
  total_output_tokens: number;
  total_tokens: number;
  usage_by_endpoint: SeedUsageRow[];
  start_date: string | null;
  end_date: string | null;
  /** The key's limits and allowance left (added by the routes; not part of the seed's answer). */
  key?: KeyAllowance;
}

/** Folds a report's rows (key × model × endpoint) into the seed shape (endpoint × model). */
export function seedUsage(report: UsageReport, user: { user_id: number; username: string }): SeedUsage {
  const byEndpoint = new Map<string, SeedUsageRow>();
  for (const r of report.rows) {
    const id = `${r.endpoint}\n${r.model}`;
    const row = byEndpoint.get(id) ?? { endpoint: r.endpoint, model: r.model, requests: 0, input_tokens: 0, output_tokens: 0, total_tokens: 0 };
    row.requests += r.requests;
    row.input_tokens += r.input_tokens;
    row.output_tokens += r.output_tokens;
    row.total_tokens += r.total_tokens;
    byEndpoint.set(id, row);
  }
  return {
    user_id: user.user_id,
    username: user.username,
    total_requests: report.totals.requests,
    total_input_tokens: report.totals.input_tokens,
    total_output_tokens: report.totals.output_tokens,
    total_tokens: report.totals.total_tokens,
    usage_by_endpoint: [...byEndpoint.values()].sort((a, b) => b.total_tokens - a.total_tokens),
    start_date: report.start_date,
    end_date: report.end_date,
  };
}

/** The `since`/`until` of a request's `start_date`/`end_date` (or `since`/`until`) parameters. */
function rangeOf(ctx: ProxyContext): { since?: string; until?: string } {
  const q = ctx.query;
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v) || undefined;
  const start = first(q.start_date) ?? first(q.since);
  const end = first(q.end_date) ?? first(q.until);
  return {
    since: start === undefined ? undefined : dateBound(start, q.start_date ? 'start_date' : 'since', 'start'),
    until: end === undefined ? undefined : dateBound(end, q.end_date ? 'end_date' : 'until', 'end'),
  };
}

/** `GET /usage/me` (client key) and `GET /usage/api-key/:id` (admin token). */
export function usageRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();

  router.get('/usage/me', clientAuth(deps), async (ctx) => {
    const key = ctx.state.key!;
    const range = rangeOf(ctx);
    const report = await deps.store.usage.report({ user_id: key.user_id, ...range });
    ctx.body = { ...seedUsage(report, { user_id: key.user_id, username: key.username }), key: await allowance(deps, key) };
  });

  router.get('/usage/api-key/:id', adminAuth(deps), async (ctx) => {
    const id = Number(ctx.params.id);
    const key = Number.isInteger(id) ? await deps.store.keys.get(id) : undefined;
    if (!key) throw new AppError(404, 'not_found', `id: no API key with id ${ctx.params.id}`);
    const report = await deps.store.usage.report({ key_id: id, ...rangeOf(ctx) });
    ctx.body = { ...seedUsage(report, { user_id: key.user_id, username: key.username }), key: await allowance(deps, key) };
  });

  return router;
}

async function allowance(deps: Pick<AppDeps, 'limiter'>, key: { id: number; name: string; limits: KeyLimits }): Promise<KeyAllowance> {
  return { id: key.id, name: key.name, limits: key.limits, remaining: await deps.limiter.remaining(key) };
}
