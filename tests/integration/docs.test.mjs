// The documentation matches the code: every option `surak --help` prints is
// in the README's configuration table, with the same environment variable
// and the same default, and the table lists nothing the hub does not have.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, HUB_BIN } from '../lib/harness.mjs';

function helpOptions() {
  const out = execFileSync(HUB_BIN, ['--help'], { encoding: 'utf8' });
  const opts = new Map();
  let flag = null;
  for (const line of out.split('\n')) {
    const f = line.match(/^ {2}--([a-z-]+)/);
    if (f) { flag = f[1]; continue; }
    const e = line.match(/^\s+env (\S+?)(?:, default (.*))?$/);
    if (e && flag) opts.set(flag, { env: e[1], def: e[2] ?? null });
  }
  return opts;
}

function readmeOptions() {
  const md = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const opts = new Map();
  for (const line of md.split('\n')) {
    const m = line.match(/^\| `--([a-z-]+)` \| `(\w+)` \| (.*?) \|/);
    if (m) opts.set(m[1], { env: m[2], def: m[3].match(/^`(.*)`$/)?.[1] ?? null });
  }
  return opts;
}

test('the README configuration table is --help, flag for flag', () => {
  const help = helpOptions();
  const readme = readmeOptions();
  assert.ok(help.size >= 20, `--help lists ${help.size} options`);
  for (const [flag, h] of help) {
    const r = readme.get(flag);
    assert.ok(r, `--${flag} is missing from the README`);
    assert.equal(r.env, h.env, `--${flag}: environment variable`);
    if (h.def !== null) assert.equal(r.def, h.def, `--${flag}: default`);
  }
  for (const flag of readme.keys()) assert.ok(help.has(flag), `the README lists --${flag}, which the hub lacks`);
});
