// Benchmark: outgrowing one Redis (issue 12). In one run, the same loads
// against one Redis and against a Redis Cluster of three masters, with
// three hub processes either way, and the ratio cluster / one Redis:
//   fanout   three rooms (one per master in the cluster), each on its own
//            hub, VIEWERS viewers each, a moderator making RATE changes a
//            second: delivery latency, CPU of the hubs and of Redis
//   ingest   three rooms of QUESTIONS questions, askers flat out into each
//            through its own hub: acknowledged asks a second in all, Redis
//            CPU per ask (every Redis process counted)
//   failover a cluster of three masters and three replicas, and one Redis
//            with a replica and Sentinel, --redis-replicas 1, askers at
//            ~300 (cluster) and ~120 (Sentinel) asks a second: kill -9 of
//            a master; the time until a replica is in charge and until
//            every ask is acknowledged, nothing lost (checked)
//   PARTS=fanout,ingest,failover VIEWERS=3000 RATE=50 QUESTIONS=2000 DURATION=10
// On a machine of few cores the three masters, three hubs and the load
// tool share the same cores: the cluster's figures there say what it
// costs, not what it gains (docs/OPERATIONS.md sizes a real deployment).
import assert from 'node:assert/strict';
import { Redis, startHub, benchRoom, load, procsFor, cpuMeter, hubPids } from './lib.mjs';
import { RedisCluster, Sentinel, Hub, RELEASE_BIN, createRoom } from '../../tests/lib/harness.mjs';
import { startAskers, closeAllAskers, checkAcknowledged } from '../../tests/lib/askers.mjs';
import { failoverUnderLoad } from '../../tests/lib/failover.mjs';

const PARTS = (process.env.PARTS || 'fanout,ingest,failover').split(',');
const VIEWERS = Number(process.env.VIEWERS || 3000);
const RATE = Number(process.env.RATE || 50);
const QUESTIONS = Number(process.env.QUESTIONS || 2000);
const DURATION = Number(process.env.DURATION || 10);
const HUBS = 3;

// One Redis or a cluster of three masters, three hubs on it, three rooms.
async function setup(kind, prefix) {
  const redis = kind === 'cluster' ? await RedisCluster.start({ masters: 3, replicas: 0 }) : await Redis.start();
  const hubs = [];
  for (let i = 0; i < HUBS; i++) hubs.push(await startHub(redis, 1));
  const ids = kind === 'cluster' ? redis.roomsOnMasters(prefix, 1).map((r) => r.id)
    : Array.from({ length: HUBS }, (_, i) => `${prefix}-${i}`);
  const pids = () => [...hubs.flatMap(hubPids), ...(redis.nodes ? redis.nodes.map((n) => n.proc.pid) : [redis.proc.pid])];
  const redisPids = () => (redis.nodes ? redis.nodes.map((n) => n.proc.pid) : [redis.proc.pid]);
  return {
    kind, redis, hubs, ids, pids, redisPids,
    stop: async () => {
      for (const h of hubs) await h.stop();
      await redis.stop();
    },
  };
}

async function fanout(s) {
  const rooms = await Promise.all(s.ids.map((id, i) => benchRoom(s.hubs[i], id, 200)));
  const cpu = cpuMeter(s.pids()), rcpu = cpuMeter(s.redisPids());
  const rs = await Promise.all(rooms.map((room, i) => load('fanout', ['--port', s.hubs[i].port, '--target', 'surak',
    '--room', room.id, '--key', room.key, '--questions', 200, '--viewers', VIEWERS, '--rate', RATE,
    '--duration', DURATION, '--drain', 5, '--procs', procsFor(VIEWERS)])));
  const all = cpu() / DURATION, red = rcpu() / DURATION;
  rs.forEach((r, i) => console.log(`cluster-bench fanout redis=${s.kind} room=${i + 1}/${HUBS} ${r.line}`));
  const worst = Math.max(...rs.map((r) => r.p99));
  console.log(`cluster-bench fanout redis=${s.kind} rooms=${HUBS} viewers=${HUBS * VIEWERS} rate=${RATE}/s each ` +
    `worst_p99=${worst.toFixed(1)}ms cpu=${all.toFixed(2)}cores redis_cpu=${red.toFixed(2)}cores`);
  return { p99: worst, cpu: all };
}

async function ingest(s) {
  const t0 = Date.now();
  const rooms = await Promise.all(s.ids.map((id, i) => benchRoom(s.hubs[i], `${id}-in`, QUESTIONS, 0)));
  console.log(`# cluster-bench ingest redis=${s.kind}: ${HUBS} rooms of ${QUESTIONS} questions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const rcpu = cpuMeter(s.redisPids()), hcpu = cpuMeter(s.hubs.flatMap(hubPids));
  const rs = await Promise.all(rooms.map((room, i) => load('ingest', ['--port', s.hubs[i].port, '--room', room.id,
    '--askers', 64, '--window', 4, '--rate', 0, '--duration', DURATION, '--drain', 10])));
  const acks = rs.reduce((n, r) => n + r.acks, 0);
  const redisUs = rcpu() * 1e6 / acks, hubUs = hcpu() * 1e6 / acks;
  rs.forEach((r, i) => console.log(`cluster-bench ingest redis=${s.kind} room=${i + 1}/${HUBS} ${r.line}`));
  console.log(`cluster-bench ingest redis=${s.kind} rooms=${HUBS} acks_per_s=${(acks / DURATION).toFixed(0)} ` +
    `redis_cpu=${redisUs.toFixed(0)}us/ask hub_cpu=${hubUs.toFixed(0)}us/ask`);
  return { rate: acks / DURATION, redisUs };
}

async function failover() {
  const args = ['--redis-replicas', '1', '--redis-replica-wait', '1000', '--ask-rate', '100000', '--ask-rate-ip', '1000000', '--log-level', 'warn'];
  {
    const c = await RedisCluster.start({ masters: 3, replicas: 1 });
    const hubs = [await Hub.start(c, { bin: RELEASE_BIN, args }), await Hub.start(c, { bin: RELEASE_BIN, args })];
    try {
      const ids = Array.from({ length: 12 }, (_, i) => `fo-${i}`);
      for (const id of ids) await createRoom(hubs[0], { id, moderation: false });
      const askers = ids.map((id) => [...startAskers(hubs[0], id, 1, { perSecond: 12 }), ...startAskers(hubs[1], id, 1, { perSecond: 12, first: 1 })]);
      const report = await failoverUnderLoad(askers.flat(), {
        victim: () => c.busiestMaster(),
        takenOver: (v) => c.waitTakenOver(v),
      });
      let acked = 0;
      ids.forEach((id, i) => { acked += checkAcknowledged(assert, c, id, askers[i]).acked; });
      console.log(`cluster-bench failover redis=cluster ${report.summary}; ${acked} acknowledged, 0 lost, 0 twice`);
    } finally {
      closeAllAskers();
      for (const h of hubs) await h.stop();
      await c.stop();
    }
  }
  {
    const master = await Redis.start(), replica = await Redis.start({ replicaOf: master.port });
    const sentinel = await Sentinel.start(master);
    const hub = await Hub.start(master, { bin: RELEASE_BIN, args: ['--redis-sentinel', sentinel.address, ...args] });
    try {
      await createRoom(hub, { id: 'fo-sentinel', moderation: false });
      const askers = startAskers(hub, 'fo-sentinel', 6, { perSecond: 20 });
      const report = await failoverUnderLoad(askers, {
        minAcked: 200,
        victim: () => master,
        takenOver: () => sentinel.waitPromoted(replica),
      });
      const { acked } = checkAcknowledged(assert, replica, 'fo-sentinel', askers);
      console.log(`cluster-bench failover redis=sentinel ${report.summary}; ${acked} acknowledged, 0 lost, 0 twice`);
    } finally {
      closeAllAskers();
      await hub.stop();
      await sentinel.stop();
      await replica.stop();
      await master.stop();
    }
  }
}

const results = {};
for (const part of PARTS.filter((p) => p !== 'failover')) {
  for (const kind of ['single', 'cluster']) {
    const s = await setup(kind, part);
    try {
      results[`${part}/${kind}`] = part === 'fanout' ? await fanout(s) : await ingest(s);
    } finally {
      await s.stop();
    }
  }
  const a = results[`${part}/single`], b = results[`${part}/cluster`];
  if (part === 'fanout') console.log(`cluster-bench ratio fanout cluster/single: p99=${(b.p99 / a.p99).toFixed(2)} cpu=${(b.cpu / a.cpu).toFixed(2)}`);
  else console.log(`cluster-bench ratio ingest cluster/single: acks_per_s=${(b.rate / a.rate).toFixed(2)} redis_cpu_per_ask=${(b.redisUs / a.redisUs).toFixed(2)}`);
}
if (PARTS.includes('failover')) await failover();
