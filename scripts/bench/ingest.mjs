// Benchmark 2, ingest: askers at full speed into a room that already holds
// 20,000 questions, half of what they ask rewordings of their own previous
// question (so a duplicate), near-duplicate detection on, Redis on
// appendfsync always. Reports acknowledged asks a second and ack latency,
// for one hub process, and the CPU the hub and Redis spent per ask: first
// at a fixed rate (ack latency at that load), then as fast as acks come
// (throughput; latency there is queueing: asks in flight / rate).
//   QUESTIONS=20000 ASKERS=64 WINDOW=4 RATES=200,0 DURATION=10 PAST=0
// With BASE_BIN (another build of the hub), both builds run each load on
// the same room in the order this, base, base, this: the room and Redis'
// log grow as a run goes on, which alone made whichever build ran second
// look slower, so each build's figure is the mean of an early and a late
// turn (both printed).
import { Redis, startHub, benchRoom, load, cpuMeter, settleAof, hubCounters, pastMemory } from './lib.mjs';

const QUESTIONS = Number(process.env.QUESTIONS || 20000);
const ASKERS = Number(process.env.ASKERS || 64);
const WINDOW = Number(process.env.WINDOW || 4);
const DURATION = Number(process.env.DURATION || 10);
const RATES = (process.env.RATES || '200,0').split(',').map(Number);
// PAST=S: first S seconds of asks into an earlier broadcast, all approved:
// the deployment's memory, which every new question asks (past_find.lua).
const PAST = Number(process.env.PAST || 0);

// The hub's ask counters: retries, look-ups in its copy, waits for a close
// ask in flight, asks stored without a last look, duplicates merged.
const askCounters = (hub) => hubCounters(hub, {
  retries: 'surak_ask_retries_total', local: 'surak_ask_lookups_local_total', waits: 'surak_ask_waits_total',
  unchecked: 'surak_ask_unchecked_total', merged: 'surak_questions_merged_total',
});

const redis = await Redis.start();
const self = ['surak', undefined], base = ['surak-base', process.env.BASE_BIN];
const order = process.env.BASE_BIN ? [self, base, base, self] : [self];
let hub = await startHub(redis, 1);
let running = self;
try {
  const t0 = Date.now();
  const room = await benchRoom(hub, 'ingest', QUESTIONS, 0);
  console.log(`# ingest: room filled with ${QUESTIONS} questions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (PAST) {
    const t1 = Date.now();
    const held = await pastMemory(hub, redis, PAST);
    console.log(`# ingest: the deployment's memory holds ${held} questions of an earlier broadcast (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
  }
  for (const rate of RATES) {
    const sums = new Map();
    for (const build of order) {
      const [target, bin] = build;
      if (build !== running) {
        await hub.stop();
        hub = await startHub(redis, 1, bin);
        running = build;
        // A few asks first: a hub builds its copy of the room's index at the room's first ask.
        await load('ingest', ['--port', hub.port, '--room', room.id, '--askers', 4, '--window', 1,
          '--rate', 50, '--duration', 2, '--drain', 10]);
      }
      await settleAof(redis);
      const before = await askCounters(hub);
      const hubCpu = cpuMeter([hub.proc.pid]), redisCpu = cpuMeter([redis.proc.pid]);
      const r = await load('ingest', ['--port', hub.port, '--room', room.id, '--askers', ASKERS, '--window', WINDOW,
        '--rate', rate, '--duration', DURATION, '--drain', 10]);
      const hubUs = hubCpu() * 1e6 / r.acks, redisUs = redisCpu() * 1e6 / r.acks;
      const after = await askCounters(hub);
      const per = (k) => ((after[k] - before[k]) / r.acks).toFixed(2);
      console.log(`${r.line.replace('target=surak', `target=${target}`)} room_questions=${QUESTIONS} ` +
        `hub_cpu=${hubUs.toFixed(0)}us/ask redis_cpu=${redisUs.toFixed(0)}us/ask ` +
        `retries=${per('retries')}/ask local=${per('local')}/ask waits=${per('waits')}/ask unchecked=${per('unchecked')}/ask merged=${per('merged')}/ask`);
      const acc = sums.get(target) || { n: 0, acks: 0, hub: 0, redis: 0 };
      acc.n++;
      acc.acks += Number(/acks_per_s=([\d.]+)/.exec(r.line)[1]);
      acc.hub += hubUs;
      acc.redis += redisUs;
      sums.set(target, acc);
    }
    if (order.length > 1) {
      const m = (t, k) => sums.get(t)[k] / sums.get(t).n;
      console.log(`# rate=${rate || 'max'} mean of two turns: ` + [...sums.keys()].map((t) =>
        `${t} acks_per_s=${m(t, 'acks').toFixed(0)} hub_cpu=${m(t, 'hub').toFixed(0)}us/ask redis_cpu=${m(t, 'redis').toFixed(0)}us/ask`).join(', ') +
        `; ratio surak/surak-base: acks ${(m('surak', 'acks') / m('surak-base', 'acks')).toFixed(2)}, ` +
        `hub ${(m('surak', 'hub') / m('surak-base', 'hub')).toFixed(2)}, redis ${(m('surak', 'redis') / m('surak-base', 'redis')).toFixed(2)}`);
    }
  }
} finally {
  await hub.stop();
  await redis.stop();
}
