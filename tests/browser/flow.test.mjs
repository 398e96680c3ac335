// The whole flow in real Chromium, three browser contexts: a viewer on a
// phone asks, a moderator approves with the keyboard, the presenter puts
// it on air and marks it answered; the viewer sees each state. A hostile
// question is shown as text and never runs.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, createRoom, stopAll } from '../lib/harness.mjs';
import { launch, openPage } from '../lib/browser.mjs';

let redis, hub, room, browser;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  room = await createRoom(hub, { id: 'akimat-live', title: 'Прямой эфир акима', moderation: true });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stopAll(hub, redis);
});

const HOSTILE = '<img src=x onerror=alert(1)> Когда откроют школу?';

test('ask, approve by keyboard, feature, answer: every page follows live', async () => {
  const viewer = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: { width: 360, height: 740 } });
  const mod = await openPage(browser, `${hub.url}/m/${room.id}#key=${room.moderator_key}`,
    { viewport: { width: 1280, height: 800 } });
  const pres = await openPage(browser, `${hub.url}/p/${room.id}#key=${room.presenter_key}`,
    { viewport: { width: 1920, height: 1080 } });
  for (const p of [viewer, mod, pres]) {
    await p.locator('#conn[data-state="live"]').waitFor({ timeout: 10000 });
  }
  assert.equal(await viewer.locator('#title').textContent(), 'Прямой эфир акима');

  // The viewer asks; the counter follows the typing.
  await viewer.fill('#text', 'Когда починят дорогу на улице Абая?');
  assert.match(await viewer.locator('#counter').textContent(), /35/);
  await viewer.fill('#name', 'Айгүл');
  await viewer.click('#send');
  const mine = viewer.locator('#mine li', { hasText: 'Когда починят дорогу на улице Абая?' });
  await mine.locator('.chip.pending').waitFor();

  // The moderator sees it pending and approves it with the keyboard.
  const row = mod.locator('.mq', { hasText: 'Когда починят дорогу на улице Абая?' });
  await row.waitFor();
  await row.locator('.body > .text').click();	/* the text, not a button */
  await mod.keyboard.press('a');
  await mine.locator('.chip.approved').waitFor();
  await viewer.locator('#list li', { hasText: 'Когда починят дорогу' }).waitFor();

  // The presenter puts it on air with N and marks it answered with A.
  await pres.locator('#queue li', { hasText: 'Когда починят дорогу' }).waitFor();
  await pres.keyboard.press('n');
  await pres.locator('#air-text', { hasText: 'Когда починят дорогу на улице Абая?' }).waitFor();
  assert.match(await pres.locator('#air-who').textContent(), /Айгүл/);
  await viewer.locator('#list li.featured', { hasText: 'Когда починят дорогу' }).waitFor();
  await pres.keyboard.press('a');
  await mine.locator('.chip.answered').waitFor();
  await pres.locator('#onair.waiting').waitFor();

  for (const p of [viewer, mod, pres]) assert.deepEqual(p.errors, []);
  await Promise.all([viewer, mod, pres].map((p) => p.context().close()));
});

test('hostile text is shown as text everywhere and never runs', async () => {
  const viewer = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: { width: 360, height: 740 } });
  const mod = await openPage(browser, `${hub.url}/m/${room.id}#key=${room.moderator_key}`,
    { viewport: { width: 1280, height: 800 } });
  const pres = await openPage(browser, `${hub.url}/p/${room.id}#key=${room.presenter_key}`,
    { viewport: { width: 1920, height: 1080 } });
  await viewer.locator('#conn[data-state="live"]').waitFor();
  await viewer.fill('#text', HOSTILE);
  await viewer.click('#send');
  await viewer.locator('#mine .text', { hasText: '<img src=x onerror=alert(1)>' }).waitFor();
  const row = mod.locator('.mq', { hasText: '<img src=x' });
  await row.waitFor();
  await row.locator('.body > .text').click();	/* the text, not a button */
  await mod.keyboard.press('a');
  await mod.keyboard.press('2');	/* the approved tab */
  await mod.locator('.mq', { hasText: '<img src=x' }).locator('.body > .text').click();
  await mod.keyboard.press('f');
  await pres.locator('#air-text', { hasText: '<img src=x onerror=alert(1)>' }).waitFor();
  for (const p of [viewer, mod, pres]) {
    assert.equal(await p.locator('main img:not(#qr)').count(), 0, 'no element was made from the text');
    assert.deepEqual(p.errors, [], 'no script ran, no dialog opened');
  }
  await Promise.all([viewer, mod, pres].map((p) => p.context().close()));
});

test('while typing, the viewer sees similar approved questions and can upvote one', async () => {
  const asker = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: { width: 360, height: 740 } });
  const mod = await openPage(browser, `${hub.url}/m/${room.id}#key=${room.moderator_key}`,
    { viewport: { width: 1280, height: 800 } });
  await asker.locator('#conn[data-state="live"]').waitFor();
  await asker.fill('#text', 'Будет ли новая школа в поселке Дамба в этом году?');
  await asker.click('#send');
  const row = mod.locator('.mq', { hasText: 'Будет ли новая школа' });
  await row.waitFor();
  await row.locator('.body > .text').click();	/* the text, not a button */
  await mod.keyboard.press('a');

  const viewer = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: { width: 360, height: 740 }, locale: 'kk-KZ' });
  await viewer.locator('#conn[data-state="live"]').waitFor();
  assert.match(await viewer.locator('#similar h3').textContent(), /Ұқсас сұрақтар/);
  await viewer.locator('#text').pressSequentially('новая школа в поселке Дамба будет ли в этом году', { delay: 5 });
  const hint = viewer.locator('#similar-list li', { hasText: 'Будет ли новая школа' });
  await hint.waitFor();
  await hint.locator('button.vote').click();
  await hint.locator('button.vote[aria-pressed="true"]').waitFor();
  await mod.keyboard.press('2');	/* the approved tab */
  await mod.locator('.mq', { hasText: 'Будет ли новая школа' }).locator('.score', { hasText: '2' }).waitFor();
  for (const p of [asker, mod, viewer]) assert.deepEqual(p.errors, []);
  await Promise.all([asker, mod, viewer].map((p) => p.context().close()));
});
