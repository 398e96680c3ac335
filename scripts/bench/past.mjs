// The deployment's memory: Redis's time per `past_find` call, the look-up
// every new question makes (docs/BENCHMARKS.md, "The deployment's memory").
// A whole ingest run moves by 15% from turn to turn on a shared machine,
// more than most changes to one script; this measures the script alone.
// It fills the memory (PAST seconds of asks into an earlier broadcast, all
// approved), captures the look-ups of a few seconds of asks into a new room
// with MONITOR, then replays them one by one with redis-cli, five times
// over in each of ROUNDS rounds, reading Redis's own time per call from
// INFO commandstats.
//   PAST=10 ROUNDS=6 node scripts/bench/past.mjs
// With BASE_BIN (another build of the hub), its scripts are captured the
// same way on the same Redis and memory, and each round replays the same
// calls with both builds' scripts, the two taking turns at going first.
// Hubs look the memory up in their own copy of it (past.c) and call
// past_find only while that copy is not whole: the captures run with
// --past-copy=0, so this measures the script every look-up made before the
// copies, and what a hub without one (or a deployment that turns them
// off) still pays.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, startHub, pastMemory, load } from './lib.mjs';
import { createRoom, RELEASE_BIN } from '../../tests/lib/harness.mjs';

const PAST = Number(process.env.PAST || 10);
const ROUNDS = Number(process.env.ROUNDS || 6);
const REPEAT = 5;	/* each replay sends the calls this many times: a few seconds of Redis's time */
const CALL = /"EVALSHA" "([0-9a-f]{40})" "1" "surak:\{@past\}" "surak:ev:\{@past\}" "\d+" "\d+" "([0-9a-f,]+)" "([^"\s]+)" "(\d+)"$/;

const redis = await Redis.start();
const dir = mkdtempSync(join(tmpdir(), 'surak-past-'));

// A hub of build bin that calls past_find for every look-up (a build from
// before --past-copy always does).
function pastFindHub(bin = process.env.HUB_BIN || RELEASE_BIN) {
  const help = execFileSync(bin, ['--help'], { encoding: 'utf8' });
  return startHub(redis, 1, bin, help.includes('--past-copy') ? ['--past-copy=0'] : []);
}

// The past_find calls of 3 s of asks at 100/s into a new room through hub: [{sha, args}].
async function capture(hub, room) {
  await createRoom(hub, { id: room, title: 'Now', moderation: true });
  const mon = spawn('redis-cli', ['-p', String(redis.port), 'monitor']);
  let out = '';
  mon.stdout.on('data', (d) => { out += d; });
  await new Promise((resolve) => mon.stdout.once('data', resolve));	/* "OK": watching */
  await load('ingest', ['--port', hub.port, '--room', room, '--askers', 8, '--window', 1,
    '--rate', 100, '--duration', 3, '--drain', 10]);
  mon.kill();
  return out.split('\n').map((l) => CALL.exec(l)).filter(Boolean).map((m) => ({ sha: m[1], args: m.slice(2) }));
}

// Redis's microseconds per call of script sha over calls, replayed one at a time.
function replay(sha, calls) {
  const file = join(dir, 'calls.txt');
  const once = calls.map((c) => `EVALSHA ${sha} 1 surak:{@past} surak:ev:{@past} 0 1000 ${c.args.join(' ')}\n`).join('');
  writeFileSync(file, once.repeat(REPEAT));
  redis.cli('CONFIG', 'RESETSTAT');
  const r = spawnSync('sh', ['-c', `redis-cli -p ${redis.port} < ${file}`], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0 || /ERR/.test(r.stdout)) throw new Error('replay failed: ' + (r.stdout + r.stderr).slice(0, 500));
  const line = redis.cli('INFO', 'commandstats').split('\n').find((l) => l.startsWith('cmdstat_evalsha:'));
  return Number(/usec_per_call=([\d.]+)/.exec(line)[1]);
}

try {
  let hub = await startHub(redis, 1);
  const held = await pastMemory(hub, redis, PAST);
  await hub.stop();
  hub = await pastFindHub();
  const builds = [['surak', await capture(hub, 'now')]];
  await hub.stop();
  if (process.env.BASE_BIN) {
    hub = await pastFindHub(process.env.BASE_BIN);
    builds.unshift(['surak-base', await capture(hub, 'then')]);
    await hub.stop();
  }
  // Every build replays the same calls (all of them captured), with its own script.
  const calls = builds.flatMap(([, c]) => c);
  if (builds.some(([, c]) => c.length === 0)) throw new Error('no past_find call captured');
  console.log(`# past: the memory holds ${held} questions; ${calls.length} look-ups captured, replayed ${REPEAT} times over in each of ${ROUNDS} rounds`);
  // The builds take turns first (base, this; then this, base; …): whichever goes second in a round
  // runs on a warmer Redis.
  const sums = builds.map(() => 0);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? builds.map((_, i) => i) : builds.map((_, i) => i).reverse();
    const us = [];
    for (const i of order) us[i] = replay(builds[i][1][0].sha, calls);
    us.forEach((u, i) => { sums[i] += u; });
    console.log(`past round=${round} ` + builds.map(([name], i) => `${name}=${us[i].toFixed(1)}us/call`).join(' ') +
      (us.length > 1 ? ` ratio=${(us[1] / us[0]).toFixed(2)}` : ''));
  }
  console.log(`# past: mean over ${ROUNDS} rounds: ` + builds.map(([name], i) => `${name}=${(sums[i] / ROUNDS).toFixed(1)}us/call`).join(' ') +
    (builds.length > 1 ? ` ratio surak/surak-base=${(sums[1] / sums[0]).toFixed(2)}` : ''));
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(0);
