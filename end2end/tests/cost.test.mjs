// Cost you can see and cap, in Chromium against the real server and its embedded hub: the
// wizard forecasts what a run may cost from the Hub's live prices, a running run's page
// shows its spend moving, a run whose budget is reached is stopped by its worker with the
// figures recorded, and the runs list at 1280 px shows every column with each run's cost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated } from '../support/browser.mjs';
import { signIn } from '../support/auth.mjs';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
const WIDTH = 1280;
/** Nothing listens there: a validation of it keeps retrying until something stops it. */
const SILENT_URL = 'http://127.0.0.1:9/';

let server;
let browser;
let alice;
let page;

before(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startServer({ timeoutMs: 60_000, env: { SPACE_FACTORY_DEFAULT_BUDGET_USD: '2' } });
  browser = await launchBrowser();
  alice = await browser.newContext({ viewport: { width: WIDTH, height: 900 } });
  page = await signIn(alice, server.url, 'alice');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Opens the wizard of `phase`, hydrated. */
async function wizard(phase) {
  await page.goto(`${server.url}/new/${phase}`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
}

/** Launches a validation of the silent address under `budget` (the default when null). */
async function launchSilentValidation(budget) {
  await wizard('validate');
  await page.getByLabel('…or its URL').fill(SILENT_URL);
  if (budget !== null) await page.getByLabel('Budget (USD)').fill(budget);
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  await waitHydrated(page, '.run-head[data-hydrated="true"]');
  return page.url().split('/').pop();
}

test('the wizard forecasts the cost from the Hub\'s prices, with the budget from the config', async () => {
  await wizard('2.1');
  assert.equal(await page.getByLabel('Budget (USD)').inputValue(), '2');
  const summary = page.locator('.launch-summary');
  // A 30-minute Job on cpu-basic at $0.01/h costs $0.005: said as under a cent, not $0.00.
  const job = summary.locator('.summary-job');
  await job.filter({ hasText: 'on cpu-basic in your account at $0.01/h: under $0.01 if it runs the full 30 min' }).waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await summary.innerText(), /\$0\.00\b/);
  // A Space is priced by the Space list: CPU basic is free for it, a GPU per hour.
  await page.getByLabel('Space hardware').selectOption('t4-small');
  await summary.locator('.summary-space', { hasText: /t4-small at \$0\.40\/h while it runs/ }).waitFor({ timeout: 10_000 });
  // The worst case: the Job for its timeout plus the Space for as long, capped by the budget.
  await page.getByLabel('Timeout (minutes)').fill('60');
  await summary.locator('.summary-worst', { hasText: 'In all, at most $0.41 while the run runs.' }).waitFor({ timeout: 10_000 });
  await page.getByLabel('Budget (USD)').fill('0.25');
  await summary.locator('.summary-worst', { hasText: 'stops itself once it has spent its budget of $0.25' }).waitFor({ timeout: 10_000 });

  // An agent recipe prices the model per token where the router publishes a price.
  await wizard('3');
  const agent = page.locator('.launch-summary .summary-agent');
  await agent.filter({ hasText: /served by the embedded hub at no cost/ }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Pi model').fill('Qwen/Qwen3-Coder-Next');
  await agent.filter({ hasText: /billed per token by the provider/ }).waitFor({ timeout: 30_000 });
  await page.locator('.launch-summary .summary-worst', { hasText: /budget of \$2\.00/ }).waitFor({ timeout: 10_000 });

  // Phase 8 tries ZeroGPU first, and its summary says so (no cpu-basic promise beside it).
  await wizard('8');
  const space = page.locator('.launch-summary .summary-space');
  await space.filter({ hasText: /asking for ZeroGPU \(zero-a10g\), free first/ }).waitFor({ timeout: 30_000 });
  assert.doesNotMatch(await space.innerText(), /cpu-basic/);
  await page.screenshot({ path: path.join(screenshots, 'cost-forecast.png'), fullPage: true });
});

test('a running run shows its spend so far, updating live', async () => {
  await launchSilentValidation(null);
  await page.locator('.status-badge[data-status="running"]').waitFor({ timeout: 60_000 });
  const total = page.locator('.run-cost .run-cost-total strong');
  await total.waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.run-cost-total').innerText(), /\(budget \$2\.00\)/);
  const job = page.locator('.run-cost-parts li').first();
  assert.match(await job.innerText(), /^Job: .* on cpu-basic at \$0\.01\/h = /);
  const first = Number(await total.getAttribute('data-usd'));
  // No reload: the worker's figure reaches the page as the run goes on.
  await page.waitForFunction(
    (before) => Number(document.querySelector('.run-cost .run-cost-total strong')?.dataset.usd) > before,
    first,
    { timeout: 60_000 },
  );
  // Done with it: cancelled if still under way (the silent Space's validation may already
  // have ended it, which leaves no Cancel button to press). The check and the click are one
  // step in the page: a Playwright click still waiting for a button that left would press
  // the next test's Cancel button instead.
  const ended = page.locator('.status-badge[data-status="cancelled"], .status-badge[data-status="failed"], .status-badge[data-status="timed_out"]');
  await page.evaluate(() => {
    const cancel = [...document.querySelectorAll('button.cancel')].find((b) => b.textContent.trim() === 'Cancel run');
    cancel?.click();
  });
  await ended.waitFor({ timeout: 60_000 });
});

test('a run whose budget is reached is stopped by its worker, with the figures recorded', async () => {
  await launchSilentValidation('0.000001');
  await page.locator('.status-badge[data-status="cancelled"]').waitFor({ timeout: 120_000 });
  const stopped = page.locator('.run-cost .run-stopped');
  await stopped.waitFor({ timeout: 60_000 });
  assert.match(await stopped.innerText(), /^Stopped: budget reached \(budget under \$0\.01, spent under \$0\.01\)/);
  assert.match(await page.locator('.verdict').innerText(), /^Stopped: budget reached/);
  // The record says so in its report too.
  await page.locator('.report .markdown').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.report .markdown').innerText(), /budget reached/);
});

test('the runs list at 1280 px shows every column and each run\'s cost', async () => {
  await page.goto(`${server.url}/runs`, { waitUntil: 'load' });
  await waitHydrated(page, '.runs-page[data-hydrated="true"]');
  const rows = page.locator('tr[data-run-id]');
  await rows.first().waitFor({ timeout: 30_000 });
  assert.equal(await rows.count(), 2);
  const headers = await page.locator('.runs-table th').allInnerTexts();
  assert.deepEqual(headers, ['Run', 'Status', 'Recipe', 'Target', 'Duration', 'Cost', 'Started']);
  for (const row of await rows.all()) {
    assert.match(await row.locator('td.run-cost-cell').innerText(), /^(under \$0\.01|\$\d+\.\d\d)/);
  }
  assert.match(await page.locator('.run-verdict').allInnerTexts().then((v) => v.join('\n')), /Stopped: budget reached/);
  const fit = await page.evaluate(() => {
    const table = document.querySelector('.runs-table');
    const wrap = document.querySelector('.table-wrap');
    const last = document.querySelector('.runs-table th:last-child');
    return {
      right: table.getBoundingClientRect().right,
      lastRight: last.getBoundingClientRect().right,
      viewport: document.documentElement.clientWidth,
      scrolls: wrap.scrollWidth > wrap.clientWidth,
    };
  });
  assert.ok(fit.right <= fit.viewport, `the table ends at ${fit.right} px, past ${fit.viewport}`);
  assert.ok(fit.lastRight <= fit.viewport, `the Started column ends at ${fit.lastRight} px`);
  assert.equal(fit.scrolls, false, 'the table fits without scrolling sideways');
  await page.screenshot({ path: path.join(screenshots, 'cost-runs-list.png'), fullPage: true });
});
