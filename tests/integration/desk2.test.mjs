// The desk, part 2 (../shared/DESK.md "Follow-up and written answers",
// "Receipts", "Public answers", "Reports"): every action and endpoint with
// its roles. Tags on arrival and by hand, assignment over the WebSocket and
// over HTTP, written answers by a responder of the right department only,
// receipts that show nothing of another resident, the public record, the
// follow-up list, the reports against the room itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, addStaff, signIn, stopAll, waitUntil, ADMIN_TOKEN,
} from '../lib/harness.mjs';

let redis, hub, hub2, room, mod, viewer, admin, roadsCookie, waterCookie, modCookie;
const clients = [];

const post = (h, path, body, headers = {}) => fetch(h.url + path, {
  method: 'POST', headers: { 'Content-Type': 'application/json', Origin: h.url, ...headers }, body: JSON.stringify(body),
});
const get = (h, path, headers = {}) => fetch(h.url + path, { headers });
const json = async (p) => { const r = await p; return { status: r.status, body: await r.json() }; };
const today = () => new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 10);
const day = (d) => new Date(Date.now() + d * 86400000).toISOString().slice(0, 10);

async function connect(hello) {
  const c = await Client.connect(hub, hello);
  clients.push(c);
  return c;
}

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, { args: ['--ask-rate', '1000', '--ask-rate-ip', '100000'] });
  hub2 = await Hub.start(redis);
  addStaff(redis, { login: 'admin', name: 'Админ', roles: ['admin'], password: 'admin password 1' });
  addStaff(redis, { login: 'mod', name: 'Модератор', roles: ['moderator'], password: 'moderator pw 1' });
  addStaff(redis, { login: 'roads', name: 'Дороги', roles: ['responder'], departments: ['roads'], password: 'responder pw 1' });
  addStaff(redis, { login: 'water', name: 'Вода', roles: ['responder'], departments: ['water'], password: 'responder pw 2' });
  admin = await signIn(hub, 'admin', 'admin password 1');
  for (const [id, ru, kk, en] of [['roads', 'Управление дорог', 'Жол басқармасы', 'Roads'], ['water', 'Водоканал', 'Су арнасы', 'Water']]) {
    assert.equal((await post(hub, '/api/departments', { id, name: { ru, kk, en } }, { Cookie: admin })).status, 201);
  }
  roadsCookie = await signIn(hub, 'roads', 'responder pw 1');
  waterCookie = await signIn(hub, 'water', 'responder pw 2');
  modCookie = await signIn(hub, 'mod', 'moderator pw 1');
  room = await createRoom(hub, { id: 'desk', title: 'Аким отвечает', moderation: true });
  mod = await connect({ room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  viewer = await connect(viewerHello(room.id));
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hub, hub2, redis);
});

test('tags on arrival from Russian, Kazakh and Latin-typed Kazakh; corrected by one action; unknown ids refused', async () => {
  const a = await viewer.cmd({ type: 'ask', text: 'Когда отремонтируют дорогу на улице Абая в Жилгородке' });
  const b = await viewer.cmd({ type: 'ask', text: 'Құлсарыда ауыз су жоқ үш күн болды' });
  const c = await viewer.cmd({ type: 'ask', text: 'balabakshaga kezek qashan keledi Makhambet audanynda' });
  const q = async (id) => (await mod.waitState(`question ${id}`, (m) => m.questions.get(id))) && mod.questions.get(id);
  assert.deepEqual([(await q(a.id)).topics, (await q(a.id)).places], [['roads'], ['atyrau-city', 'zhilgorodok']]);
  assert.ok((await q(b.id)).topics.includes('water'), JSON.stringify((await q(b.id)).topics));
  assert.ok((await q(b.id)).places.includes('kulsary'), JSON.stringify((await q(b.id)).places));
  assert.ok((await q(c.id)).topics.includes('kindergartens'), JSON.stringify((await q(c.id)).topics));
  assert.ok((await q(c.id)).places.includes('makhambet-district'), JSON.stringify((await q(c.id)).places));
  for (const id of [a.id, b.id, c.id]) assert.equal((await q(id)).source, 'web');
  let r = await mod.cmd({ type: 'moderate', id: c.id, action: 'tag', topics: ['kindergartens', 'housing'], places: ['makhambet-district'] });
  assert.equal(r.type, 'ack', JSON.stringify(r));
  await mod.waitState('retagged', (m) => m.questions.get(c.id).topics.length === 2);
  r = await mod.cmd({ type: 'moderate', id: c.id, action: 'tag', topics: ['potholes'], places: [] });
  assert.equal(r.code, 'bad_request');
  r = await viewer.cmd({ type: 'moderate', id: c.id, action: 'tag', topics: ['roads'], places: [] });
  assert.equal(r.code, 'not_allowed');
  const cat = await (await get(hub, '/api/tags')).json();
  assert.equal(cat.topics.length, 15);
  assert.ok(cat.places.find((p) => p.id === 'zhilgorodok' && p.parent === 'atyrau-city'));
});

test('assign: moderators only, public questions only, known departments only; a viewer and a presenter cannot', async () => {
  const a = await viewer.cmd({ type: 'ask', text: 'Яма на дороге возле школы 12 уже год' });
  let r = await mod.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'roads', due: day(7) });
  assert.equal(r.code, 'not_allowed', 'a pending question is not assigned');
  await mod.cmd({ type: 'moderate', id: a.id, action: 'approve' });
  r = await viewer.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'roads', due: day(7) });
  assert.equal(r.code, 'not_allowed');
  const pres = await connect({ room: room.id, role: 'presenter', client: newClientId(), key: room.presenter_key });
  r = await pres.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'roads', due: day(7) });
  assert.equal(r.code, 'not_allowed');
  r = await mod.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'nope', due: day(7) });
  assert.equal(r.code, 'bad_request');
  r = await mod.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'roads', due: '2026-13-45' });
  assert.equal(r.code, 'bad_request');
  r = await mod.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'roads', due: day(7) });
  assert.equal(r.type, 'ack', JSON.stringify(r));
  const seen = await viewer.waitState('the viewer sees the assignment', (v) => v.questions.get(a.id)?.followup);
  assert.ok(seen);
  assert.deepEqual(viewer.questions.get(a.id).followup, { state: 'assigned', department: 'roads', due: day(7), answer: null });
  // Over HTTP as a signed-in moderator, and refused for a responder.
  const b = await viewer.cmd({ type: 'ask', text: 'Нет воды в доме 5 по улице Сатпаева' });
  await mod.cmd({ type: 'moderate', id: b.id, action: 'approve' });
  let h = await json(await post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid: 'h1', id: b.id, action: 'assign', department: 'water', due: day(-2) }, { Cookie: roadsCookie }));
  assert.equal(h.status, 403, JSON.stringify(h.body));
  h = await json(await post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid: 'h1', id: b.id, action: 'assign', department: 'water', due: day(-2) }, { Cookie: modCookie }));
  assert.equal(h.status, 200, JSON.stringify(h.body));
  assert.equal(h.body.q.followup.department, 'water');
  h = await json(await post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid: 'h2', id: b.id, action: 'approve' }));
  assert.equal(h.status, 401, 'no session, no key');
  h = await json(await post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid: 'h3', id: b.id, action: 'approve' }, { Authorization: `Bearer ${room.moderator_key}` }));
  assert.equal(h.status, 200, 'the room key acts as a moderator');
  h = await json(await post(hub2, `/api/rooms/${room.id}/moderate`, { type: 'vote', rid: 'h4', id: b.id }, { Cookie: modCookie }));
  assert.equal(h.status, 400);
});

test('reply: the responder of the assigned department only; public at once, live to the asker; every step audited', async () => {
  const asker = await connect(viewerHello(room.id));
  const a = await asker.cmd({ type: 'ask', text: 'Когда засыплют яму на Баймуханова?' });
  assert.match(a.receipt, /^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{12}$/);
  await mod.cmd({ type: 'moderate', id: a.id, action: 'approve' });
  const reply = (cookie, text, rid) => json(post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid, id: a.id, action: 'reply', text }, { Cookie: cookie }));
  let h = await reply(roadsCookie, 'Засыплем', 'r0');
  assert.equal(h.status, 403, 'not assigned yet');
  await mod.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'roads', due: day(5) });
  h = await reply(waterCookie, 'Не наш вопрос', 'r1');
  assert.equal(h.status, 403, 'a responder of another department');
  assert.equal(h.body.error, 'not_allowed');
  h = await json(post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid: 'r2', id: a.id, action: 'approve' }, { Cookie: roadsCookie }));
  assert.equal(h.status, 403, 'responders only reply');
  h = await reply(roadsCookie, '', 'r3');
  assert.equal(h.status, 400, 'an empty answer');
  h = await reply(roadsCookie, 'x'.repeat(4001), 'r4');
  assert.equal(h.status, 400, 'over 4000 characters');
  const text = 'Яму засыплют до 10 декабря; подрядчик — ТОО «Жол». '.repeat(60).slice(0, 3990).trim();
  h = await reply(roadsCookie, text, 'r5');
  assert.equal(h.status, 200, JSON.stringify(h.body));
  await asker.waitState('the answer reaches the asker live', (v) => v.questions.get(a.id)?.followup?.answer);
  const f = asker.questions.get(a.id).followup;
  assert.equal(f.state, 'answered');
  assert.equal(f.answer.text, text);
  assert.equal(f.answer.by, 'Управление дорог');
  // The receipt shows it, from any device.
  const rc = await (await get(hub, `/api/receipts/${a.receipt.toLowerCase().replace(/(....)/g, '$1-')}`)).json();
  assert.equal(rc.followup.answer.text, text);
  assert.equal(rc.room.id, room.id);
  // Audit: assign and reply with their actors.
  const audit = await (await get(hub, `/api/rooms/${room.id}/audit`, { Authorization: `Bearer ${room.moderator_key}` })).json();
  const mine = audit.entries.filter((e) => e.id === a.id).map((e) => [e.actor, e.action]);
  assert.deepEqual(mine, [['key:moderator', 'approve'], ['key:moderator', 'assign'], ['roads', 'reply']]);
  // An answered question cannot be reassigned.
  const again = await mod.cmd({ type: 'moderate', id: a.id, action: 'assign', department: 'water', due: day(5) });
  assert.equal(again.code, 'not_allowed');
});

test('receipts: the asker\'s own words only, through merges; unknown and malformed codes are 404', async () => {
  const alice = await connect(viewerHello(room.id));
  const bob = await connect(viewerHello(room.id));
  const qa = await alice.cmd({ type: 'ask', text: 'Алиса спрашивает про освещение во дворе дома 7', name: 'Алиса' });
  const qb = await bob.cmd({ type: 'ask', text: 'Боб: когда починят фонари у дома 9 на Азаттык?', name: 'Боб' });
  // Both pending; Alice's merged into Bob's.
  assert.equal((await mod.cmd({ type: 'moderate', id: qa.id, action: 'merge', into: qb.id })).type, 'ack');
  const rc = await (await get(hub, `/api/receipts/${qa.receipt}`)).json();
  assert.equal(rc.text, 'Алиса спрашивает про освещение во дворе дома 7');
  assert.equal(rc.status, 'pending');
  const raw = JSON.stringify(rc);
  for (const secret of ['Боб', 'Азаттык', 'фонари']) assert.equal(raw.includes(secret), false, `${secret} leaked`);
  assert.equal(rc.id, null, 'no id of a question the public cannot see');
  assert.equal(rc.name, undefined);
  assert.equal((await get(hub, '/api/receipts/ABCDEFGHJKMN')).status, 404);
  assert.equal((await get(hub, '/api/receipts/abc')).status, 404);
  assert.equal((await get(hub, '/api/receipts/0000OOOOIIII')).status, 404);
  const page = await get(hub, `/q/${qa.receipt}`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  assert.equal((await get(hub, '/q/nope')).status, 404);
});

test('answers: public questions only with their follow-up and the departments\' names; a closed room still takes replies', async () => {
  const pend = await viewer.cmd({ type: 'ask', text: 'Это останется на модерации: секретный вопрос про баню' });
  const rej = await viewer.cmd({ type: 'ask', text: 'Отклонённый вопрос про стадион' });
  await mod.cmd({ type: 'moderate', id: rej.id, action: 'reject' });
  const on = await viewer.cmd({ type: 'ask', text: 'Когда откроют новую поликлинику в Балыкши?' });
  await mod.cmd({ type: 'moderate', id: on.id, action: 'approve' });
  await mod.cmd({ type: 'moderate', id: on.id, action: 'answer' });
  // The room closes for asking; follow-up goes on.
  assert.equal((await mod.cmd({ type: 'room', open: false })).type, 'ack');
  const late = await viewer.cmd({ type: 'ask', text: 'Поздний вопрос' });
  assert.equal(late.code, 'room_closed');
  const zipped = await get(hub, `/api/rooms/${room.id}/answers`, { 'Accept-Encoding': 'gzip' });
  assert.equal(zipped.headers.get('content-encoding'), 'gzip', 'a JSON body of some size goes gzipped');
  const plain = await get(hub, `/api/rooms/${room.id}/answers`, { 'Accept-Encoding': 'identity' });
  assert.equal(plain.headers.get('content-encoding'), null);
  assert.deepEqual(await zipped.json(), await plain.json());
  const all = await (await get(hub, `/api/rooms/${room.id}/answers`)).json();
  const first = await (await get(hub, `/api/rooms/${room.id}/answers?top=2`)).json();
  assert.equal(first.partial, true);
  assert.equal(first.total, all.questions.length, 'the first screen says how many there are');
  assert.equal(first.questions.length, 2);
  assert.equal(first.questions[0].status, 'answered', 'answered on air first');
  assert.equal(all.room.open, false);
  const ids = all.questions.map((q) => q.id);
  assert.ok(!ids.includes(pend.id) && !ids.includes(rej.id));
  assert.ok(ids.includes(on.id), JSON.stringify({ on, ids, n: all.questions.length }));
  assert.ok(!JSON.stringify(all).includes('секретный'));
  const answeredOnAir = all.questions.find((q) => q.id === on.id);
  assert.equal(typeof answeredOnAir.answered_at, 'number');
  assert.equal(all.departments.roads.ru, 'Управление дорог');
  for (const q of all.questions) {
    assert.ok(['approved', 'answered'].includes(q.status));
    for (const f of ['flags', 'author', 'variants', 'orig', 'mine']) assert.equal(q[f], undefined, f);
  }
  const open = all.questions.find((q) => q.followup && q.followup.state === 'assigned');
  const h = await json(post(hub2, `/api/rooms/${room.id}/moderate`,
    { type: 'moderate', rid: 'late1', id: open.id, action: 'reply', text: 'Ответ после эфира' },
    { Cookie: open.followup.department === 'roads' ? roadsCookie : waterCookie }));
  assert.equal(h.status, 200, JSON.stringify(h.body));
  assert.equal((await get(hub, '/api/rooms/no-such-room/answers')).status, 404);
  assert.equal((await mod.cmd({ type: 'room', open: true })).type, 'ack');
});

test('follow-up list: a responder sees its departments only, open ones by due day first; moderators see all', async () => {
  const roads = await json(get(hub, '/api/followup', { Cookie: roadsCookie }));
  assert.equal(roads.status, 200);
  assert.ok(roads.body.questions.length > 0);
  for (const q of roads.body.questions) {
    assert.equal(q.followup.department, 'roads');
    assert.equal(q.room.id, room.id);
  }
  const water = await json(get(hub, '/api/followup', { Cookie: waterCookie }));
  for (const q of water.body.questions) assert.equal(q.followup.department, 'water');
  const all = await json(get(hub, '/api/followup', { Cookie: modCookie }));
  assert.equal(all.body.questions.length, roads.body.questions.length + water.body.questions.length);
  const open = all.body.questions.filter((q) => !q.followup.answer);
  const dues = open.map((q) => q.followup.due);
  assert.deepEqual(dues, [...dues].sort(), 'open ones by due day');
  const firstAnswered = all.body.questions.findIndex((q) => q.followup.answer);
  if (firstAnswered >= 0) assert.ok(all.body.questions.slice(firstAnswered).every((q) => q.followup.answer));
  assert.equal((await get(hub, '/api/followup')).status, 401);
  const viewerish = await json(get(hub, '/api/followup', { Authorization: `Bearer ${room.moderator_key}` }));
  assert.equal(viewerish.status, 401, 'the follow-up across rooms needs a member of staff');
});

test('reports: the room\'s counts match its export; the span report is for admins; overdue counted', async () => {
  // One more, overdue: assigned with a past due day.
  const q = await viewer.cmd({ type: 'ask', text: 'Когда уберут мусор на Авангарде 3?' });
  await mod.cmd({ type: 'moderate', id: q.id, action: 'approve' });
  await mod.cmd({ type: 'moderate', id: q.id, action: 'assign', department: 'water', due: day(-3) });
  const rep = await json(get(hub, `/api/rooms/${room.id}/report.json`, { Authorization: `Bearer ${room.moderator_key}` }));
  assert.equal(rep.status, 200, JSON.stringify(rep.body));
  const exp = await (await get(hub, `/api/rooms/${room.id}/export.json`, { Authorization: `Bearer ${room.moderator_key}` })).json();
  const live = exp.questions.filter((x) => !x.merged_into);
  const by = (s) => live.filter((x) => x.status === s).length;
  const c = rep.body.counts;
  assert.equal(c.questions, live.length);
  assert.equal(c.merged, exp.questions.length - live.length);
  assert.equal(c.approved, by('approved'));
  assert.equal(c.rejected, by('rejected'));
  assert.equal(c.pending, by('pending'));
  assert.equal(c.answered_on_air, by('answered'));
  assert.equal(c.asked, live.reduce((n, x) => n + 1 + x.dups, 0));
  assert.equal(c.answered_in_writing, live.filter((x) => x.followup?.answer).length);
  assert.equal(c.assigned, live.filter((x) => x.followup && !x.followup.answer).length);
  assert.equal(c.overdue, live.filter((x) => x.followup && !x.followup.answer && x.followup.due < today()).length);
  assert.ok(c.overdue >= 1);
  assert.equal(rep.body.per_minute.reduce((n, [, k]) => n + k, 0), exp.questions.length, 'every ask in its minute');
  assert.equal(Object.values(rep.body.sources).reduce((a, b) => a + b, 0), live.length);
  assert.ok(rep.body.topics.roads >= 2);
  assert.ok(rep.body.top.length > 0 && rep.body.top.length <= 10);
  for (const t of rep.body.top) assert.ok(['approved', 'answered'].includes(t.status));
  assert.equal((await get(hub, `/api/rooms/${room.id}/report.json`)).status, 401);
  assert.equal((await get(hub, `/api/rooms/${room.id}/report.json`, { Cookie: modCookie })).status, 200);
  assert.equal((await get(hub, `/api/rooms/${room.id}/report.json`, { Cookie: roadsCookie })).status, 403);
  // The span: every room created in it.
  const other = await createRoom(hub, { id: 'desk-other', moderation: false });
  const v2 = await connect(viewerHello(other.id));
  await v2.cmd({ type: 'ask', text: 'Вопрос во второй комнате про школу' });
  const span = await json(get(hub, `/api/report.json?from=${day(-1)}&to=${day(1)}`, { Cookie: admin }));
  assert.equal(span.status, 200, JSON.stringify(span.body));
  assert.deepEqual(span.body.rooms.map((r) => r.id).sort(), [room.id, other.id].sort());
  assert.equal(span.body.counts.questions, c.questions + 1);
  assert.equal(span.body.counts.overdue, c.overdue);
  const none = await json(get(hub, `/api/report.json?from=${day(-30)}&to=${day(-20)}`, { Authorization: `Bearer ${ADMIN_TOKEN}` }));
  assert.deepEqual([none.body.rooms, none.body.counts], [[], {}]);
  assert.equal((await get(hub, '/api/report.json?from=yesterday', { Cookie: admin })).status, 400);
  assert.equal((await get(hub, '/api/report.json', { Cookie: modCookie })).status, 403);
  for (const p of [`/report/${room.id}`, '/report', `/a/${room.id}`, '/desk', '/vendor/chart.min.js']) {
    assert.equal((await get(hub, p)).status, 200, p);
  }
});
