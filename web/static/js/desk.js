// The responder's page (/desk): the questions assigned to my departments in
// every room, overdue first, each with a box for the written answer and a
// preview of what residents will read. Publishing sends the `reply` action
// over HTTP (POST /api/rooms/ID/moderate); the answer is public at once and
// reaches the asker's page live.

import { el } from './client.js';
import { loadLanguage, languageSwitch, t, errorText } from './i18n.js';
import { staffOrSignIn } from './staff.js';
import { outcome, tagChips, tagName, loadCatalog, isOverdue, formatDay } from './followup.js';

const $ = (id) => document.getElementById(id);
const MAX = 4000;
let questions = [];
const drafts = new Map();	// "room/id" -> text being written

const keyOf = (q) => `${q.room.id}/${q.id}`;

function notice(text, bad = false) {
  $('notice').textContent = text;
  $('notice').classList.toggle('bad', bad);
}

async function publish(q, area, button) {
  const text = area.value.trim();
  if (!text) { notice(t('error.empty'), true); return; }
  button.disabled = true;
  try {
    const r = await fetch(`/api/rooms/${encodeURIComponent(q.room.id)}/moderate`, {
      method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ type: 'moderate', rid: `desk-${q.room.id}-${q.id}-${Date.now()}`, id: q.id, action: 'reply', text }),
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { notice(`#${q.id} ${errorText({ code: body.error, message: body.message })}`, true); return; }
    drafts.delete(keyOf(q));
    notice(t('desk.published'));
    await load();
  } catch {
    notice(t('error.unavailable'), true);
  } finally {
    button.disabled = false;
  }
}

function preview(q, text) {
  const shown = { ...q, followup: { ...q.followup, answer: { text, at: Date.now(), by: tagName('departments', q.followup.department) } } };
  return el('div', { class: 'preview' }, el('h4', { text: t('desk.preview') }), ...outcome(shown, q.room).filter((n) => n.classList.contains('answer')));
}

function item(q) {
  const late = isOverdue(q);
  const head = el('div', { class: 'meta' },
    el('span', { text: q.room.title || q.room.id }), el('span', { text: `#${q.id}` }),
    el('span', { class: `chip ${late ? 'rejected' : q.followup.answer ? 'approved' : 'pending'}`,
      text: q.followup.answer ? t('desk.in_writing') : late ? t('desk.overdue') : t('desk.assigned') }),
    el('span', { text: `${t('mod.due')}: ${formatDay(q.followup.due)}` }),
    el('span', { text: t('votes', { n: q.votes }) }), ...tagChips(q));
  const li = el('li', { class: 'desk-item', 'data-id': q.id, 'data-room': q.room.id }, head,
    el('p', { class: 'text', text: q.text }));
  if (q.followup.answer) {
    li.append(...outcome(q, q.room));
    return li;
  }
  const id = `answer-${q.room.id}-${q.id}`;
  const area = el('textarea', { id, maxlength: String(MAX), 'data-i18n-placeholder': 'desk.placeholder', placeholder: t('desk.placeholder') });
  area.value = drafts.get(keyOf(q)) || '';
  const counter = el('span', { class: 'counter' });
  const button = el('button', { type: 'button', class: 'primary', text: t('desk.reply') });
  const box = el('div', {});
  const update = () => {
    drafts.set(keyOf(q), area.value);
    const n = [...area.value.trim()].length;
    counter.textContent = t('desk.chars', { n });
    counter.classList.toggle('over', n > MAX);
    button.disabled = n === 0 || n > MAX;
    box.replaceChildren(n ? preview(q, area.value.trim()) : '');
  };
  area.addEventListener('input', update);
  button.addEventListener('click', () => publish(q, area, button));
  li.append(el('label', { class: 'visually-hidden', for: id, text: t('desk.placeholder') }), area,
    el('div', { class: 'row' }, counter, button), box);
  update();
  return li;
}

function draw() {
  const all = $('show-answered').checked ? questions : questions.filter((q) => !q.followup.answer);
  const open = questions.filter((q) => !q.followup.answer);
  $('counts').textContent = t('desk.open_count', { n: open.length, late: open.filter(isOverdue).length });
  $('list').replaceChildren(...all.map(item));
  $('empty').hidden = all.length > 0;
}

async function load() {
  const r = await fetch('/api/followup', { credentials: 'same-origin' });
  if (r.status === 401) { location.reload(); return; }
  if (!r.ok) { notice(t(r.status === 403 ? 'desk.not_responder' : 'error.unavailable'), true); return; }
  questions = (await r.json()).questions;
  draw();
}

async function main() {
  await loadLanguage();
  await loadCatalog();
  languageSwitch($('lang'), () => { if (!$('app').hidden) draw(); });
  const user = await staffOrSignIn($('signin-box'), $('staff'));
  if (!user) return;
  $('app').hidden = false;
  $('show-answered').addEventListener('change', draw);
  await load();
  // New assignments arrive while the page is open; a draft being written is kept.
  setInterval(() => {
    if (!document.hidden && !document.activeElement?.matches('textarea')) load();
  }, 60000);
}

main();
