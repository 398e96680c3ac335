// Load for fault tests: viewers that ask questions at a steady rate and
// behave as the pages do when things break. A command without an answer
// when its connection drops, or answered `unavailable`, is sent again with
// the same rid; a dropped connection is reopened (every 50 ms until it
// works) with a hello that asks to resume from the last seq seen.
//
// Each question's text is unique ("Когда починят дорогу на улице Абая, дом
// 3-17?"), so what Redis holds afterwards can be checked against what was
// acknowledged; topics and streets vary, as in a real broadcast, so that
// duplicate detection has its usual amount of candidates to verify.

import WebSocket from 'ws';
import { newClientId, waitUntil } from './harness.mjs';

const TOPICS = ['Когда починят дорогу', 'Когда дадут горячую воду', 'Почему нет света',
  'Когда откроют школу', 'Когда уберут мусор', 'Когда построят детскую площадку',
  'Почему не ходит автобус', 'Когда заменят трубы', 'Когда поставят светофор',
  'Почему холодно в подъезде'];
const STREETS = ['Абая', 'Сатпаева', 'Ауэзова', 'Байтурсынова', 'Кунаева', 'Толе би',
  'Жибек жолы', 'Назарбаева', 'Достык', 'Момышулы'];

export function questionText(index, n) {
  const k = index * 7919 + n;
  return `${TOPICS[k % TOPICS.length]} на улице ${STREETS[Math.floor(k / TOPICS.length) % STREETS.length]}, ` +
    `дом ${index}-${n}?`;
}

export class Asker {
  constructor(url, room, index, { perSecond = 20, window = 4 } = {}) {
    this.url = url;
    this.room = room;
    this.index = index;
    this.client = newClientId();
    this.perSecond = perSecond;
    this.window = window;
    this.next = 0;
    this.pending = new Map();	// rid → { text, resendAt }, sent but not answered
    this.acked = new Map();	// rid → { id, text }
    this.errors = {};		// code → count, for answers other than ack
    this.unavailable = [];	// { sentAt, ms }: each `unavailable` answer and its wait
    this.welcomes = [];		// { at, resumed }
    this.epoch = null;
    this.seq = 0;
    this.live = false;
    this.stopped = false;
    this.asking = false;
  }

  start() {
    this.connect();
    this.asking = true;
    this.startedAt = Date.now();
    this.timer = setInterval(() => this.pump(), 10);
  }

  connect() {
    if (this.stopped) return;
    const ws = new WebSocket(this.url, 'qa.v1');
    this.ws = ws;
    ws.on('open', () => {
      const hello = { type: 'hello', room: this.room, role: 'viewer', client: this.client };
      if (this.epoch) hello.resume = { epoch: this.epoch, seq: this.seq };
      ws.send(JSON.stringify(hello));
    });
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())));
    ws.on('error', () => {});
    ws.on('close', () => {
      if (this.ws !== ws) return;
      this.live = false;
      // Whatever was unanswered goes again on the next connection.
      for (const p of this.pending.values()) p.resendAt = 0;
      setTimeout(() => this.connect(), 50);
    });
  }

  onMessage(m) {
    const now = Date.now();
    if (m.type === 'welcome') {
      this.live = true;
      this.epoch = m.epoch;
      this.seq = m.seq;
      this.welcomes.push({ at: now, resumed: !!m.resumed });
      for (const p of this.pending.values()) p.resendAt = 0;
    } else if (m.type === 'event' || m.type === 'batch') {
      if (m.seq) this.seq = Math.max(this.seq, m.seq);
    } else if (m.type === 'ack' && this.pending.has(m.rid)) {
      const p = this.pending.get(m.rid);
      this.pending.delete(m.rid);
      this.acked.set(m.rid, { id: m.id, text: p.text, duplicate_of: m.duplicate_of });
    } else if (m.type === 'error' && this.pending.has(m.rid)) {
      const p = this.pending.get(m.rid);
      this.errors[m.code] = (this.errors[m.code] || 0) + 1;
      if (m.code === 'unavailable') this.unavailable.push({ sentAt: p.sentAt, ms: now - p.sentAt });
      // Sent again later with the same rid, as the pages do.
      p.resendAt = now + 100;
      p.inflight = false;
    }
  }

  send(rid, p) {
    p.sentAt = Date.now();
    p.inflight = true;
    p.resendAt = Infinity;
    this.ws.send(JSON.stringify({ type: 'ask', rid, text: p.text }));
  }

  pump() {
    if (!this.live || this.ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    for (const [rid, p] of this.pending) {
      if (p.resendAt <= now) this.send(rid, p);
    }
    // New questions while fewer than `window` wait for their answer: a
    // person whose question is not through yet does not type ten more.
    const due = Math.floor(((now - this.startedAt) / 1000) * this.perSecond);
    while (this.asking && this.next < due && this.pending.size < this.window) {
      const n = this.next++;
      const rid = `a${this.index}-${n}`;
      const p = { text: questionText(this.index, n) };
      this.pending.set(rid, p);
      this.send(rid, p);
    }
  }

  get asked() { return this.next; }

  // Stops asking new questions and waits until every one asked is answered.
  async drain(timeoutMs = 20000) {
    this.asking = false;
    await waitUntil(`asker ${this.index} to have every question acknowledged`,
      () => this.pending.size === 0, timeoutMs, 50);
  }

  close() {
    this.stopped = true;
    clearInterval(this.timer);
    try { this.ws.terminate(); } catch { /* gone */ }
  }
}

// Every asker started and not yet closed, so that a failed test's askers
// do not keep the test process (and its reconnect timers) alive.
const live = new Set();

// Starts n askers on one hub and room (numbered from opts.first, 0 by
// default: askers of one room must not share a number, or their texts).
export function startAskers(hub, room, n, opts = {}) {
  const askers = [];
  for (let i = 0; i < n; i++) {
    const a = new Asker(hub.wsUrl, room, (opts.first || 0) + i, opts);
    a.start();
    askers.push(a);
    live.add(a);
  }
  return askers;
}

export function closeAllAskers() {
  for (const a of live) a.close();
  live.clear();
}

// Every question of a room as Redis holds it: id, text, dups, nvar, status
// (`redis` a Redis, or a RedisCluster: its cli follows the room's slot).
export function roomQuestions(redis, room) {
  const script = `
    local p = KEYS[1]
    local n = tonumber(redis.call('HGET', p .. 'meta', 'qid') or '0')
    local out = {}
    for i = 1, n do
      local f = redis.call('HMGET', p .. 'q:' .. i, 'text', 'dups', 'nvar', 'status')
      if f[1] then out[#out + 1] = i .. '\\t' .. f[1] .. '\\t' .. (f[2] or '0') .. '\\t' ..
        (f[3] or '0') .. '\\t' .. (f[4] or '') end
    end
    return out`;
  const lines = redis.cli('EVAL', script, '1', `surak:{${room}}:`).split('\n').filter(Boolean);
  return lines.map((l) => {
    const [id, text, dups, nvar, status] = l.split('\t');
    return { id: Number(id), text, dups: Number(dups), nvar: Number(nvar), status };
  });
}

// Checks what the askers were told against what Redis holds: every
// acknowledged question is there with its text, and none is there twice.
export function checkAcknowledged(assert, redis, room, askers) {
  const qs = roomQuestions(redis, room);
  const byId = new Map(qs.map((q) => [q.id, q]));
  const byText = new Map();
  for (const q of qs) byText.set(q.text, (byText.get(q.text) || 0) + 1);
  let acked = 0;
  for (const a of askers) {
    for (const [rid, ack] of a.acked) {
      acked++;
      assert.equal(ack.duplicate_of, null, `${rid} was merged into another question`);
      const q = byId.get(ack.id);
      assert.ok(q, `acknowledged ${rid} (question ${ack.id}) is in Redis`);
      assert.equal(q.text, ack.text, `question ${ack.id} holds the text of ${rid}`);
    }
  }
  for (const [text, n] of byText) assert.equal(n, 1, `"${text}" is stored once`);
  for (const q of qs) {
    assert.equal(q.dups, 0, `question ${q.id} absorbed no second copy`);
    assert.equal(q.nvar, 0, `question ${q.id} has no variant`);
  }
  return { acked, stored: qs.length };
}
