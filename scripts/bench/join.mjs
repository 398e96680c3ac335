// Benchmark 7, join storm: V new viewers (no resume) open their
// WebSockets within about two seconds into a room of 1,000 questions of
// which 200 are approved, on a freshly started hub; each tries again
// 50-150 ms after any drop. Reports, for each of RUNS runs (the hub
// restarted before each), when the last viewer had its first welcome,
// counted from the first connection, and the hub's Redis and accept
// counters from /metrics.
//   VIEWERS=19000 SECONDS=2 RUNS=10
import { Redis, startHub, benchRoom, load, procsFor, cpuMeter } from './lib.mjs';

const VIEWERS = Number(process.env.VIEWERS || 19000);
const SECONDS = Number(process.env.SECONDS || 2);
const RUNS = Number(process.env.RUNS || 10);

const redis = await Redis.start();
const hub = await startHub(redis, 1);
const times = [];
try {
  const room = await benchRoom(hub, 'crowd', 1000, 200);
  for (let run = 1; run <= RUNS; run++) {
    await hub.restart();
    const redisCpu = cpuMeter([redis.proc.pid]);
    const r = await load('join', ['--port', hub.port, '--room', room.id, '--viewers', VIEWERS,
      '--rate', Math.ceil(VIEWERS / SECONDS), '--procs', procsFor(VIEWERS), '--duration', 60]);
    const last = (r.last_rt_us - r.start_rt_us) / 1e6;
    const redisUs = redisCpu() * 1e6 / VIEWERS;
    const m = async (name) => hub.metric(name);
    times.push(r.welcomed === VIEWERS ? last : Infinity);
    console.log(`${r.line} run=${run}/${RUNS} all_welcomed_after=${last.toFixed(2)}s ` +
      `redis_cpu=${redisUs.toFixed(0)}us/viewer ` +
      `(${r.welcomed}/${VIEWERS}) redis_reconnects=${await m('surak_redis_reconnects_total')} ` +
      `reply_timeouts=${await m('surak_redis_timeouts_total{cause="reply"}')} ` +
      `refused_near_file_limit=${await m('surak_refused_files_total{at="upgrade"}') + await m('surak_refused_files_total{at="accept"}')} ` +
      `loop_lag_over_250ms=${(await m('surak_loop_lag_seconds_count')) - (await m('surak_loop_lag_seconds_bucket{le="0.25"}'))}`);
  }
  console.log(`join summary: ${times.length} runs, ${times.filter((t) => t <= 5).length} within 5 s, ` +
    `times ${times.map((t) => t.toFixed(2)).join(' ')} s`);
} finally {
  await hub.stop();
  await redis.stop();
}
