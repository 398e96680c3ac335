// Benchmark 8, pages: what the pages cost the browser's main thread, in
// Debian's Chromium driven by playwright-core, at the room sizes of a real
// broadcast. Main-thread time is Chromium's own count (the DevTools
// protocol's Performance.getMetrics TaskDuration), taken before an action
// and after the two animation frames that follow it; long tasks come from
// a PerformanceObserver in the page.
//
//   moderator (1366x800): rooms of 500 (480 pending), 2,000 (2,000 pending)
//     and 20,000 questions (2,000 pending): a cursor move (J), an approval
//     (A) until the next row is selected, a search keystroke; long tasks
//     while 1,000 votes a second change the counts;
//   viewer (390x844, CPU throttled 4x, 1.6 Mbit/s down, 750 kbit/s up,
//     150 ms round trip): a room of 2,000 approved questions, from the
//     navigation to its first questions on screen; long tasks during the
//     vote storm;
//   answers (/a/ROOM, the same phone): the public record of that room, from
//     the navigation to its first rows and to all 2,000 built, the bytes of
//     the answers sent and as JSON; a filter
//     change and a search keystroke (main-thread time, the CPU throttled).
//
//   SIZES=500,2000,20000 MOVES=20 VOTE_RATE=1000 PAGES=moderator,viewer,answers
import { Redis, startHub, benchRoom, load, procsFor } from './lib.mjs';
import { launch } from '../../tests/lib/browser.mjs';

const SIZES = (process.env.SIZES || '500,2000,20000').split(',').map(Number).filter((n) => n > 0);
const MOVES = Number(process.env.MOVES || 20);
const VOTE_RATE = Number(process.env.VOTE_RATE || 1000);
const PENDING = (n) => Math.min(n < 1000 ? n - 20 : 2000, n);
const PAGES = (process.env.PAGES || 'moderator,viewer,answers').split(',');
const PHONE_NET = { offline: false, latency: 150, downloadThroughput: 1.6e6 / 8, uploadThroughput: 750e3 / 8 };

const ms = (s) => (s * 1000).toFixed(1);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// Main-thread seconds Chromium has spent on tasks so far.
async function taskTime(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return metrics.find((m) => m.name === 'TaskDuration').value;
}

const twoFrames = (page) => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

// Main-thread time of one action, until its result is painted.
async function measure(page, cdp, action) {
  await twoFrames(page);
  const before = await taskTime(cdp);
  await action();
  await twoFrames(page);
  return (await taskTime(cdp)) - before;
}

// Long tasks (over 50 ms) the page sees from now on.
async function watchLongTasks(page) {
  await page.evaluate(() => {
    window.__long = [];
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); })
      .observe({ type: 'longtask', buffered: false });
  });
  return () => page.evaluate(() => window.__long);
}

async function newPage(browser, url, viewport, { cpu = 1, net = null } = {}) {
  const context = await browser.newContext({ viewport, locale: 'ru-RU' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  if (cpu > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
  if (net) {
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', net);
  }
  const t0 = Date.now();
  await page.goto(url);
  return { page, cdp, t0 };
}

async function voteStorm(hub, room, approved) {
  return load('votes', ['--port', hub.port, '--room', room, '--viewers', 0, '--voters', 200,
    '--window', 2, '--rate', VOTE_RATE, '--questions', Math.min(approved, 2000), '--duration', 10,
    '--drain', 5, '--procs', 1, '--partial']);
}

async function moderator(browser, hub, room, n) {
  const { page, cdp, t0 } = await newPage(browser, `${hub.url}/m/${room.id}#key=${room.key}`, { width: 1366, height: 800 });
  await cdp.send('Performance.enable');
  await page.locator('#conn[data-state="live"]').waitFor({ timeout: 120000 });
  await page.locator('.mq.current').waitFor({ timeout: 120000 });
  const loaded = (Date.now() - t0) / 1000;
  const moves = [], approvals = [], keys = [];
  for (let i = 0; i < MOVES; i++) moves.push(await measure(page, cdp, () => page.keyboard.press('j')));
  for (let i = 0; i < MOVES; i++) approvals.push(await measure(page, cdp, () => page.keyboard.press('a')));
  await page.locator('#search').focus();
  for (const ch of 'номер 19') keys.push(await measure(page, cdp, () => page.keyboard.type(ch)));
  await page.locator('#search').fill('');
  const long = await watchLongTasks(page);
  const storm = n - PENDING(n) >= 1000 ? await voteStorm(hub, room.id, n - PENDING(n)) : null;
  const longTasks = storm ? await long() : [];
  console.log(`pages moderator questions=${n} pending=${PENDING(n)} loaded=${loaded.toFixed(2)}s ` +
    `move_median=${ms(median(moves))}ms move_max=${ms(Math.max(...moves))}ms ` +
    `approve_median=${ms(median(approvals))}ms approve_max=${ms(Math.max(...approvals))}ms ` +
    `search_key_median=${ms(median(keys))}ms search_key_max=${ms(Math.max(...keys))}ms` +
    (storm ? ` votes_per_s=${storm.acks_per_s} long_tasks=${longTasks.length}` +
      ` longest_task=${longTasks.length ? Math.max(...longTasks).toFixed(0) : 0}ms` : ''));
  await page.context().close();
}

async function viewer(browser, hub, room, n) {
  const { page, t0 } = await newPage(browser, `${hub.url}/r/${room.id}`, { width: 390, height: 844 },
    { cpu: 4, net: PHONE_NET });
  await page.locator('#list > li.q').first().waitFor({ timeout: 120000 });
  const first = (Date.now() - t0) / 1000;
  const welcome = await page.evaluate(() => performance.getEntriesByType('resource').length);
  const long = await watchLongTasks(page);
  const storm = await voteStorm(hub, room.id, n);
  const longTasks = await long();
  console.log(`pages viewer questions=${n} cpu=4x net=1.6Mbit/s,150ms first_questions_after=${first.toFixed(2)}s ` +
    `resources=${welcome} votes_per_s=${storm.acks_per_s} long_tasks=${longTasks.length} ` +
    `longest_task=${longTasks.length ? Math.max(...longTasks).toFixed(0) : 0}ms`);
  await page.context().close();
}

async function answers(browser, hub, room, n) {
  const { page, cdp, t0 } = await newPage(browser, `${hub.url}/a/${room.id}`, { width: 390, height: 844 },
    { cpu: 4, net: PHONE_NET });
  await cdp.send('Performance.enable');
  await page.locator('#list > li').first().waitFor({ timeout: 120000 });
  const first = (Date.now() - t0) / 1000;
  await page.waitForFunction((n) => document.querySelectorAll('#list > li').length >= n, n, { timeout: 120000, polling: 50 });
  const all = (Date.now() - t0) / 1000;
  const rows = await page.locator('#list > li').count();
  const bytes = await page.evaluate((id) => performance.getEntriesByType('resource')
    .filter((e) => e.name.includes(`/api/rooms/${id}/answers`)).map((e) => `${e.transferSize}/${e.decodedBodySize}`).join(), room.id);
  const filters = [], keys = [];
  for (const v of ['roads', '', 'water', '']) filters.push(await measure(page, cdp, () => page.selectOption('#topic', v).catch(() => {})));
  await page.locator('#search').focus();
  for (const ch of 'номер 1') keys.push(await measure(page, cdp, () => page.keyboard.type(ch)));
  console.log(`pages answers questions=${n} cpu=4x net=1.6Mbit/s,150ms first_rows_after=${first.toFixed(2)}s all_rows_after=${all.toFixed(2)}s rows=${rows} ` +
    `answers_bytes_sent/json=${bytes} ` +
    `filter_median=${ms(median(filters))}ms filter_max=${ms(Math.max(...filters))}ms ` +
    `search_key_median=${ms(median(keys))}ms search_key_max=${ms(Math.max(...keys))}ms`);
  await page.context().close();
}

const redis = await Redis.start();
const hub = await startHub(redis, 1);
const browser = await launch();
try {
  for (const n of PAGES.includes('moderator') ? SIZES : []) {
    const t = Date.now();
    const room = await benchRoom(hub, `mod${n}`, n, n - PENDING(n));
    console.log(`# pages: room of ${n} filled in ${((Date.now() - t) / 1000).toFixed(0)} s`);
    await moderator(browser, hub, room, n);
  }
  const room = await benchRoom(hub, 'view2000', 2000, 2000);
  if (PAGES.includes('viewer')) await viewer(browser, hub, room, 2000);
  if (PAGES.includes('answers')) await answers(browser, hub, room, 2000);
} finally {
  await browser.close();
  await hub.stop();
  await redis.stop();
}
