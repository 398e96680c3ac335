// A crowd arriving at once must not look like a Redis failure. Against the
// sanitizer build: 3,000 new viewers open their WebSockets within about two
// seconds (each trying again on any drop), then the hub is killed and the
// same crowd reconnects into the restarted hub; with --redis-inflight 4 so
// that admission is exercised. /metrics proves what happened: no Redis
// reconnect, no command timed out, nobody refused, every hello waited its
// turn in the hub rather than at Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, Client, createRoom, viewerHello, newClientId, stopAll } from '../lib/harness.mjs';
import { load } from '../../scripts/bench/lib.mjs';

const VIEWERS = 3000;
const ARGS = ['--redis-inflight', '4', '--conns-per-ip', '20000', '--ask-rate', '100000',
  '--ask-rate-ip', '1000000'];

async function metrics(hub, ...names) {
  const out = {};
  for (const n of names) out[n] = await hub.metric(n);
  return out;
}

test('a crowd joining and reconnecting at once: every viewer welcomed, no Redis reconnect, no timeout', async () => {
  const redis = await Redis.start();
  let hub = await Hub.start(redis, { args: ARGS });
  try {
    const room = await createRoom(hub, { id: 'crowd', title: 'Crowd', moderation: true });
    const asker = await Client.connect(hub, viewerHello('crowd'));
    const mod = await Client.connect(hub, { type: 'hello', room: 'crowd', role: 'moderator', key: room.moderator_key, client: newClientId() });
    for (let i = 0; i < 60; i++) {
      const a = await asker.cmd({ type: 'ask', text: `Вопрос толпы номер ${i}: когда откроют школу ${i}?` });
      assert.equal(a.type, 'ack');
      if (i % 2 === 0) assert.equal((await mod.cmd({ type: 'moderate', id: a.id, action: 'approve' })).type, 'ack');
    }
    asker.close();
    mod.close();

    // A fresh hub, then the crowd.
    await hub.restart();
    const joined = await load('join', ['--port', hub.port, '--room', 'crowd', '--viewers', VIEWERS,
      '--rate', VIEWERS / 2, '--procs', 2, '--duration', 60]);
    assert.equal(joined.welcomed, VIEWERS, joined.line);
    const afterJoin = await metrics(hub, 'surak_redis_reconnects_total',
      'surak_redis_timeouts_total{cause="reply"}', 'surak_redis_timeouts_total{cause="admission"}',
      'surak_redis_timeouts_total{cause="heartbeat"}', 'surak_refused_files_total{at="upgrade"}',
      'surak_redis_admission_waits_total', 'surak_loop_lag_seconds_count');
    assert.equal(afterJoin.surak_redis_reconnects_total, 0);
    assert.equal(afterJoin['surak_redis_timeouts_total{cause="reply"}'], 0);
    assert.equal(afterJoin['surak_redis_timeouts_total{cause="admission"}'], 0);
    assert.equal(afterJoin['surak_redis_timeouts_total{cause="heartbeat"}'], 0);
    assert.equal(afterJoin['surak_refused_files_total{at="upgrade"}'], 0);
    assert.ok(afterJoin.surak_redis_admission_waits_total > 0, 'admission was never exercised');
    assert.ok(afterJoin.surak_loop_lag_seconds_count > 0);
    assert.equal(joined.connections, VIEWERS, `${joined.connections} connections for ${VIEWERS} viewers: some were dropped`);

    // The same crowd, connected, then the hub killed and started again.
    let restarted = 0;
    const back = await load('reconnect', ['--port', hub.port, '--room', 'crowd', '--viewers', VIEWERS,
      '--procs', 2, '--duration', 60], async () => {
      await hub.kill('SIGKILL');
      restarted = Date.now();
      await hub.launch();
    });
    assert.equal(back.resynced, VIEWERS, back.line);
    const afterStorm = await metrics(hub, 'surak_redis_reconnects_total',
      'surak_redis_timeouts_total{cause="reply"}', 'surak_redis_timeouts_total{cause="heartbeat"}',
      'surak_refused_files_total{at="upgrade"}');
    assert.equal(afterStorm.surak_redis_reconnects_total, 0);
    assert.equal(afterStorm['surak_redis_timeouts_total{cause="reply"}'], 0);
    assert.equal(afterStorm['surak_redis_timeouts_total{cause="heartbeat"}'], 0);
    assert.equal(afterStorm['surak_refused_files_total{at="upgrade"}'], 0);
    console.log(`crowd: ${VIEWERS} new viewers welcomed ` +
      `${((joined.last_rt_us - joined.start_rt_us) / 1e6).toFixed(2)} s after the first arrived ` +
      `(${afterJoin.surak_redis_admission_waits_total} commands waited for admission, 0 Redis reconnects, ` +
      `0 timeouts); all back ${((back.last_rt_us / 1000 - restarted) / 1000).toFixed(2)} s after a SIGKILL ` +
      `and restart (sanitizer build)`);
  } finally {
    await stopAll(hub, redis);
  }
});
