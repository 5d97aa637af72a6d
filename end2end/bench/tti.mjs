// Benchmark item 5, second half: time to interactive of a run page in headless Chromium.
// Not a test (nothing is asserted); `scripts/bench.sh` runs it through the `bench` crate,
// which reads the one JSON line it prints.
//
// It starts the server (SPACE_FACTORY_SERVER_BIN, LEPTOS_SITE_ROOT: the release build),
// signs alice in, launches a phase 1 run from its wizard and waits for it to finish, then
// opens that run's page SAMPLES times, each in a fresh browser context holding only the
// session cookie (an empty HTTP cache, as a shared link's first visit). Per load it records,
// from navigation start: first contentful paint, DOMContentLoaded, and the moment the page
// is interactive — its `data-hydrated` flag turns "true" when the wasm has hydrated it.
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated } from '../support/browser.mjs';
import { signIn } from '../support/auth.mjs';

const SAMPLES = Number(process.env.SPACE_FACTORY_TTI_SAMPLES || 10);

/** Records when `header.run-head` gets data-hydrated="true", on the page's own clock. */
function watchHydration() {
  const mark = () => {
    const head = document.querySelector('header.run-head[data-hydrated="true"]');
    if (head && window.__hydratedAt === undefined) window.__hydratedAt = performance.now();
  };
  new MutationObserver(mark).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-hydrated'] });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length / 2) - 1];
}

const server = await startServer({ timeoutMs: 60_000 });
const browser = await launchBrowser();
try {
  const alice = await browser.newContext();
  const page = await signIn(alice, server.url, 'alice');
  await page.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  const runUrl = page.url();
  await page.locator('.status-badge[data-status="succeeded"]').first().waitFor({ timeout: 300_000 });
  const storageState = await alice.storageState();

  const loads = [];
  for (let i = 0; i < SAMPLES; i++) {
    const context = await browser.newContext({ storageState });
    const visit = await context.newPage();
    await visit.addInitScript(watchHydration);
    await visit.goto(runUrl, { waitUntil: 'load' });
    await visit.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 60_000 });
    loads.push(
      await visit.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        return {
          fcp_ms: fcp ? fcp.startTime : null,
          dom_content_loaded_ms: nav.domContentLoadedEventEnd,
          interactive_ms: window.__hydratedAt,
        };
      }),
    );
    await context.close();
  }
  const pick = (key) => loads.map((l) => l[key]).filter((v) => v !== null);
  console.log(
    JSON.stringify({
      samples: loads.length,
      interactive_ms: median(pick('interactive_ms')),
      interactive_max_ms: Math.max(...pick('interactive_ms')),
      fcp_ms: median(pick('fcp_ms')),
      dom_content_loaded_ms: median(pick('dom_content_loaded_ms')),
    }),
  );
} finally {
  await browser.close();
  await server.stop();
}
