import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DoctorReport } from '../../shared/types';
import { doctorText, suggestionText } from '../../main/cli/output';

const report: DoctorReport = {
  backend_url: 'http://127.0.0.1:1234/v1',
  ok: false,
  models: ['glm-4.6'],
  checks: [
    { name: 'reachable', ok: true, detail: 'GET …/models answered HTTP 200 in 3 ms.' },
    { name: 'stream usage', ok: true, warning: true, detail: 'No usage in the stream.' },
    { name: 'max_tokens', ok: false, detail: '16384 accepted: cap max_tokens at 16384.' },
  ],
  suggested: { max_tokens_cap: 16384, default_model: 'glm-4.6' },
};

test('doctorText marks each check ✓, ! or ✗ and says how to apply the suggestions', () => {
  const text = doctorText(report);
  assert.match(text, /^Backend: http:\/\/127\.0\.0\.1:1234\/v1$/m);
  assert.match(text, /^ {2}✓ reachable {5}GET …\/models/m);
  assert.match(text, /^ {2}! stream usage {2}No usage/m);
  assert.match(text, /^ {2}✗ max_tokens {4}16384 accepted/m);
  assert.match(text, /^1 check failed\.$/m);
  assert.match(text, /^ {2}max_tokens_cap: 16384$/m);
  assert.match(text, /^ {2}npm run cli -- doctor --apply$/m);
  assert.match(text, /^ {2}OPENAI_MODEL=glm-4\.6$/m, 'a field with an environment variable also gets its line');
});

test('suggestionText: a field the environment fixes is to be changed there, not saved', () => {
  const lines = suggestionText({ default_model: "o'brien model" }, ['default_model']).join('\n');
  assert.doesNotMatch(lines, /--apply/);
  assert.match(lines, /change it there/);
  assert.match(lines, /^ {2}OPENAI_MODEL='o'\\''brien model'$/m, 'quoted for a shell');
  assert.deepEqual(suggestionText({}), []);
  assert.match(doctorText({ ...report, ok: true, checks: [report.checks[0]!, report.checks[1]!], suggested: {} }), /All checks passed \(1 with a note\)\.$/);
});
