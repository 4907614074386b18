import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CliError } from '../../main/cli/connect';
import { settingsPatchFromArgs } from '../../main/cli/settings-args';

test('settings set: JSON values where they parse, plain text otherwise', () => {
  assert.deepEqual(
    settingsPatchFromArgs(['max_tokens_cap=32000', 'reasoning_request=thinking', 'max_tokens_cap=null', 'model_routes=[{"match":"haiku","model":"m"}]', 'backend_url=http://h:1/v1?a=b']),
    { max_tokens_cap: null, reasoning_request: 'thinking', model_routes: [{ match: 'haiku', model: 'm' }], backend_url: 'http://h:1/v1?a=b' },
  );
});

test('settings set: a malformed argument is a usage error (exit code 2)', () => {
  for (const args of [[], ['foo'], ['=1']]) {
    assert.throws(() => settingsPatchFromArgs(args), (err: unknown) => err instanceof CliError && err.exitCode === 2);
  }
});
