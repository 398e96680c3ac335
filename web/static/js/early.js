// Loaded first and alone (<script type="module" async>) by the viewer page:
// on a slow phone the page's other modules take a second to arrive and
// run, and the WebSocket need not wait for them. This opens it at once,
// says hello, and keeps what arrives until the page's client takes the
// socket over (takeEarlySocket()); and it starts fetching the page's
// strings. It is also where the browser's client id is kept, so both use
// the same one, and where the language is chosen (i18n.js uses it). It
// imports nothing, so it runs the moment it arrives.

export const LANGS = ['ru', 'kk', 'en'];

export function clientId() {
  let id = localStorage.getItem('surak.client');
  if (!id || !/^[A-Za-z0-9_-]{16,64}$/.test(id)) {
    const bytes = new Uint8Array(18);
    crypto.getRandomValues(bytes);
    id = btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    localStorage.setItem('surak.client', id);
  }
  return id;
}

// The page's language: a saved choice, else the browser's, else Russian.
export function pickLanguage() {
  const saved = localStorage.getItem('surak.lang');
  if (LANGS.includes(saved)) return saved;
  for (const l of navigator.languages || [navigator.language || '']) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'kz') return 'kk';
    if (LANGS.includes(base)) return base;
  }
  return 'ru';
}

// The strings of a language, fetched once (started here, before the page's modules run).
const fetched = new Map();
export function prefetchLanguage(l = pickLanguage()) {
  if (!fetched.has(l)) fetched.set(l, fetch(`/static/i18n/${l}.json`).then((r) => r.json()));
  return fetched.get(l);
}

let early = null;

function open() {
  const m = location.pathname.match(/^\/r\/([a-z0-9][a-z0-9-]{0,63})$/);
  if (!m || typeof WebSocket === 'undefined') return;
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  let ws;
  try {
    ws = new WebSocket(`${proto}//${location.host}/ws`, 'qa.v1');
  } catch {
    return;
  }
  const hello = { type: 'hello', room: m[1], role: 'viewer', client: clientId(), partial: true };
  early = { ws, room: m[1], hello, messages: [], closed: false };
  ws.onopen = () => ws.send(JSON.stringify(hello));
  ws.onmessage = (e) => early.messages.push(e.data);
  ws.onclose = () => { early.closed = true; };
}

// The socket opened early for this room and role, with what it received so
// far, or null; it is given once.
export function takeEarlySocket(room, role) {
  const e = early;
  early = null;
  if (!e || e.room !== room || role !== 'viewer' || e.closed) {
    if (e && !e.closed) e.ws.close();
    return null;
  }
  return e;
}

open();
prefetchLanguage();
