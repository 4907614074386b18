// The soak test at scale, on demand: `node scripts/soak-check.mjs [streams] [concurrency]` (default 5000 × 32).
// It opens and abandons that many streams on /v1/chat/completions and /v1/messages, and checks that the backend saw
// every disconnect and that the process's handles came back to baseline (test/proxy/soak.test.ts; `npm test` runs a
// shorter version of it).
import { spawnSync } from 'node:child_process';

const [streams = '5000', concurrency = '32'] = process.argv.slice(2);
const { status } = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', 'test/proxy/soak.test.ts'],
  { stdio: 'inherit', env: { ...process.env, SOAK_STREAMS: streams, SOAK_CONCURRENCY: concurrency } },
);
process.exit(status ?? 1);
