// Links anyone can open: alice publishes a finished run from its page (after a plain
// warning of what becomes public), a signed-out browser opens its link and sees the run;
// alice unpublishes it and the same link answers 404. A run alice records in her org opens
// for carol, a member, and is a 404 to bob, who is not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated } from '../support/browser.mjs';
import { signIn } from '../support/auth.mjs';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
/** A phase 1 Job runs the real worker: allow minutes on a loaded machine. */
const RUN_TIMEOUT_MS = 5 * 60_000;

let server;
let browser;

before(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startServer({ timeoutMs: 60_000 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Launches a phase 1 run as the user of `page` and waits on its page until it succeeded. */
async function finishedRun(page) {
  await page.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/[a-z0-9-]+\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  await page.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: RUN_TIMEOUT_MS });
  return page.url();
}

test('alice publishes a run, a signed-out browser opens it, and after unpublishing it is a 404', async () => {
  const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const alicePage = await signIn(alice, server.url, 'alice');
  const runUrl = await finishedRun(alicePage);

  // Not published yet: a signed-out visitor gets nothing of it.
  const visitor = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const visitorPage = await visitor.newPage();
  let response = await visitorPage.goto(runUrl, { waitUntil: 'load' });
  assert.equal(response.status(), 404);
  assert.equal(await visitorPage.locator('.run-head').count(), 0);

  // The Publish button comes once the Job is over; the page warns what becomes public.
  const publish = alicePage.getByRole('button', { name: 'Publish' });
  for (let i = 0; i < 60 && !(await publish.isVisible()); i++) {
    await alicePage.waitForTimeout(1_000);
    await alicePage.reload({ waitUntil: 'load' });
    await waitHydrated(alicePage, '.run-head[data-hydrated="true"]');
  }
  await alicePage.locator('.publication-state.private', { hasText: 'Not published' }).waitFor();
  const warning = await alicePage.locator('.publish-warning').innerText();
  assert.match(warning, /public/);
  assert.match(warning, /anyone with the link/);
  await waitHydrated(alicePage, '.run-head[data-hydrated="true"]');
  await publish.click();
  await alicePage.locator('.publication-state.published', { hasText: 'Published' }).waitFor({ timeout: 30_000 });
  await alicePage.screenshot({ path: path.join(screenshots, 'publish-owner-published.png'), fullPage: true });

  // Signed out, the same link opens the run, read from its public snapshot.
  response = await visitorPage.goto(runUrl, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await visitorPage.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: 30_000 });
  await visitorPage.locator('.publication-state.published').waitFor();
  assert.equal(await visitorPage.getByRole('button', { name: 'Unpublish' }).count(), 0);
  await visitorPage.screenshot({ path: path.join(screenshots, 'publish-signed-out-reader.png'), fullPage: true });

  // Unpublished: the link answers 404 to the visitor again.
  await alicePage.getByRole('button', { name: 'Unpublish' }).click();
  await alicePage.locator('.publication-state.private', { hasText: 'Not published' }).waitFor({ timeout: 30_000 });
  response = await visitorPage.goto(runUrl, { waitUntil: 'load' });
  assert.equal(response.status(), 404);
  assert.equal(await visitorPage.locator('.run-head').count(), 0, 'nothing of the run is shown');
  await visitor.close();
  await alice.close();
});

test('an org member opens a run recorded in the org, and a non-member gets a 404', async () => {
  const alice = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const alicePage = await signIn(alice, server.url, 'alice');
  await alicePage.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await waitHydrated(alicePage, 'form.wizard-form[data-hydrated="true"]');
  await alicePage.getByLabel('Record the run in').selectOption('alice-org');
  await alicePage.getByRole('button', { name: 'Launch run' }).click();
  await alicePage.waitForURL(/\/runs\/alice-org\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  const runUrl = alicePage.url();
  await alicePage.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: RUN_TIMEOUT_MS });

  const carol = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const carolPage = await signIn(carol, server.url, 'carol');
  let response = await carolPage.goto(runUrl, { waitUntil: 'load' });
  assert.equal(response.status(), 200);
  await carolPage.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: 30_000 });
  await carolPage.screenshot({ path: path.join(screenshots, 'publish-org-member.png'), fullPage: true });

  const bob = await browser.newContext();
  const bobPage = await signIn(bob, server.url, 'bob');
  response = await bobPage.goto(runUrl, { waitUntil: 'load' });
  assert.equal(response.status(), 404);
  await bobPage.getByRole('heading', { name: 'Not found or no access' }).waitFor({ timeout: 30_000 });
  await Promise.all([alice.close(), carol.close(), bob.close()]);
});
