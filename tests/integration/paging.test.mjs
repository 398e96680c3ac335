// Bounded welcomes and pages (docs/PROTOCOL.md): a viewer that asks for a
// partial welcome gets at most ~64 KiB whatever the room's size (the
// question on air, its own questions, the top ones and the newest), and
// the page command brings the rest from the hub's copy, in either order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll } from '../lib/harness.mjs';

let redis, hub, room, mod;
const N = 400;
const long = (i) => `Вопрос номер ${i} о том, когда в нашем микрорайоне наконец починят дороги, ` +
  'проведут освещение, отремонтируют детскую площадку и уберут мусор, ведь жители ждут уже очень давно ' +
  'и писали во все инстанции, но ответа так и не получили, а зима уже на пороге. '.repeat(2);

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, { args: ['--ask-rate', '100000', '--ask-rate-ip', '1000000'] });
  room = await createRoom(hub, { id: 'paged', moderation: true });
  mod = await Client.connect(hub, { room: 'paged', role: 'moderator', client: newClientId(), key: room.moderator_key });
  const askers = await Promise.all(Array.from({ length: 8 }, () => Client.connect(hub, viewerHello('paged'))));
  for (let i = 0; i < N; i += 8) {
    const acks = await Promise.all(askers.map((a, k) => a.cmd({ type: 'ask', text: long(i + k) })));
    await Promise.all(acks.map((a) => mod.cmd({ type: 'moderate', id: a.id, action: 'approve' })));
  }
  askers.forEach((a) => a.close());
});

after(async () => {
  mod?.close();
  await stopAll(hub, redis);
});

test('a partial welcome stays under 64 KiB and says what it holds; pages bring the rest, in rank order', async () => {
  const v = await Client.connect(hub, { ...viewerHello('paged'), partial: true });
  const w = v.welcome;
  assert.ok(v.welcomeBytes < 64 * 1024, `welcome of ${v.welcomeBytes} bytes`);
  assert.equal(w.partial.total, N);
  assert.ok(w.questions.length > 0 && w.questions.length < N);
  assert.ok(w.partial.top > 0 && w.partial.new > 0);
  // The whole room, page by page from where the welcome's top run ends.
  const seen = new Map(w.questions.map((q) => [q.id, q]));
  let offset = w.partial.top;
  while (offset < N) {
    const a = await v.cmd({ type: 'page', sort: 'top', offset, limit: 150 });
    assert.equal(a.type, 'ack');
    assert.equal(a.total, N);
    assert.ok(a.questions.length > 0 && a.questions.length <= 150);
    for (const q of a.questions) seen.set(q.id, q);
    offset += a.questions.length;
  }
  assert.equal(seen.size, N);
  // Pages are in rank order (score, then lower id), newest pages by creation.
  const top = await v.cmd({ type: 'page', sort: 'top', offset: 0, limit: 200 });
  for (let i = 1; i < top.questions.length; i++) {
    const [a, b] = [top.questions[i - 1], top.questions[i]];
    assert.ok(a.score > b.score || (a.score === b.score && a.id < b.id));
  }
  const nw = await v.cmd({ type: 'page', sort: 'new', offset: 0, limit: 5 });
  assert.deepEqual(nw.questions.map((q) => q.id), [...seen.keys()].sort((a, b) => b - a).slice(0, 5));
  // Moderator fields never reach a viewer's page.
  assert.equal(top.questions.some((q) => 'author' in q || 'variants' in q), false);
  v.close();
});

test("a partial welcome holds the question on air and the viewer's own, pending ones included", async () => {
  const id = newClientId();
  const asker = await Client.connect(hub, { ...viewerHello('paged', id), partial: true });
  const mine = await asker.cmd({ type: 'ask', text: 'Мой собственный вопрос, он ещё на модерации: когда построят мост?' });
  const low = (await mod.cmd({ type: 'page', sort: 'top', offset: N - 1, limit: 1 })).questions[0];
  assert.equal((await mod.cmd({ type: 'moderate', id: low.id, action: 'feature' })).type, 'ack');
  const again = await Client.connect(hub, { ...viewerHello('paged', id), partial: true });
  const ids = again.welcome.questions.map((q) => q.id);
  assert.ok(ids.includes(mine.id), 'its own pending question');
  assert.ok(again.welcome.questions.find((q) => q.id === mine.id).mine);
  assert.ok(ids.includes(low.id), 'the question on air, though it ranks last');
  asker.close();
  again.close();
  await mod.cmd({ type: 'moderate', id: low.id, action: 'unfeature' });
});

test('page: bad arguments are refused, and pages are rate limited per connection', async () => {
  const v = await Client.connect(hub, { ...viewerHello('paged'), partial: true });
  assert.equal((await v.cmd({ type: 'page', sort: 'best' })).code, 'bad_request');
  assert.equal((await v.cmd({ type: 'page', limit: 201 })).code, 'bad_request');
  assert.equal((await v.cmd({ type: 'page', offset: -1 })).code, 'bad_request');
  const past = await v.cmd({ type: 'page', offset: 100000 });
  assert.equal(past.questions.length, 0);
  const burst = await Promise.all(Array.from({ length: 30 }, () => v.cmd({ type: 'page', limit: 1 })));
  assert.ok(burst.some((a) => a.code === 'rate_limited'), 'no page was refused in a burst of 30');
  v.close();
  // A client that does not ask for a partial welcome gets the whole room, as qa.v1 says.
  const full = await Client.connect(hub, viewerHello('paged'));
  assert.equal(full.welcome.questions.length, N);
  assert.equal(full.welcome.partial, undefined);
  full.close();
});
