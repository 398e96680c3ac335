// Long lists are windowed (web/static/js/vlist.js): only the rows near the
// viewport exist in the DOM. What a moderator does must still work across
// the whole list, in and out of the DOM: move with the keyboard, select,
// bulk-approve, search; and a viewer scrolling loads the rest of a room
// its bounded welcome did not hold. Functional checks only, no timings
// (those are make bench's pages scenario).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll, waitUntil } from '../lib/harness.mjs';
import { launch, openPage } from '../lib/browser.mjs';

const N = 300;
let redis, hub, browser;

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis, { args: ['--ask-rate', '100000', '--ask-rate-ip', '1000000'] });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await stopAll(hub, redis);
});

// N questions, each with a word of its own ("метка<i>") to search for.
async function fill(id, approve) {
  const room = await createRoom(hub, { id, moderation: true });
  const mod = await Client.connect(hub, { room: id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  const askers = await Promise.all(Array.from({ length: 10 }, () => Client.connect(hub, viewerHello(id))));
  const ids = [];
  for (let i = 0; i < N; i += 10) {
    const acks = await Promise.all(askers.map((a, k) => a.cmd({
      type: 'ask', text: `Вопрос ${i + k}: когда отремонтируют дом ${i + k} на улице метка${i + k}?`,
    })));
    for (const a of acks) ids.push(a.id);
    if (approve) await Promise.all(acks.map((a) => mod.cmd({ type: 'moderate', id: a.id, action: 'approve' })));
  }
  askers.forEach((a) => a.close());
  return { room, mod, ids };
}

const live = (p) => p.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });

test('moderator: keyboard, selection, bulk approval and search reach rows that are not in the DOM', async () => {
  const { room, mod, ids } = await fill('long-queue', false);
  const page = await openPage(browser, `${hub.url}/m/${room.id}#key=${room.moderator_key}`,
    { viewport: { width: 1366, height: 800 } });
  await live(page);
  await page.locator('#tabs button', { hasText: `(${N})` }).first().waitFor();
  const rowsInDom = await page.locator('#list > li.mq').count();
  assert.ok(rowsInDom > 0 && rowsInDom < N / 2, `${rowsInDom} of ${N} rows in the DOM`);

  // Equal votes: the queue is in id order. The cursor starts on the first.
  await page.locator('.mq.current', { hasText: 'Вопрос 0:' }).waitFor();
  await page.keyboard.press('x');				/* select question 0 */
  for (let i = 0; i < 250; i++) await page.keyboard.press('j');
  await page.locator('.mq.current', { hasText: 'Вопрос 250:' }).waitFor();
  assert.ok(await page.locator('.mq.current').isVisible(), 'the cursor row is on screen');
  await page.keyboard.press('x');				/* and question 250 */
  await page.keyboard.press('k');
  await page.keyboard.press('x');				/* and 249 */
  await page.locator('#bulk-count', { hasText: '3' }).waitFor();
  await page.keyboard.press('Shift+A');
  const approved = [ids[0], ids[249], ids[250]];
  await waitUntil('the three selected questions approved', async () => {
    const check = await Client.connect(hub, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
    const ok = approved.every((id) => check.welcome.questions.find((q) => q.id === id)?.status === 'approved');
    check.close();
    return ok;
  }, 10000, 100);
  await page.locator('#tabs button', { hasText: `(${N - 3})` }).first().waitFor();

  // Search finds a question far from the window, and only it.
  await page.locator('#search').fill('метка287');
  await page.locator('.mq', { hasText: 'Вопрос 287:' }).waitFor();
  assert.equal(await page.locator('#list > li.mq').count(), 1);
  await page.locator('#search').fill('');
  await page.locator('#list > li.mq').nth(5).waitFor();

  // An approval with A moves the cursor on, whatever is in the DOM.
  await page.locator('.mq', { hasText: 'Вопрос 1:' }).locator('.body > .text').click();
  await page.keyboard.press('a');
  await page.locator('.mq.current', { hasText: 'Вопрос 2:' }).waitFor();
  assert.deepEqual(page.errors, []);
  mod.close();
  await page.context().close();
});

test('viewer: a bounded welcome, then pages as the resident scrolls, until the whole room is there', async () => {
  const { room, mod } = await fill('long-room', true);
  const page = await openPage(browser, `${hub.url}/r/${room.id}`, { viewport: { width: 390, height: 844 } });
  await live(page);
  await page.locator('#list > li.q').first().waitFor();
  const inDom = await page.locator('#list > li.q').count();
  assert.ok(inDom < N / 2, `${inDom} of ${N} rows in the DOM`);
  // Equal votes: rank order is id order, so the last question is "Вопрос 299".
  await waitUntil('the last question of the room reached by scrolling', async () => {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    return (await page.locator('#list > li.q', { hasText: 'Вопрос 299:' }).count()) === 1;
  }, 20000, 200);
  assert.ok(await page.locator('#list > li.q').count() < N / 2, 'still windowed at the end');
  assert.deepEqual(page.errors, []);
  mod.close();
  await page.context().close();
});
