// The layer arrows of eslint.config.js: a forbidden import in each folder fails the lint, an allowed one passes.
// Lints virtual files (text + a path in the tree) with the project's own config through ESLint's API.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** The messages of no-restricted-imports for `source` linted as the file at `path`. */
async function layerErrors(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: `${root}/${path}` });
  assert.ok(result, 'ESLint returned no result');
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const forbidden: Array<[string, string, RegExp]> = [
  [
    'main/translate/new-rule.ts',
    "import { AppError } from '../proxy/errors';",
    /translate\/ and upstream\/ are leaves/,
  ],
  ['main/translate/new-rule.ts', "import { Store } from '../core/store/store';", /leaves/],
  ['main/upstream/new-client.ts', "import { loadConfig } from '../core/config';", /leaves/],
  ['main/upstream/new-client.ts', "import { App } from '../../renderer/App';", /leaves/],
  ['main/core/new-thing.ts', "import { AppError } from '../proxy/errors';", /core\/ never imports proxy/],
  ['main/core/store/new-store.ts', "import { ProxyRuntime } from '../../app/runtime';", /core\/ never imports/],
  ['main/core/new-thing.ts', "import { tray } from '../desktop/tray';", /core\/ never imports/],
  ['renderer/tabs/NewTab.tsx', "import { Store } from '../../main/core/store/store';", /renderer\/ never imports main/],
  ['main/proxy/new-route.ts', "import { app } from 'electron';", /Only main\/index\.ts and main\/desktop\//],
  ['main/core/new-thing.ts', "import type { App } from 'electron';", /Only main\/index\.ts/],
  ['shared/new-type.ts', "import { ipcRenderer } from 'electron';", /Only main\/index\.ts/],
  ['renderer/api/new-client.ts', "import { ipcRenderer } from 'electron/renderer';", /Only main\/index\.ts/],
];

const allowed: Array<[string, string]> = [
  [
    'main/translate/new-rule.ts',
    "import { isRecord } from '../../shared/json';\nimport { sseParser } from './sse-parser';",
  ],
  ['main/upstream/new-client.ts', "import { withTopLevelString } from '../translate/json-member';"],
  ['main/core/new-thing.ts', "import { isHttpUrl } from './http-url';\nimport { isRecord } from '../../shared/json';"],
  ['main/proxy/new-route.ts', "import { errorTypeForStatus } from '../translate/errors';"],
  ['main/desktop/new-window.ts', "import { BrowserWindow } from 'electron';"],
  ['main/index.ts', "import { app } from 'electron';"],
  ['renderer/tabs/NewTab.tsx', "import type { AdminApi } from '../../shared/admin-api';"],
];

describe('layer import rules', () => {
  for (const [path, source, message] of forbidden) {
    it(`rejects in ${path}: ${source}`, async () => {
      const errors = await layerErrors(path, `${source}\n`);
      assert.equal(errors.length, 1, `expected one layer error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0] ?? '', message);
    });
  }
  for (const [path, source] of allowed) {
    it(`allows in ${path}: ${source.split('\n')[0]}`, async () => {
      assert.deepEqual(await layerErrors(path, `${source}\n`), []);
    });
  }
});
