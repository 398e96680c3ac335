// The moderator page (/m/ROOM#key=…): the queue ranked by score, filters,
// search, live counters, every moderation action, bulk approve and reject,
// merge by marking, and a keyboard shortcut for each frequent action.
// Several moderators may work at once: each sees the others' actions as
// events, and Redis applies every action atomically.

import { Client, roomFromPath, keyFromFragment, byRank, el } from './client.js';
import { VList } from './vlist.js';
import { currentLanguage } from './i18n.js';
import { loadLanguage, languageSwitch, t, errorText } from './i18n.js';
import { connectionBadge } from './common.js';
import { whoAmI, signInForm, staffBar } from './staff.js';
import { loadCatalog } from './followup.js';
import { inTriage, tagFilters, drawGroups, rowExtras, assignDialog, tagsDialog } from './modfollow.js';

const room = roomFromPath();
const $ = (id) => document.getElementById(id);
const FILTERS = ['pending', 'approved', 'answered', 'rejected', 'flagged', 'all', 'triage'];
let filter = 'pending';
let current = null;	// id of the selected question
let editing = null;	// id being edited
let merging = null;	// id being merged, once marked with M
const selected = new Set();
let viewers = null;
let staffNow = [];	// names of the staff signed in to this room now
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
  ['m', 'key.merge', () => merge(current)],
  ['s', 'key.merge_suggested', () => mergeSuggested(current)],
  ['n', 'key.dismiss', () => act('dismiss')],
  ['b', 'act.ban', () => ban(current)],
  ['x', 'key.select', () => toggleSelect(current)],
  ['A', 'key.bulk_approve', () => bulk('approve')],
  ['g', 'key.assign', () => current != null && assignDialog([current], run, client.key)],
  ['G', 'key.bulk_assign', () => bulkAssign()],
  ['t', 'key.tags', () => tagsDialog(client.questions.get(current), run)],
  ['R', 'key.bulk_reject', () => bulk('reject')],
  ['?', 'key.help', () => toggleHelp()],
];

const matches = (x) => filter === 'all' || (filter === 'flagged' ? (x.flags || []).length > 0 :
  filter === 'triage' ? inTriage(x) : x.status === filter);
let tagFilter = () => true;

// What the list shows, in order (ids), recomputed only when the questions,
// the filter or the search changed; everything else works on ids, so rows
// that are not in the DOM can be selected, moved to, approved.
let order = [];
let orderDirty = true;
// The search index: per question, the text a search looks in, kept as
// questions arrive (rebuilt only for the ones that changed).
const haystack = new Map();

function indexQuestion(q) {
  haystack.set(q.id, [`#${q.id}`, q.text, q.name || '', ...(q.variants || []).map((v) => v.text)]
    .join('\n').toLowerCase());
}

function onChange(e) {
  const ids = e.detail?.ids;
  if (!ids) {
    haystack.clear();
    for (const q of client.questions.values()) indexQuestion(q);
  } else {
    for (const id of ids) {
      const q = client.questions.get(id);
      if (q) indexQuestion(q);
      else haystack.delete(id);
    }
  }
  orderDirty = true;
  countsDirty = true;
  render();
}

function visible() {
  if (!orderDirty) return order;
  const term = $('search').value.trim().toLowerCase();
  const qs = [];
  for (const q of client.questions.values()) {
    if (!matches(q) || !tagFilter(q)) continue;
    if (term && !(String(q.id) === term || (haystack.get(q.id) || '').includes(term))) continue;
    qs.push(q);
  }
  // Triage: by topic and place, so that a group stands together.
  const group = (q) => `${(q.topics || [])[0] || '~'}|${(q.places || []).at(-1) || '~'}`;
  qs.sort(filter === 'triage' ? (a, b) => group(a).localeCompare(group(b)) || byRank(a, b)
    : (a, b) => (b.featured - a.featured) || byRank(a, b));
  order = qs.map((q) => q.id);
  orderDirty = false;
  rows.setItems(order);
  return order;
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
  if (id == null || !client.questions.get(id)) return;
  // Acting on the current question moves the selection on, for speed.
  if (id === current && ['approve', 'reject', 'answer'].includes(action)) move(1, true);
  run({ type: 'moderate', id, action });
}

function toggleFeature(id = current) {
  const q = client.questions.get(id);
  if (q) run({ type: 'moderate', id, action: q.featured ? 'unfeature' : 'feature' });
}

function toggleSelect(id) {
  if (id == null) return;
  if (selected.has(id)) selected.delete(id);
  else selected.add(id);
  render();
}

// Every selected question, in the DOM or not.
function bulk(action) {
  const ids = [...selected].filter((id) => client.questions.has(id));
  selected.clear();
  for (const id of ids) run({ type: 'moderate', id, action });
  render();
}

// Shift+G: the selection to one department.
function bulkAssign() {
  const ids = [...selected].filter((id) => client.questions.has(id));
  selected.clear();
  render();
  assignDialog(ids, run, client.key);
}

// M marks a question; M (or Enter) on another merges the marked one into it.
function merge(id) {
  if (id == null) return;
  if (merging == null || merging === id) {
    merging = merging === id ? null : id;
  } else {
    run({ type: 'moderate', id: merging, action: 'merge', into: id });
    merging = null;
  }
  render();
}

// "Possibly the same as #N" (the hub's suggestion): merged with one key.
function mergeSuggested(id) {
  const q = client.questions.get(id);
  if (q?.possibly_same) run({ type: 'moderate', id, action: 'merge', into: q.possibly_same });
}

function ban(id) {
  const q = client.questions.get(id);
  if (!q) return;
  $('ban-text').textContent = q.text;
  $('ban').returnValue = '';
  $('ban').showModal();
  $('ban').onclose = () => {
    if ($('ban').returnValue === 'ban') run({ type: 'ban', id });
  };
}

function startEdit(id) {
  if (id == null) return;
  editing = id;
  draw();
  rows.row(id)?.querySelector('textarea')?.focus();
}

// Moves the cursor through the whole list; only the rows it leaves and
// reaches are drawn again.
function move(delta, keepIfLast = false) {
  const ids = visible();
  if (!ids.length) return;
  let i = rows.indexOf(current);
  if (i < 0) i = delta > 0 ? -1 : ids.length;
  const j = Math.max(0, Math.min(ids.length - 1, i + delta));
  if (ids[j] === current && keepIfLast) current = ids[i - 1] ?? null;
  else current = ids[j];
  rows.reveal(rows.indexOf(current), stickyHeight());
}

function stickyHeight() {
  return document.querySelector('header.top')?.offsetHeight || 0;
}

function kbdButton(label, key, onclick) {
  return el('button', { type: 'button', onclick }, label, key && el('kbd', { 'aria-hidden': 'true', text: key }));
}

function actionButtons(q) {
  const b = (action, key) => kbdButton(t(`act.${action}`), key, () => act(action, q.id));
  return el('div', { class: 'acts' },
    q.status !== 'approved' && q.status !== 'answered' && b('approve', 'A'),
    q.status !== 'rejected' && b('reject', 'R'),
    q.status !== 'rejected' && kbdButton(t(q.featured ? 'act.unfeature' : 'act.feature'), 'F', () => toggleFeature(q.id)),
    q.status === 'approved' && b('answer', 'D'),
    (q.status === 'answered' || q.status === 'rejected') && b('reopen', 'O'),
    kbdButton(t('act.edit'), 'E', () => startEdit(q.id)),
    (q.status === 'approved' || q.status === 'answered') && !q.followup?.answer &&
      kbdButton(t('act.assign'), 'G', () => assignDialog([q.id], run, client.key)),
    kbdButton(t('act.tag'), 'T', () => tagsDialog(q, run)),
    kbdButton(t('act.merge'), 'M', () => merge(q.id)),
    kbdButton(t('act.ban'), 'B', () => ban(q.id)));
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

const allVariants = new Map();	// id -> the variants fetched so far, in order
const openVariants = new Set();	// ids whose variant list is unfolded

// The variants come a page at a time (the hub sends at most 500 a reply):
// the first page when the list is opened, the next on "more".
const loadingVariants = new Set();
async function loadVariants(id, offset = 0) {
  if (loadingVariants.has(id)) return;
  loadingVariants.add(id);
  const ack = await run({ type: 'variants', id, offset });
  loadingVariants.delete(id);
  if (ack) {
    const had = offset > 0 ? (allVariants.get(id) || []).slice(0, offset) : [];
    allVariants.set(id, had.concat(ack.q.variants));
    openVariants.add(id);
    render();
  }
}

// Events carry how many variants a question has; the variants themselves
// are fetched when the list is opened (and again when their number grows).
function variants(q) {
  const total = q.nvariants ?? 0;
  const vs = allVariants.get(q.id) || [];
  if (!total) return null;
  const stale = vs.length === 0 || vs.length > total || (vs.length < total && vs.length % 500 !== 0);
  const d = el('details', {
    ontoggle: (e) => {
      if (!e.target.open) { openVariants.delete(q.id); return; }
      openVariants.add(q.id);
      if (stale) loadVariants(q.id);
    },
  },
  el('summary', { text: t('mod.variants', { n: total }) }),
  el('ul', { class: 'variants' }, vs.map((v) => el('li', {},
    v.text, v.name && ` — ${v.name}`, v.phone && ` · ${v.phone}`,
    typeof v.similarity === 'number' && v.similarity < 1 &&
      el('span', { class: 'chip', text: t('mod.similarity', { p: Math.round(v.similarity * 100) }) }),
    el('button', { type: 'button', onclick: () => run({ type: 'moderate', id: q.id, action: 'split', variant: v.i }) },
      t('act.split'))))),
  vs.length < total && !stale && el('button', { type: 'button', onclick: () => loadVariants(q.id, vs.length) },
    t('mod.more_variants', { n: total - vs.length })));
  d.open = openVariants.has(q.id);
  if (d.open && stale) loadVariants(q.id);
  return d;
}

// What staff and keys did to a question (the audit), fetched when opened:
// "approved by Айгерим 14:02".
const histories = new Map();	// id -> {updated, entries}, once fetched
const openHistory = new Set();
const loadingHistory = new Set();

async function loadHistory(q) {
  if (loadingHistory.has(q.id)) return;
  loadingHistory.add(q.id);
  const ack = await run({ type: 'history', id: q.id });
  loadingHistory.delete(q.id);
  if (ack) {
    histories.set(q.id, { updated: q.updated, entries: ack.entries });
    render();
  }
}

function historyLine(e) {
  const who = e.by || (e.actor === 'key:moderator' ? t('hist.mod_key') :
    e.actor === 'key:presenter' ? t('hist.pres_key') : e.actor);
  const time = new Date(e.at).toLocaleTimeString(currentLanguage(), { hour: '2-digit', minute: '2-digit' });
  const label = t(`act.${e.action}`) === `act.${e.action}` ? e.action : t(`act.${e.action}`);
  return el('li', { text: t('hist.line', { action: label, who, time }) });
}

function history(q) {
  const h = histories.get(q.id);
  // Fetched when opened, and again once the question has changed since.
  const stale = !h || h.updated !== q.updated;
  const d = el('details', {
    class: 'history',
    ontoggle: (e) => {
      if (!e.target.open) { openHistory.delete(q.id); return; }
      openHistory.add(q.id);
      if (stale) loadHistory(q);
    },
  },
  el('summary', { text: t('mod.history') }),
  h && (h.entries.length ? el('ul', { class: 'hist' }, h.entries.map(historyLine)) : el('p', { text: t('hist.none') })));
  d.open = openHistory.has(q.id);
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
    ...(q.flags || []).map((f) => el('span', { class: 'chip flag', text: f })),
    q.like && el('span', { class: 'chip flag', text: t('mod.like', { id: q.like }) }),
    q.asked_before && el('span', {
      class: 'chip flag',
      text: t('mod.asked_before', { room: q.asked_before.title || q.asked_before.room, status: t(`status.${q.asked_before.status}`) }),
      title: q.asked_before.text,
    }),
    q.possibly_same && el('span', { class: 'maybe' },
      el('span', { class: 'chip flag', text: t('mod.possibly_same', { id: q.possibly_same }) }),
      kbdButton(t('act.merge_suggested'), 'S', () => mergeSuggested(q.id)),
      kbdButton(t('act.dismiss'), 'N', () => act('dismiss', q.id))),
    q.held_votes > 0 && el('span', { class: 'held' },
      el('span', { class: 'chip flag', text: t('mod.held', { n: q.held_votes }) }),
      el('button', { type: 'button', onclick: () => run({ type: 'moderate', id: q.id, action: 'release_votes' }) },
        t('act.release_votes')),
      el('button', { type: 'button', onclick: () => run({ type: 'moderate', id: q.id, action: 'discard_votes' }) },
        t('act.discard_votes'))));
  const box = el('input', {
    type: 'checkbox', 'aria-label': `${t('act.select')} #${q.id}`,
    onchange: () => toggleSelect(q.id),
  });
  box.checked = selected.has(q.id);
  const li = el('li', {
    class: `mq${q.id === current ? ' current' : ''}${q.id === merging ? ' merging' : ''}`,
    'data-id': q.id, 'aria-current': q.id === current ? 'true' : null,
  },
  el('div', { class: 'score' }, box, el('span', { class: 'n', text: q.votes })),
  el('div', { class: 'body' },
    editing === q.id ? editBox(q) : el('p', { class: 'text', text: q.text }),
    meta, ...rowExtras(q, client.roomInfo), variants(q), history(q)),
  actionButtons(q));
  li.addEventListener('click', (e) => {
    if (e.target.closest('button, textarea, summary, a, input')) return;
    current = q.id;
    render();
  });
  return li;
}

// What a row shows, as a string: the row is drawn again only when it changes.
const versions = new WeakMap();
let nextVersion = 1;
function version(q) {
  let v = versions.get(q);
  if (!v) versions.set(q, v = nextVersion++);
  return v;
}

function rowKey(id) {
  const q = client.questions.get(id);
  return q ? `${version(q)}|${id === current}|${id === merging}|${selected.has(id)}|${editing === id}|` +
    `${openVariants.has(id)}|${(allVariants.get(id) || []).length}|${openHistory.has(id)}|` +
    `${histories.get(id)?.entries.length ?? -1}|${currentLanguage()}` : 'gone';
}

// Counts by status (one pass over the questions, only when they changed).
let counts = null;
let countsDirty = true;
function countAll() {
  if (counts && !countsDirty) return counts;
  countsDirty = false;
  counts = Object.fromEntries(FILTERS.map((f) => [f, 0]));
  counts.received = 0;
  for (const q of client.questions.values()) {
    counts[q.status] = (counts[q.status] || 0) + 1;
    if ((q.flags || []).length) counts.flagged++;
    if (inTriage(q)) counts.triage++;
    counts.all++;
    counts.received += 1 + (q.dups || 0);
  }
  return counts;
}

// Sets a node's text only when it differs (no layout work for nothing).
function setText(node, text) {
  if (node.textContent !== String(text)) node.textContent = text;
}

function renderStats() {
  const c = countAll();
  const items = [
    ['stats.received', c.received], ['filter.pending', c.pending], ['filter.approved', c.approved],
    ['filter.answered', c.answered], ['filter.rejected', c.rejected],
  ];
  if (viewers !== null) items.push(['stats.viewers', viewers]);
  if (staffNow.length) items.push(['stats.staff', staffNow.join(', ')]);
  const sig = items.map(([l, n]) => `${l}=${n}`).join() + currentLanguage();
  if ($('stats').dataset.sig === sig) return;
  $('stats').dataset.sig = sig;
  $('stats').replaceChildren(...items.map(([label, n]) =>
    el('span', { 'data-stat': label }, el('b', { text: n }), ` ${t(label).toLowerCase()}`)));
}

function renderTabs() {
  const c = countAll();
  const sig = FILTERS.map((f) => c[f]).join() + filter + currentLanguage();
  if ($('tabs').dataset.sig === sig) return;
  $('tabs').dataset.sig = sig;
  $('tabs').replaceChildren(...FILTERS.map((f, i) => el('button', {
    type: 'button', 'aria-pressed': String(f === filter), title: String(i + 1),
    onclick: () => setFilter(f),
  }, t(`filter.${f}`), el('span', { class: 'count', text: `(${c[f]})` }))));
}

function setFilter(f) {
  filter = f;
  orderDirty = true;
  render();
}

// Draws what changed, at most once per animation frame.
let frame = 0;
function render() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
}

function draw() {
  const info = client.roomInfo;
  if (info) {
    $('title').textContent = `${t('mod.title')}: ${info.title}`;
    document.title = `${t('mod.title')} — ${info.title}`;
    $('toggle-open').textContent = info.open ? t('mod.close_room') : t('mod.open_room');
    $('moderation').checked = info.moderation;
  }
  for (const id of [...selected]) if (!client.questions.has(id)) selected.delete(id);
  if (merging != null && !client.questions.has(merging)) merging = null;
  const ids = visible();
  renderStats();
  renderTabs();
  $('bulk').hidden = selected.size === 0;
  setText($('bulk-count'), t('mod.selected', { n: selected.size }));
  $('merge-banner').hidden = merging == null;
  setText($('merge-banner'), merging == null ? '' : t('mod.merge_mode', { id: merging }));
  if (current != null && rows.indexOf(current) < 0) current = null;
  if (current == null && ids.length && editing == null) current = ids[0];
  $('empty').hidden = ids.length > 0;
  $('groups').hidden = filter !== 'triage';
  if (filter === 'triage') {
    drawGroups(ids.map((id) => client.questions.get(id)), (group) => {
      for (const id of group) selected.add(id);
      render();
    });
  }
  rows.flush();
}

let rows;

function toggleHelp() {
  const d = $('help');
  if (d.open) {
    d.close();
    return;
  }
  $('help-keys').replaceChildren(...KEYS.map(([k, label]) =>
    el('tr', {}, el('td', {}, el('kbd', { text: k === k.toLowerCase() ? k.toUpperCase() : `Shift+${k}` })),
      el('td', { text: t(label) }))),
  el('tr', {}, el('td', {}, el('kbd', { text: '↑ ↓' })), el('td', { text: `${t('key.prev')} / ${t('key.next')}` })),
  el('tr', {}, el('td', {}, el('kbd', { text: '/' })), el('td', { text: t('mod.search') })),
  el('tr', {}, el('td', {}, el('kbd', { text: `1–${FILTERS.length}` })),
    el('td', { text: FILTERS.map((f) => t(`filter.${f}`)).join(', ') })));
  d.showModal();
}

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = e.target.tagName;
  if (tag === 'TEXTAREA' || tag === 'INPUT' || tag === 'SELECT') {
    if (e.key === 'Escape') e.target.blur();
    return;
  }
  if ($('help').open || $('ban').open || $('assign').open || $('tags').open) return;
  if (e.key === 'Escape' && merging != null) { merging = null; render(); return; }
  if (e.key === 'Enter' && merging != null) { e.preventDefault(); merge(current); return; }
  if (e.key === '/') { e.preventDefault(); $('search').focus(); return; }
  if (e.key === 'ArrowDown') { e.preventDefault(); move(1); return; }
  if (e.key === 'ArrowUp') { e.preventDefault(); move(-1); return; }
  const n = Number(e.key);
  if (n >= 1 && n <= FILTERS.length) { setFilter(FILTERS[n - 1]); return; }
  const k = KEYS.find(([key]) => key === e.key) || KEYS.find(([key]) => key === e.key.toLowerCase() && key !== key.toUpperCase());
  if (k) { e.preventDefault(); k[2](); }
}

async function exportCsv() {
  // With the room's key, or (signed in) the session cookie.
  const headers = client.key ? { Authorization: `Bearer ${client.key}` } : {};
  const r = await fetch(`/api/rooms/${room}/export.csv`, { headers, credentials: 'same-origin' });
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
  rows = new VList($('list'), { build: (id) => row(client.questions.get(id)), key: rowKey, estimate: 110 });
  connectionBadge(client, $('conn'));
  client.addEventListener('change', onChange);
  client.addEventListener('stats', (e) => {
    viewers = e.detail.viewers;
    staffNow = e.detail.staff || [];
    renderStats();
  });
  client.addEventListener('fatal', (e) => {
    $('fatal').hidden = false;
    $('fatal').textContent = errorText(e.detail);
    if (e.detail.code === 'auth_failed') { $('app').hidden = true; $('key-form').hidden = false; }
  });
  $('toggle-open').addEventListener('click', () => run({ type: 'room', open: !client.roomInfo?.open }));
  $('moderation').addEventListener('change', (e) => run({ type: 'room', moderation: e.target.checked }));
  $('export').addEventListener('click', exportCsv);
  $('search').addEventListener('input', () => { orderDirty = true; render(); });
  $('bulk-approve').addEventListener('click', () => bulk('approve'));
  $('bulk-reject').addEventListener('click', () => bulk('reject'));
  $('bulk-assign').addEventListener('click', bulkAssign);
  tagFilter = tagFilters(() => { orderDirty = true; render(); });
  document.addEventListener('keydown', onKey);
  render();
  client.start();
}

async function main() {
  await loadLanguage();
  await loadCatalog();
  languageSwitch($('lang'), () => { if (client) { $('empty').textContent = t('mod.empty'); render(); } });
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
  // No key: a signed-in member of staff, or the sign-in form (and the key form beside it).
  const user = await whoAmI();
  if (user) {
    staffBar($('staff'), user);
    start(null);
    return;
  }
  signInForm($('signin-box'), () => location.reload());
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
