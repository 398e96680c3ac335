// The moderator page's follow-up (docs/PROTOCOL.md, "The desk, part 2"):
// assigning a question, or the selection, to a department with a due day
// (G, Shift+G); correcting its topics and places (T); filtering by topic
// and place; and the triage view after the broadcast: approved questions
// not answered on air and not assigned, grouped by topic and place, each
// group selected with one click so that a hundred questions are handed
// out in minutes.

import { el } from './client.js';
import { t } from './i18n.js';
import { getCatalog, tagName, tagChips, outcome, localDay } from './followup.js';

const $ = (id) => document.getElementById(id);

const SOURCES = ['web', 'telegram', 'phone'];
const ICONS = { web: '🌐', telegram: '✈', phone: '☎' };

// In triage: public, not answered on air, nobody's yet.
export const inTriage = (q) => q.status === 'approved' && !q.followup;

// The toolbar's topic and place filters.
export function tagFilters(onChange) {
  const fill = () => {
    const cat = getCatalog();
    const keep = [$('f-topic').value, $('f-place').value];
    $('f-topic').replaceChildren(el('option', { value: '', text: t('mod.any_topic') }),
      ...cat.topics.map((x) => el('option', { value: x.id, text: tagName('topics', x.id) })));
    $('f-place').replaceChildren(el('option', { value: '', text: t('mod.any_place') }),
      ...cat.places.map((x) => el('option', { value: x.id, text: (x.parent ? '· ' : '') + tagName('places', x.id) })));
    [$('f-topic').value, $('f-place').value] = keep;
  };
  const sources = () => {
    const keep = $('f-source').value;
    $('f-source').replaceChildren(el('option', { value: '', text: t('mod.any_source') }),
      ...SOURCES.map((x) => el('option', { value: x, text: `${ICONS[x]} ${t(`source.${x}`)}` })));
    $('f-source').value = keep;
  };
  fill();
  sources();
  for (const id of ['f-topic', 'f-place', 'f-source']) $(id).addEventListener('change', onChange);
  document.addEventListener('surak:lang', () => { fill(); sources(); });
  return (q) => (!$('f-topic').value || (q.topics || []).includes($('f-topic').value)) &&
    (!$('f-place').value || (q.places || []).includes($('f-place').value)) &&
    (!$('f-source').value || (q.source || 'web') === $('f-source').value);
}

// "Roads · Zhilgorodok: 12" buttons for the triage list; a click selects the group.
export function drawGroups(questions, select) {
  const groups = new Map();
  for (const q of questions) {
    const topic = (q.topics || [])[0] || 'other';
    // The most precise place: a microdistrict or village over its city or district.
    const places = q.places || [];
    const cat = getCatalog().places;
    const place = places.find((p) => cat.find((x) => x.id === p && x.parent)) || places[0] || '';
    const k = `${topic}|${place}`;
    if (!groups.has(k)) groups.set(k, { topic, place, ids: [] });
    groups.get(k).ids.push(q.id);
  }
  const sorted = [...groups.values()].sort((a, b) => b.ids.length - a.ids.length);
  $('groups').replaceChildren(el('p', { class: 'notice', text: t('mod.triage_hint') }),
    ...sorted.map((g) => el('button', {
      type: 'button', onclick: () => select(g.ids),
      text: t('mod.group_select', {
        name: [tagName('topics', g.topic), g.place && tagName('places', g.place)].filter(Boolean).join(' · '), n: g.ids.length,
      }),
    })));
}

// The follow-up and tags under a question's text, on the moderator's row.
export function rowExtras(q, room) {
  const src = q.source || 'web';
  return [el('div', { class: 'meta' },
    src !== 'web' && el('span', { class: 'chip source', title: t('source.label'), text: `${ICONS[src] || ''} ${t(`source.${src}`)}` }),
    q.caller_phone && el('span', { text: q.caller_phone }),
    ...tagChips(q)), ...outcome(q, room)];
}

let departments = null;
async function loadDepartments(key) {
  if (departments) return departments;
  // The catalog carries them (GET /api/tags), readable with a room key too.
  departments = getCatalog().departments || [];
  if (!departments.length) {
    const r = await fetch('/api/departments', { credentials: 'same-origin', headers: key ? { Authorization: `Bearer ${key}` } : {} });
    if (r.ok) departments = (await r.json()).departments;
  }
  return departments;
}

// G: the assign dialog for ids; each is sent as its own `assign` action.
export async function assignDialog(ids, run, key) {
  if (!ids.length) return;
  const list = await loadDepartments(key);
  const d = $('assign');
  $('assign-what').textContent = ids.length === 1 ? `#${ids[0]}` : t('mod.selected', { n: ids.length });
  $('assign-none').hidden = list.length > 0;
  const keep = $('assign-dept').value || localStorage.getItem('surak.dept') || '';
  $('assign-dept').replaceChildren(...list.map((x) => el('option', { value: x.id, text: tagName('departments', x.id) })));
  if (list.some((x) => x.id === keep)) $('assign-dept').value = keep;
  if (!$('assign-due').value || $('assign-due').value < localDay(0)) $('assign-due').value = localDay(10);
  d.returnValue = '';
  d.showModal();
  d.onclose = async () => {
    if (d.returnValue !== 'assign' || !$('assign-dept').value) return;
    localStorage.setItem('surak.dept', $('assign-dept').value);
    const department = $('assign-dept').value;
    const due = $('assign-due').value;
    const acks = await Promise.all(ids.map((id) => run({ type: 'moderate', id, action: 'assign', department, due })));
    const done = acks.filter(Boolean).length;
    if (ids.length > 1) $('notice').textContent = t('mod.assigned_n', { n: done });
  };
}

// T: the topics and places of one question, corrected in one action.
export function tagsDialog(q, run) {
  if (!q) return;
  const cat = getCatalog();
  const box = (kind, x) => {
    const c = el('input', { type: 'checkbox', value: x.id, 'data-kind': kind });
    c.checked = (q[kind] || []).includes(x.id);
    return el('label', { class: x.parent ? 'child' : null }, c, ` ${tagName(kind, x.id)}`);
  };
  $('tags-text').textContent = q.text;
  $('tags-topics').replaceChildren(...cat.topics.map((x) => box('topics', x)));
  $('tags-places').replaceChildren(...cat.places.map((x) => box('places', x)));
  const d = $('tags');
  d.returnValue = '';
  d.showModal();
  d.onclose = () => {
    if (d.returnValue !== 'save') return;
    const picked = (kind) => [...d.querySelectorAll(`input[data-kind="${kind}"]:checked`)].map((c) => c.value);
    run({ type: 'moderate', id: q.id, action: 'tag', topics: picked('topics'), places: picked('places') });
  };
}
