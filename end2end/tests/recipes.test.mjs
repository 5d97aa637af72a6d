// Every recipe from its wizard to its verdict, as a new user meets them: the real server
// with its embedded local hub and nothing configured, signed in as alice, each wizard left
// at what it suggests (the demo agent, the demo models, the demo article) but for a fresh
// Space name. Each test checks on the run page the artifacts its recipe promises (the
// phase table in the design notes) and saves a screenshot; each prints its wall time.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.mjs';
import { launchBrowser, waitHydrated } from '../support/browser.mjs';
import { signIn, collectErrors } from '../support/auth.mjs';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'screenshots');
/** A real Job, a real Gradio Space and (for 3, 4, 8) the real Pi: allow minutes. */
const RUN_TIMEOUT_MS = 10 * 60_000;
const FINAL = '.status-badge[data-status="succeeded"], .status-badge[data-status="failed"], .status-badge[data-status="cancelled"]';

let server;
let browser;
let page;
/** The Space recipe 2.1 made, which the validate recipe then checks. */
let templateSpace;

before(async () => {
  await mkdir(screenshots, { recursive: true });
  server = await startServer({ timeoutMs: 120_000 });
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1200, height: 1000 } });
  page = await signIn(context, server.url, 'alice');
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A Space name no earlier run took. */
function freshName(recipe) {
  return `e2e-${recipe.replace('.', '-')}-${Date.now().toString(36)}`;
}

/**
 * Opens the wizard of `recipe`, lets `fill` set what the test sets (the rest stays as
 * suggested), launches, and waits for the run's final status. Returns the status, the
 * verdict text and the wall time from the click to the verdict.
 */
async function runRecipe(recipe, fill = async () => {}) {
  const errors = collectErrors(page, server.url);
  await page.goto(`${server.url}/new/${recipe}`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  await fill();
  const started = Date.now();
  await page.getByRole('button', { name: 'Launch run' }).click();
  await page.waitForURL(/\/runs\/alice\/[0-9A-Z]{26}$/, { timeout: 60_000 });
  await waitHydrated(page, '.run-head[data-hydrated="true"]');
  await page.locator(FINAL).first().waitFor({ timeout: RUN_TIMEOUT_MS });
  const seconds = (Date.now() - started) / 1000;
  const status = await page.locator('.status-badge').first().getAttribute('data-status');
  const verdict = await page.locator('.verdict').innerText();
  const steps = await page.locator('.steps').innerText().catch(() => '');
  console.log(`recipe ${recipe}: ${status} in ${seconds.toFixed(1)} s`);
  assert.deepEqual(errors, [], `no errors in the browser console (recipe ${recipe})`);
  return { status, verdict, steps, seconds };
}

/** Fills a fresh Space name and waits until the wizard says it is free. */
async function nameSpace(recipe) {
  const name = freshName(recipe);
  await page.getByLabel('Target Space name').fill(name);
  await page.locator('.name-check[data-check="ok"]').waitFor({ timeout: 30_000 });
  return name;
}

/**
 * Waits for the finished run's files (the page fetches them once the run is over: its
 * report shows then) and checks each of `paths` is among them.
 */
async function assertArtifacts(recipe, paths) {
  await page.locator('.report .markdown').waitFor({ timeout: 60_000 });
  const wanted = paths.map((p) => (p instanceof RegExp ? { re: p.source } : { path: p }));
  const listedAll = () => page.locator('.artifact-entry').evaluateAll((entries) => entries.map((e) => e.dataset.path));
  await page
    .waitForFunction((wanted) => {
      const listed = [...document.querySelectorAll('.artifact-entry')].map((e) => e.dataset.path);
      return wanted.every((w) => (w.re ? listed.some((p) => new RegExp(w.re).test(p)) : listed.includes(w.path)));
    }, wanted, { timeout: 30_000 })
    .catch(() => {});
  const listed = await listedAll();
  for (const want of paths) {
    const found = want instanceof RegExp ? listed.some((p) => want.test(p)) : listed.includes(want);
    assert.ok(found, `recipe ${recipe}: ${want} is among the run's files ${JSON.stringify(listed)}`);
  }
  await page.screenshot({ path: path.join(screenshots, `recipe-${recipe}.png`), fullPage: true });
}

function assertSucceeded(recipe, run) {
  assert.equal(run.status, 'succeeded', `recipe ${recipe}: ${run.verdict}\n${run.steps}`);
}

const AGENT_FILES = ['logs/pi_output.txt', /^traces\/raw\/.+\.jsonl$/, /^traces\/redacted\/.+\.jsonl$/];
const SPACE_FILES = ['target_space.json', 'generated/app.py', 'tests/api_schema.json', 'tests/test_result.json'];

test('recipe 1: the bucket round-trip succeeds', async () => {
  const run = await runRecipe('1');
  assertSucceeded('1', run);
  await assertArtifacts('1', ['state.json', 'events.jsonl', 'report.md']);
});

test('recipe 2.1: the template Space is built, started and called', async () => {
  let name;
  const run = await runRecipe('2.1', async () => { name = await nameSpace('2.1'); });
  assertSucceeded('2.1', run);
  templateSpace = `alice/${name}`;
  await assertArtifacts('2.1', SPACE_FILES);
});

test('recipe 3: the demo agent makes the named edit and the live Space shows it', async () => {
  // The wizard starts from the embedded hub's demo agent, and says what it is.
  await page.goto(`${server.url}/new/3`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  assert.equal(await page.getByLabel('Pi model').inputValue(), 'space-factory-demo/scripted-agent');
  assert.match(await page.locator('[data-field="agent_model"] .model-label').innerText(), /demo agent: scripted, not a language model/);
  const run = await runRecipe('3', async () => { await nameSpace('3'); });
  assertSucceeded('3', run);
  assert.match(run.steps, /scripted, not a language model/, 'the run page names the demo agent as such');
  await assertArtifacts('3', [...AGENT_FILES, 'logs/pi_edit.diff', ...SPACE_FILES]);
  assert.match(await page.locator('.report').innerText(), /scripted-agent.*scripted, not a language model/, 'so does the report');
});

test('recipe 4: the demo agent follows the recipe with the real hf CLI', async () => {
  const run = await runRecipe('4', async () => { await nameSpace('4'); });
  assertSucceeded('4', run);
  await assertArtifacts('4', [...AGENT_FILES, 'logs/recipe.md']);
});

test('recipe 5: the model-card app is built for the demo GPT-2, or says how to enable PyTorch', async () => {
  await page.goto(`${server.url}/new/5`, { waitUntil: 'load' });
  await waitHydrated(page, 'form.wizard-form[data-hydrated="true"]');
  assert.equal(await page.getByLabel('Model id').inputValue(), 'space-factory-demo/tiny-gpt2');
  const run = await runRecipe('5', async () => { await nameSpace('5'); });
  if (run.status === 'succeeded') {
    await assertArtifacts('5', ['analysis/model_card.json', 'tests/inference_proof.json', 'inference_gate.json', ...SPACE_FILES]);
    // The gate and its evidence: the app's example and the worker's other prompt, the
    // tiny live model's continuations differing.
    await page.locator('.gate-badge[data-gate]').waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('.proof-evidence .proof-call').count(), 2, 'two calls of the proof');
    assert.match(run.steps, /full_inference_passed/, `the gate proved model output:\n${run.steps}`);
  } else {
    // Where the local Spaces have no PyTorch the Space build fails, and says how to enable it.
    assert.notEqual(process.env.SPACE_FACTORY_LIVE_TORCH, '1', `with PyTorch enabled recipe 5 must succeed: ${run.verdict}\n${run.steps}`);
    assert.match(`${run.verdict}\n${run.steps}`, /SPACE_FACTORY_LIVE_TORCH=1/, `the failure says how to enable PyTorch: ${run.verdict}\n${run.steps}`);
    await assertArtifacts('5', ['analysis/model_card.json', 'target_space.json', /^diagnostics\//]);
  }
});

/**
 * The rows of the proof's evidence panel `evidence` (origin, inputs, outputs, latency),
 * checked to be the app's example and the worker's own different input, each timed.
 */
async function proofCalls(evidence) {
  const calls = await evidence.locator('.proof-call').evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
  assert.equal(calls.length, 2, JSON.stringify(calls));
  assert.deepEqual(calls.map((c) => c[0]), ["the app's example", 'the worker']);
  assert.notEqual(calls[0][1], calls[1][1], 'two different inputs');
  for (const call of calls) assert.match(call[3], /^\d+(\.\d)?s$|^\d+m \d\ds$/, `a latency: ${call[3]}`);
  return calls;
}

/**
 * Runs recipe 5 on the ONNX demo classifier `model` (no PyTorch needed, so it runs
 * everywhere), checks the run built and served its app on ONNX Runtime and was gated
 * `gate` with a proof `proof` shown on its page; returns the proof's calls as shown.
 */
async function runOnnxClassifier(name, model, gate, proof) {
  const run = await runRecipe('5', async () => {
    await page.getByLabel('Model id').fill(model);
    await nameSpace('5');
  });
  assertSucceeded(name, run);
  assert.match(run.steps, /ONNX Runtime on .?onnx\/model\.onnx.?, no PyTorch/, `served without PyTorch:\n${run.steps}`);
  assert.match(run.steps, new RegExp(gate), `the gate says ${gate}:\n${run.steps}`);
  await assertArtifacts(name, ['analysis/model_card.json', 'tests/inference_proof.json', 'inference_gate.json', ...SPACE_FILES]);
  await page.locator(`.gate-badge[data-gate="${gate}"]`).first().waitFor({ timeout: 30_000 });
  const evidence = page.locator(`.proof-evidence[data-proof="${proof}"]`);
  await evidence.waitFor({ timeout: 30_000 });
  const calls = await proofCalls(evidence);
  for (const call of calls) assert.match(call[2], /NEGATIVE/, `a label's scores: ${call[2]}`);
  await evidence.screenshot({ path: path.join(screenshots, `proof-${name}.png`) });
  return calls;
}

test('recipe 5: a classifier whose head is zero runs without PyTorch and is gated health_only, with its evidence', async () => {
  const calls = await runOnnxClassifier('5-constant', 'space-factory-demo/tiny-onnx-constant', 'health_only', 'constant');
  assert.equal(calls[0][2], calls[1][2], 'the same answer to both inputs');
  assert.match(await page.locator('.proof-evidence .proof-verdict').innerText(), /^Not model output: the answer does not change with the input\./, 'the panel says why');
});

test('recipe 5: an ONNX classifier proves model output without PyTorch', async () => {
  const calls = await runOnnxClassifier('5-onnx', 'space-factory-demo/tiny-onnx-sentiment', 'full_inference_passed', 'proven');
  assert.notEqual(calls[0][2], calls[1][2], 'two different answers');
});

test('recipe 6: the runtime recommender recommends hardware for the demo GPT-2', async () => {
  const run = await runRecipe('6');
  assertSucceeded('6', run);
  await assertArtifacts('6', ['runtime_recommendation.json']);
  // The report says the model is a demo one.
  assert.match(await page.locator('.report').innerText(), /space-factory-demo\/tiny-gpt2.*random weights/);
});

test('recipe 8: the demo agent reproduces the demo article with real inference, proven live', async () => {
  const run = await runRecipe('8', async () => { await nameSpace('8'); });
  assertSucceeded('8', run);
  assert.match(run.steps, /full_inference_passed/, `the gate proved model output:\n${run.steps}`);
  assert.match(run.steps, /zero-a10g granted/, 'ZeroGPU, asked for in the create request');
  await assertArtifacts('8', ['inference_gate.json', 'tests/inference_proof.json', 'analysis/article.md', /^diagnostics\//, 'generated/app.py', 'tests/test_result.json']);
  // The verdict's evidence: the app's example and the worker's own input, each with its
  // answer and latency, the answers different.
  const proof = page.locator('.proof-evidence[data-proof="proven"]');
  await proof.waitFor({ timeout: 30_000 });
  const calls = await proofCalls(proof);
  assert.notEqual(calls[0][2], calls[1][2], 'two different answers');
  // The timeline draws Pi's turns under its step.
  assert.ok(await page.locator('.run-timeline .tl-turn').count() >= 3, "Pi's turns are on the timeline");
  await page.locator('.run-timeline').screenshot({ path: path.join(screenshots, 'timeline-recipe-8.png') });
});

test('validate: the Space recipe 2.1 made is checked live', async () => {
  assert.ok(templateSpace, 'recipe 2.1 made a Space');
  const run = await runRecipe('validate', async () => {
    await page.getByLabel('Space to validate').fill(templateSpace);
  });
  assertSucceeded('validate', run);
  await assertArtifacts('validate', ['tests/api_schema.json', 'tests/test_result.json']);
});

test('the runs list fits a 1280 px window, each finished run with its verdict in view', async () => {
  await page.setViewportSize({ width: 1280, height: 1000 });
  await page.goto(`${server.url}/runs`, { waitUntil: 'load' });
  await page.locator('.runs-table').waitFor({ timeout: 30_000 });
  const wrap = page.locator('.table-wrap');
  const { scroll, client } = await wrap.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
  assert.ok(scroll <= client, `the table is wider than its place: ${scroll} > ${client} px`);
  const verdicts = page.locator('.runs-table .run-verdict');
  assert.ok((await verdicts.count()) >= 7, 'the recipes\' runs show their verdicts');
  for (const verdict of await verdicts.all()) {
    const box = await verdict.boundingBox();
    assert.ok(box && box.x + box.width <= 1280, 'a verdict is cut off at the right edge');
  }
  await page.screenshot({ path: path.join(screenshots, 'runs-list-1280.png'), fullPage: true });
});
