/**
 * The HTTP transport of {@link AdminApi}: one fetch per call, built from the `adminRoutes` table.
 * Used by the web admin in the browser and by the CLI in Node 20 (both have a global `fetch`).
 *
 * Arguments map onto a route the same way for every method: `:name` path parameters take the leading
 * positional arguments in order; the one argument left (if any) travels as query parameters on GET and
 * as the JSON body otherwise. Failures reject with an {@link AdminError}.
 */
import { AdminError, adminRoutes } from './admin-api';
import type { AdminApi, AdminMethod } from './admin-api';
import { isRecord } from './json';

/** The subset of `fetch` the client needs (the global one, or a test double such as undici's). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export interface HttpAdminClientOptions {
  /** The proxy's origin (and path prefix, if any), e.g. `http://127.0.0.1:8000`. */
  baseUrl: string;
  /** The admin token, sent as `Authorization: Bearer <token>`. */
  token: string;
  /** Defaults to the global `fetch`. */
  fetch?: FetchLike;
}

type Args<M extends AdminMethod> = Parameters<AdminApi[M]>;
type Result<M extends AdminMethod> = Awaited<ReturnType<AdminApi[M]>>;
type QueryValue = string | number | boolean | null | undefined;

/** Creates an {@link AdminApi} that calls the admin HTTP routes of the proxy at `baseUrl`. */
export function createHttpAdminClient(options: HttpAdminClientOptions): AdminApi {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch: FetchLike = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function call<M extends AdminMethod>(method: M, args: Args<M>): Promise<Result<M>> {
    const route = adminRoutes[method];
    const rest: unknown[] = [...args];
    const path = route.path.replace(/:([a-z_]+)/gi, (_match, name: string) => {
      const value = rest.shift();
      if (value === undefined || value === null || value === '') {
        throw new AdminError({ status: 400, code: 'invalid_argument', message: `Missing ${name} for ${method}.` });
      }
      return encodeURIComponent(String(value));
    });
    const payload = rest[0];
    let url = base + path;
    const init: RequestInit = {
      method: route.method,
      headers: { authorization: `Bearer ${options.token}`, accept: 'application/json' },
    };
    if (route.method === 'GET') {
      url += queryString(payload);
    } else if (payload !== undefined) {
      init.body = JSON.stringify(payload);
      init.headers = { ...init.headers, 'content-type': 'application/json' };
    }

    let response: Response;
    try {
      response = await doFetch(url, init);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new AdminError({ status: 0, code: 'network_error', message: `Cannot reach the proxy at ${base}: ${reason}` });
    }
    const text = await response.text().catch(() => '');
    if (!response.ok) throw errorFromResponse(response.status, text);
    return (text === '' ? undefined : parseJson(text, response.status)) as Result<M>;
  }

  return {
    status: (...args) => call('status', args),
    listUsers: (...args) => call('listUsers', args),
    createUser: (...args) => call('createUser', args),
    deleteUser: async (...args) => {
      await call('deleteUser', args);
    },
    listKeys: (...args) => call('listKeys', args),
    createKey: (...args) => call('createKey', args),
    revokeKey: (...args) => call('revokeKey', args),
    setKeyLimits: (...args) => call('setKeyLimits', args),
    usage: (...args) => call('usage', args),
    requests: (...args) => call('requests', args),
    getSettings: (...args) => call('getSettings', args),
    updateSettings: (...args) => call('updateSettings', args),
    testConnection: (...args) => call('testConnection', args),
  };
}

/** `?a=1&b=x` from an object's defined scalar values; empty when there are none. */
export function queryString(params: unknown): string {
  if (params === null || typeof params !== 'object') return '';
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params as Record<string, QueryValue>)) {
    if (value === undefined || value === null || value === '') continue;
    search.append(key, String(value));
  }
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

/** The AdminError an error response stands for: its `{"error":{"code","message"}}` body, or the status. */
export function errorFromResponse(status: number, text: string): AdminError {
  let code = status === 401 ? 'unauthorized' : status === 404 ? 'not_found' : 'http_error';
  let message = `The proxy answered HTTP ${status}.`;
  try {
    const body: unknown = JSON.parse(text);
    const error = isRecord(body) ? body.error : undefined;
    if (isRecord(error)) {
      if (typeof error.code === 'string' && error.code !== '') code = error.code;
      else if (typeof error.type === 'string' && error.type !== '') code = error.type;
      if (typeof error.message === 'string' && error.message !== '') message = error.message;
    } else if (typeof error === 'string' && error !== '') {
      message = error;
    }
  } catch {
    // Not JSON (a gateway page, an empty body): keep the status-based message.
  }
  return new AdminError({ status, code, message });
}

function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new AdminError({ status, code: 'invalid_response', message: 'The proxy answered with something that is not JSON.' });
  }
}

