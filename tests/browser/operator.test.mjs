// The operator's page (/op/ROOM) in Debian's Chromium: an operator signs
// in, takes two calls from the keyboard only (Tab between fields,
// Ctrl+Enter sends), reads back each receipt; the moderator page shows the
// calls with their source and number and filters by source. Axe-clean.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Redis, Hub, createRoom, addStaff, stopAll } from '../lib/harness.mjs';
import { launch, openPage, SHOTS, axeViolations, signInOn } from '../lib/browser.mjs';

let redis, hub, browser, room;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  browser = await launch();
  addStaff(redis, { login: 'aliya', name: 'Алия Оператор', roles: ['operator'], password: 'operator password' });
  room = await createRoom(hub, { id: 'calls', title: 'Аким на связи', moderation: true });
});

after(async () => {
  await browser?.close();
  await stopAll(hub, redis);
});

test('an operator takes calls from the keyboard and reads back the receipts', async () => {
  const op = await openPage(browser, `${hub.url}/op/${room.id}`, { viewport: { width: 1280, height: 900 } });
  await signInOn(op, 'aliya', 'operator password');
  await op.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  // The caller's name is focused first; Tab to the number and the question.
  await op.keyboard.type('Гульнара');
  await op.keyboard.press('Tab');
  await op.keyboard.type('+7 701 234 56 78');
  await op.keyboard.press('Tab');
  await op.keyboard.type('Когда в Балыкшы проведут газ');
  await op.keyboard.press('Control+Enter');
  await op.locator('#receipt .code.big').waitFor();
  const code = (await op.locator('#receipt .code.big').textContent()).replace(/-/g, '');
  assert.match(code, /^[23456789A-HJKMNP-Z]{12}$/);
  await op.locator('#calls li', { hasText: 'Балыкшы' }).waitFor();
  assert.equal(await op.evaluate(() => document.activeElement.id), 'caller', 'ready for the next call');
  await op.keyboard.type('Ерлан');
  await op.keyboard.press('Tab');
  await op.keyboard.press('Tab');
  await op.keyboard.type('Отремонтируйте дорогу в Жилгородке');
  await op.keyboard.press('Control+Enter');
  await op.locator('#calls li', { hasText: 'Жилгородке' }).waitFor();
  assert.equal(await op.locator('#calls li').count(), 2);
  assert.deepEqual(await axeViolations(op), [], 'the operator page is axe-clean');
  await op.screenshot({ path: join(SHOTS, 'operator.png') });
  // The receipt, from any device.
  const rc = await (await fetch(`${hub.url}/api/receipts/${code}`)).json();
  assert.equal(rc.text, 'Когда в Балыкшы проведут газ');

  // The moderator sees both calls, their source and the number, and filters by source.
  const mod = await openPage(browser, `${hub.url}/m/${room.id}#key=${encodeURIComponent(room.moderator_key)}`,
    { viewport: { width: 1366, height: 900 } });
  const row = mod.locator('li.mq', { hasText: 'Балыкшы' });
  await row.locator('.chip.source', { hasText: 'Телефон' }).waitFor({ timeout: 20000 });
  await row.locator('text=+77012345678').waitFor();
  await mod.selectOption('#f-source', 'web');
  await mod.locator('#empty:not([hidden])').waitFor();
  await mod.selectOption('#f-source', 'phone');
  await mod.locator('li.mq', { hasText: 'Жилгородке' }).waitFor();
  const unexpected = (p) => p.errors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(unexpected(op), []);
  assert.deepEqual(unexpected(mod), []);
});
