// The Hub's plans, against the strict embedded hub: bob (free, can pay) launches the
// template Space with the wizard's defaults and gets a running ZeroGPU Space the worker
// validated; carol (free, cannot pay) is told why before launching, and cannot launch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated } from '../support/browser.mjs';
import { signIn, collectErrors } from '../support/auth.mjs';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
let server;
let browser;

before(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startServer({ timeoutMs: 120_000 });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the artifact `name` on the run page and returns its text. */
async function artifactText(page, name) {
  await page.locator('.report .markdown').waitFor({ timeout: 60_000 });
  await page.locator(`.artifact-entry[data-path="${name}"]`).click();
  const code = page.locator('.artifact-view code');
  await code.waitFor({ timeout: 30_000 });
  return code.innerText();
}

test('a free account that can pay gets a ZeroGPU Space from the defaults', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await signIn(context, server.url, 'bob');
  const errors = collectErrors(page, server.url);
  await page.goto(`${server.url}/new/2.1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  assert.equal(await page.getByLabel('Space hardware').inputValue(), 'zero-a10g', 'ZeroGPU by default');
  await page.getByLabel('Target Space name').fill(`e2e-bob-${Date.now().toString(36)}`);
  await page.locator('.name-check[data-check="ok"]').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/bob\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  await page.locator('.status-badge[data-status="succeeded"], .status-badge[data-status="failed"]').first().waitFor({ timeout: 10 * 60_000 });
  const status = await page.locator('.status-badge').first().getAttribute('data-status');
  assert.equal(status, 'succeeded', await page.locator('.steps').innerText());
  assert.match(await artifactText(page, 'target_space.json'), /"hardware": "zero-a10g"/);
  await page.screenshot({ path: path.join(screenshots, 'plans-bob-zerogpu.png'), fullPage: true });
  assert.deepEqual(errors, []);
  await context.close();
});

test('an account that cannot pay sees why before launching and cannot launch', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await signIn(context, server.url, 'carol');
  await page.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  const notice = page.locator('.notice.cannot-pay');
  assert.match(await notice.innerText(), /cannot pay for them yet.*settings\/billing/s);
  assert.equal(await notice.locator('a').getAttribute('href'), 'https://huggingface.co/settings/billing');
  assert.equal(await page.getByRole('button', { name: 'Launch run' }).isDisabled(), true);
  await page.screenshot({ path: path.join(screenshots, 'plans-carol-cannot-pay.png'), fullPage: true });
  await page.goto(`${server.url}/runs`, { waitUntil: 'load' });
  await waitHydrated(page, '.runs-page[data-hydrated="true"]');
  await page.locator('.runs-page p.empty').waitFor({ timeout: 10_000 });
  assert.equal(await page.locator('.runs-table').count(), 0, 'no run was made');
  await context.close();
});

test('a dedicated GPU for the Job asks for its cost to be confirmed, with the most it can cost', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await signIn(context, server.url, 'alice');
  await page.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  assert.equal(await page.locator('.cost-confirmation').count(), 0, 'CPU needs no confirmation');
  await page.getByLabel('Job hardware').selectOption('t4-small');
  await page.getByLabel('Timeout (minutes)').fill('90');
  const confirm = page.locator('.cost-confirmation');
  await confirm.waitFor({ timeout: 10_000 });
  assert.match(await confirm.innerText(), /t4-small costs \$[\d.]+\/h, so up to \$[\d.]+/);
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.locator('#field-paid_hardware_confirmed-error').filter({ hasText: /confirm its cost/ }).waitFor({ timeout: 10_000 });
  assert.match(new URL(page.url()).pathname, /^\/new\/1$/, 'nothing was launched');
  await page.screenshot({ path: path.join(screenshots, 'plans-gpu-confirmation.png'), fullPage: true });
  await context.close();
});

test('a free account gets the Pi recipe built on ZeroGPU, with the real hf CLI', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  const page = await signIn(context, server.url, 'bob');
  await page.goto(`${server.url}/new/4`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  await page.getByLabel('Target Space name').fill(`e2e-bob-4-${Date.now().toString(36)}`);
  await page.locator('.name-check[data-check="ok"]').waitFor({ timeout: 30_000 });
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/bob\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  await page.locator('.status-badge[data-status="succeeded"], .status-badge[data-status="failed"]').first().waitFor({ timeout: 10 * 60_000 });
  const steps = await page.locator('.steps').innerText();
  assert.equal(await page.locator('.status-badge').first().getAttribute('data-status'), 'succeeded', steps);
  await page.screenshot({ path: path.join(screenshots, 'plans-bob-recipe-4.png'), fullPage: true });
  await context.close();
});
