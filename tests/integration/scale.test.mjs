// Scaling out: hub processes hold nothing of their own, so three hubs on
// three ports of one Redis are one system, and `--workers N` runs N hub
// processes on one port under a supervisor that restarts any that dies.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, waitUntil, stopAll, childPids,
} from '../lib/harness.mjs';

let redis, hubs = [], pool, room;
const clients = [];

async function connect(hub, hello) {
  const c = await Client.connect(hub, hello);
  clients.push(c);
  return c;
}
const moderator = (hub) => connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });

const workerPids = (hub) => childPids(hub.proc.pid);
// How many times a worker of the pool has logged that it opened the port.
const listened = () => (pool.log().match(/surak worker \d+ listening/g) || []).length;

before(async () => {
  redis = await Redis.start();
  hubs = await Promise.all([1, 2, 3].map(() => Hub.start(redis)));
  pool = await Hub.start(redis, { args: ['--workers', '3'] });
  room = await createRoom(hubs[0], { id: 'scale', title: 'Scale', moderation: true });
});

after(async () => {
  clients.forEach((c) => c.close());
  await stopAll(...hubs, pool, redis);
});

test('three hubs on three ports: a viewer on the first sees what a moderator does on the third', async () => {
  assert.equal(new Set(hubs.map((h) => h.port)).size, 3);
  const watcher = await connect(hubs[0], viewerHello(room.id));
  const asker = await connect(hubs[1], viewerHello(room.id));
  const voter = await connect(hubs[1], viewerHello(room.id));
  const mod = await moderator(hubs[2]);

  const ask = await asker.cmd({ type: 'ask', text: 'Когда в Атырау починят мост через Урал?' });
  assert.equal(ask.type, 'ack', JSON.stringify(ask));
  assert.equal((await mod.cmd({ type: 'moderate', id: ask.id, action: 'approve' })).type, 'ack');
  await watcher.waitState('the approval made on the third hub', (v) => v.questions.get(ask.id)?.status === 'approved');

  assert.equal((await voter.cmd({ type: 'vote', id: ask.id })).type, 'ack');
  await watcher.waitState('the vote made on the second hub', (v) => v.questions.get(ask.id)?.votes === 2);

  assert.equal((await mod.cmd({ type: 'moderate', id: ask.id, action: 'feature' })).type, 'ack');
  await watcher.waitState('the question on air', (v) => v.questions.get(ask.id)?.featured === true);
});

test('--workers 3: viewers spread over the workers of one port all see a change', async () => {
  const pids = workerPids(pool);
  assert.equal(pids.length, 3, 'three workers under the supervisor');
  const viewers = await Promise.all(Array.from({ length: 24 }, () => connect(pool, viewerHello(room.id))));
  // Every worker's /metrics counts only its own viewers; 24 connections
  // spread by the kernel land on more than one of them (the chance that 24
  // all land on one of three is 3^-23).
  const seen = new Set();
  await waitUntil('connections on more than one worker', async () => {
    const r = await fetch(pool.url + '/metrics', { headers: { Connection: 'close' } });
    const m = (await r.text()).match(/^surak_connections\{role="viewer"\} (\d+)$/m);
    seen.add(Number(m[1]));
    return [...seen].some((n) => n > 0 && n < viewers.length);
  }, 10000);

  const asker = await connect(hubs[0], viewerHello(room.id));
  const mod = await moderator(hubs[2]);
  const ask = await asker.cmd({ type: 'ask', text: 'Когда откроют новую поликлинику в Кульсары?' });
  assert.equal((await mod.cmd({ type: 'moderate', id: ask.id, action: 'approve' })).type, 'ack');
  for (const v of viewers) {
    await v.waitState('the approval, on every worker', (x) => x.questions.get(ask.id)?.status === 'approved');
  }
});

test('--workers: a worker that dies is replaced, and joins the port only once Redis answers it', async () => {
  // A worker joins the port once Redis answers it: wait for all three.
  await waitUntil('three workers listening', () => listened() === 3, 10000);
  const [victim, ...rest] = workerPids(pool);
  // New connections to Redis are refused for a while (the open ones go
  // on): the new worker cannot reach Redis, the other two still serve.
  const admin = ['--user', 'keeper', '--pass', 'keeper', '--no-auth-warning'];
  redis.cli('ACL', 'SETUSER', 'keeper', 'on', '>keeper', '~*', '&*', '+@all');
  redis.cli(...admin, 'ACL', 'SETUSER', 'default', 'off');
  process.kill(victim, 'SIGKILL');
  // (Connections already queued on the dead worker's socket are reset by
  // the kernel as it closes; clients retry those. See docs/OPERATIONS.md.)
  await waitUntil('the killed worker gone', () => !workerPids(pool).includes(victim), 10000);

  // Viewers keep arriving while the new worker cannot reach Redis: the
  // kernel spreads them over every socket listening on the port, and the
  // new worker does not listen yet, so none is refused.
  let replaced = 0, welcomed = 0;
  const refused = [];
  const arrive = async () => {
    try {
      const v = await Client.connect(pool, viewerHello(room.id));
      welcomed += v.welcome.type === 'welcome';
      v.close();
    } catch (e) {
      refused.push(e.message);
    }
  };
  try {
    await waitUntil('a new worker in place of the killed one, for a second', async () => {
      const now = workerPids(pool);
      if (!replaced && now.length === 3 && !now.includes(victim) && rest.every((p) => now.includes(p)))
        replaced = Date.now();
      await Promise.all([arrive(), arrive(), arrive(), arrive()]);
      return replaced && Date.now() - replaced > 1000;
    }, 15000);
  } finally {
    redis.cli(...admin, 'ACL', 'SETUSER', 'default', 'on');
  }
  assert.deepEqual(refused, []);
  assert.ok(welcomed > 0);
  await waitUntil('the new worker listening', () => listened() === 4, 10000);
  await waitUntil('the port healthy', async () => (await fetch(pool.url + '/healthz')).status === 200, 10000);
});
