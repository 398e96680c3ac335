// The public record of a broadcast (/a/ROOM): every question viewers may
// see, with its outcome (on air, with the moment of the recording; assigned
// to a department by a day; answered in writing), filtered by topic, place
// and outcome, searched, printed. The rows are built once and filtered by
// hiding them, so a room of 2,000 questions stays quick on a phone; the
// filters live in the address, so a filtered page can be shared.

import { roomFromPath, byRank, el } from './client.js';
import { loadLanguage, languageSwitch, t } from './i18n.js';
import { outcome, tagChips, tagName, loadCatalog, addDepartmentNames, isOverdue } from './followup.js';

const $ = (id) => document.getElementById(id);
const room = roomFromPath();
let data = null;
let rows = [];	// [{q, li, hay}]

const OUTCOMES = ['all', 'on_air', 'in_writing', 'assigned', 'overdue'];
const outcomeOf = {
  on_air: (q) => q.status === 'answered',
  in_writing: (q) => Boolean(q.followup?.answer),
  assigned: (q) => Boolean(q.followup && !q.followup.answer),
  overdue: (q) => isOverdue(q),
};
const outcomeLabel = {
  all: 'answers.all', on_air: 'desk.on_air', in_writing: 'desk.in_writing', assigned: 'answers.open', overdue: 'desk.overdue',
};

function options(select, items, value) {
  select.replaceChildren(...items.map(([v, label]) => el('option', { value: v, text: label })));
  select.value = items.some(([v]) => v === value) ? value : items[0][0];
}

function fillFilters() {
  const params = new URLSearchParams(location.search);
  const seen = (k) => [...new Set(data.questions.flatMap((q) => q[k] || []))];
  const order = (kind, ids) => ids.sort((a, b) => tagName(kind, a).localeCompare(tagName(kind, b)));
  options($('topic'), [['', t('mod.any_topic')], ...order('topics', seen('topics')).map((id) => [id, tagName('topics', id)])],
    $('topic').value || params.get('topic') || '');
  options($('place'), [['', t('mod.any_place')], ...order('places', seen('places')).map((id) => [id, tagName('places', id)])],
    $('place').value || params.get('place') || '');
  options($('outcome'), OUTCOMES.map((o) => [o, t(outcomeLabel[o])]), $('outcome').value || params.get('outcome') || 'all');
  if (!$('search').value && params.get('q')) $('search').value = params.get('q');
}

function row(q) {
  return el('li', { class: 'q', 'data-id': q.id }, el('div', { class: 'body' },
    el('p', { class: 'text', text: q.text }),
    el('div', { class: 'meta' }, el('span', { text: `#${q.id}` }), q.name && el('span', { text: q.name }),
      el('span', { text: t('votes', { n: q.votes }) }), ...tagChips(q)),
    ...outcome(q, data.room)));
}

// The rows are built a slice at a time: the first at once, the rest between
// frames, so that a phone shows the top of the list before it has built the
// whole of it (and stays responsive meanwhile). Printing builds the rest first.
let built = 0;
let building = 0;
function buildSome(count) {
  const frag = document.createDocumentFragment();
  const end = Math.min(rows.length, built + count);
  for (; built < end; built++) {
    const r = rows[built];
    r.li = row(r.q);
    r.li.hidden = !shows(r);
    frag.append(r.li);
  }
  $('list').append(frag);
}

function build() {
  rows = data.questions.map((q) => ({
    q, li: null, hay: [q.text, q.name || '', q.followup?.answer?.text || ''].join('\n').toLowerCase(),
  }));
  $('list').replaceChildren();
  built = 0;
  const token = ++building;
  buildSome(30);
  const more = () => {
    if (token !== building || built >= rows.length) return;
    buildSome(150);
    setTimeout(more, 0);
  };
  setTimeout(more, 0);
}

let wanted = {};
function shows(r) {
  const { topic, place, oc, term } = wanted;
  return (!topic || (r.q.topics || []).includes(topic)) && (!place || (r.q.places || []).includes(place)) &&
    (oc === 'all' || outcomeOf[oc](r.q)) && (!term || r.hay.includes(term));
}

function filter() {
  const topic = $('topic').value;
  const place = $('place').value;
  const oc = $('outcome').value;
  const term = $('search').value.trim().toLowerCase();
  wanted = { topic, place, oc, term };
  let n = 0;
  for (const r of rows) {
    const show = shows(r);
    if (r.li) r.li.hidden = !show;
    if (show) n++;
  }
  $('count').textContent = t('answers.count', { n });
  $('empty').hidden = n > 0;
  const params = new URLSearchParams();
  if (topic) params.set('topic', topic);
  if (place) params.set('place', place);
  if (oc !== 'all') params.set('outcome', oc);
  if (term) params.set('q', term);
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
}

function draw() {
  const title = data.room.title || room;
  $('title').textContent = t('answers.title', { title });
  document.title = `${t('answers.title', { title })} — ${t('app')}`;
  $('closed').hidden = data.room.open;
  const qs = data.questions;
  $('summary').textContent = data.partial ? '' : t('answers.summary', {
    air: qs.filter(outcomeOf.on_air).length, writing: qs.filter(outcomeOf.in_writing).length,
    assigned: qs.filter(outcomeOf.assigned).length, late: qs.filter(outcomeOf.overdue).length,
  });
  fillFilters();
  filter();
  build();
}

async function main() {
  // The strings, the catalog and the answers are fetched at once: on a
  // phone's link each round trip saved is a list on screen sooner.
  // The first screen first (the top questions), then the whole record.
  const answers = room ? fetch(`/api/rooms/${room}/answers?top=${FIRST}`).catch(() => null) : null;
  await Promise.all([loadLanguage(), loadCatalog()]);
  if (!room) {
    $('fatal').textContent = t('error.no_room');
    $('fatal').hidden = false;
    return;
  }
  try {
    const r = await answers;
    if (!r || !r.ok) throw Object.assign(new Error(), { code: r && r.status === 404 ? 'no_room' : 'unavailable' });
    data = await r.json();
  } catch (err) {
    $('fatal').textContent = t(`error.${err.code || 'unavailable'}`);
    $('fatal').hidden = false;
    return;
  }
  const partial = data.partial;
  arrived(data);
  languageSwitch($('lang'), draw);
  for (const id of ['topic', 'place', 'outcome']) $(id).addEventListener('change', filter);
  $('search').addEventListener('input', filter);
  $('print').addEventListener('click', () => window.print());
  window.addEventListener('beforeprint', () => buildSome(rows.length));
  draw();
  if (partial) {
    try {
      const r = await fetch(`/api/rooms/${room}/answers`);
      if (r.ok) {
        arrived(await r.json());
        draw();
      }
    } catch { /* the first screen stays */ }
  }
}

const FIRST = 60;

// A (first or whole) answer: on air first, then the most supported.
function arrived(d) {
  data = d;
  addDepartmentNames(data.departments);
  data.questions.sort((a, b) => (b.status === 'answered') - (a.status === 'answered') || byRank(a, b));
}

main();
