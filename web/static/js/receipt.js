// The receipt page (/q/CODE): one resident's question, followed from any
// device by its code: its status, votes and outcome, nothing of any other
// resident (the hub answers only what the code may show).

import { el } from './client.js';
import { loadLanguage, languageSwitch, t } from './i18n.js';
import { outcome, loadCatalog, formatTime, spacedCode } from './followup.js';

const $ = (id) => document.getElementById(id);
const code = decodeURIComponent(location.pathname.slice(3)).toUpperCase().replace(/[\s-]/g, '');
let receipt = null;

function draw() {
  if (!receipt) return;
  const r = receipt;
  document.title = `${t('receipt.title')} — ${r.room.title}`;
  $('room').textContent = t('receipt.room', { title: r.room.title });
  $('text').textContent = r.text;
  $('meta').replaceChildren(
    el('span', { class: `chip ${r.status}`, text: t(`status.${r.status}`) }),
    el('span', { text: t('receipt.asked', { when: formatTime(r.asked_at) }) }),
    r.id !== null && el('span', { text: t('votes', { n: r.votes }) }),
    el('span', { text: t('receipt.code', { code: spacedCode(code) }) }));
  const parts = outcome(r, r.room);
  $('outcome').replaceChildren(...parts, !(r.followup && r.followup.answer) && r.status !== 'rejected' &&
    el('p', { class: 'outcome', text: t('receipt.waiting') }));
  $('all').href = `/a/${r.room.id}`;
  $('card').hidden = false;
}

async function load() {
  $('refresh').disabled = true;
  try {
    const r = await fetch(`/api/receipts/${encodeURIComponent(code)}`);
    if (r.status === 404) {
      $('fatal').textContent = t('receipt.not_found');
      $('fatal').hidden = false;
      $('card').hidden = true;
      return;
    }
    if (!r.ok) throw new Error(String(r.status));
    receipt = await r.json();
    $('fatal').hidden = true;
    draw();
  } catch {
    $('fatal').textContent = t('error.unavailable');
    $('fatal').hidden = false;
  } finally {
    $('refresh').disabled = false;
  }
}

async function main() {
  await loadLanguage();
  await loadCatalog();
  languageSwitch($('lang'), draw);
  $('refresh').addEventListener('click', load);
  // Kept current while open: an answer written now shows within a minute.
  setInterval(() => { if (!document.hidden) load(); }, 60000);
  await load();
}

main();
