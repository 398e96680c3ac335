// The Telegram bot (issue 13, docs/INTAKE.md) against a stand-in for the
// Bot API on loopback (tests/lib/botapi.mjs): a chat opens a room and its
// messages become questions through the same pipeline, answered with the
// receipt; what becomes of the question comes back once each; with two
// hubs one polls; a hub killed mid-poll loses and doubles nothing;
// Telegram down, or answering 429 and 5xx, then back.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Redis, Hub, Client, createRoom, newClientId, stopAll, waitUntil, ADMIN_TOKEN,
} from '../lib/harness.mjs';
import { BotApi, BOT_TOKEN } from '../lib/botapi.mjs';

let redis, bot, hub1, hub2, room, mod;
const clients = [];
const tgArgs = () => ['--telegram-token', BOT_TOKEN, '--telegram-api', bot.url, '--ask-rate', '1000'];

before(async () => {
  redis = await Redis.start();
  bot = await BotApi.start();
  hub1 = await Hub.start(redis, { args: tgArgs() });
  room = await createRoom(hub1, { id: 'tg-room', title: 'Аким в Telegram', moderation: true });
  mod = await Client.connect(hub1, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(mod);
  const r = await fetch(`${hub1.url}/api/departments`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ id: 'roads', name: { ru: 'Управление дорог', kk: 'Жол басқармасы' } }),
  });
  assert.equal(r.status, 201);
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hub1, hub2, redis);
  await bot?.stop();
});

const questionWith = (text) => [...mod.questions.values()].filter((q) => q.text === text);
const sentMatching = (chat, re) => bot.sentTo(chat).filter((t) => re.test(t));

test('a chat opens the room by its deep link; its messages become questions answered with the receipt; /anon', async () => {
  await waitUntil('the bot known', async () => (await (await fetch(`${hub1.url}/api/telegram`)).json()).bot === 'surak_test_bot', 15000, 100);
  bot.message(501, 'Когда отремонтируют дорогу в Жилгородке?');
  await waitUntil('told to open the link', () => sentMatching(501, /ссылку эфира/).length === 1, 15000, 50);
  bot.message(501, `/start ${room.id}`, { language_code: 'kk', first_name: 'Айдос' });
  await waitUntil('greeted in Kazakh', () => sentMatching(501, /Сәлеметсіз бе!.*Аким в Telegram|Сәлеметсіз бе!.*tg-room/).length === 1, 15000, 50);
  bot.message(501, 'Когда отремонтируют дорогу в Жилгородке?', { language_code: 'kk', first_name: 'Айдос' });
  await mod.waitState('the question arrives', () => questionWith('Когда отремонтируют дорогу в Жилгородке?').length === 1, 15000);
  const q = questionWith('Когда отремонтируют дорогу в Жилгородке?')[0];
  assert.equal(q.source, 'telegram');
  assert.equal(q.name, 'Айдос');
  assert.deepEqual(q.topics, ['roads']);
  await waitUntil('the receipt sent', () => sentMatching(501, /Коды: [2-9A-Z]{4}-/).length === 1, 15000, 50);
  const code = /Коды: ([2-9A-Z-]{14})/.exec(sentMatching(501, /Коды:/)[0])[1].replace(/-/g, '');
  const rc = await (await fetch(`${hub1.url}/api/receipts/${code}`)).json();
  assert.equal(rc.text, 'Когда отремонтируют дорогу в Жилгородке?');
  // /anon: the next question without the name.
  bot.message(502, `/start ${room.id}`, { first_name: 'Ерлан' });
  bot.message(502, '/anon', { first_name: 'Ерлан' });
  bot.message(502, 'Почему в Нурсае нет горячей воды?', { first_name: 'Ерлан' });
  await mod.waitState('the anonymous question', () => questionWith('Почему в Нурсае нет горячей воды?').length === 1, 15000);
  assert.equal(questionWith('Почему в Нурсае нет горячей воды?')[0].name, null);
  assert.equal(sentMatching(502, /имя не будет показано/).length, 1);
});

test('what becomes of the question reaches the chat once each: approved, on air, answered, answered in writing', async () => {
  const q = questionWith('Когда отремонтируют дорогу в Жилгородке?')[0];
  await mod.cmd({ type: 'moderate', id: q.id, action: 'approve' });
  await waitUntil('approved told', () => sentMatching(501, /мақұлданды/).length === 1, 15000, 50);
  await mod.cmd({ type: 'moderate', id: q.id, action: 'feature' });
  await waitUntil('on air told', () => sentMatching(501, /қазір эфирде/).length === 1, 15000, 50);
  await mod.cmd({ type: 'moderate', id: q.id, action: 'answer' });
  await waitUntil('answered told', () => sentMatching(501, /эфирде жауап берілді/).length === 1, 15000, 50);
  // Reopened (answered → approved), then assigned and answered in writing; "approved" is not told twice.
  await mod.cmd({ type: 'moderate', id: q.id, action: 'reopen' });
  const assigned = await mod.cmd({ type: 'moderate', id: q.id, action: 'assign', department: 'roads', due: '2030-01-01' });
  assert.equal(assigned.type, 'ack', JSON.stringify(assigned));
  const reply = await mod.cmd({ type: 'moderate', id: q.id, action: 'reply', text: 'Дорогу отремонтируют в мае.' });
  assert.equal(reply.type, 'ack', JSON.stringify(reply));
  await waitUntil('the written answer told', () => sentMatching(501, /жазбаша жауап[\s\S]*Дорогу отремонтируют в мае/).length === 1, 15000, 50);
  await mod.cmd({ type: 'moderate', id: q.id, action: 'approve' });
  // Everything queued has been sent; nothing was told twice.
  await waitUntil('outbox drained', () => redis.cli('LLEN', `surak:{${room.id}}:tgout`) === '0' &&
    redis.cli('HLEN', `surak:{${room.id}}:tgfly`) === '0', 15000, 50);
  for (const re of [/мақұлданды/, /қазір эфирде/, /эфирде жауап берілді/, /жазбаша жауап/]) {
    assert.equal(sentMatching(501, re).length, 1, String(re));
  }
});

test('with two hubs one polls; the one holding the lease killed mid-poll: every message a question, once', async () => {
  hub2 = await Hub.start(redis, { args: tgArgs() });
  const before = bot.polls.length;
  const texts = Array.from({ length: 12 }, (_, i) => `Вопрос номер ${i + 1} из Telegram про улицу ${i + 1}`);
  for (const [i, t] of texts.slice(0, 6).entries()) {
    bot.message(600 + i, `/start ${room.id}`);
    bot.message(600 + i, t);
  }
  await mod.waitState('the first six', () => texts.slice(0, 6).every((t) => questionWith(t).length === 1), 20000);
  // The six may all come by a long poll asked before `before`: wait for the next one.
  await waitUntil('a poll since the second hub started', () => bot.polls.length > before, 20000, 20);
  const agents = new Set(bot.polls.slice(before).map((p) => p.agent));
  assert.equal(agents.size, 1, `one poller: ${[...agents]}`);
  assert.equal(bot.conflicts, 0);
  // The poller is the hub that took the lease first (its log says so); it is
  // killed the moment it has been handed the next batch.
  const target = hub2.log().includes('this hub polls the bot now') ? hub2 : hub1;
  const killed = new Promise((resolve) => bot.served.push(() => resolve()));
  for (const [i, t] of texts.slice(6).entries()) {
    bot.message(700 + i, `/start ${room.id}`);
    bot.message(700 + i, t);
  }
  await killed;
  await target.kill('SIGKILL');
  const survivor = target === hub1 ? hub2 : hub1;
  const m2 = await Client.connect(survivor, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(m2);
  await m2.waitState('every message a question after the takeover',
    (m) => texts.every((t) => [...m.questions.values()].filter((q) => q.text === t).length === 1), 30000);
  for (const t of texts) {
    const qs = [...m2.questions.values()].filter((q) => q.text === t);
    assert.equal(qs.length, 1, t);
    assert.equal(qs[0].dups, 0, `${t} stored once`);
  }
  console.log(`telegram: the polling hub SIGKILLed holding a batch of ${texts.length - 6} messages; ` +
    `the other took the lease and every message became one question (${bot.conflicts} conflicts)`);
  await target.restart();
});

test('Telegram down, then 429 and 5xx: the hub waits and backs off, and questions flow again when it is back', async () => {
  const m = await Client.connect(hub2, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(m);
  bot.goDown();
  bot.message(800, `/start ${room.id}`);
  bot.message(800, 'Вопрос, отправленный пока Telegram лежал');
  const pollsDown = bot.polls.length;
  const cut = bot.refused;
  await waitUntil('the hub met a dead Telegram twice', () => bot.refused >= cut + 2, 30000, 50);
  bot.down = false;
  bot.failures.push({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } });
  bot.failures.push({ status: 502, body: { ok: false, error_code: 502, description: 'Bad Gateway' } });
  await m.waitState('the question after the outage', (x) => [...x.questions.values()].some((q) => q.text === 'Вопрос, отправленный пока Telegram лежал'), 60000);
  assert.ok(bot.polls.length > pollsDown, 'polled again');
  assert.equal(bot.failures.length, 0, 'both failures were met');
});
