/**
 * The team deployment recipe as data, read from the files themselves (so test/team/deploy-recipe.test.ts follows
 * whatever they say and breaks when they drift apart): docker-compose.yml (parsed as YAML, with compose's
 * `${VAR:-default}` / `${VAR:?message}` interpolation), the Dockerfile's final stage (ENV, CMD, HEALTHCHECK, EXPOSE)
 * and its build step, deploy/nginx.conf's upstream, and the README's "Run it for a team" commands.
 * Each reader understands the forms these files use and throws, naming the file, on anything it does not, so a new
 * form means extending the reader rather than a test that silently checks less.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

const read = (repoRoot: string, file: string): string => readFileSync(join(repoRoot, file), 'utf8');

// ---------------------------------------------------------------------------------------------- compose interpolation

/** A `${…}` reference in a compose value: its variable and whether it must be set (`:?`/`?`) or has a default. */
export interface ComposeRef {
  name: string;
  required: boolean;
}

const REF = /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])((?:[^{}$]|\$\$)*))?\}|\$/g;

/**
 * Compose's interpolation of one string value: `$$` is a literal `$`; `${VAR}` and `${VAR-default}` take VAR when it
 * is set, `${VAR:-default}` when it is set and not empty; `${VAR?message}` / `${VAR:?message}` throw
 * `required variable VAR is missing a value: message` when it is unset (or, with the colon, empty). Any other use
 * of `$` (`$VAR`, `${VAR:+alt}`, nesting) throws: this helper does not know it.
 */
export function interpolate(value: string, vars: Readonly<Record<string, string | undefined>>): string {
  return value.replace(REF, (whole, name: string | undefined, op: string | undefined, arg: string | undefined) => {
    if (whole === '$$') return '$';
    if (name === undefined) throw new Error(`compose interpolation not understood here: ${JSON.stringify(value)}`);
    const v = vars[name];
    const unset = op?.startsWith(':') ? v === undefined || v === '' : v === undefined;
    const text = (arg ?? '').replace(/\$\$/g, '$');
    if (op === undefined) return v ?? '';
    if (op.endsWith('-')) return unset ? text : (v as string);
    if (unset) throw new Error(`required variable ${name} is missing a value: ${text}`);
    return v as string;
  });
}

/** The `${…}` references in a string value. */
export function composeRefs(value: string): ComposeRef[] {
  const refs: ComposeRef[] = [];
  for (const m of value.matchAll(REF)) {
    if (m[0] === '$$') continue;
    if (m[1] === undefined) throw new Error(`compose interpolation not understood here: ${JSON.stringify(value)}`);
    refs.push({ name: m[1], required: m[2]?.endsWith('?') ?? false });
  }
  return refs;
}

/** Every string of a parsed YAML tree, interpolated (compose interpolates values, not keys). */
function interpolateTree(node: unknown, vars: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof node === 'string') return interpolate(node, vars);
  if (Array.isArray(node)) return node.map((n) => interpolateTree(n, vars));
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateTree(v, vars)]));
  return node;
}

/** Every `${…}` reference anywhere in a parsed YAML tree. */
function treeRefs(node: unknown): ComposeRef[] {
  if (typeof node === 'string') return composeRefs(node);
  if (Array.isArray(node)) return node.flatMap(treeRefs);
  if (node && typeof node === 'object') return Object.values(node).flatMap(treeRefs);
  return [];
}

// ---------------------------------------------------------------------------------------------------- docker-compose

export interface ComposeService {
  image?: string;
  build?: unknown;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: string[];
  volumes?: string[];
  networks?: string[] | Record<string, unknown>;
  [key: string]: unknown;
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string }[] } } | null>;
  [key: string]: unknown;
}

/** A service's `environment` (map or `KEY=value` list) as strings; a key without value is left out (compose: unset). */
export function serviceEnv(service: ComposeService | undefined): Record<string, string> {
  const env = service?.environment;
  if (!env) return {};
  const out: Record<string, string> = {};
  if (Array.isArray(env)) {
    for (const item of env) {
      const eq = item.indexOf('=');
      if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    }
  } else {
    for (const [k, v] of Object.entries(env)) if (v !== null) out[k] = String(v);
  }
  return out;
}

/** docker-compose.yml parsed (merge keys and aliases resolved) but not interpolated. */
export function readComposeRaw(repoRoot: string): ComposeFile {
  return parseYaml(read(repoRoot, 'docker-compose.yml'), { merge: true }) as ComposeFile;
}

/** docker-compose.yml's variable references (`${VAR…}`), each variable once (required if any use requires it). */
export function composeVariables(repoRoot: string): ComposeRef[] {
  const byName = new Map<string, boolean>();
  for (const ref of treeRefs(readComposeRaw(repoRoot))) byName.set(ref.name, (byName.get(ref.name) ?? false) || ref.required);
  return [...byName].map(([name, required]) => ({ name, required }));
}

/** docker-compose.yml interpolated with `vars` (the shell environment `docker compose` would see). */
export function readCompose(repoRoot: string, vars: Readonly<Record<string, string | undefined>>): ComposeFile {
  return interpolateTree(readComposeRaw(repoRoot), vars) as ComposeFile;
}

// -------------------------------------------------------------------------------------------------------- Dockerfile

/** One instruction of a Dockerfile: continuation lines joined, comments dropped. */
export interface Instruction {
  keyword: string;
  args: string;
}

export function dockerInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const whole = (pending + line).trim();
    pending = '';
    if (!whole) continue;
    const m = /^(\S+)\s*(.*)$/.exec(whole) as RegExpExecArray;
    out.push({ keyword: (m[1] as string).toUpperCase(), args: m[2] as string });
  }
  return out;
}

export interface DockerImage {
  /** `RUN` commands of the stages before the final one (the build). */
  buildRuns: string[];
  /** The final stage's `ENV` variables, in order. */
  env: Record<string, string>;
  /** The final stage's `CMD` (exec form). */
  cmd: string[];
  /** The final stage's `HEALTHCHECK CMD` (shell form, run with `/bin/sh -c`). */
  healthcheck: string;
  /** The final stage's `EXPOSE` ports. */
  expose: string[];
  /** The last `WORKDIR` of the build stages and of the final stage. */
  buildWorkdir: string | undefined;
  workdir: string | undefined;
  /** The final stage's `COPY --from=…` instructions, as written after `COPY `. */
  copiesFromBuild: string[];
}

/** `ENV a=1 b=2` (or the one-variable `ENV a 1`) as a map; quoted values are not used here and throw. */
function envArgs(args: string): Record<string, string> {
  if (/["'$\\]/.test(args)) throw new Error(`Dockerfile: ENV form not understood here: ENV ${args}`);
  const words = args.split(/\s+/);
  if (!words[0]?.includes('=')) return { [words[0] as string]: words.slice(1).join(' ') };
  return Object.fromEntries(
    words.map((w) => {
      const eq = w.indexOf('=');
      if (eq <= 0) throw new Error(`Dockerfile: ENV form not understood here: ENV ${args}`);
      return [w.slice(0, eq), w.slice(eq + 1)];
    }),
  );
}

export function readDockerfile(repoRoot: string): DockerImage {
  const all = dockerInstructions(read(repoRoot, 'Dockerfile'));
  const lastFrom = all.map((i) => i.keyword).lastIndexOf('FROM');
  if (lastFrom < 0) throw new Error('Dockerfile: no FROM');
  const build = all.slice(0, lastFrom);
  const final = all.slice(lastFrom + 1);
  const one = (keyword: string): Instruction => {
    const found = final.filter((i) => i.keyword === keyword);
    if (found.length !== 1) throw new Error(`Dockerfile: the final stage has ${found.length} ${keyword} instructions, expected one`);
    return found[0] as Instruction;
  };
  const cmd = JSON.parse(one('CMD').args) as unknown;
  if (!Array.isArray(cmd) || !cmd.every((a) => typeof a === 'string')) throw new Error('Dockerfile: CMD is not the exec form (a JSON array)');
  const health = /(?:^|\s)CMD\s+(.*)$/.exec(one('HEALTHCHECK').args);
  if (!health || health[1]?.startsWith('[')) throw new Error('Dockerfile: HEALTHCHECK is not `… CMD <shell command>`');
  return {
    buildRuns: build.filter((i) => i.keyword === 'RUN').map((i) => i.args),
    env: Object.assign({}, ...final.filter((i) => i.keyword === 'ENV').map((i) => envArgs(i.args))) as Record<string, string>,
    cmd: cmd as string[],
    healthcheck: health[1] as string,
    expose: final.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/)),
    buildWorkdir: build.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args,
    workdir: final.filter((i) => i.keyword === 'WORKDIR').at(-1)?.args,
    copiesFromBuild: final.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=')).map((i) => i.args),
  };
}

// ------------------------------------------------------------------------------------------------------------- nginx

export interface NginxConf {
  /** `upstream NAME { server HOST:PORT …; }`: the name and each server's address. */
  upstream: { name: string; servers: string[] };
  /** Every directive (`name args`, comments dropped), in order, for presence checks. */
  directives: string[];
}

export function readNginxConf(repoRoot: string, file = 'deploy/nginx.conf'): NginxConf {
  const text = read(repoRoot, file)
    .split('\n')
    .map((l) => l.replace(/#.*$/, ''))
    .join('\n');
  const blocks = [...text.matchAll(/\bupstream\s+(\S+)\s*\{([^}]*)\}/g)];
  if (blocks.length !== 1) throw new Error(`${file}: ${blocks.length} upstream blocks, expected one`);
  const [, name, body] = blocks[0] as RegExpExecArray;
  const servers = [...(body as string).matchAll(/(?:^|[;{\s])server\s+([^\s;]+)/g)].map((m) => m[1] as string);
  const directives = text
    .split(/[;{}]/)
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
  return { upstream: { name: name as string, servers }, directives };
}

// ------------------------------------------------------------------------------------------------------------ README

export interface TeamRecipe {
  /** Every command line of the section's first sh block, trailing comments removed. */
  lines: string[];
  /** `export NAME=value …` lines, by name (values as written: `$(openssl rand -hex 32)`, `sk-…`). */
  exports: Record<string, string>;
  /** The rest of each `docker compose exec <service> …` line, with its service. */
  execs: { service: string; command: string }[];
  /** The client's line, `ANTHROPIC_BASE_URL=… ANTHROPIC_AUTH_TOKEN=<that key> claude`, as its variables. */
  client: Record<string, string>;
}

/** The `sh` block of README's "## Run it for a team". */
export function readTeamRecipe(repoRoot: string): TeamRecipe {
  const readme = read(repoRoot, 'README.md');
  const start = readme.search(/^## Run it for a team/m);
  if (start < 0) throw new Error('README.md has no "## Run it for a team" section');
  const rest = readme.slice(start);
  const end = rest.slice(3).search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end + 3);
  const block = /```(?:sh|bash)?\n([\s\S]*?)```/.exec(section)?.[1];
  if (block === undefined) throw new Error('README "Run it for a team" has no sh block');
  const lines = block
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l && !l.startsWith('#'));
  const assignments = (text: string): Record<string, string> =>
    Object.fromEntries([...text.matchAll(/([A-Z_][A-Z0-9_]*)=(\$\([^)]*\)|<[^>]*>|\S+)/g)].map((m) => [m[1] as string, m[2] as string]));
  const exports: Record<string, string> = {};
  const execs: TeamRecipe['execs'] = [];
  let client: Record<string, string> = {};
  for (const line of lines) {
    if (line.startsWith('export ')) Object.assign(exports, assignments(line.slice('export '.length)));
    const exec = /^docker compose exec (\S+) (.+)$/.exec(line);
    if (exec) execs.push({ service: exec[1] as string, command: exec[2] as string });
    if (/^(?:[A-Z_]+=(?:<[^>]*>|\S+) )+claude$/.test(line)) client = assignments(line);
  }
  return { lines, exports, execs, client };
}

/**
 * A value like the one a README `$(…)` generator prints: `openssl rand -hex N` and `openssl rand -base64 N` are
 * done with node's crypto (the same bytes-to-text; no openssl binary needed). The base64 token starts with bytes
 * that encode as `++//`, so every run has the characters a real token may carry (`+`, `/`, `=`). Anything else
 * throws: the README generates a value this test does not know how to make.
 */
export function generated(expr: string): string {
  const m = /^\$\(openssl rand -(hex|base64) (\d+)\)$/.exec(expr);
  if (!m) throw new Error(`README generates a value with ${expr}: teach test/team/deploy-files.ts's generated() that command`);
  const n = Number(m[2]);
  if (m[1] === 'hex') return randomBytes(n).toString('hex');
  return Buffer.concat([Buffer.from([0xfb, 0xef, 0xff]), randomBytes(Math.max(0, n - 3))]).toString('base64');
}
