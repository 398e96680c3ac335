// The reports (/report/ROOM, and /report for a span of days over every
// room): counts, asks per minute, questions by status, topic, place and
// source, answers on air vs in writing vs overdue, the top questions.
// Charts are Chart.js (Debian's libjs-chart.js, served by the hub at
// /vendor/chart.min.js); no animation, so that printing to PDF draws them
// whole. A room's report opens with the moderator key in the fragment
// (#key=…) or a moderator's or admin's session; the span needs an admin.

import { roomFromPath, keyFromFragment, el } from './client.js';
import { loadLanguage, languageSwitch, t, currentLanguage } from './i18n.js';
import { staffOrSignIn } from './staff.js';
import { outcome, tagName, loadCatalog, today, localDay, formatTime } from './followup.js';

const $ = (id) => document.getElementById(id);
const room = location.pathname.startsWith('/report/') ? roomFromPath() : null;
const COUNTS = ['asked', 'questions', 'merged', 'pending', 'approved', 'rejected', 'answered_on_air',
  'assigned', 'answered_in_writing', 'overdue'];
const COLOURS = ['#0b5cad', '#1d6b3a', '#c0392b', '#8a5a00', '#5b1d66', '#2f7f8f', '#7a8b99', '#b5651d', '#3f51b5', '#6d4c41',
  '#00897b', '#9e9d24', '#ad1457', '#455a64', '#ef6c00'];
let report = null;
const charts = [];

function fail(key) {
  $('fatal').textContent = t(key);
  $('fatal').hidden = false;
}

function chart(id, config) {
  const c = new window.Chart($(id), {
    ...config,
    options: {
      animation: false, responsive: true, maintainAspectRatio: false, devicePixelRatio: 2,
      plugins: { legend: { display: config.type === 'doughnut', position: 'right' } },
      ...config.options,
    },
  });
  charts.push(c);
  return c;
}

// An object {id: n} as [labels, values], the largest first, at most `max`.
function ranked(obj, kind, max = 15) {
  const e = Object.entries(obj || {}).sort((a, b) => b[1] - a[1]).slice(0, max);
  return [e.map(([id]) => tagName(kind, id)), e.map(([, n]) => n)];
}

function bars(id, [labels, values], horizontal = true) {
  $(id).setAttribute('aria-label', labels.map((l, i) => `${l}: ${values[i]}`).join(', '));
  chart(id, {
    type: 'bar',
    data: { labels, datasets: [{ data: values, backgroundColor: COLOURS[0] }] },
    options: { indexAxis: horizontal ? 'y' : 'x', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
}

function doughnut(id, labels, values) {
  $(id).setAttribute('aria-label', labels.map((l, i) => `${l}: ${values[i]}`).join(', '));
  chart(id, { type: 'doughnut', data: { labels, datasets: [{ data: values, backgroundColor: COLOURS }] } });
}

function draw() {
  if (!report) return;
  for (const c of charts.splice(0)) c.destroy();
  const c = report.counts;
  const title = report.room ? t('report.title', { title: report.room.title || report.room.id })
    : `${t('report.range_title')}: ${report.from} — ${report.to}`;
  $('title').textContent = title;
  document.title = `${title} — ${t('app')}`;
  $('generated').textContent = t('report.generated', { when: formatTime(Date.now()) });
  $('counts').replaceChildren(...COUNTS.map((k) => el('div', { 'data-count': k },
    el('b', { text: c[k] ?? 0 }), el('span', { text: t(`count.${k}`) }))));
  $('rooms-card').hidden = !report.rooms;
  if (report.rooms) {
    $('rooms').replaceChildren(el('tr', {}, el('th', { text: t('report.rooms') }),
      ...['asked', 'answered_on_air', 'answered_in_writing', 'overdue'].map((k) => el('th', { text: t(`count.${k}`) }))),
    ...report.rooms.map((r) => el('tr', {},
      el('td', {}, el('a', { href: `/report/${r.id}`, text: r.title || r.id })),
      ...['asked', 'answered_on_air', 'answered_in_writing', 'overdue'].map((k) => el('td', { text: r.counts[k] ?? 0 })))));
  }
  const fmt = (ms) => new Date(ms).toLocaleTimeString(currentLanguage(), { hour: '2-digit', minute: '2-digit' });
  const pm = report.per_minute || [];
  $('c-minute').setAttribute('aria-label', `${t('report.per_minute')}: ${pm.map(([m, n]) => `${fmt(m)} ${n}`).join(', ')}`);
  chart('c-minute', {
    type: 'bar',
    data: { labels: pm.map(([m]) => fmt(m)), datasets: [{ data: pm.map(([, n]) => n), backgroundColor: COLOURS[0] }] },
    options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
  bars('c-outcomes', [['answered_on_air', 'answered_in_writing', 'assigned', 'overdue'].map((k) => t(`count.${k}`)),
    [c.answered_on_air ?? 0, c.answered_in_writing ?? 0, (c.assigned ?? 0) - (c.overdue ?? 0), c.overdue ?? 0]]);
  const st = ['pending', 'approved', 'answered_on_air', 'rejected'];
  doughnut('c-status', st.map((k) => t(`count.${k}`)), st.map((k) => c[k] ?? 0));
  bars('c-topics', ranked(report.topics, 'topics'));
  bars('c-places', ranked(report.places, 'places'));
  const src = Object.keys(report.sources || {});
  doughnut('c-sources', src.map((s) => t(`source.${s}`)), src.map((s) => report.sources[s]));
  $('top').replaceChildren(...(report.top || []).map((q) => el('li', { class: 'q' },
    el('div', { class: 'vote', 'aria-hidden': 'true' }, el('span', { class: 'n', text: q.votes })),
    el('div', { class: 'body' }, el('p', { class: 'text', text: q.text }),
      el('div', { class: 'meta' }, q.room && el('span', { text: q.room.title || q.room.id }),
        el('span', { text: t('votes', { n: q.votes }) })),
      ...outcome(q, report.room)))));
  $('app').hidden = false;
}

async function load(url, headers = {}) {
  const r = await fetch(url, { headers, credentials: 'same-origin' });
  if (r.status === 401 || r.status === 403) { fail('report.need_access'); return false; }
  if (!r.ok) { fail(r.status === 404 ? 'error.no_room' : 'error.unavailable'); return false; }
  report = await r.json();
  $('fatal').hidden = true;
  draw();
  return true;
}


async function main() {
  await loadLanguage();
  await loadCatalog();
  languageSwitch($('lang'), draw);
  $('print').addEventListener('click', () => window.print());
  // Charts take the printed page's width, then the screen's again.
  window.addEventListener('beforeprint', () => { for (const c of charts) c.resize(); });
  window.addEventListener('afterprint', () => { for (const c of charts) c.resize(); });
  const key = keyFromFragment();
  if (room && key) {
    await load(`/api/rooms/${room}/report.json`, { Authorization: `Bearer ${key}` });
    return;
  }
  const user = await staffOrSignIn($('signin-box'), $('staff'));
  if (!user) return;
  if (room) {
    await load(`/api/rooms/${room}/report.json`);
    return;
  }
  const params = new URLSearchParams(location.search);
  $('from').value = params.get('from') || localDay(-30);
  $('to').value = params.get('to') || today();
  $('range').hidden = false;
  const show = async () => {
    history.replaceState(null, '', `/report?from=${$('from').value}&to=${$('to').value}`);
    await load(`/api/report.json?from=${$('from').value}&to=${$('to').value}`);
  };
  $('range').addEventListener('submit', (e) => { e.preventDefault(); show(); });
  await show();
}

main();
