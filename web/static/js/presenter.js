// The presenter page (/p/ROOM#key=…), for a big screen: the question on air
// in large type with who asked it and how many asked it, the approved
// queue in rank order below. N puts the next one on air, A marks the
// current one answered.

import { Client, roomFromPath, keyFromFragment, byRank, el } from './client.js';
import { loadLanguage, languageSwitch, t, errorText } from './i18n.js';
import { connectionBadge } from './common.js';
import { whoAmI, signInForm, staffBar } from './staff.js';

const room = roomFromPath();
const $ = (id) => document.getElementById(id);
let client;

const featured = () => client.list((q) => q.featured)[0] || null;
const queue = () => client.list((q) => q.status === 'approved' && !q.featured).sort(byRank);

function render() {
  const info = client.roomInfo;
  if (info) {
    $('title').textContent = info.title;
    document.title = info.title;
  }
  const f = featured();
  $('onair').classList.toggle('waiting', !f);
  $('air-text').textContent = f ? f.text : t('pres.waiting');
  $('air-who').textContent = f
    ? [f.name, t('asked_by', { n: f.votes })].filter(Boolean).join(' · ') : '';
  $('queue').replaceChildren(...queue().slice(0, 6).map((q) => el('li', {},
    el('span', { class: 'n', text: q.votes }), el('span', { class: 't', text: q.text }))));
  $('answered').disabled = !f;
  $('next').disabled = queue().length === 0;
}

async function run(msg) {
  try {
    await client.command(msg);
  } catch (err) {
    $('fatal').hidden = false;
    $('fatal').textContent = errorText(err);
  }
}

function answered() {
  const f = featured();
  if (f) run({ type: 'moderate', id: f.id, action: 'answer' });
}

function next() {
  const q = queue()[0];
  if (q) run({ type: 'moderate', id: q.id, action: 'feature' });
}

// With a key in the fragment (OBS, rooms run the old way) or signed in.
async function main() {
  await loadLanguage();
  if (!room) return;
  const key = keyFromFragment();
  const user = key ? null : await whoAmI();
  if (!key && !user) {
    $('app').hidden = true;
    signInForm($('signin-box'), () => location.reload());
    return;
  }
  if (user) staffBar($('staff'), user);
  client = new Client({ room, role: 'presenter', key, partial: true });
  $('qr').src = `/api/rooms/${room}/qr.svg`;
  $('qr').alt = t('pres.qr_alt');
  $('qr-download').href = `/api/rooms/${room}/qr.svg?download=1`;
  $('qr-url').textContent = `${location.host}/r/${room}`;
  // Beside the web link, the bot's deep link when the hub has a bot.
  fetch('/api/telegram').then((r) => r.json()).then(({ bot }) => {
    if (!bot) return;
    $('qr-tg').textContent = `Telegram: t.me/${bot}?start=${room}`;
    $('qr-tg').hidden = false;
  }).catch(() => {});
  connectionBadge(client, $('conn'));
  languageSwitch($('lang'), () => { $('qr').alt = t('pres.qr_alt'); render(); });
  client.addEventListener('change', render);
  client.addEventListener('fatal', (e) => {
    $('fatal').hidden = false;
    $('fatal').textContent = errorText(e.detail);
  });
  $('answered').addEventListener('click', answered);
  $('next').addEventListener('click', next);
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.target.tagName === 'SELECT') return;
    if (e.key.toLowerCase() === 'a') answered();
    if (e.key.toLowerCase() === 'n') next();
  });
  render();
  client.start();
}

main();
