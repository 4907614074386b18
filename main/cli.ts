/**
 * The headless entry: `serve` runs the proxy; the other commands manage users, keys and usage.
 *   npm run serve -- [--port P] [--host H] [--data-dir D]
 *   npm run cli -- <command> [--data-dir D] [--json]
 * With --json a command prints one JSON document on stdout and nothing else (errors too, as {"error":{…}}).
 */
import { parseArgs } from 'node:util';
import type { AdminApi } from '../shared/admin-api';
import { findUserByRef } from '../shared/user-ref';
import type { Settings, SettingsView } from '../shared/types';
import type { ProcessConfig } from './core/config';
import { loadProcessConfig } from './core/env-file';
import { ProxyRuntime } from './app/runtime';
import { migrateLowdbToPg } from './core/store/pg/import-lowdb';
import { safeDatabaseUrl } from './core/store/pg/pool';
import { adminTokenFor, CliError, connect } from './cli/connect';
import { presetsTable, providersTable, providerToAdd, savedProviderInputs, withoutProvider, withProvider } from './cli/providers';
import { settingsPatchFromArgs } from './cli/settings-args';
import { PRESETS } from './providers/presets';
import { doctorText, fields, settingLines, suggestionText, table } from './cli/output';

const HELP = `InfiniProxy — Claude Code on any OpenAI-compatible backend

Usage:
  npm run serve -- [--port P] [--host H] [--data-dir D]
  npm run cli -- <command> [options] [--data-dir D] [--json]

Commands:
  serve                                   run the proxy (Ctrl-C stops it; pending usage is written first)
  users create <username> [--email E]     add a user
  users list                              list users
  users delete <username|id>              delete a user and revoke their keys
  keys create --user <username|id> [--name N]
                                          make an API key; the whole key is printed this once only
  keys list [--user U]                    list keys (prefix only)
  keys revoke <id>                        revoke a key at once
  usage [--key ID] [--user U] [--since ISO] [--until ISO]
                                          token usage totals and rows per key, model and endpoint
  admin-token                             print the admin token (for the web admin and admin API)
  settings                                show the settings (backend key masked)
  settings set key=value [key=value…]     change settings; values are JSON or plain text, e.g.
                                          max_tokens_cap=32000 reasoning_request=thinking
                                          model_routes='[{"match":"haiku","model":"glm-4.5-air"}]'
  providers                               list the providers with their masked keys and health
  providers presets                       list the built-in presets
  providers add --preset ID [--key K] [--name N] [--base-url U] [--no-test]
  providers add --name N --base-url U [--kind openai|anthropic] [--key K] [--no-test]
                                          add (or replace) a provider, from a preset or custom, then run the
                                          doctor against it (exits 1 when a check fails; it stays saved)
  providers remove <name>                 remove a provider (routes naming it must go first)
  migrate-store --to postgres://…         copy this data dir's store (users, keys, usage, settings, admin token)
                                          into PostgreSQL; running it again copies nothing twice
  doctor [--apply]                        probe the configured backend: connection, key, models, streaming, usage,
                                          tool calls, reasoning, largest max_tokens; suggest settings (--apply saves
                                          them); exits 1 when a check fails

--database-url postgres://… (or DATABASE_URL) keeps the store in PostgreSQL, for several instances (a team).
A user is named by id (digits only, e.g. 4) or by username; usernames cannot be digits only.
While a server runs on the same data dir, commands go through its admin API.`;

interface Flags {
  'data-dir'?: string;
  json?: boolean;
  port?: string;
  host?: string;
  email?: string;
  user?: string;
  name?: string;
  key?: string;
  since?: string;
  until?: string;
  apply?: boolean;
  help?: boolean;
  preset?: string;
  'base-url'?: string;
  kind?: string;
  'no-test'?: boolean;
  'database-url'?: string;
  to?: string;
}

const options = {
  'data-dir': { type: 'string' },
  json: { type: 'boolean' },
  port: { type: 'string' },
  host: { type: 'string' },
  email: { type: 'string' },
  user: { type: 'string' },
  name: { type: 'string' },
  key: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  apply: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  preset: { type: 'string' },
  'base-url': { type: 'string' },
  kind: { type: 'string' },
  'no-test': { type: 'boolean' },
  'database-url': { type: 'string' },
  to: { type: 'string' },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed: { values: Flags; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (err) {
    throw new CliError(`${(err as Error).message}\n\n${HELP}`, 2);
  }
  const { values: flags, positionals } = parsed;
  const [command, sub, arg] = positionals;
  const rest = positionals.slice(2);
  if (flags.help || !command) {
    process.stdout.write(HELP + '\n');
    return command || flags.help ? 0 : 2;
  }
  // --database-url outranks DATABASE_URL (environment, .env) for every command.
  if (flags['database-url']) process.env.DATABASE_URL = flags['database-url'];
  // One resolution for every command: --data-dir > environment > .env > default (as `serve` resolves it).
  const config = loadProcessConfig({ dataDirFlag: flags['data-dir'], env: process.env, cwd: process.cwd() });
  if (command === 'migrate-store') return migrateStore(config, flags);
  if (command === 'serve') return serve(config.dataDir, flags, config.databaseUrl);
  if (command === 'admin-token') {
    // Opening the store directly (no server) creates the token on a fresh data dir.
    const token = adminTokenFor(config) ?? (await withAdmin(config, async () => adminTokenFor(config)));
    return print(flags, { admin_token: token }, () => token ?? '');
  }
  return withAdmin(config, (admin) => run(admin, command, sub, arg, flags, rest));
}

async function withAdmin<T>(config: ProcessConfig, fn: (admin: AdminApi) => Promise<T>): Promise<T> {
  const conn = await connect(config, process.env);
  try {
    return await fn(conn.admin);
  } finally {
    await conn.close();
  }
}

async function run(
  admin: AdminApi,
  command: string,
  sub: string | undefined,
  arg: string | undefined,
  flags: Flags,
  rest: string[],
): Promise<number> {
  const need = (value: string | undefined, what: string): string => {
    if (!value) throw new CliError(`missing ${what}\n\n${HELP}`, 2);
    return value;
  };
  const verb = command === 'usage' || command === 'doctor' ? command : `${command} ${sub ?? ''}`.trim();
  const showProviders = async (): Promise<number> => {
    const [view, status] = await Promise.all([admin.getSettings(), admin.status()]);
    return print(flags, { providers: view.providers, health: status.providers }, () => providersTable(view.providers, status.providers));
  };
  const showSettings = (view: SettingsView): number => print(flags, view, () => fields({ ...view }));
  switch (verb) {
    case 'users create': {
      const user = await admin.createUser({ username: need(arg, '<username>'), email: flags.email ?? null });
      return print(flags, user, () => `Created user ${user.username} (id ${user.id}).`);
    }
    case 'users list': {
      const users = await admin.listUsers();
      return print(flags, users, () => table([...users], ['id', 'username', 'email', 'created_at']));
    }
    case 'users delete': {
      const ref = need(arg, '<username|id>');
      await admin.deleteUser(ref);
      return print(flags, { deleted: ref }, () => `Deleted user ${ref}; their keys are revoked.`);
    }
    case 'keys create': {
      const user = await resolveUser(admin, need(flags.user, '--user <username|id>'));
      const key = await admin.createKey({ user_id: user.id, name: flags.name });
      return print(
        flags,
        { id: key.id, api_key: key.api_key, user_id: key.user_id, name: key.name, key_prefix: key.key_prefix, created_at: key.created_at },
        () => `Created key ${key.id} "${key.name}" for ${user.username}:\n\n  ${key.api_key}\n\nIt is shown this once only: store it now.`,
      );
    }
    case 'keys list': {
      const user = flags.user ? await resolveUser(admin, flags.user) : undefined;
      const keys = await admin.listKeys(user ? { user_id: user.id } : undefined);
      return print(flags, keys, () =>
        table(
          keys.map((k) => ({ ...k, status: k.is_active ? 'active' : 'revoked' })),
          ['id', 'name', 'username', 'key_prefix', 'created_at', 'last_used_at', 'status'],
        ),
      );
    }
    case 'keys revoke': {
      const id = Number(need(arg, '<id>'));
      if (!Number.isInteger(id)) throw new CliError(`key id must be a number, got "${arg}"`, 2);
      const key = await admin.revokeKey(id);
      return print(flags, key, () => `Revoked key ${key.id} "${key.name}".`);
    }
    case 'usage': {
      const user = flags.user ? await resolveUser(admin, flags.user) : undefined;
      const report = await admin.usage({
        key_id: flags.key ? Number(flags.key) : undefined,
        user_id: user?.id,
        since: isoFlag(flags.since, '--since'),
        until: isoFlag(flags.until, '--until'),
      });
      return print(flags, report, () =>
        [
          fields({ ...report.totals, from: report.start_date ?? 'beginning', to: report.end_date ?? 'now' }),
          '',
          table([...report.rows], ['username', 'key_name', 'model', 'provider', 'endpoint', 'requests', 'input_tokens', 'output_tokens', 'total_tokens']),
        ].join('\n'),
      );
    }
    case 'providers':
      return showProviders();
    case 'providers presets':
      return print(flags, PRESETS, presetsTable);
    case 'providers add': {
      const added = providerToAdd({ preset: flags.preset, key: flags.key, name: flags.name, baseUrl: flags['base-url'], kind: flags.kind });
      const saved = savedProviderInputs((await admin.getSettings()).providers);
      await admin.updateSettings({ providers: withProvider(saved, added) });
      if (flags['no-test']) return showProviders();
      // The doctor against the provider just saved (it stays saved whatever the doctor finds).
      const [report, view, status] = await Promise.all([admin.testConnection({ provider: added.name }), admin.getSettings(), admin.status()]);
      print(flags, { providers: view.providers, health: status.providers, doctor: report }, () =>
        [providersTable(view.providers, status.providers), '', `Doctor for ${added.name}:`, doctorText(report)].join('\n'),
      );
      return report.ok ? 0 : 1;
    }
    case 'providers remove': {
      const saved = savedProviderInputs((await admin.getSettings()).providers);
      await admin.updateSettings({ providers: withoutProvider(saved, need(arg, '<name>')) });
      return showProviders();
    }
    case 'settings':
      return showSettings(await admin.getSettings());
    case 'settings set':
      return showSettings(await admin.updateSettings(settingsPatchFromArgs(rest)));
    case 'doctor': {
      const [report, view] = await Promise.all([admin.testConnection(), admin.getSettings()]);
      const savable = Object.fromEntries(Object.entries(report.suggested).filter(([k]) => !view.overridden.includes(k as keyof Settings)));
      const applied = flags.apply && Object.keys(savable).length > 0 ? (await admin.updateSettings(savable), savable) : null;
      print(flags, applied ? { ...report, applied } : report, () =>
        applied
          ? [
              doctorText({ ...report, suggested: {} }),
              '',
              'Saved the suggested settings:',
              settingLines(applied),
              ...suggestionText(omit(report.suggested, Object.keys(applied)), view.overridden),
              '',
              'Run `npm run cli -- doctor` again to check.',
            ].join('\n')
          : doctorText(report, view.overridden),
      );
      return report.ok ? 0 : 1;
    }
    default:
      throw new CliError(`unknown command "${[command, sub].filter(Boolean).join(' ')}"\n\n${HELP}`, 2);
  }
}

async function resolveUser(admin: AdminApi, ref: string) {
  const user = findUserByRef(await admin.listUsers(), ref);
  if (!user) throw new CliError(/^\s*\d+\s*$/.test(ref) ? `no user with id ${ref.trim()}` : `no user "${ref}"`);
  return user;
}

function isoFlag(value: string | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (Number.isNaN(Date.parse(value))) throw new CliError(`${name} must be an ISO date or date-time, got "${value}"`, 2);
  return new Date(value).toISOString();
}

function omit<T extends object>(obj: T, keys: string[]): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k))) as Partial<T>;
}

function print(flags: Flags, json: unknown, human: () => string): number {
  process.stdout.write((flags.json ? JSON.stringify(json, null, 2) : human()) + '\n');
  return 0;
}

async function migrateStore(config: ProcessConfig, flags: Flags): Promise<number> {
  const to = flags.to?.trim();
  if (!to || !/^postgres(ql)?:\/\//.test(to)) throw new CliError(`migrate-store needs --to postgres://…\n\n${HELP}`, 2);
  const counts = await migrateLowdbToPg(config.dataDir, to, config.secretKey);
  return print(flags, counts, () =>
    `Copied ${config.dataDir} into ${safeDatabaseUrl(to)}: ${counts.users} users, ${counts.keys} keys, ` +
      `${counts.usage_rows} usage rows, ${counts.requests} logged requests` +
      `${counts.settings ? ', the settings' : ''}${counts.admin_token ? ', the admin token' : ''} (rows already there were kept).`,
  );
}

async function serve(dataDir: string, flags: Flags, databaseUrl?: string): Promise<number> {
  const overrides: Partial<Settings> = {};
  if (flags.port !== undefined) {
    const port = Number(flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError(`--port must be 0-65535, got "${flags.port}"`, 2);
    overrides.port = port;
  }
  if (flags.host !== undefined) overrides.host = flags.host;
  const runtime = await ProxyRuntime.open({ dataDir, flags: overrides, env: process.env, cwd: process.cwd(), databaseUrl });
  const status = await runtime.start();
  if (!status.running) {
    await runtime.close();
    throw new CliError(`Could not start the proxy: ${status.error ?? 'unknown error'}`);
  }
  const settings = runtime.settings();
  process.stderr.write(
    [
      `InfiniProxy ${status.version} listening on ${status.url}`,
      `  data dir     ${dataDir}`,
      ...(databaseUrl ? [`  store        PostgreSQL ${safeDatabaseUrl(databaseUrl)}`] : []),
      `  backend      ${settings.backend_url || '(not configured: set OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL)'}`,
      `  web admin    ${status.url}/admin/  (token: npm run cli -- admin-token)`,
      `  Claude Code  ANTHROPIC_BASE_URL=${status.url} ANTHROPIC_AUTH_TOKEN=<a key from: npm run cli -- keys create --user NAME> claude`,
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`\n${signal}: stopping, writing pending usage...\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await runtime.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const exitCode = err instanceof CliError ? err.exitCode : 1;
    const message = err instanceof Error ? err.message : String(err);
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ error: { message } }) + '\n');
    else process.stderr.write(`error: ${message}\n`);
    process.exit(exitCode);
  },
);
