// A recorded run (issue 18): the trace `raft-sim grade --trace` writes for a classroom node's
// failing test opens through the Open dialog and is shown as recorded (web/src/playback.rs):
// a banner says so, the violation it ends with is shown, the ring, the logs, the event log and
// time travel work from its records, and the controls that would need a simulator are off.
//
// Fixture: ./x grade --node "python3 classroom/python/buggy.py double-vote" \
//   --test unreliable-agree --seed 1 --once --trace DIR/   (a double vote at 190 ms)
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseUrl, ARTIFACTS, useBrowser } from './browser.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/byo-double-vote-unreliable-agree.jsonl', import.meta.url));
const KV_FIXTURE = fileURLToPath(new URL('./fixtures/raft-kv-transfer.jsonl', import.meta.url));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const browser = useBrowser();

const now = async (page) => Number(await page.getByLabel('Timeline').inputValue());
const status = (page) => page.getByTestId('status').innerText();

async function seek(page, t) {
  await page.getByLabel('Timeline').evaluate((el, t) => {
    el.value = String(t);
    el.dispatchEvent(new Event('change', { bubbles: true }));
  }, t);
  await page.waitForFunction((t) => new RegExp(`^t = ${t} ms`).test(document.querySelector('[data-testid="status"]').textContent), t);
}

async function openFile(page, file) {
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  const open = page.getByRole('dialog', { name: /Open a scenario/ });
  await open.getByLabel('Scenario or trace file').setInputFiles(file);
  return open;
}

/** axe-core's violations on the page, of any impact, described. */
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'], rules: { 'target-size': { enabled: true } } });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('; ')}`);
  });
}

test('a grade trace of a buggy classroom node opens as recorded, with its violation and every view', { timeout: 90_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=5&speed=1`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  await openFile(page, FIXTURE);

  const banner = page.getByTestId('recorded-run');
  await banner.waitFor();
  assert.match(await banner.innerText(), /^Recorded run: byo — shown as recorded; actions that would change the run are off\./);
  // Opened at its end, paused, where the node broke the rule (Raft §5.2: one vote per term).
  assert.equal(await now(page), 190);
  const violation = page.locator('.safety .violation');
  assert.match(await violation.innerText(), /One Vote Per Term broke/);
  assert.match(await violation.innerText(), /S2 voted for S5 and then S3 in term 1/);
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();

  // The views have the recording's content: five nodes on the ring, in term 1; votes in the
  // event log; messages in flight listed.
  const labels = await page.locator('g[data-node]').evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')));
  assert.equal(labels.length, 5, JSON.stringify(labels));
  assert.ok(labels.some((l) => /term 1/.test(l)), JSON.stringify(labels));
  const events = await page.getByRole('list', { name: /Event log/ }).innerText();
  assert.match(events, /S2 voted for S5 in term 1/);
  assert.match(events, /S5 became candidate in term 1/);
  assert.match(await status(page), /^t = 190 ms/);

  // The controls that need a simulator are off.
  assert.ok(await page.getByRole('button', { name: 'Send a client request' }).isDisabled());
  assert.ok(await page.getByRole('button', { name: 'Share', exact: true }).isDisabled(), 'a recorded run is shared as its file');
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}recorded-run.png` });

  // Time travel, from the records: before the double vote, no violation; stepping goes on.
  await seek(page, 120);
  assert.equal(await violation.count(), 0, 'no violation before 190 ms');
  await page.getByRole('button', { name: 'Step to next event' }).click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.waitForFunction(() => /^t = 190 ms/.test(document.querySelector('[data-testid="status"]').textContent), null, { timeout: 30_000 });
  await violation.waitFor();

  const found = await axe(page);
  assert.deepEqual(found, [], `axe-core: ${found.join('\n')}`);
  assert.deepEqual(problems, []);
});

test('a malformed recorded trace is explained in the dialog; the run shown is untouched', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=5&speed=1`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  const lines = (await readFile(FIXTURE, 'utf8')).trim().split('\n');
  // The records out of order: time goes back.
  const broken = [lines[0], lines.at(-2), ...lines.slice(1, -2), lines.at(-1)].join('\n');
  const open = await openFile(page, { name: 'broken.jsonl', mimeType: 'application/json', buffer: Buffer.from(broken) });
  const err = open.getByTestId('open-error');
  await err.waitFor();
  assert.match(await err.innerText(), /this recorded trace cannot be shown: line 3: time 0 ms goes back/);
  await open.getByRole('button', { name: 'Close dialog' }).click();
  assert.equal(await page.getByTestId('recorded-run').count(), 0);
  assert.deepEqual(problems, []);
});

// A real cluster's run (issue #16): `raft-kv cluster --nodes 3 --record`, writes, a leadership
// transfer to S3, then `raft-kv trace`. It opens the same way, with wall-clock times.
test('a raft-kv export of a real cluster opens as recorded', { timeout: 90_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=6&speed=1`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  await openFile(page, KV_FIXTURE);
  const banner = page.getByTestId('recorded-run');
  await banner.waitFor();
  assert.match(await banner.innerText(), /^Recorded run: raft-kv — shown as recorded/);
  const labels = await page.locator('g[data-node]').evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')));
  assert.equal(labels.length, 3, JSON.stringify(labels));
  assert.equal(await page.locator('g[data-node="S3"]').getAttribute('data-role'), 'leader', 'the transfer target leads at the end');
  assert.equal(await page.locator('.safety .violation').count(), 0);
  await page.screenshot({ path: `${ARTIFACTS}recorded-raft-kv.png` });
  assert.deepEqual(problems, []);
});

// Issue 14: the trace reader is a part of its own (files.js, files_bg.wasm),
// downloaded the first time a trace is opened; a failed download is explained in the Open
// dialog, the run shown is untouched, and the next attempt downloads it.
test('the trace reader is downloaded when a trace is opened, and a failed download says so', { timeout: 90_000 }, async () => {
  const { context } = browser;
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  await page.route(/\/files_bg\.wasm$/, (route) => route.abort());
  await page.goto(`${baseUrl()}?seed=5&speed=1`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  // A scenario opens without it.
  let open = await openFile(page, fileURLToPath(new URL('../../scenarios/leader-crash.json', import.meta.url)));
  await open.waitFor({ state: 'hidden' });
  assert.deepEqual(asked.filter((p) => /\/files(_bg)?\.(js|wasm)/.test(p)), [], 'nothing of the part before a trace is opened');
  open = await openFile(page, FIXTURE);
  const err = open.getByTestId('open-error');
  await err.waitFor({ timeout: 20_000 });
  assert.match(await err.innerText(), /^Not opened: the trace reader could not be downloaded \(.+\); check your connection and try again\. Your current run is unchanged\.$/);
  assert.equal(await page.getByTestId('recorded-run').count(), 0, 'the run shown is untouched');
  await open.getByRole('button', { name: 'Close dialog' }).click();
  await page.unroute(/\/files_bg\.wasm$/);
  await openFile(page, FIXTURE);
  await page.getByTestId('recorded-run').waitFor();
  assert.equal(await now(page), 190);
  assert.ok(asked.some((p) => /\/files\.js$/.test(p)) && asked.some((p) => /\/files_bg\.wasm$/.test(p)));
  await page.close();
});
