// The HTTP side of the hub: health, metrics, room creation, exports, pages
// with their security headers, and the WebSocket handshake checks (path,
// subprotocol, Origin).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import net from 'node:net';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll, waitUntil, ADMIN_TOKEN, ROOT,
} from '../lib/harness.mjs';

let redis, hub, room;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  room = await createRoom(hub, { id: 'http-room', title: 'Эфир акима', moderation: true });
});

after(() => stopAll(hub, redis));

const post = (body, token = ADMIN_TOKEN, raw) => fetch(hub.url + '/api/rooms', {
  method: 'POST',
  headers: { ...(token && { Authorization: 'Bearer ' + token }), 'Content-Type': 'application/json' },
  body: raw ?? JSON.stringify(body),
});

test('GET /healthz answers 200 with ok while Redis answers', async () => {
  const r = await fetch(hub.url + '/healthz');
  assert.equal(r.status, 200);
  const j = await r.json();
  assert.equal(j.ok, true);
  assert.equal(j.redis, true);
});

test('GET /metrics is Prometheus text with the hub counters', async () => {
  const c = await Client.connect(hub, viewerHello('http-room'));
  await c.cmd({ type: 'ask', text: 'metrics question' });
  await c.cmd({ type: 'ask', text: ' ' });
  const r = await fetch(hub.url + '/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /text\/plain/);
  const text = await r.text();
  for (const name of ['surak_connections{role="viewer"} 1', 'surak_rooms 1',
    'surak_questions_asked_total 1', 'surak_acks_total 1', 'surak_errors_total{code="empty"} 1',
    'surak_redis_up 1', 'surak_redis_rtt_seconds_count']) {
    assert.ok(text.includes(name), `metrics lack ${name}`);
  }
  c.close();
});

test('POST /api/rooms: 201 with keys, 409 if the id exists, 401 without the token, 400 on a bad body', async () => {
  const r = await post({ id: 'created-here', title: 'T', moderation: false });
  assert.equal(r.status, 201);
  const j = await r.json();
  assert.equal(j.id, 'created-here');
  assert.ok(j.moderator_key.length >= 22, 'at least 128 bits');
  assert.ok(j.presenter_key.length >= 22);
  assert.notEqual(j.moderator_key, j.presenter_key);
  assert.equal(j.room.moderation, false);
  assert.equal((await post({ id: 'created-here' })).status, 409);
  assert.equal((await post({ id: 'x1' }, null)).status, 401);
  assert.equal((await post({ id: 'x2' }, 'wrong-token-wrong-token')).status, 401);
  assert.equal((await post(null, ADMIN_TOKEN, '{not json')).status, 400);
  assert.equal((await post(null, ADMIN_TOKEN, '')).status, 400);
  assert.equal((await post({ id: 'Bad Id' })).status, 400);
  assert.equal((await post({ id: 'x3', moderation: 'yes' })).status, 400);
  assert.equal((await post({ id: 'x4', title: '' })).status, 400);
  // Keys are stored only as hashes.
  const stored = redis.cli('HGETALL', 'surak:{created-here}:meta');
  assert.ok(!stored.includes(j.moderator_key));
  assert.ok(!stored.includes(j.presenter_key));
});

test('exports: CSV and JSON with the moderator key, 401 without it', async () => {
  const v = await Client.connect(hub, viewerHello('http-room'));
  const w = await Client.connect(hub, viewerHello('http-room'));
  await v.cmd({ type: 'ask', text: '=SUM(A1) "quoted", and more', name: 'Айгүл' });
  await w.cmd({ type: 'ask', text: '=SUM(A1) "quoted", and more!!' });
  v.close();
  w.close();
  const auth = { Authorization: 'Bearer ' + room.moderator_key };
  const csv = await fetch(`${hub.url}/api/rooms/http-room/export.csv`, { headers: auth });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-disposition'), /http-room-questions\.csv/);
  const body = await csv.text();
  const lines = body.trim().split('\r\n');
  assert.match(lines[0], /^id,status,featured,votes,duplicates/);
  assert.ok(lines.some((l) => l.includes('"\'=SUM(A1) ""quoted"", and more"')), 'formula defused, quotes doubled');
  assert.ok(lines.some((l) => l.includes(',2,1,')), 'votes and duplicates');
  const json = await fetch(`${hub.url}/api/rooms/http-room/export.json`, { headers: auth });
  assert.equal(json.status, 200);
  const j = await json.json();
  assert.equal(j.room.id, 'http-room');
  const q = j.questions.find((x) => x.text.startsWith('=SUM'));
  assert.equal(q.variants.length, 1);
  assert.equal(q.name, 'Айгүл');
  assert.equal(q.votes, 2);
  assert.equal((await fetch(`${hub.url}/api/rooms/http-room/export.csv`)).status, 401);
  assert.equal((await fetch(`${hub.url}/api/rooms/http-room/export.csv`,
    { headers: { Authorization: 'Bearer ' + room.presenter_key } })).status, 401);
  assert.equal((await fetch(`${hub.url}/api/rooms/nope/export.json`, { headers: auth })).status, 404);
});

test('pages are served with a strict CSP; only the overlay may be framed', async () => {
  for (const p of ['/r/http-room', '/m/http-room', '/p/http-room', '/']) {
    const r = await fetch(hub.url + p);
    assert.equal(r.status, 200, p);
    assert.match(r.headers.get('content-type'), /text\/html/);
    assert.match(r.headers.get('content-security-policy'), /default-src 'none'/);
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-frame-options'), 'DENY');
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  }
  const o = await fetch(hub.url + '/o/http-room');
  assert.equal(o.status, 200);
  assert.equal(o.headers.get('x-frame-options'), null);
  assert.match(o.headers.get('content-security-policy'), /frame-ancestors \*/);
  assert.equal((await fetch(hub.url + '/r/Bad_Room')).status, 404);
  assert.equal((await fetch(hub.url + '/nowhere')).status, 404);
  assert.equal((await fetch(hub.url + '/static/../Makefile')).status, 404);
});

function handshake(path, protocol, headers = {}) {
  return new Promise((resolve) => {
    const ws = new WebSocket(hub.wsUrl.replace('/ws', path), protocol, { headers });
    ws.once('open', () => { ws.terminate(); resolve('open'); });
    ws.once('unexpected-response', (req, res) => resolve(res.statusCode));
    ws.once('error', () => resolve('error'));
  });
}

test('handshakes: /ws with qa.v1 only, and browsers only from an allowed Origin', async () => {
  assert.equal(await handshake('/ws', 'qa.v1'), 'open');
  assert.notEqual(await handshake('/ws', undefined), 'open');
  assert.notEqual(await handshake('/ws', 'qa.v2'), 'open');
  assert.notEqual(await handshake('/other', 'qa.v1'), 'open');
  const host = new URL(hub.url).host;
  assert.equal(await handshake('/ws', 'qa.v1', { Origin: `http://${host}` }), 'open');
  assert.notEqual(await handshake('/ws', 'qa.v1', { Origin: 'https://evil.example' }), 'open');
  assert.notEqual(await handshake('/ws', 'qa.v1', { Origin: `http://${host}.evil.example` }), 'open');
});

// Without TCP_NODELAY an ack written right behind an event waited for the
// client's delayed ACK (40 ms at 1,600 asks/s, docs/BENCHMARKS.md "No
// Nagle on the clients' sockets"). lws sets it only on the sockets its own
// listener accepts; the hub accepts its own. tcp-nodelay reads the option
// on the hub's end of each connection (pidfd_getfd).
test("the hub's end of a WebSocket and of an HTTP connection has TCP_NODELAY", async (t) => {
  const peek = (port) => {
    const r = spawnSync(join(ROOT, 'build', 'tcp-nodelay'), [String(hub.proc.pid), String(port)]);
    if (r.status === 3) return 'unreadable';
    assert.equal(r.status, 0, `tcp-nodelay: exit ${r.status}: ${r.stderr}`);
    return r.stdout.toString().trim();
  };
  const c = await Client.connect(hub, viewerHello('http-room'));
  try {
    const seen = peek(c.ws._socket.localPort);
    if (seen === 'unreadable') {
      t.skip('this system does not let a process read another one\'s sockets (pidfd_getfd)');
      return;
    }
    assert.equal(seen, '1');
  } finally {
    c.close();
  }
  // An HTTP connection, held open (keep-alive) once its answer came.
  const sock = net.connect(hub.port, '127.0.0.1');
  try {
    await new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.on('data', (d) => { if (d.toString().startsWith('HTTP/1.1 200')) resolve(); });
      sock.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    assert.equal(peek(sock.localPort), '1');
  } finally {
    sock.destroy();
  }
});

test('an explicit Origin allowlist replaces the default', async () => {
  const h2 = await Hub.start(redis, { args: ['--origins', 'https://qa.example.kz,https://tv.example.kz'] });
  try {
    const conn = (origin) => new Promise((resolve) => {
      const ws = new WebSocket(h2.wsUrl, 'qa.v1', { headers: { Origin: origin } });
      ws.once('open', () => { ws.terminate(); resolve('open'); });
      ws.once('unexpected-response', () => resolve('refused'));
      ws.once('error', () => resolve('refused'));
    });
    assert.equal(await conn('https://tv.example.kz'), 'open');
    assert.equal(await conn(h2.url), 'refused');
  } finally {
    await h2.stop();
  }
});

test('connections per IP are capped; others still connect', async () => {
  const h3 = await Hub.start(redis, { args: ['--conns-per-ip', '3'] });
  const held = [];
  try {
    for (let i = 0; i < 3; i++) held.push(await Client.connect(h3, viewerHello('http-room')));
    await assert.rejects(Client.connect(h3, viewerHello('http-room')));
    const other = await Client.connect(h3.wsUrl, viewerHello('http-room'), { localAddress: '127.0.0.2' });
    assert.equal(other.welcome.type, 'welcome');
    other.close();
    held.pop().close();
    // The freed slot is usable as soon as the hub has seen the close.
    const again = await waitUntil('a slot freed by the close',
      () => Client.connect(h3, viewerHello('http-room')), 5000, 20);
    held.push(again);
  } finally {
    for (const c of held) c.close();
    await h3.stop();
  }
});

test('the client id is never echoed to other clients', async () => {
  const id = newClientId();
  const asker = await Client.connect(hub, viewerHello('http-room', id));
  const m = await Client.connect(hub, { room: 'http-room', role: 'moderator', client: newClientId(), key: room.moderator_key });
  const a = await asker.cmd({ type: 'ask', text: 'who am I' });
  await m.waitState('seen', (x) => x.questions.has(a.id));
  assert.equal(JSON.stringify(m.messages).includes(id), false);
  asker.close();
  m.close();
});

// Decodes a QR code SVG with real tools: rsvg-convert renders, zbarimg reads.
function decodeQr(svg) {
  const dir = mkdtempSync(join(tmpdir(), 'surak-qr-'));
  try {
    writeFileSync(join(dir, 'qr.svg'), svg);
    execFileSync('rsvg-convert', ['-w', '400', '-o', join(dir, 'qr.png'), join(dir, 'qr.svg')]);
    return execFileSync('zbarimg', ['-q', '--raw', join(dir, 'qr.png')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the QR code of a room decodes to its viewer page; --public-url sets the base', async () => {
  const r = await fetch(`${hub.url}/api/rooms/http-room/qr.svg`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'image/svg+xml');
  assert.equal(decodeQr(await r.text()), `${hub.url}/r/http-room`);
  const dl = await fetch(`${hub.url}/api/rooms/http-room/qr.svg?download=1`);
  assert.match(dl.headers.get('content-disposition'), /attachment; filename="http-room-qr.svg"/);
  assert.equal((await fetch(`${hub.url}/api/rooms/Bad_Room/qr.svg`)).status, 404);
  const h2 = await Hub.start(redis, { args: ['--public-url', 'https://qa.example.kz/'] });
  try {
    const svg = await (await fetch(`${h2.url}/api/rooms/http-room/qr.svg`)).text();
    assert.equal(decodeQr(svg), 'https://qa.example.kz/r/http-room');
  } finally {
    await h2.stop();
  }
});
