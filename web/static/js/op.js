// The operator's page (/op/ROOM): questions phoned in to the studio, typed
// fast and from the keyboard only (Tab between the fields, Ctrl+Enter
// sends from anywhere, Esc clears), with the caller's name and number.
// They go through the same duplicate detection, limits and screening as a
// viewer's ask, with "source":"phone"; staff see the name and number, the
// public the caller's initial only. The receipt code is shown large, to be
// read back to the caller.

import { Client, roomFromPath, el } from './client.js';
import { loadLanguage, languageSwitch, t, errorText } from './i18n.js';
import { connectionBadge } from './common.js';
import { staffOrSignIn } from './staff.js';
import { spacedCode as spaced } from './followup.js';

const $ = (id) => document.getElementById(id);
const room = roomFromPath();
let client;
const calls = [];	// this page's calls, newest first


function notice(text, bad = false) {
  $('notice').textContent = text;
  $('notice').classList.toggle('bad', bad);
}

function drawCalls() {
  $('calls').replaceChildren(...calls.map((c) => {
    const q = c.id && client.questions.get(c.id);
    const status = q ? q.status : c.status;
    return el('li', { class: 'q' }, el('div', { class: 'body' },
      el('p', { class: 'text', text: c.text }),
      el('div', { class: 'meta' },
        c.name && el('span', { text: c.name }), c.phone && el('span', { text: c.phone }),
        status && el('span', { class: `chip ${status}`, text: t(`status.${status}`) }),
        c.receipt && el('span', { class: 'code', text: spaced(c.receipt) }),
        c.duplicate && el('span', { class: 'chip', text: t('op.duplicate') }))));
  }));
}

function showReceipt(code) {
  $('receipt').hidden = false;
  $('receipt').replaceChildren(
    el('p', { class: 'code big', text: spaced(code) }),
    el('p', { class: 'hint', text: t('op.read_back') }));
}

async function send(e) {
  e?.preventDefault();
  const text = $('text').value.trim();
  if (!text) {
    notice(t('error.empty'), true);
    $('text').focus();
    return;
  }
  const name = $('caller').value.trim();
  const phone = $('phone').value.trim();
  const call = { text, name, phone };
  $('send').disabled = true;
  try {
    const ack = await client.command({ type: 'ask', text, ...(name && { name }), ...(phone && { phone }) });
    Object.assign(call, { id: ack.id, status: ack.status, receipt: ack.receipt, duplicate: Boolean(ack.duplicate_of) });
    calls.unshift(call);
    showReceipt(ack.receipt);
    notice(t(ack.duplicate_of ? 'op.sent_duplicate' : 'op.sent'));
    for (const id of ['caller', 'phone', 'text']) $(id).value = '';
    $('caller').focus();
  } catch (err) {
    notice(errorText(err), true);
  } finally {
    $('send').disabled = false;
  }
  drawCalls();
}

function start() {
  $('app').hidden = false;
  $('conn').hidden = false;
  client = new Client({ room, role: 'operator' });
  connectionBadge(client, $('conn'));
  client.addEventListener('change', () => {
    if (client.roomInfo) $('title').textContent = `${t('op.title')}: ${client.roomInfo.title}`;
    drawCalls();
  });
  client.addEventListener('fatal', (e) => {
    $('fatal').hidden = false;
    $('fatal').textContent = errorText(e.detail);
  });
  $('call').addEventListener('submit', send);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(e);
    if (e.key === 'Escape') {
      for (const id of ['caller', 'phone', 'text']) $(id).value = '';
      $('caller').focus();
    }
  });
  client.start();
  $('caller').focus();
}

async function main() {
  await loadLanguage();
  languageSwitch($('lang'), drawCalls);
  if (!room) {
    $('fatal').hidden = false;
    $('fatal').textContent = t('error.no_room');
    return;
  }
  const user = await staffOrSignIn($('signin-box'), $('staff'));
  if (!user) return;
  start();
}

main();
