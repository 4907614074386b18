/**
 * The admin HTTP API: every route of `adminRoutes` (shared/admin-api.ts), each a thin call of the AdminApi.
 * Arguments are read the way the HTTP admin client sends them: `:name` path parameters first, then the query
 * (GET) or the JSON body merged over the query (other methods), so the seed's query-parameter forms
 * (`POST /admin/users?username=&email=`, `POST /admin/api-keys?user_id=&name=`) work too.
 * All routes need `Authorization: Bearer <admin token>`; errors are `{"error":{"code","message"}}`.
 */
import Router from '@koa/router';
import { adminRoutes as ROUTES } from '../../../shared/admin-api';
import type { AdminApi, AdminMethod } from '../../../shared/admin-api';
import { parseAdminArgs } from '../../../shared/admin-input';
import { adminAuth } from '../auth';
import type { AppDeps, ProxyContext, ProxyRouter, ProxyState } from '../context';
import { isRecord } from '../../../shared/json';
import { parseJson, readRawBody } from '../body';
import { AppError } from '../errors';

type Params = Record<string, string>;
type Input = Record<string, unknown>;

/** How each method's arguments come from the request, checked by the method's schema (shared/admin-input.ts). */
const CALLS: { [M in AdminMethod]: (admin: AdminApi, p: Params, input: Input) => Promise<unknown> } = {
  status: (a) => a.status(),
  listUsers: (a) => a.listUsers(),
  createUser: (a, _p, input) => a.createUser(...parseAdminArgs('createUser', [input])),
  deleteUser: async (a, p) => {
    const [ref] = parseAdminArgs('deleteUser', [p.ref]);
    await a.deleteUser(ref);
    return { deleted: true, ref: p.ref };
  },
  listKeys: (a, _p, input) => a.listKeys(...parseAdminArgs('listKeys', [input])),
  createKey: (a, _p, input) => a.createKey(...parseAdminArgs('createKey', [input])),
  revokeKey: (a, p) => a.revokeKey(...parseAdminArgs('revokeKey', [p.id])),
  setKeyLimits: (a, p, input) => a.setKeyLimits(...parseAdminArgs('setKeyLimits', [p.id, input])),
  usage: (a, _p, input) => a.usage(...parseAdminArgs('usage', [input])),
  requests: (a, _p, input) => a.requests(...parseAdminArgs('requests', [input])),
  getSettings: (a) => a.getSettings(),
  updateSettings: (a, _p, input) => a.updateSettings(...parseAdminArgs('updateSettings', [input])),
  testConnection: (a, _p, input) => a.testConnection(...parseAdminArgs('testConnection', [input])),
};

/** The query as plain strings (the first of repeated parameters). */
function queryOf(ctx: ProxyContext): Input {
  const out: Input = {};
  for (const [k, v] of Object.entries(ctx.query)) {
    const value = Array.isArray(v) ? v[0] : v;
    if (value !== undefined) out[k] = value;
  }
  return out;
}

async function inputOf(ctx: ProxyContext, method: string): Promise<Input> {
  const query = queryOf(ctx);
  if (method === 'GET' || method === 'DELETE') return query;
  const body = parseJson(await readRawBody(ctx));
  if (body === undefined || body === null) return query;
  if (!isRecord(body)) throw new AppError(400, 'invalid_argument', 'body: must be a JSON object');
  return { ...query, ...body };
}

/** Every route of the `adminRoutes` table, behind the admin token. */
export function adminRoutes(deps: AppDeps): ProxyRouter {
  const router = new Router<ProxyState>();
  const auth = adminAuth(deps);
  for (const [name, route] of Object.entries(ROUTES) as [AdminMethod, (typeof ROUTES)[AdminMethod]][]) {
    router.register(route.path, [route.method], [
      auth,
      async (ctx) => {
        const input = await inputOf(ctx, route.method);
        const result = await CALLS[name](deps.admin, ctx.params, input);
        ctx.body = result ?? { ok: true };
      },
    ]);
  }
  return router;
}
