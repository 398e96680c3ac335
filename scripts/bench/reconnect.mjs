// Benchmark 4, reconnect storm: V viewers connected to a room of 1,000
// questions of which 200 are approved; the hub is killed (SIGKILL) and
// started again; every viewer reconnects (50-150 ms after it is dropped,
// then again on every refusal) and resumes. Reports the time from the new
// hub process's start to the last viewer's new welcome.
//   VIEWERS=19000
import { Redis, startHub, benchRoom, load, procsFor } from './lib.mjs';

const VIEWERS = Number(process.env.VIEWERS || 19000);

const redis = await Redis.start();
const hub = await startHub(redis, 1);
let restarted = 0;
try {
  const room = await benchRoom(hub, 'storm', 1000, 200);
  const r = await load('reconnect', ['--port', hub.port, '--room', room.id, '--viewers', VIEWERS,
    '--procs', procsFor(VIEWERS), '--duration', 120], async () => {
    await hub.kill('SIGKILL');
    restarted = Date.now();
    await hub.launch();
  });
  const last = (r.last_rt_us / 1000 - restarted) / 1000;
  console.log(`${r.line} questions=1000 approved=200 all_resynced_after=${last.toFixed(2)}s ` +
    `(from the new hub's start; ${r.resynced}/${VIEWERS} resynced)`);
} finally {
  await hub.stop();
  await redis.stop();
}
