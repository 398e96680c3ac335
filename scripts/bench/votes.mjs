// Benchmark 3, vote storm: voters voting and unvoting on 200 approved
// questions while viewers watch the counts change; first at fixed rates
// (ack latency at that load), then as fast as the hub acknowledges
// (throughput; latency there is queueing: votes in flight / rate).
// Reports acknowledged votes a second, ack latency, the frames the viewers
// received, hub and Redis CPU per vote, and Redis calls per vote (votes on
// one question read in one loop turn go in one call; a build without that
// reports none batched).
//   VIEWERS=5000 VOTERS=1000 WINDOW=2 RATES=1000,3000,0 DURATION=10
import { Redis, startHub, benchRoom, load, procsFor, cpuMeter, hubCounters } from './lib.mjs';

const VIEWERS = Number(process.env.VIEWERS || 5000);
const VOTERS = Number(process.env.VOTERS || 1000);
const WINDOW = Number(process.env.WINDOW || 2);
const DURATION = Number(process.env.DURATION || 10);
const RATES = (process.env.RATES || '1000,3000,0').split(',').map(Number);

const redis = await Redis.start();
const hub = await startHub(redis, 1);
try {
  const room = await benchRoom(hub, 'votes', 200);
  const counters = () => hubCounters(hub, { batches: 'surak_vote_batches_total', batched: 'surak_votes_batched_total' });
  for (const rate of RATES) {
    const before = await counters();
    const hubCpu = cpuMeter([hub.proc.pid]), redisCpu = cpuMeter([redis.proc.pid]);
    const r = await load('votes', ['--port', hub.port, '--room', room.id, '--viewers', VIEWERS, '--voters', VOTERS,
      '--window', WINDOW, '--rate', rate, '--questions', 200, '--duration', DURATION, '--drain', 10,
      '--procs', procsFor(VIEWERS + VOTERS)]);
    const hubUs = hubCpu() * 1e6 / r.acks, redisUs = redisCpu() * 1e6 / r.acks;
    const after = await counters();
    const batches = after.batches - before.batches, batched = after.batched - before.batched;
    const calls = (r.acks - batched + batches) / r.acks;
    console.log(`${r.line} viewers=${VIEWERS} hub_cpu=${hubUs.toFixed(0)}us/vote redis_cpu=${redisUs.toFixed(0)}us/vote ` +
      `redis_calls=${calls.toFixed(2)}/vote batched=${(batched / r.acks).toFixed(2)}`);
  }
} finally {
  await hub.stop();
  await redis.stop();
}
