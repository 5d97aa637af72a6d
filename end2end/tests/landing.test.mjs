// The landing page, served by the real server, hydrates and its recipe picker responds to clicks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';
import { launchBrowser } from '../support/browser.mjs';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('healthz answers ok with the version', async () => {
  const response = await fetch(`${server.url}/healthz`);
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.status, 'ok');
  assert.match(body.version, /^\d+\.\d+\.\d+/);
});

test('with no HF_ENDPOINT the server runs the embedded local hub', async () => {
  assert.match(server.hubUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  const response = await fetch(`${server.hubUrl}/.well-known/openid-configuration`);
  assert.equal(response.status, 200);
  const discovery = await response.json();
  assert.ok(discovery.authorization_endpoint.startsWith(server.hubUrl));
});

test('landing page hydrates and the recipe picker shows the chosen recipe', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));

  await page.goto(server.url, { waitUntil: 'load' });
  await page.getByRole('link', { name: 'Sign in with Hugging Face' }).first().waitFor();
  assert.equal(await page.locator('.phase-list button').count(), 8);
  assert.equal(await page.locator('.selected-title').count(), 0, 'nothing chosen before a click');

  // The picker only reacts once the wasm has loaded and hydrated the page.
  await page.locator('.phase-picker[data-hydrated="true"]').waitFor({ timeout: 20_000 });
  await page.locator('button[data-phase="2.1"]').click();

  await page.locator('.selected-title', { hasText: 'Template Space' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('button[data-phase="2.1"]').getAttribute('aria-selected'), 'true');
  assert.match(await page.locator('.selected-summary').innerText(), /private Space/);

  await page.locator('button[data-phase="3"]').click();
  await page.locator('.selected-title', { hasText: 'Pi smoke test' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.locator('button[data-phase="2.1"]').getAttribute('aria-selected'), 'false');

  await mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: path.join(screenshots, 'landing.png'), fullPage: true });
  assert.deepEqual(errors, [], 'no errors in the browser console');
  await page.close();
});

test('a page fetches only the wasm its HTML preloads, and another page its own chunk when the visitor goes there', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  const fetched = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('.wasm')) fetched.push(url.pathname);
  });

  await page.goto(server.url, { waitUntil: 'load' });
  await page.locator('.phase-picker[data-hydrated="true"]').waitFor({ timeout: 20_000 });
  const preloaded = await page.evaluate(() =>
    [...document.querySelectorAll('link[rel="preload"][href$=".wasm"]')].map((l) => new URL(l.href).pathname),
  );
  // The main module and the landing page's own chunk(s): the bundle is split by route.
  assert.ok(preloaded.length >= 2, `the page preloads its chunks too: ${preloaded}`);
  assert.deepEqual([...new Set(fetched)].sort(), [...new Set(preloaded)].sort(), 'fetched exactly what was preloaded');

  // Client-side navigation to another page fetches that page's code, then it works.
  await page.locator('.site-nav a[href="/runs"]').click();
  await page.waitForURL(`${server.url}/runs`);
  await page.locator('.runs-page[data-hydrated="true"]').waitFor({ timeout: 20_000 });
  const later = fetched.filter((p) => !preloaded.includes(p));
  assert.ok(later.length >= 1, `the runs page's chunk came with the visit: ${fetched}`);
  await page.locator('.runs-page .error-panel').waitFor({ timeout: 20_000 });
  // Signed out, the runs list is refused (401) and the page says so: that is no error.
  const unexpected = errors.filter((e) => !e.includes('status of 401 (Unauthorized)'));
  assert.deepEqual(unexpected, [], 'no other errors in the browser console');
  await page.close();
});
