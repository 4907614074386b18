/**
 * A scripted search service on 127.0.0.1 for tests and e2e runs: answers SearXNG's `GET /search?q=…&format=json`,
 * Brave's `GET /res/v1/web/search` and Tavily's `POST /search` with the results given, and records every request.
 *
 * ```ts
 * const search = await startScriptedSearch([{ url: 'https://a.test/x', title: 'X', content: 'about x' }]);
 * // web_search = {provider: 'searxng', base_url: search.url}
 * search.requests[0].query;   // what the proxy searched
 * ```
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedResult {
  url: string;
  title: string;
  content: string;
  publishedDate?: string;
}

export interface ScriptedSearch {
  url: string;
  requests: Array<{ method: string; path: string; query: string; headers: IncomingHttpHeaders; body: string }>;
  /** The results answered (editable). */
  results: ScriptedResult[];
  /** Answer this status instead (e.g. 429, 500); null: answer the results. */
  failWith: number | null;
  close(): Promise<void>;
}

export async function startScriptedSearch(results: ScriptedResult[] = []): Promise<ScriptedSearch> {
  const state: ScriptedSearch = { url: '', requests: [], results, failWith: null, close: async () => undefined };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = url.searchParams.get('q') ?? ((): string => {
        try {
          return String((JSON.parse(body) as { query?: unknown }).query ?? '');
        } catch {
          return '';
        }
      })();
      state.requests.push({ method: req.method ?? '', path: url.pathname, query, headers: req.headers, body });
      if (state.failWith) {
        res.writeHead(state.failWith, { 'content-type': 'application/json' }).end('{"error":"scripted failure"}');
        return;
      }
      const json = url.pathname.startsWith('/res/v1/web/search')
        ? { web: { results: state.results.map((r) => ({ url: r.url, title: r.title, description: r.content, page_age: r.publishedDate })) } }
        : { query, results: state.results };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
