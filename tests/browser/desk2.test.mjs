// The desk, part 2, in Debian's Chromium, the whole path: a resident asks
// on a phone and keeps the receipt; a moderator approves and assigns with
// the keyboard; the responder answers on /desk with a preview; the
// resident's page shows the answer live; the receipt page in another
// browser context shows it; the answers page lists it; the report counts
// it and prints to a PDF, rendered to images with pdftoppm. Then triage:
// a group of questions handed out with one click and Shift+G. The pages
// are axe-clean and photographed for the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  Redis, Hub, Client, createRoom, newClientId, viewerHello, addStaff, signIn, stopAll, waitUntil,
} from '../lib/harness.mjs';
import { launch, openPage, SHOTS, axeViolations, signInOn } from '../lib/browser.mjs';

let redis, hub, browser, room;
const ANSWER = 'Ямочный ремонт на улице Баймуханова включён в план: подрядчик выйдет до 15 декабря.\nКонтроль — управление дорог.';

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, { args: ['--ask-rate', '1000', '--ask-rate-ip', '100000'] });
  browser = await launch();
  addStaff(redis, { login: 'aigerim', name: 'Айгерим Сейткали', roles: ['admin'], password: 'admin password 1' });
  addStaff(redis, { login: 'nurzhan', name: 'Нуржан Абенов', roles: ['moderator'], password: 'moderator password' });
  addStaff(redis, { login: 'dana', name: 'Дана Жумабаева', roles: ['responder'], departments: ['roads'], password: 'responder password' });
  const admin = await signIn(hub, 'aigerim', 'admin password 1');
  for (const [id, ru, kk, en] of [['roads', 'Управление дорог', 'Жол басқармасы', 'Roads department'],
    ['water', 'Водоканал', 'Су арнасы', 'Water utility']]) {
    const r = await fetch(`${hub.url}/api/departments`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: admin, Origin: hub.url },
      body: JSON.stringify({ id, name: { ru, kk, en } }),
    });
    assert.equal(r.status, 201);
  }
  room = await createRoom(hub, { id: 'akim-desk', title: 'Аким Атырау отвечает', moderation: true });
  const r = await fetch(`${hub.url}/api/rooms/akim-desk`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: admin, Origin: hub.url },
    body: JSON.stringify({ recording: 'https://www.youtube.com/watch?v=akimlive', recording_at: Date.now() - 60000 }),
  });
  assert.equal(r.status, 200, await r.text());
});

after(async () => {
  await browser?.close();
  await stopAll(hub, redis);
});

// Before signing in, /api/me answers 401: the pages' one expected failed request.
const unexpected = (p) => p.errors.filter((e) => !/status of 401/.test(e));

test('a resident\'s question from the phone to a written answer, the receipt, the answers page and the report', async () => {
  // Other residents' questions around it, one answered on air.
  const others = await Client.connect(hub, viewerHello(room.id));
  const modWs = await Client.connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  const onAir = await others.cmd({ type: 'ask', text: 'Когда построят новую школу в Нурсае?' });
  await modWs.cmd({ type: 'moderate', id: onAir.id, action: 'approve' });
  await modWs.cmd({ type: 'moderate', id: onAir.id, action: 'answer' });

  // 1. The resident asks on a phone and is given the receipt code.
  const phone = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: { width: 390, height: 844 } });
  await phone.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  await phone.fill('#text', 'ямы на улице баймуханова в жилгородке когда засыплют');
  await phone.click('#send');
  await phone.locator('#receipt:not([hidden])').waitFor();
  const code = await phone.locator('#receipt').getAttribute('data-code');
  assert.match(code, /^[23456789A-HJKMNP-Z]{12}$/);
  assert.match(await phone.locator('#receipt a').getAttribute('href'), new RegExp(`/q/${code}$`));
  await phone.locator('#mine li', { hasText: 'баймуханова' }).waitFor();

  // 2. The moderator approves (A) and assigns (G) with the keyboard.
  const mod = await openPage(browser, `${hub.url}/m/${room.id}`, { viewport: { width: 1366, height: 900 } });
  await signInOn(mod, 'nurzhan', 'moderator password');
  await mod.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  const row = mod.locator('li.mq', { hasText: 'баймуханова' });
  await row.locator('.chip.topic', { hasText: 'Дороги' }).waitFor();
  await row.locator('.chip.place', { hasText: 'Жилгородок' }).waitFor();
  await row.click();
  await mod.keyboard.press('a');
  await mod.keyboard.press('2');
  await mod.locator('li.mq.current', { hasText: 'баймуханова' }).waitFor().catch(async () => {
    await mod.locator('li.mq', { hasText: 'баймуханова' }).click();
  });
  await mod.locator('li.mq', { hasText: 'баймуханова' }).click();
  await mod.keyboard.press('g');
  await mod.locator('#assign[open]').waitFor();
  await mod.selectOption('#assign-dept', 'roads');
  await mod.fill('#assign-due', new Date(Date.now() + 10 * 86400000).toISOString().slice(0, 10));
  assert.deepEqual(await axeViolations(mod), [], 'the moderator page with the assign dialog is axe-clean');
  await mod.click('#assign button[value=assign]');
  await mod.locator('li.mq', { hasText: 'баймуханова' }).locator('.outcome', { hasText: 'Управление дорог' }).waitFor();
  // The resident sees it assigned, live.
  await phone.locator('#mine .outcome', { hasText: 'Управление дорог' }).waitFor();

  // 3. The responder answers on /desk, with a preview.
  const desk = await openPage(browser, `${hub.url}/desk`, { viewport: { width: 1280, height: 900 } });
  await signInOn(desk, 'dana', 'responder password');
  const item = desk.locator('li.desk-item', { hasText: 'баймуханова' });
  await item.waitFor();
  assert.equal(await desk.locator('li.desk-item', { hasText: 'школу в Нурсае' }).count(), 0, 'not assigned to roads');
  await item.locator('textarea').fill(ANSWER);
  await item.locator('.preview .answer-text', { hasText: 'подрядчик выйдет' }).waitFor();
  assert.deepEqual(await axeViolations(desk), [], 'the responder page is axe-clean');
  await desk.screenshot({ path: join(SHOTS, 'desk-responder.png'), fullPage: true });
  await item.locator('button.primary').click();
  await desk.locator('#notice', { hasText: 'опубликован' }).waitFor();

  // 4. The resident's page shows the answer live.
  await phone.locator('#mine .answer-text', { hasText: 'подрядчик выйдет до 15 декабря' }).waitFor({ timeout: 10000 });
  await phone.screenshot({ path: join(SHOTS, 'viewer-answer-phone.png') });

  // 5. The receipt page, in another browser context (another device).
  const other = await openPage(browser, `${hub.url}/q/${code.toLowerCase().replace(/(.{4})(?=.)/g, '$1-')}`,
    { viewport: { width: 390, height: 844 }, locale: 'kk-KZ' });
  await other.locator('#card:not([hidden])').waitFor();
  assert.equal(await other.locator('#text').textContent(), 'ямы на улице баймуханова в жилгородке когда засыплют');
  await other.locator('.answer-text', { hasText: 'подрядчик выйдет' }).waitFor();
  assert.equal(await other.locator('text=школу в Нурсае').count(), 0, 'nothing of another resident');
  assert.deepEqual(await axeViolations(other), [], 'the receipt page is axe-clean');
  const missing = await openPage(browser, `${hub.url}/q/ABCD-EFGH-JKMN`, { viewport: { width: 390, height: 844 } });
  await missing.locator('#fatal:not([hidden])').waitFor();
  assert.equal(missing.errors.filter((e) => !/status of 404/.test(e)).length, 0);

  // 6. The answers page lists it, with the answer on air linked to its moment.
  const answers = await openPage(browser, `${hub.url}/a/${room.id}`, { viewport: { width: 1280, height: 900 } });
  const listed = answers.locator('#list li', { hasText: 'баймуханова' });
  await listed.locator('.answer-text', { hasText: 'подрядчик выйдет' }).waitFor();
  const watch = answers.locator('#list li', { hasText: 'школу в Нурсае' }).locator('a', { hasText: 'Смотреть в записи' });
  assert.match(await watch.getAttribute('href'), /youtube\.com\/watch\?v=akimlive&t=\d+s/);
  await answers.selectOption('#outcome', 'in_writing');
  await waitUntil('filtered', async () => (await answers.locator('#list li:not([hidden])').count()) === 1, 5000);
  await answers.selectOption('#outcome', 'all');
  await answers.selectOption('#topic', 'roads');
  assert.match(answers.url(), /topic=roads/);
  await answers.selectOption('#topic', '');
  await answers.fill('#search', 'школу');
  await waitUntil('searched', async () => (await answers.locator('#list li:not([hidden])').count()) === 1, 5000);
  await answers.fill('#search', '');
  assert.deepEqual(await axeViolations(answers), [], 'the answers page is axe-clean');
  await answers.screenshot({ path: join(SHOTS, 'answers.png'), fullPage: true });

  // 7. The report counts it; printed to PDF and rendered to images.
  const report = await openPage(browser, `${hub.url}/report/${room.id}#key=${encodeURIComponent(room.moderator_key)}`,
    { viewport: { width: 1280, height: 900 } });
  await report.locator('#app:not([hidden])').waitFor();
  const count = async (k) => Number(await report.locator(`[data-count="${k}"] b`).textContent());
  assert.equal(await count('answered_in_writing'), 1);
  assert.equal(await count('answered_on_air'), 1);
  assert.equal(await count('asked'), 2);
  await report.locator('#top li', { hasText: 'баймуханова' }).waitFor();
  assert.deepEqual(await axeViolations(report), [], 'the report is axe-clean');
  await report.screenshot({ path: join(SHOTS, 'report.png'), fullPage: true });
  const pdf = join(SHOTS, 'report.pdf');
  await report.emulateMedia({ media: 'print' });
  await report.pdf({ path: pdf, format: 'A4', printBackground: true });
  execFileSync('pdftoppm', ['-png', '-r', '60', pdf, join(SHOTS, 'report-print')]);
  const pages = readdirSync(SHOTS).filter((f) => f.startsWith('report-print') && f.endsWith('.png'));
  assert.ok(pages.length >= 1 && pages.length <= 3, `the report prints on ${pages.length} pages`);
  for (const p of pages) assert.ok(statSync(join(SHOTS, p)).size > 20000, `${p} has something drawn on it`);

  for (const p of [phone, desk, other, answers, report]) assert.deepEqual(unexpected(p), []);
  assert.deepEqual(unexpected(mod), []);
  others.close();
  modWs.close();
});

test('triage after the broadcast: a group of questions handed out with one click and Shift+G', async () => {
  const v = await Client.connect(hub, viewerHello(room.id));
  const modWs = await Client.connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  const ids = [];
  for (const text of ['Нет воды в Кульсары третий день', 'В Кульсары вода ржавая из крана', 'Кульсары: когда заменят водопровод?']) {
    const a = await v.cmd({ type: 'ask', text });
    ids.push(a.id);
    await modWs.cmd({ type: 'moderate', id: a.id, action: 'approve' });
  }
  const mod = await openPage(browser, `${hub.url}/m/${room.id}#key=${encodeURIComponent(room.moderator_key)}`,
    { viewport: { width: 1366, height: 900 } });
  await mod.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  await mod.keyboard.press('7');
  const group = mod.locator('#groups button', { hasText: /Вода.*Кульсары: 3/ });
  await group.waitFor();
  await group.click();
  await mod.locator('#bulk:not([hidden])').waitFor();
  await mod.screenshot({ path: join(SHOTS, 'moderator-triage.png') });
  await mod.keyboard.press('Shift+G');
  await mod.locator('#assign[open]').waitFor();
  await mod.selectOption('#assign-dept', 'water');
  await mod.click('#assign button[value=assign]');
  await modWs.waitState('all three assigned', (m) => ids.every((id) => m.questions.get(id)?.followup?.department === 'water'), 10000);
  await waitUntil('the triage list empties of them', async () =>
    (await mod.locator('li.mq', { hasText: 'Кульсары' }).count()) === 0, 10000);
  assert.deepEqual(unexpected(mod), []);
  v.close();
  modWs.close();
});
