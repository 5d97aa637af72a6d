// The hydration hammer: loads every page of the app many times, signed in, while other
// processes keep both cores busy, and counts what went wrong. Not a test (a run takes tens
// of minutes); it prints one JSON line:
//   { loads, burners, pages: { "/new/1": { loads, hydrated, errors: [...] }, … }, server_panics }
// A load counts as hydrated when an element of the page says data-hydrated="true"; every
// page error and console error is kept (first 5 per page), and so is every `panicked` line
// the server printed.
//   node end2end/bench/hydration.mjs            # 200 loads a page, 2 busy loops beside
//   HAMMER_LOADS=20 HAMMER_BURNERS=0 node end2end/bench/hydration.mjs
//   HAMMER_PAGES=wizards node end2end/bench/hydration.mjs   # the wizards only
import { spawn } from 'node:child_process';
import { startServer } from '../support/server.mjs';
import { launchBrowser } from '../support/browser.mjs';
import { signIn, collectErrors } from '../support/auth.mjs';

const LOADS = Number(process.env.HAMMER_LOADS || 200);
const BURNERS = Number(process.env.HAMMER_BURNERS ?? 2);

const burners = Array.from({ length: BURNERS }, () =>
  spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }),
);
const server = await startServer({ timeoutMs: 120_000 });
const browser = await launchBrowser();
const results = {};
try {
  const context = await browser.newContext();
  const page = await signIn(context, server.url, 'alice');
  // A finished run, for its page.
  await page.goto(`${server.url}/new/1`, { waitUntil: 'load' });
  await page.locator('form.wizard-form[data-hydrated="true"]').waitFor({ timeout: 120_000 });
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 120_000 });
  const runPath = new URL(page.url()).pathname;
  await page.locator('.status-badge[data-status="succeeded"]').first().waitFor({ timeout: 300_000 });
  await page.close();
  // Every recipe's wizard, and one filled from an earlier run ("Run again").
  const wizards = ['1', '2.1', '3', '4', '5', '6', '8', 'validate'].map((id) => `/new/${id}`);
  const again = `/new/1?again=alice/${runPath.split('/').pop()}`;
  const all = ['/', ...wizards, again, '/runs', runPath];
  // HAMMER_PAGES=wizards limits a run to the wizards.
  const paths = process.env.HAMMER_PAGES === 'wizards' ? [...wizards, again] : all;
  for (const path of paths) {
    const result = { loads: 0, hydrated: 0, errors: [] };
    results[path] = result;
    for (let i = 0; i < LOADS; i++) {
      const visit = await context.newPage();
      const errors = collectErrors(visit, server.url);
      result.loads++;
      try {
        await visit.goto(`${server.url}${path}`, { waitUntil: 'load', timeout: 60_000 });
        await visit.locator('[data-hydrated="true"]').first().waitFor({ timeout: 60_000 });
        result.hydrated++;
      } catch (err) {
        errors.push(`not hydrated: ${err.message.split('\n')[0]}`);
      }
      for (const e of errors) if (result.errors.length < 5) result.errors.push(e);
      result.error_count = (result.error_count || 0) + errors.length;
      await visit.close();
    }
  }
} finally {
  await browser.close();
  await server.stop();
  for (const b of burners) b.kill('SIGKILL');
}
const log = server.log().split('\n');
// Each panic with the line after it (where and why).
const panics = log.flatMap((l, i) => (l.includes('panicked') ? [`${l} ${log[i + 1] || ''}`] : []));
console.log(
  JSON.stringify({
    loads: LOADS,
    burners: BURNERS,
    pages: results,
    server_panics: panics.length,
    first_panics: panics.slice(0, 3),
  }),
);
