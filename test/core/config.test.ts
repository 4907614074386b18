import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  DEFAULT_SETTINGS,
  defaultDataDir,
  isLoopbackHost,
  LayeredSettings,
  maskSecret,
  missingBackendMessage,
  normaliseBackendUrl,
  parseDotenv,
  parseSettingsPatch,
  resolveDataDir,
  resolveSettings,
} from '../../main/core/config';
import { readDotenvFile } from '../../main/core/env-file';
import type { Settings } from '../../shared/types';
import { tempDir } from '../support/proxy-harness';

describe('normaliseBackendUrl', () => {
  test('accepts the base URL and the full chat completions URL alike', () => {
    const cases: [string, string][] = [
      ['https://api.example.com/v1', 'https://api.example.com/v1'],
      ['https://api.example.com/v1/', 'https://api.example.com/v1'],
      ['https://api.example.com/v1/chat/completions', 'https://api.example.com/v1'],
      [' https://open.bigmodel.cn/api/paas/v4/chat/completions/ ', 'https://open.bigmodel.cn/api/paas/v4'],
      ['', ''],
    ];
    for (const [given, base] of cases) assert.equal(normaliseBackendUrl(given), base, given);
  });
});

describe('parseDotenv', () => {
  test('reads assignments, export, quotes, escapes and comments', () => {
    const env = parseDotenv(
      [
        '# a comment',
        'OPENAI_BASE_URL=https://h/v1',
        'export OPENAI_MODEL = glm-4.6  # inline comment',
        "OPENAI_API_KEY='sk-#not-a-comment'",
        'MULTI="line1\\nline2 \\"q\\""',
        'EMPTY=',
        'not a line',
        'HASH=a#b',
      ].join('\r\n'),
    );
    assert.deepEqual(env, {
      OPENAI_BASE_URL: 'https://h/v1',
      OPENAI_MODEL: 'glm-4.6',
      OPENAI_API_KEY: 'sk-#not-a-comment',
      MULTI: 'line1\nline2 "q"',
      EMPTY: '',
      HASH: 'a#b',
    });
  });

  test('readDotenvFile reads <cwd>/.env and is empty without one', () => {
    const dir = tempDir();
    try {
      assert.deepEqual(readDotenvFile(dir.path), {});
      writeFileSync(join(dir.path, '.env'), 'PROXY_PORT=9001\n');
      assert.deepEqual(readDotenvFile(dir.path), { PROXY_PORT: '9001' });
    } finally {
      dir.remove();
    }
  });
});

describe('defaultDataDir', () => {
  test('matches Electron userData for productName InfiniProxy on each platform', () => {
    assert.equal(defaultDataDir({ HOME: '/home/ada' }, 'linux'), '/home/ada/.config/InfiniProxy');
    assert.equal(defaultDataDir({ HOME: '/home/ada', XDG_CONFIG_HOME: '/xdg' }, 'linux'), '/xdg/InfiniProxy');
    assert.equal(defaultDataDir({ HOME: '/Users/ada' }, 'darwin'), '/Users/ada/Library/Application Support/InfiniProxy');
    assert.equal(defaultDataDir({ APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' }, 'win32'), 'C:\\Users\\ada\\AppData\\Roaming\\InfiniProxy');
  });

  test('resolveDataDir: explicit > environment > .env > default', () => {
    const env = { HOME: '/h', INFINIPROXY_DATA_DIR: '/from-env' };
    assert.equal(resolveDataDir({ explicit: '/flag', env, platform: 'linux' }), '/flag');
    assert.equal(resolveDataDir({ env, dotenv: { INFINIPROXY_DATA_DIR: '/from-dotenv' }, platform: 'linux' }), '/from-env');
    assert.equal(resolveDataDir({ env: { HOME: '/h' }, dotenv: { INFINIPROXY_DATA_DIR: '/from-dotenv' }, platform: 'linux' }), '/from-dotenv');
    assert.equal(resolveDataDir({ env: { HOME: '/h' }, platform: 'linux' }), '/h/.config/InfiniProxy');
  });
});

describe('maskSecret', () => {
  test('shows a recognisable hint and never the whole secret', () => {
    assert.equal(maskSecret(''), '');
    assert.equal(maskSecret('sk-abcdefghijklmnopa1b2'), 'sk-…a1b2');
    assert.equal(maskSecret('short'), '…');
  });
});

describe('resolveSettings', () => {
  test('defaults when no layer sets anything', () => {
    const { settings, overridden, problems } = resolveSettings({});
    assert.deepEqual(settings, DEFAULT_SETTINGS);
    assert.equal(settings.port, 8000);
    assert.equal(settings.host, '127.0.0.1');
    assert.equal(settings.timeout_s, 300);
    assert.deepEqual(settings.strip_schema_keys, ['$schema']);
    assert.deepEqual(overridden, []);
    assert.deepEqual(problems, []);
  });

  test('precedence: flags > environment > .env > saved > defaults', () => {
    const saved: Partial<Settings> = { port: 1111, host: '127.0.0.2', default_model: 'saved-model', timeout_s: 10, retries: 5 };
    const dotenv = { PROXY_PORT: '2222', PROXY_HOST: '127.0.0.3', OPENAI_MODEL: 'dotenv-model' };
    const env = { PROXY_PORT: '3333', PROXY_HOST: '127.0.0.4' };
    const flags: Partial<Settings> = { port: 4444 };
    const { settings, overridden } = resolveSettings({ flags, env, dotenv, saved });
    assert.equal(settings.port, 4444);
    assert.equal(settings.host, '127.0.0.4');
    assert.equal(settings.default_model, 'dotenv-model');
    assert.equal(settings.timeout_s, 10);
    assert.equal(settings.retries, 5);
    assert.deepEqual([...overridden].sort(), ['default_model', 'host', 'port']);
  });

  test('maps every seed variable and normalises the backend URL', () => {
    const { settings } = resolveSettings({
      env: {
        OPENAI_BASE_URL: 'https://api.deepseek.com/v1/chat/completions',
        OPENAI_API_KEY: 'sk-x',
        OPENAI_MODEL: 'deepseek-chat',
        PROXY_HOST: '0.0.0.0',
        PROXY_PORT: '8080',
        TIMEOUT: '60',
        DEBUG: 'true',
      },
    });
    assert.equal(settings.backend_url, 'https://api.deepseek.com/v1');
    assert.equal(settings.backend_api_key, 'sk-x');
    assert.equal(settings.default_model, 'deepseek-chat');
    assert.equal(settings.host, '0.0.0.0');
    assert.equal(settings.port, 8080);
    assert.equal(settings.timeout_s, 60);
    assert.equal(settings.debug, true);
  });

  test('invalid values are skipped and reported, falling through to the next layer', () => {
    const { settings, problems, overridden } = resolveSettings({
      env: { PROXY_PORT: 'eighty', OPENAI_BASE_URL: 'ftp://nope' },
      dotenv: { PROXY_PORT: '9000' },
      saved: { retries: -3 } as Partial<Settings>,
    });
    assert.equal(settings.port, 9000);
    assert.equal(settings.backend_url, '');
    assert.equal(settings.retries, 2);
    assert.equal(problems.length, 3);
    assert.ok(problems.some((p) => p.includes('PROXY_PORT')));
    assert.ok(problems.some((p) => p.includes('OPENAI_BASE_URL')));
    assert.ok(!overridden.includes('backend_url'));
  });

  test('empty variables count as unset', () => {
    const { settings, overridden } = resolveSettings({ env: { OPENAI_API_KEY: '' }, saved: { backend_api_key: 'saved-key' } });
    assert.equal(settings.backend_api_key, 'saved-key');
    assert.deepEqual(overridden, []);
  });
});

describe('parseSettingsPatch', () => {
  test('accepts known fields and names the bad one', () => {
    const ok = parseSettingsPatch({ port: 9000, backend_url: 'https://h/v1/chat/completions' });
    assert.deepEqual(ok, { ok: true, patch: { port: 9000, backend_url: 'https://h/v1' } });
    const badType = parseSettingsPatch({ port: 'x' });
    assert.equal(badType.ok, false);
    assert.match(!badType.ok ? badType.message : '', /^port:/);
    const unknown = parseSettingsPatch({ colour: 'red' });
    assert.match(!unknown.ok ? unknown.message : '', /colour/);
    const route = parseSettingsPatch({ model_routes: [{ match: 'opus', model: '' }] });
    assert.match(!route.ok ? route.message : '', /^model_routes\.0\.model/);
  });
});

describe('LayeredSettings', () => {
  test('a saved change applies unless a higher layer fixes the field', async () => {
    let store: Partial<Settings> = {};
    const layered = new LayeredSettings({ env: { OPENAI_MODEL: 'env-model' }, saved: store }, async (patch) => (store = { ...store, ...patch }));
    let changes = 0;
    layered.onChange(() => changes++);
    await layered.save({ default_model: 'saved-model', timeout_s: 42 });
    assert.equal(layered.current().settings.default_model, 'env-model');
    assert.equal(layered.current().settings.timeout_s, 42);
    assert.deepEqual(store, { default_model: 'saved-model', timeout_s: 42 });
    assert.equal(changes, 1);
  });
});

describe('small predicates', () => {
  test('missingBackendMessage names what to set', () => {
    const msg = missingBackendMessage(DEFAULT_SETTINGS, { needModel: true });
    assert.match(msg ?? '', /OPENAI_BASE_URL/);
    assert.match(msg ?? '', /OPENAI_MODEL/);
    assert.match(msg ?? '', /Settings tab/);
    assert.equal(missingBackendMessage({ ...DEFAULT_SETTINGS, backend_url: 'http://h/v1' }, { needModel: false }), null);
  });

  test('isLoopbackHost', () => {
    assert.ok(isLoopbackHost('127.0.0.1'));
    assert.ok(isLoopbackHost('localhost'));
    assert.ok(isLoopbackHost('::1'));
    assert.ok(!isLoopbackHost('0.0.0.0'));
    assert.ok(!isLoopbackHost('192.168.1.5'));
  });
});
