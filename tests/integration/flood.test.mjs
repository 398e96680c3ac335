// Slowloris and connection floods, from several loopback addresses
// (127.0.0.0/8 is all loopback on Linux). Requests and handshakes that
// never finish, and WebSockets that never say hello, are cut after
// --handshake-timeout; WebSocket connections per address are capped; a
// peer that stops answering pings is let go; and all the while a normal
// viewer joins and asks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import WebSocket from 'ws';
import {
  Redis, Hub, Client, createRoom, viewerHello, waitUntil, stopAll,
} from '../lib/harness.mjs';

const TIMEOUT_S = 2;
const KEEPALIVE_S = 2;
const CAP = 20;
let redis, hub;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, {
    args: ['--handshake-timeout', String(TIMEOUT_S), '--conns-per-ip', String(CAP),
      '--keepalive', String(KEEPALIVE_S)],
  });
  await createRoom(hub, { id: 'flood', moderation: false });
});

after(async () => {
  await stopAll(hub, redis);
});

// A normal viewer, from 127.0.0.1, joins and gets an ask through.
async function normalViewerServed(label) {
  const v = await Client.connect(hub, viewerHello('flood'));
  try {
    const a = await v.cmd({ type: 'ask', text: `Вопрос во время ${label}: когда починят дорогу?` });
    assert.equal(a.type, 'ack', JSON.stringify(a));
  } finally {
    v.close();
  }
}

// A TCP connection that sends `head` and then one more byte every 300 ms,
// never finishing; resolves its record when the hub closes it.
function dribble(localAddress, head) {
  const r = { openedAt: Date.now(), closedAt: null };
  const sock = connect({ host: '127.0.0.1', port: hub.port, localAddress });
  sock.on('connect', () => {
    sock.write(head);
    r.timer = setInterval(() => { if (!sock.destroyed) sock.write('x'); }, 300);
  });
  sock.on('error', () => {});
  sock.on('data', () => {});
  sock.on('close', () => { r.closedAt = Date.now(); clearInterval(r.timer); });
  r.sock = sock;
  return r;
}

test('slowloris: requests and handshakes dribbled byte by byte are cut after the timeout', async () => {
  const heads = [
    'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',	// headers never end
    'GET /r/flood HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ',
    'POST /api/rooms HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n\r\n{"id":"',	// body never ends
  ];
  const slow = [];
  for (let a = 2; a < 12; a++) {
    for (let i = 0; i < 10; i++) slow.push(dribble(`127.0.0.${a}`, heads[i % heads.length]));
  }
  await normalViewerServed('slowloris');
  await waitUntil('every dribbling connection to be cut',
    () => slow.every((r) => r.closedAt !== null), (TIMEOUT_S + 5) * 1000, 50);
  const held = slow.map((r) => r.closedAt - r.openedAt);
  const longest = held.reduce((m, x) => Math.max(m, x), 0);
  console.log(`slowloris: ${slow.length} connections from 10 addresses, each cut after at most ` +
    `${longest} ms (--handshake-timeout ${TIMEOUT_S} s)`);
  await normalViewerServed('after slowloris');
});

test('a WebSocket that never says hello is closed after the timeout', async () => {
  const idle = [];
  for (let i = 0; i < 10; i++) {
    const ws = new WebSocket(hub.wsUrl, 'qa.v1', { localAddress: '127.0.0.12' });
    const r = { ws, closedAt: null };
    ws.on('error', () => {});
    ws.on('close', () => { r.closedAt = Date.now(); });
    idle.push(r);
  }
  await waitUntil('the idle WebSockets to open', () => idle.every((r) => r.ws.readyState === 1 || r.closedAt), 5000);
  const openedAt = Date.now();
  await normalViewerServed('idle WebSockets');
  await waitUntil('every idle WebSocket to be closed',
    () => idle.every((r) => r.closedAt !== null), (TIMEOUT_S + 5) * 1000, 50);
  console.log(`idle WebSockets: closed ${idle.reduce((m, r) => Math.max(m, r.closedAt - openedAt), 0)} ms ` +
    'after they opened, hello never sent');
});

test('connection flood: WebSockets per address are capped, other addresses and viewers still get in', async () => {
  const open = (localAddress) => new Promise((resolve) => {
    const ws = new WebSocket(hub.wsUrl, 'qa.v1', { localAddress });
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'hello', ...viewerHello('flood') }));
      resolve({ ws, ok: true });
    });
    ws.on('unexpected-response', (req, res) => resolve({ ws, ok: false, status: res.statusCode }));
    ws.on('error', () => resolve({ ws, ok: false }));
  });
  // 60 at once from one address: CAP get in, the rest are refused.
  const one = await Promise.all(Array.from({ length: 60 }, () => open('127.0.0.20')));
  assert.equal(one.filter((c) => c.ok).length, CAP);
  assert.ok(one.filter((c) => !c.ok).every((c) => c.status === 503 || c.status === 429 || c.status === undefined));
  // 50 more addresses, CAP each: a thousand connections, all let in.
  const many = [];
  for (let a = 30; a < 80; a++) {
    many.push(...await Promise.all(Array.from({ length: CAP }, () => open(`127.0.0.${a}`))));
  }
  assert.equal(many.filter((c) => c.ok).length, 50 * CAP);
  await normalViewerServed('the connection flood');
  assert.equal((await fetch(hub.url + '/healthz')).status, 200);
  const refused = await hub.metric('surak_connections_refused_total');
  assert.ok(refused >= 60 - CAP, `${refused} connections refused`);
  for (const c of [...one, ...many]) c.ws.terminate();
  console.log(`connection flood: ${CAP} of 60 let in from one address, ` +
    `${many.length} from 50 others; a normal viewer served meanwhile`);
});

test('open-files limit: connections past it are refused at once, the hub stays healthy and takes new ones when there is room', async () => {
  // ulimit -n 600: WebSockets refused from descriptor 450 on, anything from 525 on.
  const small = await Hub.start(redis, { fileLimit: 600, args: ['--conns-per-ip', '1000'] });
  try {
    const open = (localAddress) => new Promise((resolve) => {
      const ws = new WebSocket(small.wsUrl, 'qa.v1', { localAddress });
      ws.on('open', () => resolve({ ws, ok: true }));
      ws.on('unexpected-response', () => resolve({ ws, ok: false }));
      ws.on('error', () => resolve({ ws, ok: false }));
    });
    const all = [];
    for (let a = 100; a < 106; a++) all.push(...await Promise.all(Array.from({ length: 100 }, () => open(`127.0.0.${a}`))));
    const ok = all.filter((c) => c.ok).length;
    // The reserve still serves health checks and metrics while WebSockets are refused.
    assert.equal((await fetch(small.url + '/healthz')).status, 200);
    const refused = await small.metric('surak_refused_files_total{at="upgrade"}');
    assert.ok(ok >= 400 && ok < 460, `${ok} of 600 let in`);
    assert.ok(refused >= 600 - ok - 10, `${refused} upgrades refused, ${ok} let in`);
    for (const c of all) c.ws.terminate();
    // Room again: a viewer gets in and is welcomed.
    await waitUntil('a viewer let in after the crowd left', async () => {
      try {
        const v = await Client.connect(small, viewerHello('flood'));
        v.close();
        return true;
      } catch {
        return false;
      }
    }, 10000, 100);
    console.log(`open-files limit: ${ok} of 600 connections let in under ulimit -n 600, ` +
      `${refused} WebSocket upgrades refused; /healthz answered throughout, a viewer served after`);
  } finally {
    await small.stop();
  }
});

test('keepalive: a silent viewer is pinged; one that never answers is let go, one that does stays', async () => {
  const watch = (autoPong) => new Promise((resolve, reject) => {
    const ws = new WebSocket(hub.wsUrl, 'qa.v1', { autoPong, localAddress: '127.0.0.13' });
    const r = { ws, pings: 0, close: null, welcomed: false };
    ws.on('error', reject);
    ws.on('ping', () => { r.pings++; });
    ws.on('close', (code, reason) => { r.close = { code, reason: reason.toString(), at: Date.now() }; });
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', ...viewerHello('flood') })));
    ws.on('message', (d) => {
      if (JSON.parse(d.toString()).type === 'welcome' && !r.welcomed) {
        r.welcomed = true;
        r.at = Date.now();
        resolve(r);
      }
    });
  });
  const [mute, alive] = await Promise.all([watch(false), watch(true)]);
  const before = await hub.metric('surak_keepalive_closes_total');
  await waitUntil('the viewer that never answers a ping to be closed', () => mute.close !== null,
    (2 * KEEPALIVE_S + 5) * 1000, 50);
  assert.equal(mute.close.code, 1001);
  assert.equal(mute.close.reason, 'no answer to ping');
  assert.ok(mute.pings >= 1, 'it was pinged first');
  assert.ok(mute.close.at - mute.at >= 2 * KEEPALIVE_S * 1000, `closed ${mute.close.at - mute.at} ms after its welcome`);
  assert.ok(await hub.metric('surak_keepalive_closes_total') >= before + 1, 'counted');
  // The one that answers was pinged as often and is still there.
  assert.ok(alive.pings >= 1);
  assert.equal(alive.close, null);
  assert.equal(alive.ws.readyState, WebSocket.OPEN);
  alive.ws.close();
  console.log(`keepalive: silent viewer pinged ${mute.pings} time(s), closed ${mute.close.at - mute.at} ms ` +
    `after its welcome (--keepalive ${KEEPALIVE_S} s); the answering one pinged ${alive.pings} time(s), still open`);
});
