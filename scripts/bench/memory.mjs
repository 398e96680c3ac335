// Benchmark 5, memory: resident memory per connected idle viewer, for the
// hub (one process) and, in the same run, for the peers. The server's RSS
// (every process of it) is read before the viewers connect and once they
// all are connected and welcomed; the difference is divided by their
// number.
//   VIEWERS=10000 TARGETS=surak,bare,nchan,socketio
import { Redis, startHub, benchRoom, load, procsFor, hubPids, rssKiB, startPeer } from './lib.mjs';

const VIEWERS = Number(process.env.VIEWERS || 10000);
const TARGETS = (process.env.TARGETS || 'surak,bare,nchan,socketio').split(',');

const redis = await Redis.start();
try {
  for (const target of TARGETS) {
    let t;
    if (target === 'surak') {
      const hub = await startHub(redis, 1);
      const room = await benchRoom(hub, 'idle', 200, 50);
      t = { port: hub.port, args: ['--target', 'surak', '--room', room.id], pids: () => hubPids(hub), stop: () => hub.stop() };
    } else {
      t = await startPeer(target);
    }
    try {
      const rss = () => t.pids().reduce((s, p) => s + rssKiB(p), 0);
      const before = rss();
      let after = 0;
      const r = await load('idle', ['--port', t.port, ...t.args, '--viewers', VIEWERS, '--procs', procsFor(VIEWERS)],
        async () => { after = rss(); });
      console.log(`memory target=${target} viewers=${VIEWERS} rss_before=${before}KiB rss_connected=${after}KiB ` +
        `per_viewer=${((after - before) / VIEWERS).toFixed(2)}KiB closed=${r.closed}`);
    } finally {
      await t.stop();
    }
  }
} finally {
  await redis.stop();
}
