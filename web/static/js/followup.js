// What the desk pages share (docs/PROTOCOL.md, "The desk, part 2"): the
// catalog of topics, places and departments, their names in the page's
// language, and a question's outcome after the broadcast: answered on air
// (with the moment of the recording), assigned to a department by a day,
// answered in writing.

import { el } from './client.js';
import { t, currentLanguage } from './i18n.js';

let catalog = { topics: [], places: [], departments: [] };
const names = new Map();	// "topic:roads" -> {ru, kk, en}

// GET /api/tags, once; extra departments' names (the answers' map) may be added.
export async function loadCatalog() {
  try {
    const r = await fetch('/api/tags');
    if (r.ok) catalog = await r.json();
  } catch { /* the ids are shown instead of names */ }
  for (const k of ['topics', 'places', 'departments']) {
    for (const x of catalog[k] || []) names.set(`${k}:${x.id}`, x.name);
  }
  return catalog;
}

export function addDepartmentNames(map) {
  for (const [id, name] of Object.entries(map || {})) names.set(`departments:${id}`, name);
}

export function getCatalog() {
  return catalog;
}

// kind: topics, places or departments.
export function tagName(kind, id) {
  const n = names.get(`${kind}:${id}`);
  return (n && (n[currentLanguage()] || n.ru || n.kk || n.en)) || id;
}

// The day `days` from today (0: today) as YYYY-MM-DD in the reader's time zone.
export function localDay(days = 0) {
  const d = new Date(Date.now() + days * 86400000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export const today = () => localDay(0);

// A receipt code as it is shown and read out: ABCD-EFGH-JKMN.
export const spacedCode = (code) => code.replace(/(.{4})(?=.)/g, '$1-');

export function isOverdue(q) {
  const f = q.followup;
  return Boolean(f && !f.answer && f.due < today());
}

export function formatDay(day) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d).toLocaleDateString(currentLanguage(), { day: 'numeric', month: 'long', year: 'numeric' });
}

export function formatTime(ms) {
  return new Date(ms).toLocaleString(currentLanguage(), { day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
}

// The link to the moment of the recording a question was answered at, or null.
export function recordingLink(room, q) {
  const rec = room && room.recording;
  if (!rec || !rec.url || !q.answered_at) return null;
  const s = rec.at ? Math.max(0, Math.round((q.answered_at - rec.at) / 1000)) : 0;
  let href = rec.url;
  try {
    const u = new URL(rec.url);
    if (s > 0) {
      if (/(^|\.)youtube\.com$|(^|\.)youtu\.be$/.test(u.hostname)) u.searchParams.set('t', `${s}s`);
      else u.hash = `t=${s}`;
    }
    href = u.toString();
  } catch { /* shown as given */ }
  return el('a', { href, target: '_blank', rel: 'noopener', text: t('desk.watch') });
}

// Chips of a question's topics and places.
export function tagChips(q) {
  return [...(q.topics || []).map((id) => el('span', { class: 'chip topic', text: tagName('topics', id) })),
    ...(q.places || []).map((id) => el('span', { class: 'chip place', text: tagName('places', id) }))];
}

// The outcome of a question: a line, and the written answer's block.
export function outcome(q, room) {
  const f = q.followup;
  const parts = [];
  if (q.status === 'answered') {
    parts.push(el('p', { class: 'outcome air' },
      el('span', { class: 'chip aired', text: t('desk.on_air') }),
      q.answered_at && ` ${formatTime(q.answered_at)} `, recordingLink(room, q)));
  }
  if (f && f.answer) {
    parts.push(el('div', { class: 'answer' },
      el('p', { class: 'answer-head' }, el('span', { class: 'chip approved', text: t('desk.in_writing') }),
        ` ${f.answer.by || tagName('departments', f.department)} · ${formatTime(f.answer.at)}`),
      el('p', { class: 'answer-text', text: f.answer.text })));
  } else if (f) {
    const late = isOverdue(q);
    parts.push(el('p', { class: `outcome${late ? ' late' : ''}` },
      el('span', { class: `chip ${late ? 'rejected' : 'pending'}`, text: t(late ? 'desk.overdue' : 'desk.assigned') }),
      ` ${t('desk.assigned_to', { dept: tagName('departments', f.department), due: formatDay(f.due) })}`));
  }
  return parts;
}
