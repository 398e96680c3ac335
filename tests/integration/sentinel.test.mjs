// One Redis with a replica, watched by Redis Sentinel (issue 12): the hub
// is given the Sentinel (--redis-sentinel), not the master, and
// --redis-replicas 1. Under a steady load of asks the master is killed
// with SIGKILL; Sentinel promotes the replica, the hub follows it by
// itself, no acknowledged question is lost or stored twice, and viewers
// get events again from the new master.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Sentinel, Hub, Client, createRoom, viewerHello, stopAll } from '../lib/harness.mjs';
import { startAskers, closeAllAskers, checkAcknowledged } from '../lib/askers.mjs';
import { failoverUnderLoad } from '../lib/failover.mjs';

let master, replica, sentinel, hub;
const clients = [];

before(async () => {
  master = await Redis.start();
  replica = await Redis.start({ replicaOf: master.port });
  sentinel = await Sentinel.start(master);
  hub = await Hub.start(master, {
    args: ['--redis-sentinel', sentinel.address, '--redis-master', 'surak', '--redis-replicas', '1',
      '--redis-replica-wait', '1000', '--ask-rate', '100000', '--ask-rate-ip', '1000000'],
  });
  await createRoom(hub, { id: 'watched', moderation: false });
});

after(async () => {
  closeAllAskers();
  for (const c of clients) c.close();
  await stopAll(hub, sentinel, replica, master);
});

test('the master killed under load: the hub follows Sentinel to the replica; nothing acknowledged lost or doubled', async () => {
  const viewer = await Client.connect(hub, viewerHello('watched'));
  clients.push(viewer);
  const askers = startAskers(hub, 'watched', 6, { perSecond: 20 });
  const report = await failoverUnderLoad(askers, {
    minAcked: 200,
    victim: () => master,
    takenOver: () => sentinel.waitPromoted(replica),
  });
  // Whichever holds the room now: the replica, promoted.
  const { acked, stored } = checkAcknowledged(assert, replica, 'watched', askers);
  assert.equal(stored, acked);
  console.log(`sentinel: ${report.summary}; ${acked} acknowledged, 0 lost, 0 stored twice`);
  const a = await viewer.cmd({ type: 'ask', text: 'После переключения на реплику: когда починят лифт в доме 7?' }, 10000);
  assert.equal(a.type, 'ack', JSON.stringify(a));
  await viewer.waitState('the new question reaches the viewer', (c) => c.questions.has(a.id), 15000);
  assert.match(hub.log(), /Sentinel names 127\.0\.0\.1:\d+ the master/);
});
