// Loaded first and alone (<script type="module" async>) by the viewer page:
// on a slow phone the page's other modules take a second to arrive and
// run, and the WebSocket need not wait for them. This opens it at once,
// says hello, and keeps what arrives until the page's client takes the
// socket over (takeEarlySocket()); and it starts fetching the page's
// strings. It is also where the browser's client id is kept, so both use
// the same one.

import { prefetchLanguage } from './i18n.js';

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
