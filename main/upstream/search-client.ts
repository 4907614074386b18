/**
 * The search services behind the proxy's web search: SearXNG (`GET /search?q=…&format=json`, self-hosted, no key),
 * Brave Search (`GET /res/v1/web/search`, key in `X-Subscription-Token`) and Tavily (`POST /search`, key as a Bearer
 * token). Each answer is read into the same {@link SearchHit} list; allowed and blocked domains are applied to every
 * service's results (and passed to Tavily, which filters itself), the country of `user_location` to Brave.
 *
 * Bounded: {@link SEARCH_TIMEOUT_MS} per search, at most {@link MAX_ANSWER_BYTES} of answer read. Failures are
 * {@link SearchError}s carrying Anthropic's web search error codes; their messages never contain the key.
 */
import { isRecord } from '../../shared/json';
import type { WebSearchConfig } from '../../shared/types';

export const SEARCH_TIMEOUT_MS = 15_000;
const MAX_ANSWER_BYTES = 2 * 1024 * 1024;
/** Anthropic rejects longer queries with `query_too_long`. */
export const MAX_QUERY_LENGTH = 400;

export interface SearchQuery {
  query: string;
  maxResults: number;
  allowedDomains?: readonly string[] | null;
  blockedDomains?: readonly string[] | null;
  /** Two-letter country code (user_location.country). */
  country?: string | null;
}

export interface SearchHit {
  url: string;
  title: string;
  /** The text the service gives for the page (what the model reads). */
  snippet: string;
  /** How old the page is, as the service says it (`2 days ago`, an ISO date); null when unknown. */
  pageAge: string | null;
}

/** Anthropic's `web_search_tool_result_error` codes. */
export type SearchErrorCode = 'too_many_requests' | 'invalid_input' | 'max_uses_exceeded' | 'query_too_long' | 'unavailable';

export class SearchError extends Error {
  readonly code: SearchErrorCode;
  constructor(code: SearchErrorCode, message: string) {
    super(message);
    this.name = 'SearchError';
    this.code = code;
  }
}

/** Searches `config`'s service; rejects with a SearchError. */
export async function searchWeb(config: WebSearchConfig, q: SearchQuery, signal?: AbortSignal): Promise<SearchHit[]> {
  if (q.query.trim() === '') throw new SearchError('invalid_input', 'the query is empty');
  if (q.query.length > MAX_QUERY_LENGTH) throw new SearchError('query_too_long', `the query is longer than ${MAX_QUERY_LENGTH} characters`);
  const request = buildRequest(config, q);
  const signals = [AbortSignal.timeout(SEARCH_TIMEOUT_MS), ...(signal ? [signal] : [])];
  let res: Response;
  try {
    res = await fetch(request.url, { ...request.init, signal: AbortSignal.any(signals), redirect: 'error' });
  } catch (err) {
    const timedOut = err instanceof Error && err.name === 'TimeoutError';
    throw new SearchError('unavailable', timedOut ? `the search service did not answer within ${SEARCH_TIMEOUT_MS / 1000} s` : 'the search service could not be reached');
  }
  const text = await readBounded(res);
  if (res.status === 429) throw new SearchError('too_many_requests', 'the search service is rate limiting this proxy');
  if (res.status === 400 || res.status === 422) throw new SearchError('invalid_input', `the search service rejected the query (${res.status})`);
  if (res.status >= 300) throw new SearchError('unavailable', `the search service answered ${res.status}`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new SearchError('unavailable', 'the search service answered something that is not JSON');
  }
  return filterDomains(readHits(config.provider, json), q).slice(0, q.maxResults);
}

function buildRequest(config: WebSearchConfig, q: SearchQuery): { url: string; init: RequestInit } {
  const base = config.base_url.replace(/\/+$/, '');
  switch (config.provider) {
    case 'searxng': {
      const url = new URL(`${base}/search`);
      url.searchParams.set('q', q.query);
      url.searchParams.set('format', 'json');
      const headers: Record<string, string> = { accept: 'application/json' };
      if (config.api_key) headers.authorization = `Bearer ${config.api_key}`;
      return { url: url.href, init: { headers } };
    }
    case 'brave': {
      const url = new URL(`${base}/res/v1/web/search`);
      url.searchParams.set('q', q.query);
      url.searchParams.set('count', String(Math.min(20, q.maxResults)));
      if (q.country && /^[A-Za-z]{2}$/.test(q.country)) url.searchParams.set('country', q.country.toUpperCase());
      return { url: url.href, init: { headers: { accept: 'application/json', 'x-subscription-token': config.api_key } } };
    }
    case 'tavily': {
      const body = {
        query: q.query,
        max_results: Math.min(20, q.maxResults),
        ...(q.allowedDomains?.length ? { include_domains: q.allowedDomains } : {}),
        ...(q.blockedDomains?.length ? { exclude_domains: q.blockedDomains } : {}),
      };
      return {
        url: `${base}/search`,
        init: { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${config.api_key}` }, body: JSON.stringify(body) },
      };
    }
  }
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** The results of a service's answer, whatever its shape (unusable entries skipped). */
export function readHits(provider: WebSearchConfig['provider'], json: unknown): SearchHit[] {
  if (!isRecord(json)) return [];
  const list = provider === 'brave' ? (isRecord(json.web) ? json.web.results : undefined) : json.results;
  if (!Array.isArray(list)) return [];
  const hits: SearchHit[] = [];
  for (const r of list) {
    if (!isRecord(r) || !/^https?:\/\//i.test(str(r.url))) continue;
    const pageAge = str(r.page_age) || str(r.age) || str(r.publishedDate) || str(r.published_date);
    hits.push({ url: str(r.url), title: str(r.title) || str(r.url), snippet: str(r.content) || str(r.description), pageAge: pageAge || null });
  }
  return hits;
}

/** `host` is `domain` or one of its subdomains. */
const underDomain = (host: string, domain: string): boolean => {
  const d = domain.toLowerCase().replace(/^https?:\/\//, '').replace(/\/.*$/, '').replace(/^\*\./, '');
  return host === d || host.endsWith(`.${d}`);
};

function filterDomains(hits: SearchHit[], q: SearchQuery): SearchHit[] {
  return hits.filter((hit) => {
    let host: string;
    try {
      host = new URL(hit.url).hostname.toLowerCase();
    } catch {
      return false;
    }
    if (q.allowedDomains?.length && !q.allowedDomains.some((d) => underDomain(host, d))) return false;
    return !q.blockedDomains?.some((d) => underDomain(host, d));
  });
}

async function readBounded(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > MAX_ANSWER_BYTES) {
        await reader.cancel();
        throw new SearchError('unavailable', 'the search service answered more than 2 MB');
      }
      chunks.push(value);
    }
  } catch (err) {
    if (err instanceof SearchError) throw err;
    throw new SearchError('unavailable', 'the search service connection failed');
  }
  return Buffer.concat(chunks).toString('utf8');
}
