// The three pages under the conditions of a live broadcast, in Debian's
// Chromium: asks made offline are sent once the hub is back, two moderators
// work at once, the language follows the browser and the switch, every page
// passes axe-core with no serious or critical violation, and each page is
// photographed for the README (tests/out/screenshots/).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll, waitUntil } from '../lib/harness.mjs';
import { launch, openPage, SHOTS, axeViolations } from '../lib/browser.mjs';

let redis, hub, room, browser;
const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1366, height: 800 };
const FULL_HD = { width: 1920, height: 1080 };

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  room = await createRoom(hub, { id: 'atyrau-live', title: 'Аким Атырауской области отвечает', moderation: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stopAll(hub, redis);
});

const live = (p) => p.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
const modUrl = (r = room) => `${hub.url}/m/${r.id}#key=${r.moderator_key}`;

test('an ask made while the hub is unreachable waits and is sent once when it is back', async () => {
  const viewer = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: PHONE });
  await live(viewer);
  await hub.kill('SIGKILL');
  await viewer.locator('#conn[data-state="offline"], #conn[data-state="reconnecting"]').first().waitFor();
  await viewer.fill('#text', 'Когда откроют новый мост через Урал?');
  await viewer.click('#send');
  await viewer.locator('#mine .chip.pending', { hasText: /Ждёт связи/ }).waitFor();
  assert.match(await viewer.locator('#notice').textContent(), /Нет связи/);
  await hub.launch();
  await live(viewer);
  await viewer.locator('#mine li', { hasText: 'новый мост через Урал' }).locator('.chip.pending', { hasText: /модерации/ }).waitFor();
  // Exactly one question, asked once, reached the moderators.
  const m = await Client.connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  const mine = m.welcome.questions.filter((q) => q.text.includes('новый мост через Урал'));
  assert.equal(mine.length, 1);
  assert.equal(mine[0].dups, 0);
  m.close();
  // Chromium logs each refused reconnection attempt to the console; those
  // are this test's doing (the hub was down), not the page's.
  assert.deepEqual(viewer.errors.filter((e) => !/^WebSocket connection to .* failed: .*ERR_CONNECTION_REFUSED/.test(e)), []);
  await viewer.context().close();
});

test('two moderators at once see each other live and never corrupt a question', async () => {
  const r = await createRoom(hub, { id: 'two-mods', moderation: true });
  const v = await Client.connect(hub, viewerHello(r.id));
  const ids = [];
  for (const text of ['Первый вопрос про дороги', 'Второй вопрос про школы', 'Третий вопрос про воду']) {
    ids.push((await v.cmd({ type: 'ask', text })).id);
  }
  const m1 = await openPage(browser, modUrl(r), { viewport: DESKTOP });
  const m2 = await openPage(browser, modUrl(r), { viewport: DESKTOP });
  await live(m1);
  await live(m2);
  // One approves with the keyboard; the other sees it leave the pending queue.
  await m1.locator('.mq', { hasText: 'Первый вопрос' }).locator('.body > .text').click();
  await m1.keyboard.press('a');
  await m2.locator('.mq', { hasText: 'Первый вопрос' }).waitFor({ state: 'detached' });
  await m2.keyboard.press('2');
  await m2.locator('.mq', { hasText: 'Первый вопрос' }).locator('.chip.approved').waitFor();
  // Both act on the same question at the same instant.
  await m2.keyboard.press('1');
  await m2.locator('.mq', { hasText: 'Второй вопрос' }).waitFor();
  // Each page's button is found first, then both are clicked: one click's
  // event may reach the other page before its click, taking the row away.
  const arm = (p, label) => p.evaluate(([text, name]) => {
    const row = [...document.querySelectorAll('.mq')].find((r) => r.textContent.includes(text));
    window.armed = [...row.querySelectorAll('button')].find((b) => b.textContent.startsWith(name));
  }, ['Второй вопрос', label]);
  await arm(m1, 'Отклонить');
  await arm(m2, 'Одобрить');
  await Promise.all([m1, m2].map((p) => p.evaluate(() => window.armed.click())));
  // Whatever the order, both pages and Redis agree, and the question is whole.
  const final = async () => {
    const c = await Client.connect(hub, { room: r.id, role: 'moderator', client: newClientId(), key: r.moderator_key });
    c.close();
    return c.welcome.questions.find((q) => q.id === ids[1]);
  };
  // Both commands are through when neither page shows it pending.
  await waitUntil('both commands through', async () =>
    (await m1.locator('.mq', { hasText: 'Второй вопрос' }).count()) === 0 &&
    (await m2.locator('.mq', { hasText: 'Второй вопрос' }).count()) === 0, 10000, 50);
  const q = await final();
  assert.ok(['approved', 'rejected'].includes(q.status));
  assert.equal(q.text, 'Второй вопрос про школы');
  assert.equal(q.votes, 1);
  const tab = q.status === 'approved' ? '2' : '4';
  for (const p of [m1, m2]) {
    await p.keyboard.press(tab);
    await p.locator('.mq', { hasText: 'Второй вопрос' }).locator(`.chip.${q.status}`).waitFor();
  }
  // Bulk: select two with X and approve them with Shift+A.
  await m1.keyboard.press('1');
  await m1.locator('.mq', { hasText: 'Третий вопрос' }).locator('.body > .text').click();
  await m1.keyboard.press('x');
  await m1.locator('#bulk:not([hidden])').waitFor();
  await m1.keyboard.press('Shift+A');
  await m2.keyboard.press('2');
  await m2.locator('.mq', { hasText: 'Третий вопрос' }).locator('.chip.approved').waitFor();
  // Counters follow: one received per question.
  assert.match(await m2.locator('#stats').textContent(), /3\s+получено/);
  for (const p of [m1, m2]) assert.deepEqual(p.errors, []);
  v.close();
  await Promise.all([m1, m2].map((p) => p.context().close()));
});

test('merge by marking with M, and the viewers-connected counter', async () => {
  const r = await createRoom(hub, { id: 'merge-room', moderation: false });
  const v = await Client.connect(hub, viewerHello(r.id));
  await v.cmd({ type: 'ask', text: 'Будет ли ремонт бассейна?' });
  await v.cmd({ type: 'ask', text: 'Когда починят бассейн в спорткомплексе?' });
  const m = await openPage(browser, modUrl(r), { viewport: DESKTOP });
  await live(m);
  await m.keyboard.press('2');
  const source = m.locator('.mq', { has: m.locator('.body > .text', { hasText: 'Будет ли ремонт бассейна' }) });
  await source.locator('.body > .text').click();
  await m.keyboard.press('m');
  await m.locator('#merge-banner:not([hidden])').waitFor();
  await m.locator('.mq', { hasText: 'Когда починят бассейн' }).locator('.body > .text').click();
  await m.keyboard.press('Enter');
  await source.waitFor({ state: 'detached' });
  await m.locator('.mq', { hasText: 'Когда починят бассейн' }).locator('summary', { hasText: /Варианты: 1/ }).waitFor();
  // The hub reports viewers connected across hubs every few seconds.
  await m.locator('[data-stat="stats.viewers"]', { hasText: /^1\s/ }).waitFor({ timeout: 15000 });
  assert.deepEqual(m.errors, []);
  v.close();
  await m.context().close();
});

test('an upvote shows at once and is rolled back when the hub refuses it', async () => {
  const r = await createRoom(hub, { id: 'vote-room', moderation: false });
  const asker = await Client.connect(hub, viewerHello(r.id));
  await asker.cmd({ type: 'ask', text: 'Когда откроют каток?' });
  const viewer = await openPage(browser, `${hub.url}/r/${r.id}`, { viewport: PHONE });
  await live(viewer);
  const vote = viewer.locator('#list li', { hasText: 'каток' }).locator('button.vote');
  await vote.locator('.n', { hasText: '1' }).waitFor();
  await vote.click();
  await vote.locator('.n', { hasText: '2' }).waitFor();
  // The room closes: the next vote is refused, and the count goes back.
  const m = await Client.connect(hub, { room: r.id, role: 'moderator', client: newClientId(), key: r.moderator_key });
  await m.cmd({ type: 'room', open: false });
  await viewer.locator('#closed:not([hidden])').waitFor();
  await vote.click();
  await viewer.locator('#notice.bad', { hasText: /закрыт/ }).waitFor();
  await vote.locator('.n', { hasText: '2' }).waitFor();
  assert.equal(await vote.getAttribute('aria-pressed'), 'true');
  assert.deepEqual(viewer.errors, []);
  asker.close();
  m.close();
  await viewer.context().close();
});

test('the language follows the browser, and the switch is remembered', async () => {
  const kk = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: PHONE, locale: 'kk-KZ' });
  await live(kk);
  assert.equal(await kk.locator('#send').textContent(), 'Жіберу');
  assert.equal(await kk.locator('html').getAttribute('lang'), 'kk');
  assert.match(await kk.locator('#ask-title').textContent(), /Сұрақ қойыңыз/);
  await kk.selectOption('#lang', 'en');
  await kk.locator('#send', { hasText: 'Send' }).waitFor();
  assert.equal(await kk.locator('#conn').textContent(), 'Connected');
  await kk.reload();
  await kk.locator('#send', { hasText: 'Send' }).waitFor();
  const en = await openPage(browser, `${hub.url}/p/${room.id}#key=${room.presenter_key}`, { viewport: FULL_HD, locale: 'en-US' });
  await en.locator('#queue-title', { hasText: 'Up next' }).waitFor();
  const ru = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: PHONE, locale: 'ru-RU' });
  await ru.locator('#send', { hasText: 'Отправить' }).waitFor();
  for (const p of [kk, en, ru]) assert.deepEqual(p.errors, []);
  await Promise.all([kk, en, ru].map((p) => p.context().close()));
});

test('a mock broadcast: every page in its state, axe-clean, photographed', async () => {
  const viewers = [];
  for (let i = 0; i < 4; i++) viewers.push(await Client.connect(hub, viewerHello(room.id)));
  const texts = [
    ['Когда отремонтируют дорогу на улице Абая?', 'Айгүл'],
    ['Почему в микрорайоне Нурсая нет горячей воды уже неделю?', null],
    ['Қашан Махамбет ауданына газ тартылады?', 'Ерлан'],
    ['Будет ли построена новая школа в поселке Дамба?', null],
    ['Когда запустят автобус номер 15 до Авангарда?', 'Марат'],
  ];
  const ids = [];
  for (const [i, [text, name]] of texts.entries()) {
    const a = await viewers[i % 4].cmd({ type: 'ask', text, ...(name && { name }) });
    ids.push(a.id);
  }
  await viewers[1].cmd({ type: 'ask', text: 'когда отремонтируют дорогу на ул. Абая' });
  await viewers[2].cmd({ type: 'ask', text: 'Здравствуйте! Когда отремонтируют дорогу на улице Абая?' });
  const m = await Client.connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  for (const id of ids.slice(0, 4)) await m.cmd({ type: 'moderate', id, action: 'approve' });
  await viewers[3].cmd({ type: 'vote', id: ids[1] });
  await m.cmd({ type: 'moderate', id: ids[0], action: 'feature' });

  const viewer = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: PHONE });
  const mod = await openPage(browser, modUrl(), { viewport: DESKTOP });
  const pres = await openPage(browser, `${hub.url}/p/${room.id}#key=${room.presenter_key}`, { viewport: FULL_HD });
  const overlay = await openPage(browser, `${hub.url}/o/${room.id}#key=${room.presenter_key}`, { viewport: FULL_HD });
  const landing = await openPage(browser, `${hub.url}/`, { viewport: PHONE });
  for (const p of [viewer, mod, pres]) await live(p);
  await viewer.fill('#text', 'Когда отремонтируют дорогу на улице Абая в этом году');
  await viewer.fill('#name', 'Динара');
  await pres.locator('#air-text', { hasText: 'улице Абая' }).waitFor();
  await pres.locator('#qr').evaluate((img) => img.complete || new Promise((r) => { img.onload = r; }));
  await overlay.locator('#lower:not([hidden])').waitFor();
  await mod.keyboard.press('6');	/* all questions */
  await mod.locator('.mq').nth(4).waitFor();

  const failures = {};
  for (const [name, p] of [['viewer', viewer], ['moderator', mod], ['presenter', pres], ['overlay', overlay], ['landing', landing]]) {
    const v = await axeViolations(p);
    if (v.length) failures[name] = v;
  }
  assert.deepEqual(failures, {}, 'no serious or critical accessibility violation');

  await viewer.screenshot({ path: join(SHOTS, 'viewer-phone.png'), fullPage: true });
  await mod.screenshot({ path: join(SHOTS, 'moderator-desktop.png') });
  await pres.screenshot({ path: join(SHOTS, 'presenter-1080p.png') });
  await overlay.screenshot({ path: join(SHOTS, 'overlay-1080p.png'), omitBackground: true });
  for (const p of [viewer, mod, pres, overlay, landing]) assert.deepEqual(p.errors, []);
  viewers.forEach((c) => c.close());
  m.close();
  await Promise.all([viewer, mod, pres, overlay, landing].map((p) => p.context().close()));
});

test('the pages stay small enough for a slow mobile network', async () => {
  const viewer = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: PHONE });
  await live(viewer);
  const bytes = await viewer.evaluate(() => performance.getEntriesByType('resource')
    .filter((e) => !e.name.includes('/ws'))
    .reduce((n, e) => n + e.encodedBodySize, 0) +
    performance.getEntriesByType('navigation')[0].encodedBodySize);
  console.log(`viewer page weight: ${(bytes / 1024).toFixed(1)} KiB`);
  assert.ok(bytes < 100 * 1024, `${bytes} bytes`);
  await viewer.context().close();
});
