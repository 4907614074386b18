import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { APP_ID, applyAppIdentity } from '../../main/desktop/app-identity';

const repo = resolve(import.meta.dirname, '../..');

test("the AppUserModelID is the installer's appId (electron-builder.yml)", () => {
  const yml = readFileSync(join(repo, 'electron-builder.yml'), 'utf8');
  const appId = /^appId:\s*(\S+)\s*$/m.exec(yml)?.[1];
  assert.equal(appId, APP_ID);
});

test('applyAppIdentity sets it on Windows only', () => {
  const ids: string[] = [];
  const app = { setAppUserModelId: (id: string) => void ids.push(id) };
  for (const platform of ['linux', 'darwin', 'win32'] as const) applyAppIdentity(app, platform);
  assert.deepEqual(ids, [APP_ID]);
});
