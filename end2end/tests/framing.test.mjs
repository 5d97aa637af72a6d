// Every page hydrates under the app's Content-Security-Policy with no violation: at the
// top, and inside a cross-origin iframe of an origin allowed to frame it (as the Hub frames
// a Space); an origin that is not allowed cannot frame it at all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated } from '../support/browser.mjs';
import { signIn, collectErrors } from '../support/auth.mjs';

let server;
let browser;
let context;
let page;
let allowed;
let hostile;
let runPath;

/** Serves a page that frames `?src=` in an iframe, on a free loopback port. */
async function framingSite() {
  const site = http.createServer((request, response) => {
    const src = new URL(request.url, 'http://x').searchParams.get('src') || '';
    const escaped = src.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>framing</title><iframe id="app" src="${escaped}" style="width:1200px;height:900px"></iframe>`);
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  return { site, origin: `http://127.0.0.1:${site.address().port}` };
}

/** Where each page shows that it hydrated. */
const PAGES = [
  ['/', '.phase-picker[data-hydrated="true"]'],
  ...['1', '2.1', '3', '4', '5', '6', '8', 'validate'].map((id) => [`/new/${id}`, 'form.wizard-form[data-hydrated="true"]']),
  ['/runs', '.runs-page[data-hydrated="true"]'],
];

before(async () => {
  allowed = await framingSite();
  hostile = await framingSite();
  server = await startServer({ timeoutMs: 120_000, env: { SPACE_FACTORY_FRAME_ANCESTORS: allowed.origin } });
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1300, height: 1000 } });
  // Every frame keeps the policy violations it sees.
  await context.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  page = await signIn(context, server.url, 'alice');
  // A finished run, for the run page.
  await page.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  runPath = new URL(page.url()).pathname;
  await page.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: 120_000 });
});

after(async () => {
  await browser?.close();
  await server?.stop();
  allowed?.site.close();
  hostile?.site.close();
});

function everyPage() {
  return [...PAGES, [runPath, '.run-head[data-hydrated="true"]']];
}

test('every page hydrates under the policy with no violation', async () => {
  for (const [path, mark] of everyPage()) {
    const errors = collectErrors(page, server.url);
    await page.goto(`${server.url}${path}`, { waitUntil: 'load' });
    await waitHydrated(page, mark);
    assert.deepEqual(await page.evaluate(() => window.__violations), [], `${path}: policy violations`);
    assert.deepEqual(errors, [], `${path}: console errors`);
  }
});

test('inside an allowed cross-origin iframe every page hydrates, signed in, with no violation', async () => {
  for (const [path, mark] of everyPage()) {
    const errors = collectErrors(page, server.url);
    await page.goto(`${allowed.origin}/?src=${encodeURIComponent(server.url + path)}`, { waitUntil: 'load' });
    const frame = page.frameLocator('#app');
    await frame.locator(mark).waitFor({ timeout: 30_000 });
    await frame.locator('.user-menu .who[data-username="alice"]').waitFor({ timeout: 10_000 });
    const app = page.frames().find((f) => f.url().startsWith(server.url));
    assert.ok(app, `${path}: the app's frame`);
    assert.deepEqual(await app.evaluate(() => window.__violations), [], `${path}: policy violations in the frame`);
    assert.deepEqual(errors, [], `${path}: console errors`);
  }
});

test('inside the frame sign-in opens in a new tab; at the top it does not', async () => {
  const anonymous = await browser.newContext();
  const top = await anonymous.newPage();
  await top.goto(server.url, { waitUntil: 'load' });
  await waitHydrated(top, '.phase-picker[data-hydrated="true"]');
  assert.equal(await top.locator('a.sign-in').first().getAttribute('target'), null);
  await top.goto(`${allowed.origin}/?src=${encodeURIComponent(server.url + '/')}`, { waitUntil: 'load' });
  const frame = top.frameLocator('#app');
  await frame.locator('.phase-picker[data-hydrated="true"]').waitFor({ timeout: 30_000 });
  await frame.locator('a.sign-in[target="_blank"]').first().waitFor({ timeout: 10_000 });
  await anonymous.close();
});

test('an origin not allowed to frame the app gets nothing of it', async () => {
  await page.goto(`${hostile.origin}/?src=${encodeURIComponent(server.url + '/new/1')}`, { waitUntil: 'load' });
  const app = page.frames().find((f) => f !== page.mainFrame());
  assert.ok(app, 'the iframe exists');
  // The browser answers the refused frame with its own error page (or leaves it blank).
  const deadline = Date.now() + 20_000;
  while (app.url().startsWith(server.url) || app.url() === 'about:blank') {
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`refused frame shows ${app.url()}`);
  assert.ok(!app.url().startsWith(server.url) && app.url() !== 'about:blank', `the frame was refused: ${app.url()}`);
  assert.equal(await app.locator('form.wizard-form').count().catch(() => 0), 0, 'the framed app was refused');
});
