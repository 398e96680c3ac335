// A stand-in for Telegram's Bot API on loopback (the hub's --telegram-api
// points at it): getMe, getUpdates with offset and timeout (a long poll),
// sendMessage, and the documented failures on demand: 429 with
// retry_after, 409 when two pollers overlap, 5xx, and a Telegram that is
// down (connections cut). It keeps what the hub asked and sent.
import http from 'node:http';

export const BOT_TOKEN = '123456:TEST-token';

export class BotApi {
  static async start() {
    const b = new BotApi();
    await new Promise((resolve) => b.server.listen(0, '127.0.0.1', resolve));
    b.url = `http://127.0.0.1:${b.server.address().port}`;
    return b;
  }

  constructor() {
    this.updates = [];
    this.nextId = 1000;
    this.sent = [];
    this.polls = [];	// {agent, offset, at}
    this.failures = [];	// the next getUpdates answers: {status, body}
    this.down = false;
    this.waiting = new Set();	// long polls waiting for an update
    this.served = [];	// callbacks run when updates are handed out
    this.conflicts = 0;
    this.refused = 0;	// requests cut while down
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  // A message from a resident.
  message(chat, text, { first_name = 'Айдос', language_code = 'ru', user = chat } = {}) {
    const u = {
      update_id: this.nextId++,
      message: { message_id: this.nextId, date: Math.floor(Date.now() / 1000), text,
        chat: { id: chat, type: 'private' }, from: { id: user, is_bot: false, first_name, language_code } },
    };
    this.updates.push(u);
    for (const w of this.waiting) w();
    return u.update_id;
  }

  // Telegram unreachable: connections cut, long polls in flight too.
  goDown() {
    this.down = true;
    for (const w of this.waiting) w();
  }

  sentTo(chat) {
    return this.sent.filter((m) => String(m.chat_id) === String(chat)).map((m) => m.text);
  }

  answer(res, status, body) {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  async handle(req, res) {
    if (this.down) {
      this.refused++;
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url, this.url);
    const m = /^\/bot([^/]+)\/(\w+)$/.exec(url.pathname);
    if (!m || m[1] !== BOT_TOKEN) {
      this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const method = m[2];
    if (method === 'getMe') {
      this.answer(res, 200, { ok: true, result: { id: 123456, is_bot: true, first_name: 'Сұрақ', username: 'surak_test_bot' } });
    } else if (method === 'sendMessage') {
      const msg = JSON.parse(body || '{}');
      this.sent.push({ ...msg, at: Date.now() });
      this.answer(res, 200, { ok: true, result: { message_id: this.sent.length, chat: { id: msg.chat_id }, text: msg.text } });
    } else if (method === 'getUpdates') {
      await this.getUpdates(req, res, url);
    } else {
      this.answer(res, 404, { ok: false, error_code: 404, description: 'Not Found: method not found' });
    }
  }

  async getUpdates(req, res, url) {
    const offset = Number(url.searchParams.get('offset') || 0);
    const timeout = Math.min(Number(url.searchParams.get('timeout') || 0), 30);
    const agent = req.headers['user-agent'];
    this.polls.push({ agent, offset, at: Date.now() });
    const failure = this.failures.shift();
    if (failure) {
      this.answer(res, failure.status, failure.body);
      return;
    }
    // Telegram allows one getUpdates at a time per bot.
    if (this.active && this.active !== agent) {
      this.conflicts++;
      this.answer(res, 409, { ok: false, error_code: 409, description: 'Conflict: terminated by other getUpdates request' });
      return;
    }
    this.active = agent;
    const pending = () => this.updates.filter((u) => u.update_id >= offset);
    if (pending().length === 0 && timeout > 0) {
      await new Promise((resolve) => {
        const done = () => { this.waiting.delete(done); clearTimeout(timer); resolve(); };
        const timer = setTimeout(done, timeout * 1000);
        this.waiting.add(done);
        res.on('close', done);
      });
    }
    this.active = null;
    if (this.down) {	/* went down during the long poll: the connection is cut */
      this.refused++;
      req.socket.destroy();
      return;
    }
    const out = pending().slice(0, 100);
    if (res.destroyed) return;
    this.answer(res, 200, { ok: true, result: out });
    if (out.length) for (const f of this.served.splice(0)) f(out);
  }

  async stop() {
    for (const w of this.waiting) w();
    this.server.closeAllConnections?.();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
