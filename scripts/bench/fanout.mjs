// Benchmark 1, fan-out: V viewers in one room, a moderator making E changes
// a second for 10 s, measured from the moderator's send to each viewer's
// read. The same loads, in the same run, against Surak (one process, and
// --workers 2), the bare broadcaster (the floor), Nchan and Socket.IO;
// then the ratio Surak / peer for each load.
//
//   LOADS=1000:100,10000:50,19000:20 TARGETS=surak,surak-w2,bare,nchan,socketio
// TARGETS may also name surak-base: BASE_BIN, another build of the hub.
import { Redis, startHub, benchRoom, load, procsFor, startPeer, hubPids, cpuMeter } from './lib.mjs';

const LOADS = (process.env.LOADS || '1000:100,10000:50,19000:20').split(',').map((s) => s.split(':').map(Number));
const TARGETS = (process.env.TARGETS || 'surak,surak-w2,bare,nchan,socketio').split(',');
const DURATION = Number(process.env.DURATION || 10);

const redis = await Redis.start();
const results = {};
let rooms = 0;

async function start(target) {
  if (target.startsWith('surak')) {
    const hub = await startHub(redis, target === 'surak-w2' ? 2 : 1,
      target === 'surak-base' ? process.env.BASE_BIN : undefined);
    const room = await benchRoom(hub, `fan${++rooms}`, 200);
    return {
      port: hub.port, args: ['--target', 'surak', '--room', room.id, '--key', room.key, '--questions', 200],
      pids: () => [...hubPids(hub), redis.proc.pid], stop: () => hub.stop(),
    };
  }
  return startPeer(target);
}

try {
  for (const [viewers, rate] of LOADS) {
    for (const target of TARGETS) {
      const t = await start(target);
      const cpu = cpuMeter(t.pids());
      let r;
      try {
        r = await load('fanout', ['--port', t.port, ...t.args, '--viewers', viewers, '--rate', rate,
          '--duration', DURATION, '--drain', 5, '--procs', procsFor(viewers)]);
        r.cpu = cpu();
      } finally {
        await t.stop();
      }
      results[`${target}/${viewers}`] = r;
      console.log(`${r.line.replace('target=surak', `target=${target}`)} server_cpu=${(r.cpu / DURATION).toFixed(2)}cores`);
    }
    for (const peer of TARGETS.filter((x) => !x.startsWith('surak'))) {
      const p = results[`${peer}/${viewers}`];
      for (const s of TARGETS.filter((x) => x.startsWith('surak'))) {
        const q = results[`${s}/${viewers}`];
        console.log(`fanout ratio ${s}/${peer} viewers=${viewers} rate=${rate}/s: ` +
          `delivered ${(q.deliveries_per_s / p.deliveries_per_s).toFixed(2)}x ` +
          `(${q.got}/${q.want} vs ${p.got}/${p.want}), p99 ${q.p99}ms vs ${p.p99}ms`);
      }
    }
  }
} finally {
  await redis.stop();
}
