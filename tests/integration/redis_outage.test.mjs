// Redis going away under a running hub: killed (and restarted from its
// append-only file) and frozen (SIGSTOP). While it is gone every command
// gets `unavailable` at once and /healthz says 503; when it is back the hub
// recovers by itself, and live sessions receive events again.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, waitUntil, stopAll,
} from '../lib/harness.mjs';

let redis, hub, room;
const clients = [];

async function connect(hello) {
  const c = await Client.connect(hub, hello);
  clients.push(c);
  return c;
}

const health = async () => (await fetch(hub.url + '/healthz')).status;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, { args: ['--redis-timeout-ms', '800', '--ask-rate', '1000'] });
  room = await createRoom(hub, { id: 'outage', moderation: true });
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hub, redis);
});

async function checkRecovered(viewer, mod, label) {
  await waitUntil('/healthz 200 again', async () => (await health()) === 200, 10000, 50);
  const a = await viewer.cmd({ type: 'ask', text: `after ${label}` });
  assert.equal(a.type, 'ack', JSON.stringify(a));
  // Fan-out works again on the sessions that stayed connected.
  await mod.waitState('the moderator to see the new question',
    (m) => m.questions.get(a.id)?.status === 'pending', 10000);
  const q = await mod.cmd({ type: 'moderate', id: a.id, action: 'approve' });
  assert.equal(q.type, 'ack');
  await viewer.waitState('the viewer to see it approved',
    (v) => v.questions.get(a.id)?.status === 'approved', 10000);
  return a;
}

test('redis killed: unavailable at once, 503, nothing acknowledged is lost, recovery', async () => {
  const viewer = await connect(viewerHello('outage'));
  const mod = await connect({ room: 'outage', role: 'moderator', client: newClientId(), key: room.moderator_key });
  const kept = await viewer.cmd({ type: 'ask', text: 'stored before the crash' });
  assert.equal(kept.type, 'ack');

  await redis.kill('SIGKILL');
  await waitUntil('/healthz 503', async () => (await health()) === 503, 5000, 20);
  for (let i = 0; i < 5; i++) {
    const e = await viewer.cmd({ type: 'ask', text: `while down ${i}` }, 3000);
    assert.equal(e.type, 'error');
    assert.equal(e.code, 'unavailable');
  }
  const v = await mod.cmd({ type: 'moderate', id: kept.id, action: 'approve' }, 3000);
  assert.equal(v.code, 'unavailable');
  assert.equal(viewer.closed, null, 'sessions stay open while Redis is away');

  await redis.restart();
  await checkRecovered(viewer, mod, 'restart');
  // The question acknowledged before the crash survived (appendfsync always).
  const fresh = await Client.connect(hub, { room: 'outage', role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(fresh);
  assert.ok(fresh.welcome.questions.some((q) => q.id === kept.id && q.text === 'stored before the crash'));
  assert.equal(fresh.welcome.questions.filter((q) => q.text.startsWith('while down')).length, 0);
});

test('redis frozen: commands get unavailable within the deadline, then recovery', async () => {
  const viewer = await connect(viewerHello('outage'));
  const mod = await connect({ room: 'outage', role: 'moderator', client: newClientId(), key: room.moderator_key });
  redis.proc.kill('SIGSTOP');
  try {
    const e = await viewer.cmd({ type: 'ask', text: 'into the void' }, 5000);
    assert.equal(e.code, 'unavailable');
    await waitUntil('/healthz 503', async () => (await health()) === 503, 5000, 20);
    const e2 = await viewer.cmd({ type: 'ask', text: 'still frozen' }, 5000);
    assert.equal(e2.code, 'unavailable');
  } finally {
    redis.proc.kill('SIGCONT');
  }
  await checkRecovered(viewer, mod, 'freeze');
  hub.assertClean();
});

test('scripts flushed from Redis (NOSCRIPT) are run from source and loaded again', async () => {
  const viewer = await connect(viewerHello('outage'));
  const cached = () => Number(redis.cli('INFO', 'memory').match(/number_of_cached_scripts:(\d+)/)[1]);
  redis.cli('SCRIPT', 'FLUSH');
  assert.equal(cached(), 0);
  const a = await viewer.cmd({ type: 'ask', text: 'after SCRIPT FLUSH' });
  assert.equal(a.type, 'ack', JSON.stringify(a));
  await waitUntil('the script cached again', () => cached() > 0, 5000);
  const b = await viewer.cmd({ type: 'ask', text: 'and once more' });
  assert.equal(b.type, 'ack');
});
