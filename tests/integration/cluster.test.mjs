// Redis Cluster (issue 12): three masters and three replicas on loopback,
// two hubs with --redis-cluster and --redis-replicas 1, a dozen rooms
// spread over the shards. Each room's scripts run on the master of its
// slot and its events come by sharded Pub/Sub to viewers on either hub.
// Then hundreds of asks a second, and kill -9 of the busiest master:
// every acknowledged question is still there after its replica takes
// over, none is stored twice, and every client gets events again. (The
// dead node is restarted once its replica is in charge, and rejoins as a
// replica: until then that shard has none, and with --redis-replicas 1
// its changes are answered unavailable: docs/OPERATIONS.md.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { RedisCluster, Hub, Client, createRoom, viewerHello, stopAll, waitUntil, addStaff, signIn } from '../lib/harness.mjs';

const ROOMS = 12;
const LIMITS = ['--ask-rate', '100000', '--ask-rate-ip', '1000000'];
let cluster, hubA, hubB;
const rooms = [];	// { id, key, viewers: [onA, onB] }
const clients = [];

before(async () => {
  cluster = await RedisCluster.start({ masters: 3, replicas: 1 });
  const args = ['--redis-replicas', '1', '--redis-replica-wait', '1000', ...LIMITS];
  hubA = await Hub.start(cluster, { args });
  hubB = await Hub.start(cluster, { args });
  // Room ids chosen so that every master serves four.
  const map = cluster.slots(), per = new Map();
  for (let i = 0; rooms.length < ROOMS; i++) {
    const id = `shard-${i}`;
    const m = cluster.master(cluster.slotOf(`surak:{${id}}`), map);
    if ((per.get(m.port) || 0) >= ROOMS / 3) continue;
    per.set(m.port, (per.get(m.port) || 0) + 1);
    const r = await createRoom(rooms.length % 2 ? hubB : hubA, { id, moderation: false });
    rooms.push({ id, key: r.moderator_key, master: m, viewers: [] });
  }
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hubA, hubB, cluster);
});

async function connect(hub, room) {
  const c = await Client.connect(hub, viewerHello(room));
  clients.push(c);
  return c;
}

test('each room lives on the master of its slot; its events reach viewers on both hubs', async () => {
  for (const r of rooms) {
    r.viewers = [await connect(hubA, r.id), await connect(hubB, r.id)];
    const a = await r.viewers[0].cmd({ type: 'ask', text: `Когда в комнате ${r.id} починят крышу дома 1?` });
    assert.equal(a.type, 'ack', JSON.stringify(a));
    await r.viewers[1].waitState(`the question of ${r.id} on the other hub`, (c) => c.questions.has(a.id));
    for (const m of cluster.nodes.slice(0, 3)) {
      const here = m.cli('EXISTS', `surak:{${r.id}}:q:${a.id}`) === '1';
      assert.equal(here, m === r.master, `room ${r.id} on ${r.master.port} only, found on ${m.port}: ${here}`);
    }
  }
  const ports = new Set(rooms.map((r) => r.master.port));
  assert.equal(ports.size, 3, 'rooms on all three masters');
});

const latencies = [];

test('staff accounts on a cluster: `surak staff add --redis-cluster` follows MOVED; either hub signs them in', async () => {
  const who = addStaff(cluster, { login: 'shard-mod', name: 'Модератор кластера', roles: ['moderator'], password: 'кластер-пароль-1' });
  assert.equal(who.login, 'shard-mod');
  for (const h of [hubA, hubB]) assert.match(await signIn(h, 'shard-mod', 'кластер-пароль-1'), /^surak_sid=/);
});

// One asker: `n` asks, one at a time, `gapMs` apart; an ask answered
// unavailable (or not at all) is asked again with the same rid until acked.
async function asker(hub, room, tag, n, gapMs, deadline, acked) {
  const c = await connect(hub, room.id);
  let retries = 0;
  for (let i = 0; i < n; i++) {
    const rid = `${tag}-${i}`;
    const text = `Вопрос ${tag} номер ${i}: когда отремонтируют подъезд ${i + 1} в доме ${100 + i}?`;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${rid} not acknowledged in time` + (process.env.DEBUG ? hub.log().slice(-6000) : ""));
      let a;
      const sent = Date.now();
      try {
        a = await c.cmd({ type: 'ask', rid, text }, 5000);
        if (a.type === 'ack') latencies.push(Date.now() - sent);
      } catch (e) {
        if (c.closed) throw e;
        a = { type: 'error', code: 'no answer' };
      }
      if (a.type === 'ack') {
        acked.push({ room: room.id, rid, text, id: a.id });
        break;
      }
      assert.ok(a.code === 'unavailable' || a.code === 'no answer', `${rid}: ${JSON.stringify(a)}`);
      retries++;
      await new Promise((res) => setTimeout(res, 100));
    }
    await new Promise((res) => setTimeout(res, gapMs));
  }
  return retries;
}

test('kill -9 of the busiest master under hundreds of asks a second: no acknowledged question lost or doubled', async () => {
  const acked = [];
  const PER = 80, GAP = 30;	// 24 askers, one ask in flight each, ~14 a second each
  const deadline = Date.now() + 90000;
  const t0 = Date.now();
  const askers = rooms.flatMap((r, i) => [
    asker(hubA, r, `a${i}`, PER, GAP, deadline, acked),
    asker(hubB, r, `b${i}`, PER, GAP, deadline, acked),
  ]);
  // Once the asks flow, the master that has processed the most commands dies.
  await waitUntil('asks flowing', () => acked.length >= 300, 30000, 20);
  const masters = [...new Set(rooms.map((r) => r.master))];
  const busiest = masters
    .map((m) => ({ m, n: Number(/total_commands_processed:(\d+)/.exec(m.cli('INFO', 'stats'))[1]) }))
    .sort((x, y) => y.n - x.n)[0].m;
  const beforeKill = acked.length;
  const rate = (acked.length / ((Date.now() - t0) / 1000)).toFixed(0);
  const lat = [...latencies].sort((x, y) => x - y);
  const pct = (p) => lat[Math.min(lat.length - 1, Math.floor(lat.length * p))];
  const tKill = Date.now();
  await busiest.kill('SIGKILL');
  // Its replica takes over. With --redis-replicas 1 that shard's changes
  // wait for a replica again: the dead node restarted, as an orchestrator
  // would, rejoins as the new master's replica.
  await waitUntil('a live master for every slot', () => {
    try { return cluster.slots().every(({ node }) => node !== busiest); } catch { return false; }
  }, 30000, 100);
  await cluster.waitOk();
  const tOver = Date.now();
  await busiest.launch();
  const retries = (await Promise.all(askers)).reduce((x, y) => x + y, 0);
  const total = (Date.now() - t0) / 1000;
  await cluster.waitOk();

  // Every acknowledged ask is one question, with its text, on the room's (new) master.
  const byRoom = new Map();
  for (const a of acked) {
    if (!byRoom.has(a.room)) byRoom.set(a.room, []);
    byRoom.get(a.room).push(a);
  }
  let stored = 0;
  for (const r of rooms) {
    const res = await fetch(`${hubA.url}/api/rooms/${r.id}/export.json`, { headers: { Authorization: `Bearer ${r.key}` } });
    assert.equal(res.status, 200);
    const qs = (await res.json()).questions;
    const byId = new Map(qs.map((q) => [q.id, q]));
    const mine = byRoom.get(r.id);
    assert.equal(mine.length, 2 * PER);
    assert.equal(new Set(mine.map((a) => a.id)).size, mine.length, `${r.id}: two asks acknowledged with one id`);
    for (const a of mine) {
      assert.ok(byId.has(a.id), `${r.id}: acknowledged question ${a.id} (${a.rid}) lost`);
      assert.equal(byId.get(a.id).text, a.text, `${r.id}: question ${a.id}`);
    }
    // The first question of the first test, then exactly one per ask.
    assert.equal(qs.length, mine.length + 1, `${r.id}: ${qs.length} questions for ${mine.length} asks`);
    stored += qs.length;
  }
  console.log(`cluster: ${acked.length} asks acknowledged at ~${rate}/s before kill -9 of master ${busiest.port} ` +
    `(${beforeKill} by then, ack p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms); ${retries} retries answered unavailable or unanswered during the failover; ` +
    `replica in charge ${((tOver - tKill) / 1000).toFixed(1)} s after the kill, the dead node restarted then; ` +
    `0 acknowledged lost, 0 stored twice (${stored} questions in ${ROOMS} rooms); ` +
    `all acknowledged ${((Date.now() - tKill) / 1000).toFixed(1)} s after the kill, ${total.toFixed(1)} s in all`);

  // Every viewer, on both hubs, gets events again, from whichever master serves its room now.
  for (const r of rooms) {
    const a = await r.viewers[0].cmd({ type: 'ask', text: `После переключения: комната ${r.id}, дом 999, крыша течёт` }, 10000);
    assert.equal(a.type, 'ack', JSON.stringify(a));
    await r.viewers[1].waitState(`the new question of ${r.id} on hub B`, (c) => c.questions.has(a.id), 15000);
    await r.viewers[0].waitState(`the new question of ${r.id} on hub A`, (c) => c.questions.has(a.id), 15000);
  }
  for (const h of [hubA, hubB]) {
    await waitUntil('hub healthy again', async () => (await fetch(h.url + '/healthz')).status === 200, 15000);
  }
});
