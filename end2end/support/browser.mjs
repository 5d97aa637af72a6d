// Launches Debian's Chromium through playwright-core with the flags this machine needs.
import { chromium } from 'playwright-core';

/** The flags that keep headless Chromium off the (closed) network and out of a sandbox it cannot have as root. */
export const CHROMIUM_ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A fresh headless browser; close it when done. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.SPACE_FACTORY_CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

/** What each watched page said: console lines, uncaught errors, failed and wasm requests. */
const journals = new WeakMap();

/** Starts keeping `page`'s console, errors and wasm/failed requests (once per page). */
export function watchPage(page) {
  if (journals.has(page)) return journals.get(page);
  const journal = [];
  const note = (line) => {
    journal.push(`${new Date().toISOString()} ${line}`);
    if (journal.length > 200) journal.shift();
  };
  page.on('console', (m) => note(`console.${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => note(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) => note(`requestfailed: ${r.url()} ${r.failure()?.errorText || ''}`));
  page.on('response', (r) => {
    if (r.url().endsWith('.wasm') || r.url().includes('/pkg/')) note(`response ${r.status()}: ${r.url()}`);
  });
  page.on('load', () => note(`load: ${page.url()}`));
  journals.set(page, journal);
  return journal;
}

/**
 * Waits until `selector` matches: an element whose data-hydrated="true" says the wasm has
 * hydrated the page. On timeout the error says what the page did meanwhile (see
 * `watchPage`) and how far the document got, so a failure on CI can be told apart.
 */
export async function waitHydrated(page, selector, { timeout = 30_000 } = {}) {
  const journal = watchPage(page);
  try {
    await page.locator(selector).waitFor({ timeout });
  } catch (err) {
    const state = await page
      .evaluate(() => ({
        readyState: document.readyState,
        flags: [...document.querySelectorAll('[data-hydrated]')].map((e) => `${e.tagName}.${e.className}=${e.dataset.hydrated}`),
        wasm: performance.getEntriesByType('resource').filter((r) => r.name.includes('/pkg/')).map((r) => `${r.name} ${Math.round(r.duration)} ms`),
      }))
      .catch((e) => ({ evaluateFailed: e.message }));
    err.message += `\npage ${page.url()} state ${JSON.stringify(state)}\njournal:\n${journal.join('\n')}`;
    throw err;
  }
}

/**
 * Adds test-only CSS to `page` (e.g. a short panel, so it overflows). A constructed
 * stylesheet, because the app's Content-Security-Policy rightly refuses inline `<style>`
 * elements, which is what Playwright's `addStyleTag` adds.
 */
export async function addTestStyle(page, css) {
  await page.evaluate((text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  }, css);
}
