// qa.v1 client shared by the pages: connects to /ws, says hello, keeps the
// room state (questions, room settings, epoch and seq), reconnects by
// itself with backoff and resumes from its last seq. Commands carry a rid;
// a command sent while offline waits in a queue (kept in sessionStorage)
// and is sent on reconnect with the same rid, so it is neither lost nor
// applied twice.
//
// 'change' is dispatched at most once per animation frame, however many
// events arrived, with detail.ids: the ids of the questions that changed
// (null: anything may have, after a welcome). With `partial`, the hub
// sends a bounded welcome and page() brings more (docs/PROTOCOL.md).

import { clientId, takeEarlySocket } from './early.js';

export { clientId };

const STORE = window.sessionStorage;

export function roomFromPath() {
  const m = location.pathname.match(/^\/(?:[rmpoa]|op|report)\/([a-z0-9][a-z0-9-]{0,63})$/);
  return m ? m[1] : null;
}

export function keyFromFragment() {
  const m = location.hash.match(/(?:^#|&)key=([A-Za-z0-9_-]+)/);
  return m ? m[1] : null;
}

function newRid() {
  const b = new Uint8Array(9);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class Client extends EventTarget {
  constructor({ room, role, key = null, partial = false }) {
    super();
    this.room = room;
    this.role = role;
    this.key = key;
    this.partial = partial;
    this.paging = null;	// after a partial welcome: { total, top, new } (how far each order is loaded)
    this.changedIds = new Set();
    this.changedAll = false;
    this.frame = 0;
    this.client = clientId();
    this.questions = new Map();
    this.roomInfo = null;
    this.epoch = null;
    this.seq = 0;
    this.state = 'connecting';
    this.pending = new Map(); // rid -> {msg, resolve, reject}
    this.backoff = 500;
    this.fatal = null;
    this.queueKey = `surak.queue.${room}.${role}`;
    this.loadQueue();
  }

  // --- lifecycle ---

  start() {
    this.connect();
    window.addEventListener('online', () => this.state !== 'live' && this.connectSoon(0));
  }

  setState(s) {
    this.state = s;
    this.dispatchEvent(new CustomEvent('state', { detail: s }));
  }

  connect() {
    if (this.fatal) return;
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    // The first time, the socket early.js opened (and said hello on) if there is one.
    const early = !this.epoch && takeEarlySocket(this.room, this.role);
    let ws;
    if (early && early.hello.partial === !!this.partial && early.hello.client === this.client) {
      ws = early.ws;
    } else {
      try {
        ws = new WebSocket(`${proto}//${location.host}/ws`, 'qa.v1');
      } catch {
        this.connectSoon();
        return;
      }
    }
    this.ws = ws;
    this.setState(this.epoch ? 'reconnecting' : 'connecting');
    ws.onopen = () => {
      const hello = { type: 'hello', room: this.room, role: this.role, client: this.client };
      if (this.key) hello.key = this.key;
      if (this.partial) hello.partial = true;
      if (this.epoch) hello.resume = { epoch: this.epoch, seq: this.seq };
      ws.send(JSON.stringify(hello));
    };
    ws.onmessage = (e) => {
      let m;
      try { m = JSON.parse(e.data); } catch { return; }
      this.handle(m);
    };
    if (ws === early?.ws) {
      // Already open and greeted: what came meanwhile is handled now, in order.
      if (ws.readyState === WebSocket.OPEN) ws.onopen = null;
      for (const data of early.messages) ws.onmessage({ data });
    }
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (this.fatal) return;
      this.setState('offline');
      this.connectSoon();
    };
  }

  connectSoon(delay = this.backoff) {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay + Math.random() * 250);
    this.backoff = Math.min(this.backoff * 2, 10000);
  }

  // --- incoming ---

  handle(m) {
    switch (m.type) {
      case 'welcome': return this.onWelcome(m);
      case 'event': this.applyEvent(m); return this.changed();
      case 'batch':
        for (const e of m.events) this.applyEvent(e);
        if (m.seq) this.seq = Math.max(this.seq, m.seq);
        return this.changed();
      case 'ack':
      case 'error': return this.onReply(m);
      case 'stats': return this.dispatchEvent(new CustomEvent('stats', { detail: m }));
      case 'challenge': return this.prove(m.bits);
      default:
    }
  }

  // --id-cost (docs/PROTOCOL.md): a new id's votes count once it shows a
  // nonce whose SHA-256(room:client:nonce) starts with `bits` zero bits.
  // Without WebCrypto (a page not served over HTTPS) the votes stay held
  // for a moderator to release.
  async prove(bits) {
    if (this.proving || !globalThis.crypto?.subtle) return;
    this.proving = true;
    const enc = new TextEncoder(), prefix = `${this.room}:${this.client}:`;
    const zeros = (d) => {
      let n = 0;
      for (const x of d) { if (x) return n + Math.clz32(x) - 24; n += 8; }
      return n;
    };
    try {
      for (let nonce = 0; ; nonce++) {
        const d = new Uint8Array(await crypto.subtle.digest('SHA-256', enc.encode(prefix + nonce)));
        if (zeros(d) >= bits) {
          await this.request({ type: 'prove', nonce: String(nonce) });
          break;
        }
      }
    } catch {
      // Refused or offline: the next hello asks again.
    } finally {
      this.proving = false;
    }
  }

  onWelcome(m) {
    if (!m.resumed || m.epoch !== this.epoch) {
      // A new epoch, or a full snapshot: what we had is dropped.
      const mine = new Map([...this.questions].filter(([, q]) => q.mine || q.voted));
      this.questions = new Map();
      for (const q of m.questions || []) {
        const old = mine.get(q.id);
        this.questions.set(q.id, old && m.epoch === this.epoch
          ? { mine: old.mine, voted: old.voted, ...q } : q);
      }
    }
    if (!m.resumed) this.paging = m.partial ? { ...m.partial } : null;
    this.epoch = m.epoch;
    this.seq = m.seq;
    this.roomInfo = m.room;
    this.backoff = 500;
    this.changedAll = true;
    this.setState('live');
    this.flushQueue();
    this.changed();
  }

  applyEvent(e) {
    if (e.seq) this.seq = Math.max(this.seq, e.seq);
    if (e.op === 'upsert' || e.op === 'remove') this.changedIds.add(e.op === 'upsert' ? e.q.id : e.id);
    if (e.op === 'upsert') {
      const prev = this.questions.get(e.q.id);
      const q = { ...e.q };
      if (prev) {
        if (q.mine === undefined && prev.mine) q.mine = true;
        if (q.voted === undefined && prev.voted) q.voted = true;
      }
      this.questions.set(q.id, q);
    } else if (e.op === 'remove') {
      const prev = this.questions.get(e.id);
      this.questions.delete(e.id);
      if (prev && prev.mine && e.into) {
        const t = this.questions.get(e.into);
        if (t) {
          t.mine = true;
          this.changedIds.add(e.into);
        }
      }
    } else if (e.op === 'room') {
      this.roomInfo = e.room;
    }
  }

  // Marks a question changed outside an event (the pages' own optimistic updates).
  touch(id) {
    this.changedIds.add(id);
    this.changed();
  }

  // One 'change' per animation frame, with what changed since the last.
  changed() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      const ids = this.changedAll ? null : this.changedIds;
      this.changedIds = new Set();
      this.changedAll = false;
      this.dispatchEvent(new CustomEvent('change', { detail: { ids } }));
    });
  }

  // After a partial welcome: loads the next page in `sort` ('top' or 'new');
  // resolves with the number of questions it brought, 0 when none are left.
  async page(sort, limit = 100) {
    const p = this.paging;
    if (!p || p[sort] >= p.total || this.state !== 'live') return 0;
    if (p.loading?.[sort]) return p.loading[sort];
    p.loading = p.loading || {};
    p.loading[sort] = (async () => {
      try {
        const ack = await this.request({ type: 'page', sort, offset: p[sort], limit });
        if (this.paging !== p) return 0;	/* a new welcome came meanwhile */
        for (const q of ack.questions) {
          const prev = this.questions.get(q.id);
          this.questions.set(q.id, prev ? { mine: prev.mine, voted: prev.voted, ...q } : q);
          this.changedIds.add(q.id);
        }
        p[sort] = Math.max(p[sort], ack.offset + ack.questions.length);
        p.total = ack.total;
        this.changed();
        return ack.questions.length;
      } finally {
        delete p.loading[sort];
      }
    })();
    return p.loading[sort];
  }

  hasMore(sort) {
    return !!this.paging && this.paging[sort] < this.paging.total;
  }

  onReply(m) {
    if (m.type === 'error' && !m.rid && ['no_room', 'auth_failed', 'bad_request'].includes(m.code)
        && this.state !== 'live') {
      this.fatal = m.code;
      this.setState('failed');
      this.dispatchEvent(new CustomEvent('fatal', { detail: m }));
      return;
    }
    const p = m.rid && this.pending.get(m.rid);
    if (!p) {
      if (m.type === 'error') this.dispatchEvent(new CustomEvent('error', { detail: m }));
      return;
    }
    if (m.type === 'error' && m.code === 'unavailable') {
      // Nothing is known to be stored: keep it queued and send it again.
      setTimeout(() => this.sendQueued(m.rid), m.retry_after_ms || 1000);
      return;
    }
    this.pending.delete(m.rid);
    this.saveQueue();
    if (m.type === 'ack') {
      // The question as this command left it, unless the events already
      // applied reach that change (ack.seq) or go past it: an ack can
      // arrive after the event of a later change by someone else.
      if (m.q) {
        this.changedIds.add(m.q.id);
        const prev = this.questions.get(m.q.id);
        if (!(m.seq <= this.seq)) this.questions.set(m.q.id, { ...(prev || {}), ...m.q });
        else if (prev) {
          // What is this client's own is still news.
          if (m.q.mine) prev.mine = true;
          if (m.q.voted) prev.voted = true;
        }
      }
      this.changed();
      p.resolve(m);
    } else {
      p.reject(m);
    }
  }

  // --- commands ---

  // Sends a command; resolves with its ack, rejects with its error.
  command(msg) {
    const rid = newRid();
    const full = { ...msg, rid };
    return new Promise((resolve, reject) => {
      this.pending.set(rid, { msg: full, resolve, reject });
      this.saveQueue();
      this.sendQueued(rid);
    });
  }

  // A request that is only worth making now: refused at once when offline.
  request(msg) {
    if (this.state !== 'live') return Promise.reject({ code: 'unavailable' });
    return this.command(msg);
  }

  sendQueued(rid) {
    const p = this.pending.get(rid);
    if (p && this.ws && this.state === 'live') this.ws.send(JSON.stringify(p.msg));
  }

  flushQueue() {
    for (const rid of this.pending.keys()) this.sendQueued(rid);
  }

  // Only asks survive a reload: a vote or a moderation click is stale by then.
  saveQueue() {
    const asks = [...this.pending.values()].map((p) => p.msg).filter((m) => m.type === 'ask');
    if (asks.length) STORE.setItem(this.queueKey, JSON.stringify(asks));
    else STORE.removeItem(this.queueKey);
  }

  loadQueue() {
    let asks = [];
    try { asks = JSON.parse(STORE.getItem(this.queueKey) || '[]'); } catch { asks = []; }
    for (const msg of asks) {
      this.pending.set(msg.rid, {
        msg,
        resolve: (m) => this.dispatchEvent(new CustomEvent('queued-ack', { detail: m })),
        reject: (m) => this.dispatchEvent(new CustomEvent('error', { detail: m })),
      });
    }
  }

  queuedAsks() {
    return [...this.pending.values()].map((p) => p.msg).filter((m) => m.type === 'ask');
  }

  // --- views ---

  list(filter = () => true) {
    return [...this.questions.values()].filter(filter);
  }
}

// Rank order of the contract: higher score first, then lower id.
export function byRank(a, b) {
  return (b.score - a.score) || (a.id - b.id);
}

export function byNewest(a, b) {
  return (b.created - a.created) || (b.id - a.id);
}

export const isPublic = (q) => q.status === 'approved' || q.status === 'answered';

// Keeps list items across renders: an item is rebuilt only when what it
// shows changed, so a click is not lost to a re-render a vote caused.
export class Keyed {
  constructor(build) {
    this.build = build;
    this.cache = new Map();
  }

  // items: [{id, key, args}] → the elements, reusing unchanged ones.
  render(items) {
    const next = new Map();
    const out = items.map(({ id, key, args }) => {
      const old = this.cache.get(id);
      const e = old && old.key === key ? old.el : this.build(...args);
      next.set(id, { key, el: e });
      return e;
    });
    this.cache = next;
    return out;
  }
}

// Replaces a list's children only where they differ, so unchanged nodes stay put.
export function syncChildren(parent, nodes) {
  const cur = parent.childNodes;
  nodes.forEach((n, i) => {
    if (cur[i] !== n) parent.insertBefore(n, cur[i] || null);
  });
  while (cur.length > nodes.length) parent.lastChild.remove();
}

// Creates an element; every text goes through textContent, never HTML.
export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
