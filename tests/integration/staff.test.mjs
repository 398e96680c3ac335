// The desk, part 1 (../shared/DESK.md "Staff and sign-in", "Audit"), every
// endpoint and rule: accounts, sign-in and its cookie, throttles, sign-out,
// cross-site refusals, roles, sessions ending live on WebSockets, the audit
// written in the same script as the change, the console's rooms API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, addStaff, signIn, stopAll, waitUntil, ADMIN_TOKEN,
} from '../lib/harness.mjs';

let redis, hub, hub2;
const clients = [];

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  hub2 = await Hub.start(redis, { args: ['--ask-rate', '1000', '--ask-rate-ip', '100000'] });
  addStaff(redis, { login: 'admin', name: 'Админ', roles: ['admin'], password: 'admin password 1' });
});

after(async () => {
  for (const c of clients) c.close();
  await stopAll(hub, hub2, redis);
});

const post = (h, path, body, headers = {}) => fetch(h.url + path, {
  method: 'POST', headers: { 'Content-Type': 'application/json', Origin: h.url, ...headers }, body: JSON.stringify(body),
});
const get = (h, path, headers = {}) => fetch(h.url + path, { headers });

// A staff WebSocket on hub h with the session cookie; resolves to {ws, messages, closed}.
function staffSocket(h, cookie, hello) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(h.url.replace('http', 'ws') + '/ws', 'qa.v1', { headers: { Cookie: cookie, Origin: h.url } });
    const s = { ws, messages: [], closed: null };
    ws.on('message', (d) => s.messages.push(JSON.parse(d)));
    ws.on('close', (code, reason) => { s.closed = { code, reason: reason.toString() }; });
    ws.on('error', reject);
    ws.on('open', () => { ws.send(JSON.stringify({ type: 'hello', ...hello })); resolve(s); });
  });
}
const answered = (s, what) => waitUntil(what, () => s.messages.find((m) => m.type === 'welcome' || m.type === 'error') ||
  (s.closed && { type: 'closed', ...s.closed }), 10000, 20);

test('accounts: the admin token or an admin makes them; bad bodies, existing logins and non-admins are refused', async () => {
  let r = await post(hub, '/api/staff', { login: 'mod1', name: 'Модератор Один', password: 'moderator pw 1', roles: ['moderator'] },
    { Authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(r.status, 201);
  assert.equal((await r.json()).login, 'mod1');
  r = await post(hub, '/api/staff', { login: 'mod1', name: 'x', password: 'moderator pw 1', roles: ['moderator'] },
    { Authorization: `Bearer ${ADMIN_TOKEN}` });
  assert.equal(r.status, 409);
  for (const body of [
    { login: 'ab', name: 'x', password: '0123456789', roles: ['moderator'] },
    { login: 'Upper', name: 'x', password: '0123456789', roles: ['moderator'] },
    { login: 'short-pw', name: 'x', password: 'short', roles: ['moderator'] },
    { login: 'no-role', name: 'x', password: '0123456789', roles: ['chief'] },
  ]) {
    r = await post(hub, '/api/staff', body, { Authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  r = await post(hub, '/api/staff', { login: 'mod2', name: 'x', password: '0123456789', roles: ['moderator'] });
  assert.equal(r.status, 401, 'no token, no session');
  const mod = await signIn(hub, 'mod1', 'moderator pw 1');
  r = await post(hub, '/api/staff', { login: 'mod2', name: 'x', password: '0123456789', roles: ['moderator'] }, { Cookie: mod });
  assert.equal(r.status, 403, 'a moderator is not an admin');
  const admin = await signIn(hub, 'admin', 'admin password 1');
  r = await post(hub, '/api/staff', { login: 'pres1', name: 'Ведущая', password: 'presenter pw 1', roles: ['presenter'] },
    { Cookie: admin });
  assert.equal(r.status, 201);
  const list = await (await get(hub, '/api/staff', { Cookie: admin })).json();
  assert.deepEqual(list.staff.map((s) => s.login), ['admin', 'mod1', 'pres1']);
  assert.equal(JSON.stringify(list).includes('argon2'), false, 'no password hash leaves Redis');
  assert.match(redis.cli('HGET', 'surak:{@staff}:u:mod1', 'hash'), /^\$argon2id\$/);
});

test('sign-in: the cookie and its flags, /api/me, the same 401 for a wrong password and an unknown login, 429 after 5 failures', async () => {
  let r = await post(hub, '/api/session', { login: 'admin', password: 'admin password 1' });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^surak_sid=[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=\/; Max-Age=604800$/);
  const sid = cookie.split(';')[0];
  assert.deepEqual(await (await get(hub, '/api/me', { Cookie: sid })).json(),
    { login: 'admin', name: 'Админ', roles: ['admin'], departments: [] });
  assert.equal((await get(hub, '/api/me')).status, 401);
  // Redis keeps only the SHA-256 of the session id.
  assert.equal(redis.cli('KEYS', `surak:{@staff}:s:${sid.slice(10)}`), '');
  const wrong = await post(hub, '/api/session', { login: 'admin', password: 'not the password' });
  const unknown = await post(hub, '/api/session', { login: 'nobody', password: 'not the password' });
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(await wrong.json(), await unknown.json());
  addStaff(redis, { login: 'victim', name: 'V', roles: ['moderator'], password: 'victim password' });
  for (let i = 0; i < 5; i++) {
    assert.equal((await post(hub, '/api/session', { login: 'victim', password: `wrong ${i} password` })).status, 401);
  }
  // The sixth, even with the right password and on the other hub, waits.
  r = await post(hub2, '/api/session', { login: 'victim', password: 'victim password' });
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

test('sign-out ends the session in Redis; a cross-site sign-out, change or WebSocket is refused', async () => {
  const admin = await signIn(hub, 'admin', 'admin password 1');
  let r = await fetch(hub.url + '/api/staff', {
    method: 'POST', headers: { Cookie: admin, Origin: 'https://evil.example', 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'csrf', name: 'x', password: '0123456789', roles: ['admin'] }),
  });
  assert.equal(r.status, 403);
  const ws = new WebSocket(hub.url.replace('http', 'ws') + '/ws', 'qa.v1', { headers: { Cookie: admin, Origin: 'https://evil.example' } });
  const refused = await new Promise((res) => { ws.on('error', () => res(true)); ws.on('open', () => res(false)); });
  assert.ok(refused, 'the cross-site upgrade is refused');
  r = await fetch(hub.url + '/api/session', { method: 'DELETE', headers: { Cookie: admin, Origin: 'https://evil.example' } });
  assert.equal(r.status, 403);
  r = await fetch(hub.url + '/api/session', { method: 'DELETE', headers: { Cookie: admin, Origin: hub.url } });
  assert.equal(r.status, 204);
  assert.match(r.headers.get('set-cookie'), /Max-Age=0/);
  assert.equal((await get(hub, '/api/me', { Cookie: admin })).status, 401, 'a signed-out cookie is refused');
  assert.equal((await get(hub2, '/api/me', { Cookie: admin })).status, 401, 'on every hub');
});

test('staff WebSockets: the role decides; disabling an account closes its open connection within a second', async () => {
  const room = await createRoom(hub, { id: 'staff-room', moderation: true });
  const mod = await signIn(hub, 'mod1', 'moderator pw 1');
  const pres = await signIn(hub, 'pres1', 'presenter pw 1');
  let s = await staffSocket(hub, pres, { room: room.id, role: 'moderator', client: newClientId() });
  assert.equal((await answered(s, 'refused')).code, 'not_allowed', 'a presenter account cannot moderate');
  s = await staffSocket(hub, pres, { room: room.id, role: 'presenter', client: newClientId() });
  assert.equal((await answered(s, 'admitted')).type, 'welcome');
  s.ws.close();
  s = await staffSocket(hub, 'surak_sid=' + '0'.repeat(64), { room: room.id, role: 'moderator', client: newClientId() });
  assert.equal((await answered(s, 'no session')).code, 'auth_failed');
  const open = await staffSocket(hub2, mod, { room: room.id, role: 'moderator', client: newClientId() });
  assert.equal((await answered(open, 'admitted')).type, 'welcome');
  const admin = await signIn(hub, 'admin', 'admin password 1');
  const t0 = Date.now();
  assert.equal((await post(hub, '/api/staff/mod1', { disabled: true }, { Cookie: admin })).status, 200);
  await waitUntil('the disabled moderator is closed', () => open.closed, 5000, 20);
  const took = Date.now() - t0;
  assert.equal(open.closed.code, 4003);
  console.log(`staff: a disabled account's WebSocket on another hub closed ${took} ms after the change`);
  assert.equal((await post(hub, '/api/session', { login: 'mod1', password: 'moderator pw 1' })).status, 401);
  assert.equal((await post(hub, '/api/staff/mod1', { disabled: false, password: 'a new password 2' }, { Cookie: admin })).status, 200);
  assert.equal((await post(hub, '/api/session', { login: 'mod1', password: 'a new password 2' })).status, 200);
});

test('the audit: every change with its actor, written by the script that made it; keys act as key:moderator', async () => {
  const room = await createRoom(hub, { id: 'audited', moderation: true });
  const keyMod = await Client.connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  clients.push(keyMod);
  const v = await Client.connect(hub, viewerHello(room.id));
  clients.push(v);
  const q = await v.cmd({ type: 'ask', text: 'Когда откроют новый бассейн?' });
  await keyMod.cmd({ type: 'moderate', id: q.id, action: 'approve' });
  const mod = await signIn(hub, 'mod1', 'a new password 2');
  const s = await staffSocket(hub2, mod, { room: room.id, role: 'moderator', client: newClientId() });
  await answered(s, 'admitted');
  s.ws.send(JSON.stringify({ type: 'moderate', rid: 'e1', id: q.id, action: 'edit', text: 'Когда откроют бассейн?' }));
  await waitUntil('edited', () => s.messages.find((m) => m.rid === 'e1'), 5000);
  s.ws.close();
  // The moderator key reads the audit, as for exports; an admin too.
  const byKey = await (await get(hub, `/api/rooms/${room.id}/audit`, { Authorization: `Bearer ${room.moderator_key}` })).json();
  assert.deepEqual(byKey.entries.map((e) => [e.actor, e.action]), [
    ['admin-token', 'create_room'], ['key:moderator', 'approve'], ['mod1', 'edit']]);
  assert.equal(byKey.entries[2].by, 'Модератор Один');
  assert.equal(byKey.entries[2].detail.text, 'Когда откроют бассейн?');
  assert.equal((await get(hub, `/api/rooms/${room.id}/audit`, { Authorization: 'Bearer wrong' })).status, 401);
  assert.equal((await get(hub, `/api/rooms/${room.id}/audit`)).status, 401);
  const page = await (await get(hub, `/api/rooms/${room.id}/audit?after=2`, { Authorization: `Bearer ${room.moderator_key}` })).json();
  assert.deepEqual(page.entries.map((e) => e.action), ['edit']);
  // Exports carry each question's history.
  const exp = await (await get(hub, `/api/rooms/${room.id}/export.json`, { Authorization: `Bearer ${room.moderator_key}` })).json();
  assert.deepEqual(exp.questions[0].history.map((e) => e.action), ['approve', 'edit']);
});

test('never a change without its entry: the hub killed during a burst of moderation', async () => {
  const room = await createRoom(hub2, { id: 'audit-kill', moderation: true });
  const v = await Client.connect(hub2, viewerHello(room.id));
  clients.push(v);
  const ids = [];
  for (let i = 0; i < 300; i += 20) {
    const acks = await Promise.all(Array.from({ length: 20 }, (_, k) =>
      v.cmd({ type: 'ask', text: `Вопрос номер ${i + k} о дороге к дому ${i + k}` })));
    ids.push(...acks.map((a) => a.id));
  }
  const k = await Client.connect(hub2, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key }, { allowClose: true });
  for (const id of ids) k.ws.send(JSON.stringify({ type: 'moderate', rid: `a${id}`, id, action: 'approve' }));
  await waitUntil('some approved', () => Number(redis.cli('ZCARD', `surak:{${room.id}}:rank:approved`)) > 0, 10000, 1);
  await hub2.kill('SIGKILL');
  const approved = redis.cli('ZRANGE', `surak:{${room.id}}:rank:approved`, 0, -1).split('\n').filter(Boolean).map(Number);
  const entries = redis.cli('LRANGE', `surak:{${room.id}}:audit`, 0, -1).split('\n').filter(Boolean).map((e) => JSON.parse(e));
  const audited = new Set(entries.filter((e) => e.action === 'approve').map((e) => e.id));
  assert.ok(approved.length > 0);
  for (const id of approved) assert.ok(audited.has(id), `question ${id} approved without its audit entry`);
  assert.equal(audited.size, approved.length);
  console.log(`staff: hub killed after ${approved.length} of 300 approvals; every one has its audit entry`);
  await hub2.restart();
});

test('the console API: rooms listed with their counts, opened and closed, archived, new keys, an opening time', async () => {
  const admin = await signIn(hub, 'admin', 'admin password 1');
  let r = await post(hub, '/api/rooms', { id: 'console-room', title: 'Эфир из консоли', moderation: false }, { Cookie: admin });
  assert.equal(r.status, 201);
  const made = await r.json();
  const v = await Client.connect(hub, viewerHello('console-room'));
  clients.push(v);
  await v.cmd({ type: 'ask', text: 'Когда будет новый парк?' });
  const list = await (await get(hub, '/api/rooms', { Cookie: admin })).json();
  const row = list.rooms.find((x) => x.id === 'console-room');
  assert.equal(row.title, 'Эфир из консоли');
  assert.equal(row.questions, 1);
  assert.equal(row.open, true);
  r = await post(hub, '/api/rooms/console-room', { open: false, archived: true }, { Cookie: admin });
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { id: 'console-room', title: 'Эфир из консоли', open: false, moderation: false, archived: true });
  assert.equal((await v.cmd({ type: 'ask', text: 'А ещё вопрос?' })).code, 'room_closed');
  const keys = await (await post(hub, '/api/rooms/console-room/keys', {}, { Cookie: admin })).json();
  assert.notEqual(keys.moderator_key, made.moderator_key);
  const withOld = await Client.connect(hub, { room: 'console-room', role: 'moderator', client: newClientId(), key: made.moderator_key }, { allowClose: true })
    .catch((e) => e);
  assert.ok(withOld instanceof Error, 'the old key no longer admits');
  const mod = await signIn(hub, 'mod1', 'a new password 2');
  assert.equal((await get(hub, '/api/rooms', { Cookie: mod })).status, 403, 'the console is for admins');
  // A room with an opening time is closed until then, and a hub opens it.
  r = await post(hub, '/api/rooms', { id: 'later', title: 'Позже', opens_at: Date.now() + 1500 }, { Cookie: admin });
  assert.equal((await r.json()).room.open, false);
  await waitUntil('opened at its time', () => redis.cli('HGET', 'surak:{later}:meta', 'open') === '1', 40000, 200);
  const audit = await (await get(hub, '/api/rooms/later/audit', { Cookie: admin })).json();
  assert.deepEqual(audit.entries.map((e) => [e.actor, e.action]), [['admin', 'create_room'], ['schedule', 'room']]);
});

test('departments: listed for staff, added by an admin', async () => {
  const admin = await signIn(hub, 'admin', 'admin password 1');
  let r = await post(hub, '/api/departments', { id: 'roads', name: { ru: 'Управление дорог', kk: 'Жол басқармасы', en: 'Roads' } }, { Cookie: admin });
  assert.equal(r.status, 201);
  r = await post(hub, '/api/departments', { id: 'roads', name: { ru: 'x' } }, { Cookie: admin });
  assert.equal(r.status, 409);
  r = await post(hub, '/api/departments', { id: 'Bad Id', name: { ru: 'x' } }, { Cookie: admin });
  assert.equal(r.status, 400);
  const mod = await signIn(hub, 'mod1', 'a new password 2');
  const list = await (await get(hub, '/api/departments', { Cookie: mod })).json();
  assert.deepEqual(list.departments, [{ id: 'roads', name: { ru: 'Управление дорог', kk: 'Жол басқармасы', en: 'Roads' } }]);
  assert.equal((await post(hub, '/api/departments', { id: 'water', name: { ru: 'Вода' } }, { Cookie: mod })).status, 403);
});
