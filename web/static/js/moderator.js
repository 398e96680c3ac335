// The moderator page (/m/ROOM#key=…): the queue ranked by score, filters,
// search, every moderation action, and a keyboard shortcut for each
// frequent one. Several moderators may work at once: each sees the others'
// actions as events, and Redis applies each action atomically.

import { Client, roomFromPath, keyFromFragment, byRank, el } from './client.js';
import { loadLanguage, languageSwitch, t, errorText } from './i18n.js';
import { connectionBadge } from './common.js';

const room = roomFromPath();
const $ = (id) => document.getElementById(id);
const FILTERS = ['pending', 'approved', 'answered', 'rejected', 'all'];
let filter = 'pending';
let current = null;	// id of the selected question
let editing = null;	// id being edited
let client;

const KEYS = [
  ['j', 'key.next', () => move(1)],
  ['k', 'key.prev', () => move(-1)],
  ['a', 'act.approve', () => act('approve')],
  ['r', 'act.reject', () => act('reject')],
  ['f', 'act.feature', () => toggleFeature()],
  ['d', 'act.answer', () => act('answer')],
  ['o', 'act.reopen', () => act('reopen')],
  ['e', 'act.edit', () => startEdit(current)],
  ['m', 'act.merge', () => merge(current)],
  ['b', 'act.ban', () => ban(current)],
  ['?', 'key.help', () => toggleHelp()],
];

function visible() {
  const q = $('search').value.trim().toLowerCase();
  return client.list((x) => (filter === 'all' || x.status === filter) &&
    (!q || x.text.toLowerCase().includes(q) || String(x.id) === q ||
      (x.variants || []).some((v) => v.text.toLowerCase().includes(q))))
    .sort((a, b) => (b.featured - a.featured) || byRank(a, b));
}

function notice(text, bad = false) {
  $('notice').textContent = text;
  $('notice').classList.toggle('bad', bad);
}

async function run(msg) {
  try {
    return await client.command(msg);
  } catch (err) {
    notice(`#${msg.id ?? ''} ${errorText(err)}`, true);
    return null;
  }
}

function act(action, id = current) {
  if (id == null) return;
  const q = client.questions.get(id);
  if (!q) return;
  // Acting on the current question moves the selection on, for speed.
  if (id === current && ['approve', 'reject', 'answer'].includes(action)) move(1, true);
  run({ type: 'moderate', id, action });
}

function toggleFeature(id = current) {
  const q = client.questions.get(id);
  if (q) run({ type: 'moderate', id, action: q.featured ? 'unfeature' : 'feature' });
}

function merge(id) {
  if (id == null) return;
  const answer = window.prompt(t('mod.merge_into'));
  const into = Number.parseInt(answer || '', 10);
  if (into > 0) run({ type: 'moderate', id, action: 'merge', into });
}

function ban(id) {
  if (id != null && window.confirm(t('mod.ban_confirm'))) run({ type: 'ban', id });
}

function startEdit(id) {
  if (id == null) return;
  editing = id;
  render();
  const box = document.querySelector(`[data-edit="${id}"] textarea`);
  if (box) box.focus();
}

function move(delta, keepIfLast = false) {
  const ids = visible().map((q) => q.id);
  if (!ids.length) return;
  let i = ids.indexOf(current);
  if (i < 0) i = delta > 0 ? -1 : ids.length;
  const next = ids[Math.max(0, Math.min(ids.length - 1, i + delta))];
  if (next === current && keepIfLast) current = ids[i - 1] ?? null;
  else current = next;
  render();
  document.querySelector(`.mq[data-id="${current}"]`)?.scrollIntoView({ block: 'nearest' });
}

function actionButtons(q) {
  const b = (action, key, label = `act.${action}`) => el('button', {
    type: 'button', onclick: () => act(action, q.id),
  }, t(label), key && el('kbd', { 'aria-hidden': 'true', text: key }));
  return el('div', { class: 'acts' },
    q.status !== 'approved' && q.status !== 'answered' && b('approve', 'A'),
    q.status !== 'rejected' && b('reject', 'R'),
    q.status !== 'rejected' && el('button', { type: 'button', onclick: () => toggleFeature(q.id) },
      t(q.featured ? 'act.unfeature' : 'act.feature'), el('kbd', { 'aria-hidden': 'true', text: 'F' })),
    q.status === 'approved' && b('answer', 'D'),
    (q.status === 'answered' || q.status === 'rejected') && b('reopen', 'O'),
    el('button', { type: 'button', onclick: () => startEdit(q.id) }, t('act.edit'),
      el('kbd', { 'aria-hidden': 'true', text: 'E' })),
    el('button', { type: 'button', onclick: () => merge(q.id) }, t('act.merge'),
      el('kbd', { 'aria-hidden': 'true', text: 'M' })),
    el('button', { type: 'button', onclick: () => ban(q.id) }, t('act.ban'),
      el('kbd', { 'aria-hidden': 'true', text: 'B' })));
}

function editBox(q) {
  const area = el('textarea', { maxlength: '500', 'aria-label': t('act.edit') });
  area.value = q.text;
  const save = () => {
    editing = null;
    run({ type: 'moderate', id: q.id, action: 'edit', text: area.value });
    render();
  };
  area.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); save(); }
    if (e.key === 'Escape') { editing = null; render(); }
  });
  return el('div', { class: 'edit-box', 'data-edit': q.id }, area,
    el('button', { type: 'button', class: 'primary', onclick: save }, t('act.save')),
    el('button', { type: 'button', onclick: () => { editing = null; render(); } }, t('act.cancel')));
}

const allVariants = new Map();	// id -> every variant, once asked for
const openVariants = new Set();	// ids whose variant list is unfolded

async function loadAllVariants(id) {
  const ack = await run({ type: 'variants', id });
  if (ack) {
    allVariants.set(id, ack.q.variants);
    render();
  }
}

function variants(q) {
  const total = q.nvariants ?? (q.variants || []).length;
  const full = allVariants.get(q.id);
  const vs = full && full.length >= total ? full : (q.variants || []);
  if (!total) return null;
  const d = el('details', { ontoggle: (e) => (e.target.open ? openVariants.add(q.id) : openVariants.delete(q.id)) },
    el('summary', { text: t('mod.variants', { n: total }) }),
    el('ul', { class: 'variants' }, vs.map((v) => el('li', {},
      v.text, v.name && ` — ${v.name}`,
      typeof v.similarity === 'number' && v.similarity < 1 &&
        el('span', { class: 'chip', text: t('mod.similarity', { p: Math.round(v.similarity * 100) }) }),
      el('button', { type: 'button', onclick: () => run({ type: 'moderate', id: q.id, action: 'split', variant: v.i }) },
        t('act.split'))))),
    vs.length < total && el('button', { type: 'button', onclick: () => loadAllVariants(q.id) },
      t('mod.show_all', { n: total })));
  d.open = openVariants.has(q.id);
  return d;
}

function row(q) {
  const meta = el('div', { class: 'meta' },
    el('span', { text: `#${q.id}` }),
    el('span', { class: `chip ${q.status}`, text: t(`status.${q.status}`) }),
    q.featured && el('span', { class: 'chip air', text: t('onair') }),
    q.name && el('span', { text: q.name }),
    q.author && el('span', { text: t('mod.author', { a: q.author }) }),
    q.dups > 0 && el('span', { text: t('asked_by', { n: q.votes }) }),
    ...(q.flags || []).map((f) => el('span', { class: 'chip flag', text: f })));
  const li = el('li', {
    class: `mq${q.id === current ? ' current' : ''}`, 'data-id': q.id,
    'aria-current': q.id === current ? 'true' : null,
  },
  el('div', { class: 'score' }, q.votes, el('small', { text: t('votes', { n: '' }).trim() })),
  el('div', { class: 'body' },
    editing === q.id ? editBox(q) : el('p', { class: 'text', text: q.text }),
    meta, variants(q)),
  actionButtons(q));
  li.addEventListener('click', (e) => {
    if (e.target.closest('button, textarea, summary, a')) return;
    current = q.id;
    render();
  });
  return li;
}

function renderTabs() {
  const counts = Object.fromEntries(FILTERS.map((f) => [f, 0]));
  for (const q of client.questions.values()) {
    counts[q.status] = (counts[q.status] || 0) + 1;
    counts.all++;
  }
  $('tabs').replaceChildren(...FILTERS.map((f, i) => el('button', {
    type: 'button', 'aria-pressed': String(f === filter), title: String(i + 1),
    onclick: () => { filter = f; render(); },
  }, t(`filter.${f}`), el('span', { class: 'count', text: `(${counts[f]})` }))));
}

function render() {
  const info = client.roomInfo;
  if (info) {
    $('title').textContent = `${t('mod.title')}: ${info.title}`;
    document.title = `${t('mod.title')} — ${info.title}`;
    $('toggle-open').textContent = info.open ? t('mod.close_room') : t('mod.open_room');
    $('moderation').checked = info.moderation;
  }
  renderTabs();
  const qs = visible();
  if (current != null && !qs.some((q) => q.id === current)) current = null;
  if (current == null && qs.length && editing == null) current = qs[0].id;
  $('list').replaceChildren(...(qs.length ? qs.map(row) : [el('li', { class: 'empty', text: t('mod.empty') })]));
}

function toggleHelp() {
  const d = $('help');
  if (d.open) d.close();
  else {
    $('help-keys').replaceChildren(...KEYS.map(([k, label]) =>
      el('tr', {}, el('td', {}, el('kbd', { text: k.toUpperCase() })), el('td', { text: t(label) }))),
    el('tr', {}, el('td', {}, el('kbd', { text: '/' })), el('td', { text: t('mod.search') })),
    el('tr', {}, el('td', {}, el('kbd', { text: '1–5' })), el('td', { text: FILTERS.map((f) => t(`filter.${f}`)).join(', ') })));
    d.showModal();
  }
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = e.target.tagName;
  if (tag === 'TEXTAREA' || tag === 'INPUT' || tag === 'SELECT') {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if ($('help').open && e.key !== '?') return;
  if (e.key === '/') { e.preventDefault(); $('search').focus(); return; }
  if (e.key === 'ArrowDown') { e.preventDefault(); move(1); return; }
  if (e.key === 'ArrowUp') { e.preventDefault(); move(-1); return; }
  if (/^[1-5]$/.test(e.key)) { filter = FILTERS[Number(e.key) - 1]; render(); return; }
  const k = KEYS.find(([key]) => key === e.key.toLowerCase());
  if (k) { e.preventDefault(); k[2](); }
}

async function exportCsv() {
  const r = await fetch(`/api/rooms/${room}/export.csv`, { headers: { Authorization: `Bearer ${client.key}` } });
  if (!r.ok) { notice(errorText({ code: 'auth_failed' }), true); return; }
  const url = URL.createObjectURL(await r.blob());
  const a = el('a', { href: url, download: `${room}-questions.csv` });
  document.body.append(a);
  a.click();
  a.remove();
  URL.revokeObjectURL(url);
}

function start(key) {
  $('key-form').hidden = true;
  $('app').hidden = false;
  client = new Client({ room, role: 'moderator', key });
  connectionBadge(client, $('conn'));
  client.addEventListener('change', render);
  client.addEventListener('fatal', (e) => {
    $('fatal').hidden = false;
    $('fatal').textContent = errorText(e.detail);
    if (e.detail.code === 'auth_failed') { $('app').hidden = true; $('key-form').hidden = false; }
  });
  $('toggle-open').addEventListener('click', () => run({ type: 'room', open: !client.roomInfo?.open }));
  $('moderation').addEventListener('change', (e) => run({ type: 'room', moderation: e.target.checked }));
  $('export').addEventListener('click', exportCsv);
  $('search').addEventListener('input', render);
  document.addEventListener('keydown', onKey);
  render();
  client.start();
}

async function main() {
  await loadLanguage();
  languageSwitch($('lang'), () => client && render());
  $('help-btn').addEventListener('click', toggleHelp);
  if (!room) {
    $('fatal').hidden = false;
    $('fatal').textContent = t('error.no_room');
    return;
  }
  const key = keyFromFragment();
  if (key) {
    start(key);
    return;
  }
  $('key-form').hidden = false;
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const k = $('key-input').value.trim();
    if (!k) return;
    history.replaceState(null, '', `#key=${encodeURIComponent(k)}`);
    location.reload();
  });
}

main();
