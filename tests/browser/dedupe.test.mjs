// Near-duplicates in the pages: a moderator merges a question into the one
// the hub suggests with one key, and a viewer typing a question is offered
// the answer an earlier broadcast gave.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll } from '../lib/harness.mjs';
import { launch, openPage } from '../lib/browser.mjs';

let redis, hub, browser;
const clients = [];

before(async () => {
  redis = await Redis.start();
  hub = await Hub.start(redis);
  browser = await launch();
});

after(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await stopAll(hub, redis);
});

async function connect(hello) {
  const c = await Client.connect(hub, hello);
  clients.push(c);
  return c;
}

test('a moderator merges a question into the suggested one with one key', async () => {
  const room = await createRoom(hub, { id: 'suggested-merge', moderation: true });
  const watch = await connect({ room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  const a = await (await connect(viewerHello(room.id))).cmd({ type: 'ask', text: 'Когда откроют бассейн в спорткомплексе?' });
  const b = await (await connect(viewerHello(room.id))).cmd({ type: 'ask', text: 'Бассейн в спорткомплексе когда заработает?' });
  await watch.waitState('suggested', (x) => x.questions.get(b.id)?.possibly_same === a.id);
  const page = await openPage(browser, `${hub.url}/m/${room.id}#key=${room.moderator_key}`,
    { viewport: { width: 1366, height: 800 } });
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  const row = page.locator('li.mq', { hasText: 'Бассейн в спорткомплексе когда заработает?' });
  await row.locator('.maybe .chip', { hasText: `#${a.id}` }).waitFor();
  // The cursor starts on the first question (equal votes: id order); the suggested one is next.
  await page.keyboard.press('j');
  await page.locator('li.mq.current', { hasText: 'когда заработает' }).waitFor();
  await page.keyboard.press('s');
  await watch.waitState('merged by one key', (x) => !x.questions.has(b.id) && x.questions.get(a.id)?.dups === 1);
  await row.waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
});

test('a viewer typing a question is offered the answer an earlier broadcast gave', async () => {
  const earlier = await createRoom(hub, { id: 'january', title: 'Эфир в январе', moderation: true });
  const mod = await connect({ room: earlier.id, role: 'moderator', client: newClientId(), key: earlier.moderator_key });
  const q = await (await connect(viewerHello(earlier.id))).cmd({ type: 'ask', text: 'Когда построят крытый каток в Атырау?' });
  await mod.cmd({ type: 'moderate', id: q.id, action: 'approve' });
  await mod.cmd({ type: 'moderate', id: q.id, action: 'answer' });
  const now = await createRoom(hub, { id: 'february', title: 'Эфир в феврале', moderation: true });
  const viewer = await openPage(browser, `${hub.url}/r/${now.id}`, { viewport: { width: 390, height: 844 } });
  await viewer.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  await viewer.fill('#text', 'когда построят крытый каток в атырау');
  const past = viewer.locator('#similar-list li.past');
  await past.waitFor({ timeout: 10000 });
  assert.match(await past.textContent(), /Эфир в январе/);
  assert.match(await past.textContent(), /каток/);
  assert.deepEqual(viewer.errors, []);
});
