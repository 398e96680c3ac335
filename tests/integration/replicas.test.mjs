// --redis-replicas (issue 12, a first part): a change is acknowledged only
// once WAIT says the replicas have it. Against a real master and replica on
// loopback: every acknowledged question is already on the replica when its
// ack arrives; with the replica frozen, asks are answered `unavailable`
// (the hub stays healthy), and the same rid after it thaws is a replay:
// one question, on both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, Client, createRoom, viewerHello, stopAll } from '../lib/harness.mjs';

let master, replica, hub, room;
const clients = [];

before(async () => {
  master = await Redis.start();
  replica = await Redis.start({ replicaOf: master.port });
  hub = await Hub.start(master, { args: ['--redis-replicas', '1', '--redis-replica-wait', '300', '--ask-rate', '1000'] });
  room = await createRoom(hub, { id: 'replicated', moderation: false });
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hub, replica, master);
});

test('every acknowledged question is on the replica by the time its ack arrives', async () => {
  const v = await Client.connect(hub, viewerHello(room.id));
  clients.push(v);
  const t0 = Date.now();
  for (let i = 0; i < 40; i++) {
    const a = await v.cmd({ type: 'ask', text: `Реплицируемый вопрос номер ${i} про дом ${i}` });
    assert.equal(a.type, 'ack', JSON.stringify(a));
    assert.equal(replica.cli('HGET', `surak:{${room.id}}:q:${a.id}`, 'text'), `Реплицируемый вопрос номер ${i} про дом ${i}`);
  }
  console.log(`replicas: 40 asks one after another with --redis-replicas 1, each on the replica at its ack; ` +
    `${((Date.now() - t0) / 40).toFixed(0)} ms an ask (WAIT's time; see docs/OPERATIONS.md)`);
});

test('a frozen replica: changes answered unavailable, the hub healthy; the same rid after it thaws is a replay', async () => {
  const v = await Client.connect(hub, viewerHello(room.id));
  clients.push(v);
  await replica.kill('SIGSTOP');
  let a;
  try {
    a = await v.cmd({ type: 'ask', rid: 'frozen-1', text: 'Вопрос, пока реплика стоит' }, 10000);
    assert.equal(a.code, 'unavailable', JSON.stringify(a));
    assert.equal((await fetch(`${hub.url}/healthz`)).status, 200, 'the hub stays healthy');
    assert.ok(Number(await hub.metric('surak_redis_replica_timeouts_total')) >= 1);
  } finally {
    await replica.kill('SIGCONT');
  }
  a = await v.cmd({ type: 'ask', rid: 'frozen-1', text: 'Вопрос, пока реплика стоит' }, 10000);
  assert.equal(a.type, 'ack', JSON.stringify(a));
  // Whether the first try was stored on the master (its ack withheld) or
  // stopped before, the retry makes exactly one question.
  assert.equal(a.id, 41);
  assert.equal(master.cli('HGET', `surak:{${room.id}}:meta`, 'qid'), '41', 'one question');
  assert.equal(replica.cli('HGET', `surak:{${room.id}}:q:41`, 'text'), 'Вопрос, пока реплика стоит');
});
