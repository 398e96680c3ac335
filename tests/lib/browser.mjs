// Debian's Chromium driven by playwright-core: never a downloaded browser.

import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './harness.mjs';

export const SHOTS = join(ROOT, 'tests', 'out', 'screenshots');

export async function launch() {
  mkdirSync(SHOTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

// A page that fails the test on any JavaScript error or dialog it did not expect.
export async function openPage(browser, url, { viewport, locale = 'ru-RU', dialogs = [] } = {}) {
  const context = await browser.newContext({ viewport, locale });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  page.on('dialog', async (d) => {
    const answer = dialogs.shift();
    if (answer === undefined) {
      page.errors.push(`unexpected dialog: ${d.message()}`);
      await d.dismiss();
    } else if (answer === false) await d.dismiss();
    else await d.accept(answer === true ? undefined : String(answer));
  });
  await page.goto(url);
  return page;
}
