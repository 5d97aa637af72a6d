// The whole user path against the real server and its embedded local hub: sign in through
// the local OIDC consent page, refuse a malformed wizard input, launch phase 2.1, watch the
// run page reach success live (no reload) with its events panel following the newest and
// its timeline drawn by the server,
// share the link (owner sees it, another user does not, a signed-out visitor is asked to
// sign in), find it in the runs list, recover from a Hub outage with "Try again", cancel
// a running run from its page and run it again from the wizard it fills, sign out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated, addTestStyle } from '../support/browser.mjs';
import { signIn, collectErrors } from '../support/auth.mjs';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
/** A real Job runs the worker, which deploys and calls a real Gradio Space: allow minutes. */
const RUN_TIMEOUT_MS = 8 * 60_000;

let server;
let browser;
let alice;
let alicePage;
let runUrl;
/**
 * The part of a body a token could be in. A wasm module's custom sections (its function
 * names, debug lines, producers) hold only symbol names and paths from the build, and their
 * length bytes beside a mangled name can read as a token (`hf` + `_ZN4core…`); its code and
 * data sections, where a string the program carries would be, are all kept.
 */
function searchable(url, body) {
  if (!new URL(url).pathname.endsWith('.wasm')) return body.toString('latin1');
  const kept = [];
  let at = 8; // magic and version
  while (at < body.length) {
    const id = body[at++];
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = body[at++];
      size += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    if (id !== 0) kept.push(body.subarray(at, at + size));
    at += size;
  }
  return Buffer.concat(kept).toString('latin1');
}

/** Every body alice's browser received from the app (pages, JS, wasm, CSS, server fns). */
const received = [];

/** What a Hub token looks like: `hf_` and a long random tail (OAuth ones `hf_oauth_…`). */
const TOKEN_PATTERN = /hf_(oauth_)?[A-Za-z0-9]{30,}/;

/** Keeps each response body of `context` from `origin`, except the live SSE stream. */
function recordResponses(context, origin) {
  context.on('response', async (response) => {
    if (!response.url().startsWith(origin)) return;
    if ((response.headers()['content-type'] || '').includes('text/event-stream')) return;
    try {
      const body = await response.body();
      received.push({ url: response.url(), text: searchable(response.url(), body) });
    } catch {
      // A redirect or an aborted request has no body to search.
    }
  });
}

before(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startServer({ timeoutMs: 60_000 });
  browser = await launchBrowser();
  alice = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  recordResponses(alice, server.url);
  alicePage = await signIn(alice, server.url, 'alice');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the header shows who is signed in', async () => {
  assert.equal(await alicePage.locator('.user-menu .username').innerText(), 'alice');
  await alicePage.getByRole('button', { name: 'Sign out' }).waitFor();
});

test('a malformed Space name is refused beside its field and nothing is launched', async () => {
  const page = alicePage;
  const errors = collectErrors(page, server.url);
  await page.goto(`${server.url}/new/2.1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  await page.getByLabel('Target Space name').fill('not a valid name!');
  await page.getByRole('button', { name: 'Launch run' }).click();
  const message = page.locator('#field-target_space-error');
  await message.filter({ hasText: /\S/ }).waitFor({ timeout: 10_000 });
  assert.equal(await page.getByLabel('Target Space name').getAttribute('aria-invalid'), 'true');
  // Focus moves to the field to fix.
  await page.waitForFunction(() => document.activeElement?.id === 'field-target_space', null, { timeout: 10_000 });
  assert.match(new URL(page.url()).pathname, /^\/new\/2\.1$/, 'still on the wizard');
  // Once launch was pressed, errors follow the input live: fixing the name clears its
  // message, and a bad timeout is refused the same way.
  await page.getByLabel('Target Space name').fill('a-valid-name');
  await page.waitForFunction(() => document.getElementById('field-target_space-error')?.textContent === '', null, { timeout: 10_000 });
  await page.getByLabel('Timeout (minutes)').fill('0');
  await page.locator('#field-job_timeout_minutes-error').filter({ hasText: /1 to 1440/ }).waitFor({ timeout: 10_000 });
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForFunction(() => document.activeElement?.id === 'field-job_timeout_minutes', null, { timeout: 10_000 });
  assert.match(new URL(page.url()).pathname, /^\/new\/2\.1$/, 'nothing was launched');
  assert.deepEqual(errors, [], 'no errors in the browser console');
});

test('phase 2.1 launches and its page reaches success live, without a reload', async () => {
  const page = alicePage;
  await page.goto(`${server.url}/new/2.1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  const name = `e2e-${Date.now().toString(36)}`;
  await page.getByLabel('Target Space name').fill(name);
  await page.getByLabel('Timeout (minutes)').fill('20');
  await page.locator('.name-check[data-check="ok"]').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('.launch-summary').innerText(), new RegExp(`alice/${name}`));
  await page.screenshot({ path: path.join(screenshots, 'wizard-2.1.png'), fullPage: true });

  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  runUrl = page.url();
  await waitHydrated(page, '.run-head[data-hydrated="true"]');
  // A reload would lose this marker.
  await page.evaluate(() => { window.__sameDocument = true; });
  // A short events panel, so the run's events overflow it and it has to follow them.
  await addTestStyle(page, '.events { max-height: 5rem !important; }');

  await page.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: RUN_TIMEOUT_MS });
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'the page was not reloaded');
  assert.ok((await page.locator('.events .event').count()) > 0, 'events arrived');
  await page.waitForFunction(() => {
    const list = document.querySelector('.events');
    return list.scrollHeight > list.clientHeight && list.scrollHeight - list.scrollTop - list.clientHeight < 4;
  }, null, { timeout: 10_000 });
  assert.ok((await page.locator('.steps .step').count()) > 0, 'steps are listed');
  // Once over, the page fetches the finished run: its report and files.
  await page.locator('.report .markdown').waitFor({ timeout: 60_000 });
  await page.locator('.artifact-entry').first().waitFor({ timeout: 60_000 });
  await page.locator('.artifact-entry[data-path="state.json"]').click();
  // Pretty-printed and highlighted.
  const json = page.locator('.artifact-view code.language-json');
  await json.waitFor({ timeout: 30_000 });
  assert.match(await json.innerText(), /"status": "succeeded"/);
  assert.ok((await json.locator('.tok-string').count()) > 0, 'the JSON is highlighted');
  await page.screenshot({ path: path.join(screenshots, 'run-finished.png'), fullPage: true });
});

test('the finished run\'s timeline draws its steps in order on one axis, server-rendered, with a table', async () => {
  assert.ok(runUrl, 'a run was launched');
  const page = alicePage;
  const chart = page.locator('.run-timeline svg.timeline-chart');
  await chart.waitFor({ timeout: 30_000 });
  // One bar per step, in the steps' order, each with its outcome and a <title>.
  const steps = await page.locator('.steps .step').evaluateAll((items) => items.map((i) => i.dataset.step));
  const bars = await chart.locator('.tl-bar.tl-step').evaluateAll((gs) => gs.map((g) => ({
    label: g.dataset.label,
    outcome: g.dataset.outcome,
    title: g.querySelector('title')?.textContent || '',
    x: Number(g.querySelector('rect').getAttribute('x')),
    width: Number(g.querySelector('rect').getAttribute('width')),
  })));
  assert.deepEqual(bars.map((b) => b.label), steps, 'a bar per step, in order');
  for (const bar of bars) {
    assert.ok(['passed', 'skipped'].includes(bar.outcome), `${bar.label}: ${bar.outcome}`);
    assert.match(bar.title, new RegExp(`^${bar.label}: ${bar.outcome}, `), 'each bar says what it is');
    assert.ok(bar.width > 0, `${bar.label} has a width`);
  }
  for (let i = 1; i < bars.length; i++) {
    assert.ok(bars[i].x >= bars[i - 1].x, `${bars[i].label} starts no earlier than ${bars[i - 1].label}`);
  }
  assert.ok(await chart.locator('.tl-axis text').count() >= 2, 'the time axis has ticks');
  // The same as a table, a row per bar.
  assert.equal(await page.locator('.timeline-table tbody tr').count(), bars.length);
  // Drawn by the server: the page's own HTML holds the chart with the same bars.
  const html = await (await page.request.get(runUrl)).text();
  assert.match(html, /<svg[^>]*class="timeline-chart"/, 'the server rendered the chart');
  assert.equal((html.match(/class="tl-bar tl-step /g) || []).length, bars.length, 'with the same bars');
  await page.locator('.run-timeline').screenshot({ path: path.join(screenshots, 'timeline.png') });
});

test('the share link opens for the owner in a fresh context, and for no one else', async () => {
  assert.ok(runUrl, 'a run was launched');
  // The owner again, on a phone-sized screen in dark mode.
  const owner = await browser.newContext({ viewport: { width: 420, height: 900 }, colorScheme: 'dark' });
  const ownerPage = await signIn(owner, server.url, 'alice');
  await ownerPage.goto(runUrl, { waitUntil: 'load' });
  await ownerPage.locator('.status-badge[data-status="succeeded"]').waitFor({ timeout: 30_000 });
  await waitHydrated(ownerPage, '.run-head[data-hydrated="true"]');
  // The run was over before the page opened: its Job log loads when its panel opens.
  assert.equal(await ownerPage.locator('.log-panel .log-count').innerText(), 'loads when opened');
  await addTestStyle(ownerPage, '.logs { max-height: 1.5rem !important; }');
  await ownerPage.locator('.log-panel summary').click();
  await ownerPage.locator('.log-panel pre.logs', { hasText: /\(phase 2\.1\) succeeded/ }).waitFor({ timeout: 30_000 });
  // It opens on the newest lines: the outcome line at the end is in view.
  await ownerPage.waitForFunction(() => {
    const logs = document.querySelector('.log-panel pre.logs');
    return logs.scrollHeight > logs.clientHeight && logs.scrollHeight - logs.scrollTop - logs.clientHeight < 4;
  }, null, { timeout: 10_000 });
  assert.match(await ownerPage.locator('.log-panel .log-count').innerText(), /^\d+ lines?$/);
  await ownerPage.screenshot({ path: path.join(screenshots, 'run-finished-dark-narrow.png'), fullPage: true });
  await owner.close();

  const bob = await browser.newContext();
  const bobPage = await signIn(bob, server.url, 'bob');
  const response = await bobPage.goto(runUrl, { waitUntil: 'load' });
  assert.equal(response.status(), 404);
  await bobPage.getByRole('heading', { name: 'Not found or no access' }).waitFor({ timeout: 30_000 });
  assert.equal(await bobPage.locator('.run-head').count(), 0, 'nothing of the run is shown');
  await bob.close();

  const visitor = await browser.newContext();
  const visitorPage = await visitor.newPage();
  await visitorPage.goto(runUrl, { waitUntil: 'load' });
  await visitorPage.getByRole('heading', { name: 'Sign in to continue' }).waitFor({ timeout: 30_000 });
  await visitor.close();
});

test('the runs list shows the run with its status', async () => {
  assert.ok(runUrl, 'a run was launched');
  const runId = runUrl.split('/').pop();
  await alicePage.goto(`${server.url}/runs`, { waitUntil: 'load' });
  const row = alicePage.locator(`tr[data-run-id="${runId}"]`);
  await row.waitFor({ timeout: 30_000 });
  assert.match(await row.innerText(), /Succeeded/);
  assert.match(await row.innerText(), /2\.1/);
});

test('a Hub outage shows an error with a way to try again', async () => {
  // Three failures in a row outlast the server's two quick retries of listing the Jobs.
  const fault = await fetch(`${server.hubUrl}/_localhub/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ bursts: [{ method: 'GET', path_prefix: '/api/jobs/alice', status: 503, count: 3 }] }),
  });
  assert.equal(fault.status, 200);
  await alicePage.goto(`${server.url}/runs`, { waitUntil: 'load' });
  await waitHydrated(alicePage, '.runs-page[data-hydrated="true"]');
  const panel = alicePage.locator('.error-panel[role="alert"]');
  await panel.waitFor({ timeout: 30_000 });
  await panel.getByRole('button', { name: 'Try again' }).click();
  await alicePage.locator('tr[data-run-id]').first().waitFor({ timeout: 30_000 });
  assert.equal(await panel.count(), 0, 'the error is gone once the list loads');
});

test('a running run is cancelled from its page and says so', async () => {
  const page = alicePage;
  await page.goto(`${server.url}/new/validate`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  // Nothing listens there, so the validation keeps retrying until cancelled.
  await page.getByLabel('…or its URL').fill('http://127.0.0.1:9/');
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  await waitHydrated(page, '.run-head[data-hydrated="true"]');
  await page.locator('.status-badge[data-status="running"]').waitFor({ timeout: 60_000 });
  // The runs list, open beside it, shows the run under way and updates itself.
  const runId = page.url().split('/').pop();
  const list = await alice.newPage();
  await list.goto(`${server.url}/runs`, { waitUntil: 'load' });
  await waitHydrated(list, '.runs-page[data-hydrated="true"]');
  const row = list.locator(`tr[data-run-id="${runId}"]`);
  await row.filter({ hasText: /Running/ }).waitFor({ timeout: 30_000 });
  await list.locator('.live-note').waitFor({ timeout: 10_000 });

  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page.locator('.status-badge[data-status="cancelled"]').waitFor({ timeout: 60_000 });
  await row.filter({ hasText: /Cancelled/ }).waitFor({ timeout: 30_000 });
  await list.close();
  await page.getByRole('button', { name: 'Cancel run' }).waitFor({ state: 'detached', timeout: 10_000 });
  // The worker recorded why before its Job ended.
  await page.locator('.report .markdown').waitFor({ timeout: 60_000 });
  assert.match(await page.locator('.report .markdown').innerText(), /cancel/i);

  // "Run again" opens the recipe's wizard with this run's options filled in.
  await page.getByRole('link', { name: 'Run again' }).click();
  await page.waitForURL(/\/new\/validate\?again=alice\/[0-9A-Z]{26}$/, { timeout: 30_000 });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  assert.equal(await page.getByLabel('…or its URL').inputValue(), 'http://127.0.0.1:9/');
  assert.match(await page.locator('.run-again-notice').innerText(), new RegExp(`alice/${runId}`));
  // The same from a fresh load of that address (rendered on the server, then hydrated).
  await page.reload({ waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  assert.equal(await page.getByLabel('…or its URL').inputValue(), 'http://127.0.0.1:9/');
});

test('a grant without the jobs scope is told so plainly', async () => {
  const context = await browser.newContext();
  const page = await signIn(context, server.url, 'bob', { dropScopes: ['jobs'] });
  await page.goto(server.url, { waitUntil: 'load' });
  await page.locator('.scope-notice').waitFor({ timeout: 30_000 });
  assert.match(await page.locator('.scope-notice .missing-scopes').innerText(), /jobs/);
  await context.close();
});

test('no token reached the browser: pages, scripts, wasm and server-fn answers searched', async () => {
  const urls = received.map((r) => new URL(r.url).pathname);
  assert.ok(urls.some((u) => u.startsWith('/pkg/') && u.endsWith('.wasm')), `the wasm was searched (${urls.length} bodies)`);
  const seen = [...new Set(urls)].join(' ');
  for (const expected of ['/', '/new/2.1', '/runs', '/api/fn/launch_run', '/api/fn/get_run', '/api/fn/read_artifact']) {
    assert.ok(urls.includes(expected), `${expected} was searched (seen: ${seen})`);
  }
  const cookies = (await alice.cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  for (const { url, text } of [...received, { url: 'cookies', text: cookies }]) {
    assert.doesNotMatch(text, TOKEN_PATTERN, `a token-like string in ${url}`);
  }
});

test('signing out ends the session', async () => {
  await alicePage.goto(server.url, { waitUntil: 'load' });
  await alicePage.getByRole('button', { name: 'Sign out' }).click();
  await alicePage.locator('.user-menu .sign-in').waitFor({ timeout: 30_000 });
  await alicePage.goto(`${server.url}/runs`, { waitUntil: 'load' });
  await alicePage.getByRole('heading', { name: 'Sign in to continue' }).waitFor({ timeout: 30_000 });
});
