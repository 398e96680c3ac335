// Held votes in the pages (docs/SECURITY.md): with --id-cost the viewer
// page proves its work by itself and its vote counts; a moderator sees
// the votes held from a burst of fresh ids and releases them with a click.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Redis, Hub, Client, createRoom, newClientId, viewerHello, stopAll } from '../lib/harness.mjs';
import { launch, openPage } from '../lib/browser.mjs';

let redis, browser;
const hubs = [], clients = [];

before(async () => {
  redis = await Redis.start();
  browser = await launch();
});

after(async () => {
  for (const c of clients) c.close();
  await browser?.close();
  await stopAll(...hubs, redis);
});

async function start(args) {
  const h = await Hub.start(redis, { args });
  hubs.push(h);
  return h;
}
async function connect(h, hello, opts) {
  const c = await Client.connect(h, hello, opts);
  clients.push(c);
  return c;
}

test('with --id-cost the viewer page proves its work and its vote counts', async () => {
  const h = await start(['--id-cost', '12']);
  const room = await createRoom(h, { id: 'pow-page', moderation: false });
  const m = await connect(h, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  const asked = await (await connect(h, viewerHello(room.id))).cmd({ type: 'ask', text: 'Когда заработает фонтан в парке?' });
  const viewer = await openPage(browser, `${h.url}/r/${room.id}`, { viewport: { width: 390, height: 844 } });
  await viewer.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  await viewer.locator(`li[data-id="${asked.id}"] button.vote`).click();
  await viewer.locator(`li[data-id="${asked.id}"] button.vote[aria-pressed="true"]`).waitFor();
  await m.waitState('the page\'s vote counts', (x) => x.questions.get(asked.id)?.votes === 2 &&
    !x.questions.get(asked.id)?.held_votes, 30000);
  assert.deepEqual(viewer.errors, []);
});

test('a moderator sees held votes and releases them with a click', async () => {
  const h = await start([]);
  const room = await createRoom(h, { id: 'held-page', moderation: false });
  const asked = await (await connect(h, viewerHello(room.id))).cmd({ type: 'ask', text: 'Когда откроют бассейн?' });
  // A burst of fresh ids from one address: most of their votes are held.
  await Promise.all(Array.from({ length: 60 }, async () => {
    const v = await Client.connect(h, viewerHello(room.id), { localAddress: '127.0.0.66' });
    await v.cmd({ type: 'vote', id: asked.id }, 15000);
    v.close();
  }));
  const mod = await openPage(browser, `${h.url}/m/${room.id}#key=${room.moderator_key}`,
    { viewport: { width: 1366, height: 800 } });
  await mod.locator('#conn[data-state="live"]').waitFor({ timeout: 20000 });
  await mod.locator('#tabs button[title="2"]').click();	/* approved */
  const row = mod.locator('li.mq', { hasText: 'Когда откроют бассейн?' });
  const chip = row.locator('.held .chip');
  await chip.waitFor();
  const held = Number((await chip.textContent()).match(/\d+/)[0]);
  assert.ok(held >= 20, `${held} held`);
  await row.locator('.held button').first().click();
  await row.locator('.held').waitFor({ state: 'detached' });
  const m = await connect(h, { room: room.id, role: 'moderator', client: newClientId(), key: room.moderator_key });
  await m.waitState('all counted', (x) => x.questions.get(asked.id)?.votes === 61);
  assert.deepEqual(mod.errors, []);
});
