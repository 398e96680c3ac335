// Access and abuse: personal data masked for the public and profanity
// flagged for moderators, key rotation closing the sessions of the old
// keys, rate limits per client IP, and bursts of votes from new clients
// held and flagged. Keys never reach Redis or the log in clear.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll,
} from '../lib/harness.mjs';

let redis, hub, hub2, room;
const clients = [];
const keysSeen = [];

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, { args: ['--ask-rate', '1000'] });
  hub2 = await Hub.start(redis, { args: ['--ask-rate', '1000'] });
  room = await createRoom(hub, { id: 'trust', moderation: true });
  keysSeen.push(room.moderator_key, room.presenter_key);
});

after(async () => {
  for (const c of clients) c.close();
  for (const h of [hub, hub2]) {
    const log = h.log();
    for (const k of keysSeen) assert.ok(!log.includes(k), 'a key was written to the log');
  }
  await stopAll(hub, hub2, redis);
});

async function connect(h, hello, opts) {
  const c = await Client.connect(h, hello, opts);
  clients.push(c);
  return c;
}
const mod = (h = hub, r = room, key = r.moderator_key) =>
  connect(h, { room: r.id, role: 'moderator', client: newClientId(), key });

test('personal data is masked for the public; moderators see it, flagged', async () => {
  const asker = await connect(hub, viewerHello('trust'));
  const other = await connect(hub, viewerHello('trust'));
  const pres = await connect(hub, { room: 'trust', role: 'presenter', client: newClientId(), key: room.presenter_key });
  const m = await mod();
  const a = await asker.cmd({ type: 'ask', text: 'Позвоните мне +7 701 234 56 78, мой ИИН 900101300123, почта aigul@mail.kz' });
  assert.equal(a.type, 'ack');
  assert.ok(!a.q.text.includes('701'), 'even the asker sees it masked');
  await m.waitState('the flagged question', (x) => x.questions.get(a.id));
  const mq = m.questions.get(a.id);
  assert.deepEqual(mq.flags, ['personal_data']);
  assert.match(mq.text, /\+7 701 234 56 78/);
  assert.equal(mq.public_text, 'Позвоните мне •••, мой ИИН •••, почта •••');
  await m.cmd({ type: 'moderate', id: a.id, action: 'approve' });
  for (const c of [other, pres]) {
    await c.waitState('approved', (x) => x.questions.get(a.id)?.status === 'approved');
    assert.equal(c.questions.get(a.id).text, 'Позвоните мне •••, мой ИИН •••, почта •••');
    assert.ok(!JSON.stringify(c.messages).includes('701 234'), 'never sent to the public');
  }
  // An edit that removes the number clears the flag.
  const e = await m.cmd({ type: 'moderate', id: a.id, action: 'edit', text: 'Как связаться с акиматом?' });
  assert.deepEqual(e.q.flags, []);
  assert.equal(e.q.public_text, undefined);
  await other.waitState('the edit', (x) => x.questions.get(a.id)?.text === 'Как связаться с акиматом?');
});

test('profanity is flagged for moderators', async () => {
  const v = await connect(hub, viewerHello('trust'));
  const m = await mod();
  const a = await v.cmd({ type: 'ask', text: 'Когда уже починят эту сраную дорогу, суки?' });
  await m.waitState('the question', (x) => x.questions.get(a.id));
  assert.deepEqual(m.questions.get(a.id).flags, ['profanity']);
  const clean = await v.cmd({ type: 'ask', text: 'Когда починят дорогу у художественной школы?' });
  await m.waitState('the clean one', (x) => x.questions.get(clean.id));
  assert.deepEqual(m.questions.get(clean.id).flags, []);
});

test('rotating keys closes the sessions of the old ones, and only shows the new once', async () => {
  const r = await createRoom(hub, { id: 'rotate', moderation: true });
  keysSeen.push(r.moderator_key, r.presenter_key);
  const rotator = await mod(hub, r);
  // The sessions of the old keys are closed on every hub process.
  const other = await mod(hub2, r, r.moderator_key);
  const pres = await connect(hub2, { room: r.id, role: 'presenter', client: newClientId(), key: r.presenter_key }, { allowClose: true });
  other.opts.allowClose = true;
  const viewer = await connect(hub, viewerHello(r.id));
  const ack = await rotator.cmd({ type: 'rotate_keys', rid: 'rot-1' });
  assert.equal(ack.type, 'ack');
  assert.equal(ack.rotated, 'both');
  assert.ok(ack.moderator_key && ack.presenter_key);
  assert.notEqual(ack.moderator_key, r.moderator_key);
  keysSeen.push(ack.moderator_key, ack.presenter_key);
  for (const c of [other, pres]) {
    const closed = await c.waitClose();
    assert.equal(closed.code, 4001);
    assert.ok(c.messages.some((m) => m.type === 'error' && m.code === 'auth_failed'));
  }
  // The rotating moderator and the viewers keep working.
  const q = await viewer.cmd({ type: 'ask', text: 'Вопрос после смены ключей' });
  assert.equal((await rotator.cmd({ type: 'moderate', id: q.id, action: 'approve' })).type, 'ack');
  // Old keys are refused, new ones admitted.
  await assert.rejects(mod(hub, r, r.moderator_key), (e) => e.reply?.code === 'auth_failed');
  await assert.rejects(connect(hub, { room: r.id, role: 'presenter', client: newClientId(), key: r.presenter_key }),
    (e) => e.reply?.code === 'auth_failed');
  assert.equal((await mod(hub, r, ack.moderator_key)).welcome.role, 'moderator');
  const p2 = await connect(hub, { room: r.id, role: 'presenter', client: newClientId(), key: ack.presenter_key });
  assert.equal(p2.welcome.role, 'presenter');
  // A repeated rid is answered as the first was, but the keys were shown once.
  const again = await rotator.cmd({ type: 'rotate_keys', rid: 'rot-1' });
  assert.equal(again.rotated, 'both');
  assert.equal(again.moderator_key, undefined);
  // Only the presenter key.
  const pOnly = await rotator.cmd({ type: 'rotate_keys', which: 'presenter' });
  assert.ok(pOnly.presenter_key && !pOnly.moderator_key);
  keysSeen.push(pOnly.presenter_key);
  await p2.waitClose();
  assert.equal((await mod(hub, r, ack.moderator_key)).welcome.role, 'moderator');
  assert.equal((await viewer.cmd({ type: 'rotate_keys' })).code, 'not_allowed');
  // Nothing in Redis holds a key in clear.
  const dump = redis.cli('--no-raw', 'EVAL', `local out = {}
    for _, k in ipairs(redis.call('KEYS', '*')) do
      local t = redis.call('TYPE', k).ok
      if t == 'hash' then for _, v in ipairs(redis.call('HGETALL', k)) do out[#out + 1] = v end
      elseif t == 'string' then out[#out + 1] = redis.call('GET', k)
      elseif t == 'list' then for _, v in ipairs(redis.call('LRANGE', k, 0, -1)) do out[#out + 1] = v end end
    end
    return table.concat(out, ' ')`, '0');
  for (const k of keysSeen) assert.ok(!dump.includes(k), 'a key is stored in clear');
});

test('rate limits per client IP: one address is capped, another is not', async () => {
  const h = await Hub.start(redis, { args: ['--ask-rate', '1000', '--ask-rate-ip', '3'] });
  try {
    const r = await createRoom(h, { id: 'ip-limits', moderation: true });
    keysSeen.push(r.moderator_key, r.presenter_key);
    for (let i = 0; i < 3; i++) {
      const c = await connect(h, viewerHello(r.id));
      assert.equal((await c.cmd({ type: 'ask', text: `вопрос ${i}` })).type, 'ack');
    }
    const fourth = await connect(h, viewerHello(r.id));
    const e = await fourth.cmd({ type: 'ask', text: 'четвёртый вопрос' });
    assert.equal(e.code, 'rate_limited');
    assert.ok(e.retry_after_ms > 0);
    const elsewhere = await connect(h.wsUrl, viewerHello(r.id), { localAddress: '127.0.0.3' });
    assert.equal((await elsewhere.cmd({ type: 'ask', text: 'с другого адреса' })).type, 'ack');
    // Every rate-limit key expires by itself.
    const ttls = redis.cli('EVAL', `local out = {}
      for _, k in ipairs(redis.call('KEYS', 'surak:{ip-limits}:rl:*')) do out[#out + 1] = redis.call('PTTL', k) end
      return out`, '0').split('\n').map(Number);
    assert.ok(ttls.length >= 2 && ttls.every((t) => t > 0), `TTLs ${ttls}`);
  } finally {
    await h.stop();
  }
});

test('a burst of votes from new clients is held and flagged, not counted', async () => {
  const h = await Hub.start(redis, { args: ['--vote-burst', '3', '--fresh-client', '600'] });
  try {
    const r = await createRoom(h, { id: 'burst', moderation: false });
    keysSeen.push(r.moderator_key, r.presenter_key);
    const asker = await connect(h, viewerHello(r.id));
    const a = await asker.cmd({ type: 'ask', text: 'Голосуйте за этот вопрос' });
    const m = await mod(h, r);
    const acks = [];
    for (let i = 0; i < 6; i++) {
      const v = await connect(h, viewerHello(r.id));
      acks.push(await v.cmd({ type: 'vote', id: a.id }));
    }
    assert.ok(acks.every((x) => x.type === 'ack' && x.voted === true), 'each voter sees its vote taken');
    await m.waitState('the burst flagged', (x) => x.questions.get(a.id)?.flags?.includes('vote_burst'));
    const q = m.questions.get(a.id);
    assert.equal(q.votes, 1 + 3, 'the asker and the first three new clients count');
    assert.equal(q.held_votes, 3);
    assert.equal(asker.questions.get(a.id)?.votes ?? 4, 4);
  } finally {
    await h.stop();
  }
});
