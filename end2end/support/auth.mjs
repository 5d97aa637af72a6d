// Signs a browser context in through the server's /login and the local hub's consent page.
import { watchPage } from './browser.mjs';

/**
 * Opens `/login` in `context`, picks `user` on the embedded local hub's consent page and
 * waits until the app shows that user in its header. `dropScopes` removes scopes from the
 * request before consenting (to sign in with a grant that lacks them). Returns the page.
 */
export async function signIn(context, baseUrl, user, { dropScopes = [] } = {}) {
  const page = await context.newPage();
  watchPage(page);
  await page.goto(`${baseUrl}/login`, { waitUntil: 'load' });
  await page.getByRole('button', { name: `Sign in as ${user}` }).waitFor({ timeout: 20_000 });
  if (dropScopes.length) {
    await page.locator('input[name="scope"]').evaluate((input, drop) => {
      input.value = input.value.split(/\s+/).filter((s) => !drop.includes(s)).join(' ');
    }, dropScopes);
  }
  await page.getByRole('button', { name: `Sign in as ${user}` }).click();
  await page.waitForURL((url) => url.href.startsWith(baseUrl), { timeout: 30_000 });
  await page.locator(`.user-menu .who[data-username="${user}"]`).waitFor({ timeout: 30_000 });
  return page;
}

/**
 * Collects page errors and console errors of `page` into the returned array. A resource of
 * another origin that fails to load (the local hub serves no avatar images) is not the
 * app's error and is left out.
 */
export function collectErrors(page, appOrigin) {
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const from = msg.location()?.url || '';
    if (appOrigin && from && !from.startsWith(appOrigin)) return;
    errors.push(`${msg.text()} (${from})`);
  });
  return errors;
}
