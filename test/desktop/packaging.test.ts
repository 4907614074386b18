/**
 * The packaging check: builds the app as `npm run build` does (scripts/build-electron.mjs, then the renderer with
 * vite) into a temp project, packages it with electron-builder's `--linux dir` target against a stand-in Electron
 * distribution (`electronDist`; Electron's binary is not downloaded here), then
 *   - lists app.asar: exactly the main bundle, the preload, the tray images, the built renderer and package.json,
 *     nothing else (no sources, maps, tests, node_modules, bench output);
 *   - runs the packaged main bundle, extracted from app.asar, against the stand-in `electron` module
 *     (fake-electron.cjs): every file it loads at run time (window page, preload, tray images, the web admin and
 *     its assets) is inside;
 *   - builds the deb from that unpacked app (`--prepackaged`) with a stand-in `fpm` (USE_SYSTEM_FPM; the real one
 *     is a download): electron-builder's metadata checks pass (homepage, maintainer with an email), and the
 *     package's fields and menu entry are what users get.
 * electron-builder runs offline: proxies, mirrors and caches point nowhere or at the temp dir, and the test fails
 * if anything was downloaded into them. Linux and macOS only (the stand-ins are shell scripts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { extractAll, listPackage, statFile } from '@electron/asar';
import type { ServerStatus } from '../../shared/types';
import { ProxyRuntime } from '../../main/app/runtime';
import { freePort } from '../../scripts/free-port.mjs';
import { until } from '../support/until';

const repo = resolve(import.meta.dirname, '../..');
const requireHere = createRequire(import.meta.url);
const bin = (pkg: string, file: string): string => join(repo, 'node_modules', pkg, file);
const skip = process.platform === 'win32' ? 'the stand-in Electron is a shell script' : false;

const work = mkdtempSync(join(tmpdir(), 'ip-packaging-'));
const project = join(work, 'project');
const electronDist = join(work, 'electron-dist');
const caches = { ELECTRON_BUILDER_CACHE: join(work, 'cache', 'electron-builder'), ELECTRON_CACHE: join(work, 'cache', 'electron') };
const unpacked = join(project, 'release', 'linux-unpacked');
const asarPath = join(unpacked, 'resources', 'app.asar');
const fpmOut = join(work, 'fpm');
let packagedIn = 0;
let debBuiltIn = 0;
/** resources/ right after `--linux dir` (the deb step adds its AppArmor profile there). */
let resourcesOfDir: string[] = [];

/** Every file under `dir`, as `/`-separated paths relative to `base`. */
function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(join(dir, e.name), base) : [relative(base, join(dir, e.name)).split(sep).join('/')],
  );
}

/** The stand-in fpm: records its arguments and the .desktop file it is given, makes no package. */
const FAKE_FPM = `#!/bin/sh
printf '%s\\n' "$@" > "$FAKE_FPM_OUT/args"
for arg in "$@"; do
  case "$arg" in
    *=/usr/share/applications/*) cp "\${arg%%=*}" "$FAKE_FPM_OUT/entry.desktop" ;;
  esac
done
`;

function run(args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(process.execPath, args, { cwd: repo, env, encoding: 'utf8', timeout: 240_000 });
  assert.equal(result.status, 0, `${args.join(' ')}\n${result.stdout}\n${result.stderr}`);
}

before(async () => {
  if (skip) return;
  // The project as `npm run dist` sees it: package.json, the builder config, build resources, the built app.
  mkdirSync(project);
  for (const file of ['package.json', 'electron-builder.yml']) copyFileSync(join(repo, file), join(project, file));
  cpSync(join(repo, 'build'), join(project, 'build'), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(project, 'node_modules'), 'dir');
  run([join(repo, 'scripts/build-electron.mjs'), '--out', join(project, 'dist-electron')]);
  run([bin('vite', 'bin/vite.js'), 'build', '--logLevel', 'warn', '--emptyOutDir', '--outDir', join(project, 'dist', 'renderer')]);

  // The stand-in Electron distribution: one executable named `electron`, which electron-builder renames.
  mkdirSync(electronDist);
  writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\necho "stand-in Electron"\n');
  chmodSync(join(electronDist, 'electron'), 0o755);

  const offline = {
    ...process.env,
    ...caches,
    // Anything that tries the network fails at once instead of downloading.
    HTTP_PROXY: 'http://127.0.0.1:9',
    HTTPS_PROXY: 'http://127.0.0.1:9',
    http_proxy: 'http://127.0.0.1:9',
    https_proxy: 'http://127.0.0.1:9',
    NO_PROXY: '',
    no_proxy: '',
    ELECTRON_MIRROR: 'http://127.0.0.1:9/',
    ELECTRON_BUILDER_BINARIES_MIRROR: 'http://127.0.0.1:9/',
    npm_config_offline: 'true',
    CSC_IDENTITY_AUTO_DISCOVERY: 'false',
  };
  const electronVersion = (JSON.parse(readFileSync(bin('electron', 'package.json'), 'utf8')) as { version: string }).version;
  const builder = (...targetArgs: string[]): string[] => [
    bin('electron-builder', 'cli.js'),
    '--linux',
    ...targetArgs,
    '--projectDir',
    project,
    `--config.electronDist=${electronDist}`,
    `--config.electronVersion=${electronVersion}`,
    // Everything is bundled: there is nothing to rebuild (and rebuilding would look for Electron's headers).
    '--config.npmRebuild=false',
  ];
  let started = Date.now();
  run(builder('dir'), offline);
  packagedIn = Date.now() - started;
  resourcesOfDir = readdirSync(join(unpacked, 'resources')).sort();

  const fakeBin = join(work, 'fake-bin');
  mkdirSync(fakeBin);
  mkdirSync(fpmOut);
  writeFileSync(join(fakeBin, 'fpm'), FAKE_FPM);
  chmodSync(join(fakeBin, 'fpm'), 0o755);
  started = Date.now();
  run(builder('deb', '--prepackaged', unpacked), {
    ...offline,
    USE_SYSTEM_FPM: 'true',
    FAKE_FPM_OUT: fpmOut,
    PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
  });
  debBuiltIn = Date.now() - started;
});

after(() => {
  rmSync(work, { recursive: true, force: true });
});

test('electron-builder packaged the app offline, downloading nothing', { skip }, () => {
  console.log(`electron-builder --linux dir took ${(packagedIn / 1000).toFixed(1)} s, deb ${(debBuiltIn / 1000).toFixed(1)} s`);
  for (const [name, dir] of Object.entries(caches)) {
    assert.deepEqual(existsSync(dir) ? filesUnder(dir) : [], [], `${name} received downloads`);
  }
  // The stand-in was copied and named as the installers will name the app.
  assert.ok(statSync(join(unpacked, 'infiniproxy')).mode & 0o100, 'the executable is linux.executableName');
  assert.deepEqual(resourcesOfDir, ['app.asar'], 'nothing unpacked beside app.asar');
});

test('app.asar holds exactly what the app loads: bundles, tray images, the built renderer, package.json', { skip }, () => {
  const inside = listPackage(asarPath, { isPack: false })
    .map((p) => p.replace(/\\/g, '/').replace(/^\//, ''))
    .filter((p) => !('files' in statFile(asarPath, p)));
  const renderer = filesUnder(join(project, 'dist', 'renderer')).map((f) => `dist/renderer/${f}`);
  const tray = filesUnder(join(repo, 'build', 'tray')).map((f) => `dist-electron/tray/${f}`);
  const expected = ['package.json', 'dist-electron/index.cjs', 'dist-electron/preload.cjs', ...tray, ...renderer];
  assert.deepEqual([...inside].sort(), [...expected].sort());

  // Spelled out, so an empty build or a rename cannot pass: the page, its script and styles, all tray states.
  assert.ok(renderer.includes('dist/renderer/index.html'));
  assert.ok(renderer.some((f) => /^dist\/renderer\/assets\/index-[\w-]+\.js$/.test(f)));
  assert.ok(renderer.some((f) => /^dist\/renderer\/assets\/index-[\w-]+\.css$/.test(f)));
  for (const state of ['running', 'stopped', 'error']) {
    for (const variant of ['', '@2x', 'Template', 'Template@2x']) assert.ok(tray.includes(`dist-electron/tray/${state}${variant}.png`));
  }
  for (const path of inside) {
    assert.doesNotMatch(path, /^(main|renderer|shared|test|e2e|bench|scripts|docs|build|release)\//, path);
    assert.doesNotMatch(path, /(^|\/)node_modules\/|(^|\/)\.env|\.(map|ts|tsx|mts|cts)$|\.(test|spec)\./, path);
  }
});

test("the packaged package.json points at the main bundle and carries the installers' metadata", { skip }, () => {
  const packed = JSON.parse(readFileSync(join(extracted(), 'package.json'), 'utf8')) as Record<string, unknown>;
  assert.equal(packed.main, 'dist-electron/index.cjs');
  assert.equal(packed.name, 'infiniproxy');
  assert.equal(typeof packed.homepage, 'string');
  assert.equal(typeof packed.license, 'string');
  assert.match(String((packed.author as { email?: string } | undefined)?.email), /@/);
});

test('the packaged main bundle runs from what app.asar holds: window, preload, tray images, web admin', { skip }, async () => {
  const appDir = extracted();
  mkdirSync(join(appDir, 'node_modules', 'electron'), { recursive: true });
  copyFileSync(join(import.meta.dirname, 'fake-electron.cjs'), join(appDir, 'node_modules', 'electron', 'index.js'));
  const userData = join(work, 'user-data');
  mkdirSync(userData);
  const seed = await ProxyRuntime.open({ dataDir: userData, env: {}, cwd: work });
  await seed.admin.updateSettings({ host: '127.0.0.1', port: await freePort() });
  await seed.close();

  for (const name of ['INFINIPROXY_DATA_DIR', 'PROXY_HOST', 'PROXY_PORT']) delete process.env[name];
  process.env.FAKE_ELECTRON_APP_PATH = appDir;
  process.env.FAKE_ELECTRON_USER_DATA = userData;
  requireHere(join(appDir, 'dist-electron', 'index.cjs'));
  const fake = (globalThis as unknown as { __fakeElectron: FakeElectron }).__fakeElectron;
  fake.ready();
  try {
    await until(() => fake.windows.length === 1 && fake.trays.length === 1, 'the window and the tray');
    const win = fake.windows[0]!;
    assert.ok(existsSync(win.loadedFile), win.loadedFile);
    assert.ok(existsSync(String(win.options.webPreferences.preload)));
    assert.ok(win.loadedFile.startsWith(appDir));
    const status = await call<ServerStatus>(fake, 'admin:status');
    assert.equal(status.running, true, status.error ?? '');
    assert.ok(existsSync(fake.trays[0]!.image.path), fake.trays[0]!.image.path);

    // The web admin is served from the packaged renderer, with every asset its page names.
    const page = await fetch(`${status.url}/admin/`);
    const html = await page.text();
    assert.equal(page.status, 200);
    const assets = [...html.matchAll(/(?:src|href)="\.\/([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.length >= 2, html);
    for (const asset of assets) {
      const response = await fetch(`${status.url}/admin/${asset}`);
      await response.arrayBuffer();
      assert.equal(response.status, 200, asset);
    }
  } finally {
    fake.app.quit();
    await until(() => fake.quitted, 'quit');
  }
  assert.equal(fake.errorBox, null);
});

test('the deb carries the metadata apt shows, installs to /opt, and its menu entry matches the window', { skip }, () => {
  const args = readFileSync(join(fpmOut, 'args'), 'utf8').split('\n');
  const option = (name: string): string | undefined => args[args.indexOf(name) + 1];
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { homepage: string; license: string };
  assert.equal(option('-t'), 'deb');
  assert.equal(option('--name'), 'infiniproxy');
  assert.match(option('--maintainer') ?? '', /^[^<>]+ <[^@<>\s]+@[^@<>\s]+>$/);
  assert.equal(option('--url'), pkg.homepage);
  assert.equal(option('--license'), pkg.license);
  assert.match(option('--description') ?? '', /OpenAI-compatible backend/);
  assert.ok(args.includes(`${unpacked}/=/opt/InfiniProxy`), args.join(' '));
  assert.ok(args.some((a) => a.endsWith('=/usr/share/applications/infiniproxy.desktop')), args.join(' '));

  // The .desktop file: it starts the app, and its StartupWMClass is the app_id Electron takes from desktopName,
  // so GNOME links the running window to the entry (a second launch from the menu then shows the window).
  const entry = readFileSync(join(fpmOut, 'entry.desktop'), 'utf8');
  assert.match(entry, /^Name=InfiniProxy$/m);
  assert.match(entry, /^Exec=\/opt\/InfiniProxy\/infiniproxy %U$/m);
  assert.match(entry, /^StartupWMClass=infiniproxy$/m);
  assert.match(entry, /^Categories=Development;?$/m);
});

interface FakeElectron {
  handlers: Map<string, (event: unknown, ...args: unknown[]) => Promise<{ result: unknown } | { error: unknown }>>;
  windows: { options: { webPreferences: Record<string, unknown> }; loadedFile: string; webContents: { id: number } }[];
  trays: { image: { path: string } }[];
  errorBox: unknown;
  quitted: boolean;
  app: { quit(): void };
  ready(): void;
}

let extractedDir: string | undefined;
function extracted(): string {
  if (!extractedDir) {
    extractedDir = join(work, 'extracted');
    extractAll(asarPath, extractedDir);
  }
  return extractedDir;
}

async function call<T>(fake: FakeElectron, channel: string): Promise<T> {
  const win = fake.windows[0]!;
  const event = { sender: { id: win.webContents.id }, senderFrame: { url: pathToFileURL(win.loadedFile).href, parent: null } };
  const outcome = await fake.handlers.get(channel)!(event);
  if ('error' in outcome) assert.fail(`${channel}: ${JSON.stringify(outcome.error)}`);
  return outcome.result as T;
}

