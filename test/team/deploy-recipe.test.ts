/**
 * The README's "Run it for a team" recipe (docker-compose.yml, Dockerfile, deploy/nginx.conf), run on this machine
 * without Docker: everything the containers run, read from the files themselves so that the test breaks when they
 * drift. docker-compose.yml is parsed as YAML and interpolated with the variables the README exports (test values;
 * the backend is a scripted one on loopback); its database URL is used on a real PostgreSQL where the compose
 * postgres service's user owns the compose database and is no superuser. Two gateways start with the Dockerfile's
 * CMD (node flags included) and its ENV under the compose gateway environment, overriding only what one machine
 * needs apart (PROXY_PORT, INFINIPROXY_DATA_DIR, the database's host:port); the HEALTHCHECK command passes on both.
 * Then the README's `docker compose exec gateway-1 …` commands run in the repo root (the image's /app) with
 * gateway-1's environment, the key they print works on both gateways at once through the Anthropic SDK as Claude Code
 * sends it, and the usage of both shows in one view. nginx is not run: its config is checked against the compose
 * services and ports. Docker itself (the image build, networking, `depends_on`, restarts) is not tested.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { escapeIdentifier, escapeLiteral } from 'pg';
import type { UsageReport } from '../../shared/types';
import { cleanEnv, REPO_ROOT, startServe, type ServeProcess } from '../support/cli';
import { startScriptedBackend, type ScriptedBackend } from '../support/scripted-backend';
import {
  composeVariables,
  generated,
  interpolate,
  readCompose,
  readComposeRaw,
  readDockerfile,
  readNginxConf,
  readTeamRecipe,
  serviceEnv,
  type ComposeFile,
  type DockerImage,
} from './deploy-files';
import { pgAvailable, SKIP_REASON, sql, startPgCluster, within, type PgCluster } from './team-harness';
import { freePort } from '../../scripts/free-port.mjs';

const run = promisify(execFile);

/** The gateway services of the recipe, as the README and nginx name them. */
const GATEWAYS = ['gateway-1', 'gateway-2'];
/** What the README block runs inside gateway-1; a new command there fails the block test until this test covers it. */
const EXEC_COMMANDS = ['node dist/server/cli.mjs users create alice', 'node dist/server/cli.mjs keys create --user alice'];
/** The variables the compose file refuses to start without (`${VAR:?…}`), which the README must export. */
const REQUIRED = ['ADMIN_TOKEN', 'INFINIPROXY_SECRET_KEY'];

/** The shell environment `docker compose up` would see: the README's exports with test values. */
function recipeVariables(backend: { url: string; apiKey: string }): Record<string, string> {
  const { exports } = readTeamRecipe(REPO_ROOT);
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(exports)) {
    if (value.startsWith('$(')) values[name] = generated(value);
    else if (name === 'OPENAI_BASE_URL') values[name] = backend.url;
    else if (name === 'OPENAI_API_KEY') values[name] = backend.apiKey;
    else if (name === 'OPENAI_MODEL') values[name] = 'scripted-model';
    else throw new Error(`README exports ${name}=${value}: give it a test value in deploy-recipe.test.ts`);
  }
  return values;
}

/** The gateway environment of the compose file (both gateways', which must be the same). */
function gatewayEnv(compose: ComposeFile): Record<string, string> {
  return serviceEnv(compose.services[GATEWAYS[0] as string]);
}

describe('the recipe files agree with each other and with the README', () => {
  test('compose interpolation: ${VAR:-default}, ${VAR-default}, ${VAR:?message}, $$', () => {
    const vars = { SET: 'v', EMPTY: '' };
    assert.equal(interpolate('a ${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d} ${UNSET-d} $$x', vars), 'a v d d  d $x');
    assert.equal(interpolate('${SET:?need it}', vars), 'v');
    assert.throws(() => interpolate('${EMPTY:?set EMPTY (openssl rand -hex 32)}', vars), /required variable EMPTY is missing a value: set EMPTY \(openssl rand -hex 32\)/);
    assert.throws(() => interpolate('${UNSET:?x}', vars), /required variable UNSET/);
    assert.equal(interpolate('${EMPTY?x}', vars), '');
    assert.throws(() => interpolate('$SET', vars), /not understood/);
    assert.throws(() => interpolate('${SET:+alt}', vars), /not understood/);
  });

  test('docker-compose.yml: both gateways are the x-gateway service; it needs exactly what the README must export', () => {
    const raw = readComposeRaw(REPO_ROOT);
    assert.deepEqual(Object.keys(raw.services).sort(), ['postgres', ...GATEWAYS, 'proxy'].sort());
    const shared = raw['x-gateway'] as ComposeFile['services'][string] | undefined;
    assert.ok(shared, 'an x-gateway anchor');
    for (const name of GATEWAYS) assert.deepEqual(raw.services[name], shared, `${name} is the x-gateway service (its environment included)`);

    const recipe = readTeamRecipe(REPO_ROOT);
    const vars = composeVariables(REPO_ROOT);
    assert.deepEqual(vars.filter((v) => v.required).map((v) => v.name).sort(), REQUIRED);
    for (const name of REQUIRED) assert.ok(name in recipe.exports, `the README exports ${name}`);
    for (const name of Object.keys(recipe.exports)) assert.ok(vars.some((v) => v.name === name), `compose uses the README's ${name}`);
    // Without the required variables compose refuses to start, with the message of the `${VAR:?…}`.
    assert.throws(() => readCompose(REPO_ROOT, {}), /required variable (INFINIPROXY_SECRET_KEY|ADMIN_TOKEN) is missing a value: set \1 \(openssl rand/);
  });

  test("docker-compose.yml: DATABASE_URL is the postgres service's user, password and database", () => {
    const compose = readCompose(REPO_ROOT, recipeVariables({ url: 'http://127.0.0.1:1/v1', apiKey: 'k' }));
    const db = new URL(gatewayEnv(compose).DATABASE_URL ?? '');
    const pgEnv = serviceEnv(compose.services.postgres);
    assert.equal(db.protocol, 'postgres:');
    assert.equal(db.hostname, 'postgres', 'the postgres service by name');
    assert.equal(db.port, '5432');
    assert.equal(decodeURIComponent(db.username), pgEnv.POSTGRES_USER);
    assert.equal(decodeURIComponent(db.password), pgEnv.POSTGRES_PASSWORD);
    assert.equal(db.pathname, `/${pgEnv.POSTGRES_DB}`);
    // The same password whether POSTGRES_PASSWORD is set or not.
    const withPassword = readCompose(REPO_ROOT, { ...recipeVariables({ url: 'http://x/v1', apiKey: 'k' }), POSTGRES_PASSWORD: 'pw-from-env' });
    assert.equal(new URL(gatewayEnv(withPassword).DATABASE_URL ?? '').password, 'pw-from-env');
    assert.equal(serviceEnv(withPassword.services.postgres).POSTGRES_PASSWORD, 'pw-from-env');
  });

  test('Dockerfile: the build makes the bundle the CMD runs; the port is the one compose and the HEALTHCHECK use', () => {
    const image = readDockerfile(REPO_ROOT);
    assert.ok(image.buildRuns.some((r) => r.split('&&').some((c) => c.trim() === 'node scripts/build-server.mjs')), 'the build runs scripts/build-server.mjs');
    assert.equal(image.cmd[0], 'node');
    assert.ok(image.cmd.includes('dist/server/cli.mjs'), 'CMD runs the server bundle scripts/build-server.mjs writes');
    assert.equal(image.cmd.at(-1), 'serve');
    const compose = readCompose(REPO_ROOT, recipeVariables({ url: 'http://x/v1', apiKey: 'k' }));
    const port = gatewayEnv(compose).PROXY_PORT ?? image.env.PROXY_PORT;
    assert.deepEqual(image.expose, [port]);
    assert.equal(image.env.PROXY_PORT, port);
    assert.match(image.healthcheck, /process\.env\.PROXY_PORT/, 'the HEALTHCHECK asks the port the server listens on');
    assert.ok(image.env.INFINIPROXY_DATA_DIR, 'a data dir in the image');
    // The CMD's relative path runs in a copy of the build's checkout (here: the repo root), which has no `.env`.
    assert.deepEqual(image.copiesFromBuild, [`--from=build ${image.buildWorkdir} ${image.workdir}`]);
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    assert.ok(ignored.includes('.env'), '.dockerignore keeps a developer\'s .env out of the image');
  });

  test('deploy/nginx.conf: round robin over exactly the compose gateways on PROXY_PORT, unbuffered; the proxy service mounts it', () => {
    const compose = readCompose(REPO_ROOT, recipeVariables({ url: 'http://x/v1', apiKey: 'k' }));
    const nginx = readNginxConf(REPO_ROOT);
    const port = gatewayEnv(compose).PROXY_PORT;
    assert.deepEqual(nginx.upstream.servers, GATEWAYS.map((g) => `${g}:${port}`));
    assert.ok(nginx.directives.includes(`proxy_pass http://${nginx.upstream.name}`));
    assert.ok(nginx.directives.includes('proxy_buffering off'), 'streams pass unbuffered');
    assert.ok(nginx.directives.includes('proxy_http_version 1.1'));

    const proxy = compose.services.proxy;
    assert.ok(proxy, 'a proxy service');
    assert.ok(proxy.image?.startsWith('nginx:'), 'nginx');
    assert.ok(proxy.volumes?.some((v) => /^\.\/deploy\/nginx\.conf:\/etc\/nginx\/conf\.d\/[^:]+\.conf(:ro)?$/.test(v)), 'mounts ./deploy/nginx.conf');
    const listen = nginx.directives.find((d) => d.startsWith('listen '))?.split(' ')[1];
    assert.equal(proxy.ports?.length, 1, 'one published port');
    const [published, inside] = (proxy.ports[0] as string).split(':');
    assert.equal(inside, listen, 'published to the port nginx listens on');
    // The README points Claude Code at that port.
    assert.equal(readTeamRecipe(REPO_ROOT).client.ANTHROPIC_BASE_URL, `http://localhost:${published}`);

    // TRUSTED_PROXIES is the network nginx talks to the gateways on (X-Forwarded-For believed from it only).
    const networks = new Set([proxy, ...GATEWAYS.map((g) => compose.services[g])].map((s) => JSON.stringify(s?.networks)));
    assert.equal(networks.size, 1, 'nginx and the gateways share their network');
    const [network] = proxy.networks as string[];
    const subnet = compose.networks?.[network as string]?.ipam?.config?.[0]?.subnet;
    assert.equal(gatewayEnv(compose).TRUSTED_PROXIES, subnet);
  });

  test('the README block is exactly what deploy-recipe.test.ts runs or checks', () => {
    const recipe = readTeamRecipe(REPO_ROOT);
    const known = (line: string): boolean =>
      line.startsWith('export ') ||
      line === 'docker compose up -d --build' ||
      recipe.execs.some((e) => line === `docker compose exec ${e.service} ${e.command}`) ||
      /^ANTHROPIC_BASE_URL=\S+ ANTHROPIC_AUTH_TOKEN=<[^>]*> claude$/.test(line);
    assert.deepEqual(recipe.lines.filter((l) => !known(l)), [], 'README lines this test does not cover');
    assert.deepEqual(recipe.execs, EXEC_COMMANDS.map((command) => ({ service: 'gateway-1', command })));
    assert.deepEqual(Object.keys(recipe.client), ['ANTHROPIC_BASE_URL', 'ANTHROPIC_AUTH_TOKEN']);
    // docker-compose.yml's header repeats the same docker commands.
    const header = readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8')
      .split('\n')
      .filter((l) => /^#\s+docker /.test(l))
      .map((l) => l.replace(/^#\s+/, ''));
    assert.deepEqual(header, recipe.lines.filter((l) => l.startsWith('docker ')));
  });
});

describe('the recipe run without Docker, on a real PostgreSQL', { skip: SKIP_REASON }, () => {
  let work = '';
  let cluster: PgCluster | undefined;
  let backend: ScriptedBackend | undefined;
  /** The shell variables `docker compose` sees (the README's exports with test values). */
  let vars: Record<string, string> = {};
  /** The compose DATABASE_URL with only its host:port made the test cluster's. */
  let databaseUrl = '';
  const gateways = new Map<string, { env: NodeJS.ProcessEnv; serve: ServeProcess }>();
  const gateway = (name: string): { env: NodeJS.ProcessEnv; serve: ServeProcess } => {
    const g = gateways.get(name);
    assert.ok(g, `${name} is running`);
    return g;
  };
  let image: DockerImage;
  let apiKey = '';

  before(async () => {
    if (!pgAvailable) return;
    image = readDockerfile(REPO_ROOT);
    work = mkdtempSync(join(tmpdir(), 'infiniproxy-deploy-'));
    // The image's build step for the server, as the Dockerfile runs it (incremental: it builds only when stale).
    // The web admin's `vite build` is not needed by the API; without it /admin/ says how to build it.
    const buildServer = image.buildRuns.flatMap((r) => r.split('&&').map((c) => c.trim())).find((c) => c === 'node scripts/build-server.mjs');
    assert.ok(buildServer, 'the Dockerfile builds the server bundle');
    const [buildCmd, ...buildArgs] = buildServer.split(' ');
    await run(buildCmd as string, buildArgs, { cwd: REPO_ROOT, env: process.env });

    [cluster, backend] = await Promise.all([
      startPgCluster(),
      startScriptedBackend({
        apiKey: 'sk-scripted-backend-0123456789',
        defaultReply: { text: 'Answered by the scripted backend.', usage: { prompt_tokens: 10, completion_tokens: 5 }, streamUsage: 'always' },
      }),
    ]);
    vars = recipeVariables(backend);
    const compose = readCompose(REPO_ROOT, vars);

    // What the postgres image makes of POSTGRES_USER, POSTGRES_PASSWORD and POSTGRES_DB, except that this role is
    // no superuser (the image's is): the gateway must need no more than to own its database.
    const pgEnv = serviceEnv(compose.services.postgres);
    const user = pgEnv.POSTGRES_USER as string;
    const db = pgEnv.POSTGRES_DB as string;
    await sql(cluster.url('postgres'), `CREATE ROLE ${escapeIdentifier(user)} LOGIN PASSWORD ${escapeLiteral(pgEnv.POSTGRES_PASSWORD as string)}`);
    await sql(cluster.url('postgres'), `CREATE DATABASE ${escapeIdentifier(db)} OWNER ${escapeIdentifier(user)}`);
    const url = new URL(gatewayEnv(compose).DATABASE_URL as string);
    url.hostname = '127.0.0.1';
    url.port = String(cluster.port);
    databaseUrl = url.toString();

    // `docker compose up`: the image's CMD in /app (here the repo root) with the image's ENV under the service's
    // environment; each gateway its own port and /data, as two containers have.
    const started = await Promise.allSettled(
      GATEWAYS.map(async (name) => {
        const dataDir = join(work, name, 'data');
        mkdirSync(dataDir, { recursive: true });
        const env = cleanEnv({
          HOME: join(work, name),
          ...image.env,
          ...gatewayEnv(compose),
          PROXY_PORT: String(await freePort()),
          INFINIPROXY_DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl,
        });
        gateways.set(name, { env, serve: await startServe({ cwd: REPO_ROOT, env, command: image.cmd }) });
      }),
    );
    for (const r of started) if (r.status === 'rejected') throw r.reason;
  });

  after(async () => {
    await Promise.allSettled([...gateways.values()].map((g) => g.serve.stop()));
    await backend?.close();
    await cluster?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test("both gateways run the image's CMD on the compose database as its owner, and pass the HEALTHCHECK", async () => {
    const db = new URL(databaseUrl);
    for (const name of GATEWAYS) {
      const { env, serve } = gateway(name);
      assert.equal(new URL(serve.url).port, env.PROXY_PORT, `${name} listens on PROXY_PORT`);
      const banner = serve.stderr();
      assert.ok(banner.includes(`store        PostgreSQL postgres://${db.username}:***@${db.host}${db.pathname}`), banner);
      assert.ok(banner.includes(`backend      ${backend?.url}`), banner);
      // LOG_FORMAT=json: log lines are JSON, and none is a warning (an ignored setting, a short ADMIN_TOKEN…) but
      // the one expected: bound to 0.0.0.0 (as a container must be), with TLS left to the proxy in front.
      const logs = banner.split('\n').filter((l) => l.startsWith('{'));
      const warnings = logs.map((l) => JSON.parse(l) as { level: string; msg: string }).filter((l) => l.level === 'warn' || l.level === 'error');
      assert.deepEqual(
        warnings.filter((w) => !/^listening on 0\.0\.0\.0, reachable from other machines/.test(w.msg)),
        [],
        `${name} logged no other warning`,
      );

      // The HEALTHCHECK as Docker runs it (`/bin/sh -c`, the container's environment), then its path fetched.
      await run('/bin/sh', ['-c', image.healthcheck], { cwd: REPO_ROOT, env, timeout: 5000 });
      await assert.rejects(run('/bin/sh', ['-c', image.healthcheck], { env: { ...env, PROXY_PORT: String(await freePort()) }, timeout: 5000 }), 'it fails where nothing answers');
      const path = /\+\s*'(\/[^']*)'\s*\)/.exec(image.healthcheck)?.[1];
      assert.equal(path, '/ready', 'the HEALTHCHECK probes readiness');
      const ready = await fetch(`${serve.url}${path}`);
      assert.equal(ready.status, 200);
      assert.equal(((await ready.json()) as { status: string }).status, 'ready');
    }
    const admin = cluster?.url(db.pathname.slice(1)) as string;
    const roles = await sql<{ usename: string }>(
      admin,
      "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'infiniproxy%'",
    );
    assert.deepEqual(roles.map((r) => r.usename), [db.username], 'the gateways connect as the compose user');
    assert.deepEqual(await sql(admin, 'SELECT rolsuper FROM pg_roles WHERE rolname = $1', [db.username]), [{ rolsuper: false }]);
    const owners = await sql<{ tableowner: string }>(admin, "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
    assert.deepEqual(owners.map((o) => o.tableowner), [db.username], 'the schema was migrated by the database owner');
  });

  test("the README's `docker compose exec gateway-1 …` commands, run with gateway-1's environment, make a key", async () => {
    const outputs: string[] = [];
    for (const { service, command } of readTeamRecipe(REPO_ROOT).execs) {
      assert.doesNotMatch(command, /["'$`\\|&;<>(){}*?~]/, 'a plain command (docker compose exec runs it without a shell)');
      const [cmd, ...args] = command.split(/\s+/);
      const { env } = gateway(service);
      outputs.push((await run(cmd as string, args, { cwd: REPO_ROOT, env, timeout: 15_000 })).stdout);
    }
    assert.match(outputs[0] ?? '', /^Created user alice \(id \d+\)\./);
    const created = /^Created key \d+ "[^"]*" for alice:\n\n {2}(\S+)\n/.exec(outputs[1] ?? '');
    assert.ok(created, outputs[1]);
    apiKey = created[1] as string;
    // As the README says, with DATABASE_URL a CLI command works on the database directly, not through the
    // gateway beside it (whose log shows no admin request).
    const adminRequests = gateway('gateway-1')
      .serve.stderr()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { path?: string })
      .filter((l) => l.path?.startsWith('/admin/'));
    assert.deepEqual(adminRequests, []);
  });

  test('the key works on both gateways at once, through the Anthropic SDK as Claude Code sends it', async () => {
    assert.ok(apiKey, 'a key from the README commands');
    const client = (name: string): Anthropic =>
      new Anthropic({ baseURL: gateway(name).serve.url, apiKey: null, authToken: apiKey, maxRetries: 0 });
    const ask = { model: 'claude-opus-4-8', max_tokens: 100, messages: [{ role: 'user' as const, content: 'Hello' }] };
    const [one, two] = await Promise.all([client('gateway-1').messages.create(ask), client('gateway-2').messages.stream(ask).finalMessage()]);
    for (const message of [one, two]) assert.deepEqual(message.content.map((c) => (c.type === 'text' ? c.text : c.type)), ['Answered by the scripted backend.']);
    const sent = backend?.chatRequests ?? [];
    assert.equal(sent.length, 2);
    for (const r of sent) {
      assert.equal(r.body.model, vars.OPENAI_MODEL);
      assert.equal(r.headers.authorization, `Bearer ${vars.OPENAI_API_KEY}`);
    }
  });

  test('usage from both gateways shows in one view, on either, within 2 s', async () => {
    const views = (): Promise<UsageReport[]> =>
      Promise.all(
        GATEWAYS.map(async (name) => {
          const res = await fetch(`${gateway(name).serve.url}/admin/usage`, { headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
          assert.equal(res.status, 200, await res.clone().text());
          return (await res.json()) as UsageReport;
        }),
      );
    await within(2000, 'both requests in the usage of both gateways', async () => (await views()).every((v) => v.totals.requests === 2));
    for (const view of await views()) {
      assert.equal(view.totals.input_tokens, 20);
      assert.equal(view.totals.output_tokens, 10);
      assert.deepEqual([...new Set(view.rows.map((r) => r.username))], ['alice']);
    }
  });

  test('what nginx forwards (the client\'s Host) reaches the API, /health, /ready, /metrics, and the web admin and /usage at PUBLIC_HOSTS', async () => {
    const nginx = readNginxConf(REPO_ROOT);
    assert.ok(nginx.directives.some((d) => /^proxy_set_header host \$http_host;?$/i.test(d)), 'deploy/nginx.conf passes the client\'s Host on');
    const clientHost = new URL(readTeamRecipe(REPO_ROOT).client.ANTHROPIC_BASE_URL!).host;
    const forwarded = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(path, gateway('gateway-2').serve.url);
        const req = request(url, {
          method: init.method ?? 'GET',
          headers: { host: clientHost, 'x-forwarded-for': '203.0.113.7', ...init.headers },
        });
        req.once('error', reject);
        req.once('response', (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.once('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.end(init.body);
      });
    const message = await forwarded('/v1/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-opus-4-8', max_tokens: 50, messages: [{ role: 'user', content: 'via nginx' }] }),
    });
    assert.equal(message.status, 200, message.body);
    for (const path of ['/health', '/ready']) assert.equal((await forwarded(path)).status, 200, path);
    assert.equal((await forwarded('/metrics', { headers: { authorization: `Bearer ${vars.ADMIN_TOKEN}` } })).status, 200, '/metrics');
    for (const path of ['/admin/usage', '/usage/me']) {
      const res = await forwarded(path, { headers: { authorization: `Bearer ${path === '/usage/me' ? apiKey : vars.ADMIN_TOKEN}` } });
      assert.equal(res.status, 200, `${path} at ${clientHost} (the compose PUBLIC_HOSTS): ${res.body}`);
    }
    const foreign = await forwarded('/admin/usage', { headers: { host: 'rebound.example:8080', authorization: `Bearer ${vars.ADMIN_TOKEN}` } });
    assert.equal(foreign.status, 403, 'another name is still refused (DNS-rebinding guard)');
    assert.match(foreign.body, /forbidden_host/);
  });

  test('`docker stop` (SIGTERM) stops both gateways cleanly', async () => {
    const codes = await Promise.all(GATEWAYS.map((name) => gateway(name).serve.stop()));
    assert.deepEqual(codes, [0, 0]);
  });
});
