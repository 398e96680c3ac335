// The hostile corpus (tests/data/hostile.jsonl): every case is one frame (or
// a fragmented message) sent by a real WebSocket client to the sanitizer
// build of the hub, as a viewer, a moderator, a presenter, or before hello.
// Each case names what must happen: an `error` with a given code, after
// which the same connection must still be served (a probe command gets its
// answer); a close with a given code; or an ack. After the whole corpus the
// hub still serves a new client, and it stops with no sanitizer report.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT, Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll,
} from '../lib/harness.mjs';

const ROOM = 'hostile';
const cases = readFileSync(join(ROOT, 'tests', 'data', 'hostile.jsonl'), 'utf8')
  .split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));

let redis, hub, room;

before(async () => {
  redis = await Redis.start();
  // Limits high enough that the corpus itself is never rate limited.
  hub = await Hub.start(redis, {
    args: ['--ask-rate', '10000', '--vote-rate', '10000', '--similar-rate', '10000',
      '--ask-rate-ip', '100000', '--vote-rate-ip', '100000', '--similar-rate-ip', '100000'],
  });
  room = await createRoom(hub, { id: ROOM, moderation: true });
  // Question 1, which the moderator cases refer to.
  const v = await Client.connect(hub, viewerHello(ROOM));
  const a = await v.cmd({ type: 'ask', text: 'Когда отремонтируют дорогу на улице Абая?' });
  assert.equal(a.type, 'ack');
  assert.equal(a.id, 1);
  v.close();
});

after(async () => {
  await stopAll(hub, redis);
});

const hellos = {
  viewer: () => viewerHello(ROOM),
  moderator: () => ({ room: ROOM, role: 'moderator', client: newClientId(), key: room.moderator_key }),
  presenter: () => ({ room: ROOM, role: 'presenter', client: newClientId(), key: room.presenter_key }),
};

// A command each role may send that goes all the way to Redis and back.
let probes = 0;
const probe = {
  viewer: () => ({ type: 'similar', rid: `probe${++probes}`, text: 'дорога на улице Абая' }),
  moderator: () => ({ type: 'variants', rid: `probe${++probes}`, id: 1 }),
  presenter: () => ({ type: 'moderate', rid: `probe${++probes}`, id: 999999, action: 'answer' }),
};
const probeAnswer = { viewer: 'ack', moderator: 'ack', presenter: 'error' };

function sendCase(c, ws) {
  if (c.fragments) {
    c.fragments.forEach((f, i) => ws.send(f, { fin: i === c.fragments.length - 1 }));
  } else if (c.binary) {
    ws.send(Buffer.from(c.frame, 'utf8'), { binary: true });
  } else if (c.frame_b64 !== undefined) {
    ws.send(Buffer.from(c.frame_b64, 'base64'), { binary: false });
  } else {
    ws.send(c.frame);
  }
}

async function runCase(c) {
  const [kind, code] = c.expect.split(':');
  const cl = await Client.connect(hub, c.when === 'before_hello' ? null : hellos[c.when](),
    { allowClose: kind === 'close' });
  try {
    const from = cl.messages.length;
    sendCase(c, cl.ws);
    if (kind === 'close') {
      await cl.waitClose();
      assert.equal(cl.closed.code, Number(code), `close code (${cl.closed.reason})`);
      return;
    }
    const reply = await cl.waitFor((m) => m.type === 'ack' || m.type === 'error', 5000, from);
    if (kind === 'ack') {
      assert.equal(reply.type, 'ack', JSON.stringify(reply));
    } else {
      assert.equal(reply.type, 'error', JSON.stringify(reply));
      assert.equal(reply.code, code, JSON.stringify(reply));
      assert.equal(typeof reply.message, 'string');
    }
    // The connection is still served: a probe (or, before hello, a hello)
    // gets its answer.
    assert.equal(cl.closed, null, 'the connection stayed open');
    if (c.when === 'before_hello') {
      await cl.hello(hellos.viewer());
    } else {
      const p = await cl.cmd(probe[c.when]());
      assert.equal(p.type, probeAnswer[c.when], JSON.stringify(p));
    }
  } finally {
    cl.close();
  }
}

test(`the hostile corpus: ${cases.length} cases`, async (t) => {
  assert.ok(cases.length >= 150, 'the corpus is all there');
  for (const c of cases) {
    await t.test(`${c.when}: ${c.name} → ${c.expect}`, () => runCase(c));
  }
});

test('after the corpus a new client is served and the data is intact', async () => {
  const v = await Client.connect(hub, viewerHello(ROOM));
  const m = await Client.connect(hub, hellos.moderator());
  const a = await v.cmd({ type: 'ask', text: 'Будет ли освещение во дворе дома 12?' });
  assert.equal(a.type, 'ack');
  const q1 = m.questions.get(1);
  assert.equal(q1.text, 'Когда отремонтируют дорогу на улице Абая?');
  assert.equal(q1.status, 'pending', 'no hostile frame changed question 1');
  await m.waitState('the new question', (x) => x.questions.get(a.id));
  v.close();
  m.close();
  hub.assertClean();
});
