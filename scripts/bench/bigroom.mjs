// Big rooms: the longest Redis script call while a hub loads, pages,
// exports and merges in a room of 50,000 questions, one asked by 8,000
// residents. The scenario is tests/integration/bigroom.test.mjs (which
// checks the results) run against the release build, RUNS times; Redis's
// SLOWLOG measures each call, so the figure is Redis's own time.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
const RUNS = Number(process.env.RUNS || 3);
for (let i = 0; i < RUNS; i++) {
  const out = execFileSync('node', ['--test', '--test-reporter=tap', 'tests/integration/bigroom.test.mjs'], {
    cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24,
    env: { ...process.env, SURAK_BIN: process.env.HUB_BIN || join(ROOT, 'build', 'surak') },
  });
  for (const line of out.split('\n')) if (/^# big room/.test(line)) console.log(line.slice(2));
  if (/^not ok/m.test(out)) throw new Error('the big-room scenario failed:\n' + out.slice(-3000));
}
