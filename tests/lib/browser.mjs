// Debian's Chromium driven by playwright-core: never a downloaded browser.

import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
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

const AXE = readFileSync(join(ROOT, 'tests', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

// The serious and critical accessibility violations axe-core finds on the
// page as it is now (WCAG 2.1 A and AA, best practice), one line each.
export async function axeViolations(page) {
  await page.evaluate(AXE);	// through DevTools, as the pages' CSP forbids injected scripts
  const r = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
  }));
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`);
}

// Fills and sends a staff page's sign-in form.
export async function signInOn(page, login, password) {
  await page.locator('#signin').waitFor();
  await page.fill('#staff-login', login);
  await page.fill('#staff-password', password);
  await page.click('#signin button[type=submit]');
}
