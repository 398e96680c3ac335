// The viewer page (/r/ROOM): ask, follow my questions, read and upvote the
// approved ones. Phone first; every user text is set with textContent.

import { Client, roomFromPath, byRank, byNewest, isPublic, el } from './client.js';
import { VList } from './vlist.js';
import { currentLanguage } from './i18n.js';
import { loadLanguage, languageSwitch, t, errorText } from './i18n.js';
import { connectionBadge } from './common.js';
import { outcome, loadCatalog, spacedCode } from './followup.js';

const room = roomFromPath();
const $ = (id) => document.getElementById(id);
let sort = 'top';
let client;

function statusChip(q) {
  return el('span', { class: `chip ${q.status}`, text: t(`status.${q.status}`) });
}

function voteButton(q) {
  const b = el('button', {
    type: 'button', class: 'vote', 'aria-pressed': q.voted ? 'true' : 'false',
    'aria-label': `${t('viewer.upvote')}: ${q.votes}`, 'data-id': q.id,
  }, el('span', { class: 'arrow', 'aria-hidden': 'true', text: '▲' }), el('span', { class: 'n', text: q.votes }));
  b.disabled = q.mine || q.status !== 'approved';
  b.addEventListener('click', () => toggleVote(q.id));
  return b;
}

// What a row is made of, beyond its votes: a row whose shape is unchanged is
// patched in place when its votes change (a vote storm touches only numbers).
function shape(q, withVote) {
  return [q.text, q.name, q.status, q.featured, q.mine, q.dups > 0, withVote, currentLanguage(),
    JSON.stringify(q.followup || null)].join('\u0001');
}

function patchVotes(li, q) {
  const b = li.querySelector('button.vote');
  if (!b || li.dataset.shape !== shape(q, true)) return false;
  b.setAttribute('aria-pressed', q.voted ? 'true' : 'false');
  b.setAttribute('aria-label', `${t('viewer.upvote')}: ${q.votes}`);
  b.querySelector('.n').textContent = q.votes;
  const by = li.querySelector('.by');
  if (by) by.textContent = t('asked_by', { n: q.votes });
  return true;
}

function item(q, withVote) {
  const meta = el('div', { class: 'meta' },
    q.featured && el('span', { class: 'chip air', text: t('onair') }),
    q.mine && statusChip(q),
    !q.mine && q.status === 'answered' && statusChip(q),
    q.name && el('span', { text: q.name }),
    q.dups > 0 && el('span', { class: 'by', text: t('asked_by', { n: q.votes }) }));
  return el('li', { class: `q${q.featured ? ' featured' : ''}`, 'data-id': q.id, 'data-shape': shape(q, withVote) },
    withVote && voteButton(q),
    el('div', { class: 'body' }, el('p', { class: 'text', text: q.text }), meta, ...outcome(q, client.roomInfo)));
}

// One render per animation frame, whatever asked for it.
let frame = 0;
function render() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
}

// What a row shows: redrawn only when the question or the language changed.
const versions = new WeakMap();
let nextVersion = 1;
function rowKey(id) {
  const q = client.questions.get(id);
  if (!q) return 'gone';
  let v = versions.get(q);
  if (!v) versions.set(q, v = nextVersion++);
  return `${v}|${currentLanguage()}`;
}

// With a partial welcome, only the part of each order the hub has sent
// without a hole is shown; scrolling to its end loads the next page.
function loaded(n) {
  return client.hasMore(sort) ? Math.min(n, client.paging[sort]) : n;
}

function onRange(first, last, n) {
  if (n && last >= n - 5 && client.hasMore(sort)) client.page(sort);
}

function draw() {
  const info = client.roomInfo;
  if (info) {
    $('title').textContent = info.title;
    document.title = `${info.title} — ${t('app')}`;
    $('closed').hidden = info.open;
    $('send').disabled = !info.open;
  }
  const all = client.list();
  const mine = all.filter((q) => q.mine).sort(byNewest);
  // An ask whose question's event came before its ack is shown once, as the question.
  const words = (s) => String(s || '').replace(/\s+/g, ' ').trim();
  const mineTexts = new Set(mine.map((q) => words(q.text)));
  const queued = client.queuedAsks().filter((m) => !mineTexts.has(words(m.text)));
  $('mine-card').hidden = mine.length === 0 && queued.length === 0;
  // Redrawn only when something in it changed.
  const sig = [...queued.map((m) => m.rid), ...mine.map((q) => `${q.id}:${shape(q, false)}:${q.votes}`)].join();
  if ($('mine').dataset.sig !== sig) {
    $('mine').dataset.sig = sig;
    $('mine').replaceChildren(
      ...queued.map((m) => el('li', { class: 'q' }, el('div', { class: 'body' },
        el('p', { class: 'text', text: m.text }),
        el('div', { class: 'meta' }, el('span', { class: 'chip pending', text: t('status.queued') }))))),
      ...mine.map((q) => item(q, false)));
  }
  const pub = all.filter(isPublic).sort(sort === 'top' ? byRank : byNewest);
  const featured = pub.filter((q) => q.featured);
  const rest = pub.filter((q) => !q.featured);
  const shown = [...featured, ...rest.slice(0, loaded(rest.length))];
  $('empty').hidden = shown.length > 0;
  list.setItems(shown.map((q) => q.id));
  list.flush();
  renderSimilar();
}

let list;

async function toggleVote(id) {
  const q = client.questions.get(id);
  if (!q) return;
  const was = { voted: q.voted, votes: q.votes };
  // Instant feedback, rolled back if the hub refuses.
  client.questions.set(id, { ...q, voted: !was.voted, votes: q.votes + (was.voted ? -1 : 1) });
  render();
  try {
    const ack = await client.command({ type: was.voted ? 'unvote' : 'vote', id });
    const cur = client.questions.get(id);
    if (cur) client.questions.set(id, { ...cur, votes: ack.votes, voted: ack.voted });
  } catch (err) {
    const cur = client.questions.get(id);
    if (cur) client.questions.set(id, { ...cur, ...was });
    notice(errorText(err), true);
  }
  render();
}

function notice(text, bad = false) {
  $('notice').textContent = text;
  $('notice').classList.toggle('bad', bad);
}

// While a viewer types, up to three approved questions like the draft.
let similarTimer = null;
let similarFor = '';
let similarItems = [];

// An answer an earlier broadcast gave to a question like the draft.
function pastItem(p) {
  const when = new Date(p.at).toLocaleDateString(currentLanguage());
  return el('li', { class: 'q past' }, el('div', { class: 'body' },
    el('p', { class: 'text', text: p.text }),
    el('p', { class: 'by', text: t('viewer.answered_before', { room: p.title || p.room, date: when }) })));
}

// Drawn from the live copy, so votes and status stay current.
function renderSimilar() {
  const qs = similarItems.filter((x) => x.q).map(({ q }) => client.questions.get(q.id) || q).filter(isPublic);
  const past = similarItems.filter((x) => x.past).map((x) => x.past);
  $('similar').hidden = qs.length + past.length === 0;
  $('similar-list').replaceChildren(...qs.map((q) => item(q, true)), ...past.map(pastItem));
}

function showSimilar(items) {
  similarItems = items;
  renderSimilar();
}

function lookSimilar() {
  clearTimeout(similarTimer);
  const text = $('text').value.trim();
  if ([...text].length < 12) {
    similarFor = '';
    showSimilar([]);
    return;
  }
  similarTimer = setTimeout(async () => {
    if (text === similarFor) return;
    similarFor = text;
    try {
      const ack = await client.request({ type: 'similar', text });
      if ($('text').value.trim() === text) showSimilar(ack.similar || []);
    } catch {
      /* rate limited or offline: the panel just stays as it was */
    }
  }, 600);
}

function updateCounter() {
  const n = [...$('text').value.trim()].length;
  $('counter').textContent = t('viewer.chars', { n });
  $('counter').classList.toggle('over', n > 500);
}

async function submit(e) {
  e.preventDefault();
  const text = $('text').value.trim();
  if (!text) {
    notice(t('error.empty'), true);
    return;
  }
  const name = $('name').value.trim();
  localStorage.setItem('surak.name', name);
  const p = client.command({ type: 'ask', text, ...(name && { name }) });
  $('text').value = '';
  updateCounter();
  lookSimilar();
  if (client.state !== 'live') notice(t('viewer.queued'));
  render();
  try {
    const ack = await p;
    notice(ack.duplicate_of ? t('viewer.duplicate')
      : t(ack.status === 'approved' ? 'viewer.sent_open' : 'viewer.sent'));
    showReceipt(ack.receipt);
  } catch (err) {
    notice(errorText(err), true);
    if (err.code === 'rate_limited' || err.code === 'room_closed') $('text').value = text;
  }
  render();
}

// The receipt code of the last question asked, with the page that follows it.
function showReceipt(code) {
  if (!code) return;
  const shown = spacedCode(code);
  $('receipt').hidden = false;
  $('receipt').replaceChildren(
    el('p', { class: 'code', text: t('viewer.receipt', { code: shown }) }),
    el('p', { class: 'hint', text: t('viewer.receipt_hint') }),
    el('a', { href: `/q/${code}`, text: `${location.host}/q/${shown}` }));
  $('receipt').dataset.code = code;
}

async function main() {
  // The WebSocket opens while the language loads: on a slow network each
  // round trip saved is a question on screen sooner.
  const language = loadLanguage();
  if (room) {
    client = new Client({ room, role: 'viewer', partial: true });
    client.start();
  }
  await language;
  await loadCatalog();
  if (!room) {
    $('fatal').hidden = false;
    $('fatal').textContent = t('error.no_room');
    return;
  }
  list = new VList($('list'), {
    build: (id) => item(client.questions.get(id), true), key: rowKey, estimate: 96, overscan: 400, onRange,
    patch: (li, id) => patchVotes(li, client.questions.get(id)),
  });
  connectionBadge(client, $('conn'));
  languageSwitch($('lang'), () => {
    $('empty').textContent = t('viewer.empty');
    if ($('receipt').dataset.code) showReceipt($('receipt').dataset.code);
    render();
    updateCounter();
  });
  $('closed-answers').href = `/a/${room}`;
  $('name').value = localStorage.getItem('surak.name') || '';
  $('text').addEventListener('input', () => { updateCounter(); lookSimilar(); });
  $('ask').addEventListener('submit', submit);
  for (const [id, s] of [['sort-top', 'top'], ['sort-new', 'new']]) {
    $(id).addEventListener('click', () => {
      sort = s;
      $('sort-top').setAttribute('aria-pressed', String(s === 'top'));
      $('sort-new').setAttribute('aria-pressed', String(s === 'new'));
      render();
    });
  }
  client.addEventListener('change', render);
  client.addEventListener('queued-ack', (e) => {
    notice(e.detail.duplicate_of ? t('viewer.duplicate') : t('viewer.sent'));
    showReceipt(e.detail.receipt);
    render();
  });
  client.addEventListener('error', (e) => notice(errorText(e.detail), true));
  client.addEventListener('fatal', (e) => {
    $('fatal').hidden = false;
    $('fatal').textContent = errorText(e.detail);
  });
  if (client.fatal) {		/* refused while the language was loading */
    $('fatal').hidden = false;
    $('fatal').textContent = errorText({ code: client.fatal });
  }
  updateCounter();
  render();
}

main();
