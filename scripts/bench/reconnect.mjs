// Benchmark 4, reconnect storm: V viewers connected to a room of 1,000
// questions of which 200 are approved (QUESTIONS, APPROVED); the hub is killed (SIGKILL) and
// started again; every viewer reconnects (50-150 ms after it is dropped,
// then again on every refusal) and resumes. Reports, for each of RUNS
// runs, the time from the new hub process's start to the last viewer's
// new welcome, and what the hub's log says about Redis and accepting.
//   VIEWERS=19000 RUNS=10 QUESTIONS=1000 APPROVED=200
import { Redis, startHub, benchRoom, load, procsFor } from './lib.mjs';

const VIEWERS = Number(process.env.VIEWERS || 19000);
const RUNS = Number(process.env.RUNS || 10);
const QUESTIONS = Number(process.env.QUESTIONS || 1000);
const APPROVED = Number(process.env.APPROVED || 200);

const redis = await Redis.start();
const hub = await startHub(redis, 1);
const times = [];
try {
  const t0 = Date.now();
  const room = await benchRoom(hub, 'storm', QUESTIONS, APPROVED);
  console.log(`# reconnect: room filled with ${QUESTIONS} questions (${APPROVED} approved) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  for (let run = 1; run <= RUNS; run++) {
    let restarted = 0;
    const logAt = hub.log().length;
    const r = await load('reconnect', ['--port', hub.port, '--room', room.id, '--viewers', VIEWERS,
      '--procs', procsFor(VIEWERS), '--duration', 120], async () => {
      await hub.kill('SIGKILL');
      restarted = Date.now();
      await hub.launch();
    });
    const last = (r.last_rt_us / 1000 - restarted) / 1000;
    const log = hub.log().slice(logAt);
    const count = (re) => (log.match(re) || []).length;
    times.push(last);
    console.log(`${r.line} run=${run}/${RUNS} questions=${QUESTIONS} approved=${APPROVED} all_resynced_after=${last.toFixed(2)}s ` +
      `(from the new hub's start; ${r.resynced}/${VIEWERS} resynced) ` +
      `redis_lost=${count(/connection lost/g)} refused_logged=${count(/refusing connections/g)}`);
  }
  console.log(`reconnect summary: ${times.length} runs, ${times.filter((t) => t <= 5).length} within 5 s, ` +
    `times ${times.map((t) => t.toFixed(2)).join(' ')} s, max ${Math.max(...times).toFixed(2)} s`);
} finally {
  await hub.stop();
  await redis.stop();
}
