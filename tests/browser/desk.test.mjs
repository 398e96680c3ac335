// The desk, part 1, in Debian's Chromium: an admin signs in to the
// console and creates a room and a moderator's account; the moderator
// signs in on the moderator page (no key), sees who moderates, approves a
// question with the keyboard; the question's history and the audit show
// it under the moderator's name. The console is axe-clean and
// photographed for the README.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Redis, Hub, Client, viewerHello, addStaff, signIn, stopAll } from '../lib/harness.mjs';
import { launch, openPage, SHOTS, axeViolations, signInOn } from '../lib/browser.mjs';

let redis, hub, browser;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  browser = await launch();
  addStaff(redis, { login: 'aigerim', name: 'Айгерим Сейткали', roles: ['admin'], password: 'admin password 1' });
});

after(async () => {
  await browser?.close();
  await stopAll(hub, redis);
});

test('an admin creates a room and a moderator in the console; the moderator signs in and approves; the audit names them', async () => {
  const admin = await openPage(browser, `${hub.url}/admin`, { viewport: { width: 1366, height: 900 } });
  await signInOn(admin, 'aigerim', 'admin password 1');
  await admin.locator('#app:not([hidden])').waitFor();
  assert.match(await admin.locator('#staff .who').textContent(), /Айгерим Сейткали/);

  // A room: its id is suggested from the title.
  await admin.fill('#room-title', 'Прямой эфир акима Атырау');
  assert.equal(await admin.inputValue('#room-id'), 'pryamoi-efir-akima-atyrau');
  await admin.fill('#room-id', 'akim-live');
  await admin.click('#room-form button[type=submit]');
  await admin.locator('#room-keys:not([hidden])').waitFor();
  await admin.locator('#rooms tr[data-room="akim-live"]').waitFor();

  // A moderator's account.
  await admin.fill('#staff-new-login', 'nurzhan');
  await admin.fill('#staff-new-name', 'Нуржан Абенов');
  await admin.fill('#staff-new-password', 'moderator password');
  await admin.check('#staff-new-roles-moderator');
  await admin.click('#staff-form button[type=submit]');
  await admin.locator('#staff-list tr[data-login="nurzhan"]').waitFor();
  assert.deepEqual(await axeViolations(admin), [], 'the console is axe-clean');
  await admin.screenshot({ path: join(SHOTS, 'console.png'), fullPage: true });

  // A resident asks; the moderator signs in on the moderator page, without a key.
  const resident = await Client.connect(hub, viewerHello('akim-live'));
  const q = await resident.cmd({ type: 'ask', text: 'Когда отремонтируют дорогу на улице Абая?' });
  const mod = await openPage(browser, `${hub.url}/m/akim-live`, { viewport: { width: 1366, height: 800 } });
  await signInOn(mod, 'nurzhan', 'moderator password');
  await mod.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  await mod.locator('#stats [data-stat="stats.staff"]', { hasText: 'Нуржан Абенов' }).waitFor({ timeout: 15000 });
  await mod.locator('.mq.current', { hasText: 'улице Абая' }).waitFor();
  await mod.keyboard.press('a');
  await resident.waitState('approved', (x) => x.questions.get(q.id)?.status === 'approved');

  // The question's history on the page, and the audit, name the moderator.
  await mod.keyboard.press('3');	/* the answered tab is 3; approved is 2 */
  await mod.keyboard.press('2');
  const row = mod.locator('li.mq', { hasText: 'улице Абая' });
  await row.locator('details.history summary').click();
  await row.locator('details.history li', { hasText: 'Нуржан Абенов' }).waitFor();
  const cookie = await signIn(hub, 'aigerim', 'admin password 1');
  const audit = await (await fetch(`${hub.url}/api/rooms/akim-live/audit`, { headers: { Cookie: cookie } })).json();
  const approve = audit.entries.find((e) => e.action === 'approve' && e.id === q.id);
  assert.equal(approve.actor, 'nurzhan');
  assert.equal(approve.by, 'Нуржан Абенов');
  assert.equal(audit.entries[0].action, 'create_room');
  assert.equal(audit.entries[0].actor, 'aigerim');
  await mod.screenshot({ path: join(SHOTS, 'moderator-signed-in.png') });
  // Before signing in, /api/me answers 401: the pages' one expected failed request.
  const unexpected = (p) => p.errors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(unexpected(admin), []);
  assert.deepEqual(unexpected(mod), []);
  resident.close();
});
