import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENV_VARS } from '../../main/core/config';
import { desktopEnvironment } from '../../main/desktop/desktop-environment';

test("desktopEnvironment drops every settings variable and keeps the rest", () => {
  const env = {
    OPENAI_BASE_URL: 'http://elsewhere/v1',
    OPENAI_API_KEY: 'sk-other-tool',
    OPENAI_MODEL: 'm',
    PROXY_HOST: '0.0.0.0',
    PROXY_PORT: '9',
    TIMEOUT: '1',
    DEBUG: '*',
    openai_api_key: 'sk-lower-case',
    INFINIPROXY_DATA_DIR: '/data',
    ADMIN_TOKEN: 't'.repeat(32),
    TRUSTED_PROXIES: '10.0.0.1',
    HOME: '/home/u',
    CLAUDE_CONFIG_DIR: '/c',
  };
  assert.deepEqual(desktopEnvironment(env), {
    INFINIPROXY_DATA_DIR: '/data',
    ADMIN_TOKEN: 't'.repeat(32),
    TRUSTED_PROXIES: '10.0.0.1',
    HOME: '/home/u',
    CLAUDE_CONFIG_DIR: '/c',
  });
  for (const name of Object.values(ENV_VARS)) assert.equal(name in desktopEnvironment(env), false, name);
});
