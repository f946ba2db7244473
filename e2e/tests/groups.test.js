// Multi-group Raft in the page (issue 17): the machines view opened from ?groups=, from the
// New run form, from a version-2 scenario (?scenario=, an embed's load) and from a #groups=
// share link; crashing the machine that leads groups makes every affected group re-elect, said
// in the live region; picking a group shows it in today's single-group views; the lesson; the
// page's limits; axe-core finds no problem on the machines view, the lesson or the embed.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseUrl, forgetStoredRun, openBrowser, ARTIFACTS, useBrowser } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const browser = useBrowser();

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'], rules: { 'target-size': { enabled: true } } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 6).map((n) => n.target.join(' ')) }));
  });
}

/** Each group's leader machine as the group picker says it: { g1: 'M2', … } (null: none). */
const leaders = (page) =>
  page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('.group-pick')].map((b) => {
        const m = /leader S\d+ on (M\d+)/.exec(b.textContent);
        return [b.dataset.group, m ? m[1] : null];
      }),
    ),
  );

async function waitAllLead(page, timeout = 30_000) {
  try {
    await page.waitForFunction(
      () => {
        const picks = [...document.querySelectorAll('.group-pick')];
        return picks.length > 0 && picks.every((b) => /leader S\d+ on M\d+/.test(b.textContent));
      },
      null,
      { timeout },
    );
  } catch (e) {
    // What the page showed when it gave up (a run once failed here under heavy load, with no
    // clue why): the groups' lines, the clock, the transport, and a screenshot.
    const shown = await page
      .evaluate(() => ({
        url: location.href,
        picks: [...document.querySelectorAll('.group-pick')].map((b) => b.textContent),
        time: document.querySelector('[data-testid="groups-time"]')?.textContent,
        buttons: [...document.querySelectorAll('button')].map((b) => b.textContent).slice(0, 12),
      }))
      .catch((err) => `(page not readable: ${err})`);
    await page.screenshot({ path: `${ARTIFACTS}groups-no-leader.png` }).catch(() => {});
    throw new Error(`not every group had a leader after ${timeout} ms: ${JSON.stringify(shown)}`, { cause: e });
  }
}

test('?groups=3 opens a machines view; crashing a leading machine re-elects every group it led', { timeout: 120_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?groups=3&machines=5&seed=4&speed=2`, { waitUntil: 'load' });
  await page.locator('[data-machine]').first().waitFor();
  // The playground forwards to the multi-group page, a build of its own (issue 14), query kept.
  assert.equal(page.url(), `${baseUrl()}groups/?groups=3&machines=5&seed=4&speed=2`);
  assert.equal(await page.locator('[data-machine]').count(), 5, 'five machine boxes');
  // Every group's replicas are listed with the group's name in text (not colour alone).
  assert.equal(await page.locator('.replica[data-group="g1"]').count(), 3);
  assert.match(await page.locator('.replica').first().textContent(), /g1 S1/);
  await waitAllLead(page);
  const before = await leaders(page);
  assert.match(await page.getByTestId('leader-spread').textContent(), /M\d leads \d/);
  const victim = before.g1;
  const led = Object.entries(before).filter(([, m]) => m === victim).map(([g]) => g);
  await page.getByRole('button', { name: `Crash ${victim}`, exact: true }).click();
  const box = page.locator(`[data-machine="${victim.slice(1)}"]`);
  assert.equal(await box.getAttribute('data-state'), 'down');
  assert.equal(await box.locator('.replica[data-role="down"]').count(), await box.locator('.replica').count());
  // Every group the machine led elects a leader elsewhere, and the live region says so.
  await page.waitForFunction(
    ([v, groups]) =>
      groups.every((g) => {
        const b = document.querySelector(`.group-pick[data-group="${g}"]`);
        const m = /leader S\d+ on (M\d+)/.exec(b?.textContent ?? '');
        return m && m[1] !== v;
      }),
    [victim, led],
    { timeout: 30_000 },
  );
  const said = await page.getByTestId('groups-announcer').textContent();
  for (const g of led) assert.match(said, new RegExp(`group ${g}: S\\d+ is leader of term \\d+`), said);
  assert.equal(await page.getByTestId('groups-announcer').getAttribute('aria-live'), 'polite');
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.screenshot({ path: `${ARTIFACTS}groups-machines.png`, fullPage: true });

  // Picking a group shows its ring, logs and events in the single-group views.
  await page.locator('.group-pick[data-group="g2"]').click();
  assert.equal(await page.locator('.group-pick[data-group="g2"]').getAttribute('aria-pressed'), 'true');
  await page.waitForFunction(() => /Group g2/.test(document.querySelector('#group-title')?.textContent ?? ''));
  assert.equal(await page.locator('.group-detail g[data-node]').count(), 3, 'group g2 has three replicas on the ring');
  assert.match(await page.getByTestId('group-placement').textContent(), /S1 on M2, S2 on M3, S3 on M4/);
  assert.deepEqual(await axe(page), [], 'axe-core on the machines view');
  // Coalesced heartbeats: the run starts again from 0 with one batch per machine pair.
  assert.match(await page.getByTestId('heartbeat-cost').textContent(), /\d+ messages per machine per second/);
  const toggle = page.getByRole('button', { name: 'Coalesce heartbeats' });
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  assert.match(await page.getByTestId('groups-notice').textContent(), /coalesced: one message per machine pair every 50 ms/);
  assert.match(await page.locator('.machines-panel').textContent(), /coalesced per machine pair every 50 ms/);
  assert.deepEqual(problems, []);
});

test('a multi-group link downloads the groups page only, not the playground', { timeout: 60_000 }, async () => {
  // A new profile, so nothing comes from the cache; downloads that completed only (a preload
  // the early forward in index.html cuts short ends as an aborted request instead).
  const fresh = await openBrowser();
  try {
    const fetched = [];
    fresh.page.on('requestfinished', (r) => fetched.push(new URL(r.url()).pathname));
    // A real network (100 ms round trip, 4 MB/s): over a local server's unlimited bandwidth
    // the preload scanner's early fetch of the playground's 1.4 MB .wasm sometimes completed
    // before the forward's page arrived (a flaky failure no visitor over a network would see:
    // there the small groups/ page arrives long before the large .wasm, and the navigation
    // cancels it).
    const cdp = await fresh.context.newCDPSession(fresh.page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 100, downloadThroughput: 4_000_000, uploadThroughput: 4_000_000 });
    await fresh.page.goto(`${baseUrl()}?groups=2&machines=3&seed=1`, { waitUntil: 'load' });
    await fresh.page.locator('[data-machine]').first().waitFor();
    const wasm = fetched.filter((f) => f.endsWith('.wasm')).map((f) => f.replace(/-[0-9a-f]+_bg/, ''));
    assert.deepEqual(wasm, ['/groups/groups.wasm'], `${fetched}`);
    assert.deepEqual(fresh.problems, []);
  } finally {
    await fresh.close();
  }
});

test('a share link reopens the multi-group run; one group stays the default', { timeout: 120_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?groups=2&machines=3&seed=9&speed=2`, { waitUntil: 'load' });
  await waitAllLead(page);
  await page.getByRole('button', { name: 'Crash M2', exact: true }).click();
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const time = await page.getByTestId('groups-time').textContent();
  await page.getByRole('button', { name: 'Share this multi-group run' }).click();
  const link = await page.getByTestId('groups-share-link').inputValue();
  assert.ok(link.startsWith(`${baseUrl()}groups/#groups=`), link);
  await page.goto('about:blank');
  await page.goto(link, { waitUntil: 'load' });
  await page.locator('[data-machine]').first().waitFor();
  assert.equal(await page.getByTestId('groups-time').textContent(), time, 'the same moment');
  assert.equal(await page.locator('[data-machine="2"]').getAttribute('data-state'), 'down');
  assert.equal(await page.getByRole('button', { name: 'Play', exact: true }).count(), 1, 'paused, as shared');
  // An old link, to the playground, is forwarded with its fragment.
  await page.goto('about:blank');
  await page.goto(link.replace('groups/#', '#'), { waitUntil: 'load' });
  await page.locator('[data-machine]').first().waitFor();
  assert.equal(await page.getByTestId('groups-time').textContent(), time, 'the same moment, through the playground');
  // The way back: the playground's own page.
  await page.getByRole('link', { name: 'Back to a single-group run' }).click();
  await page.locator('g[data-node]').first().waitFor();
  assert.equal(page.url(), baseUrl());
  assert.equal(await page.locator('[data-machine]').count(), 0);
  // The plain page is still the single-group page.
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=42`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  assert.equal(await page.locator('[data-machine]').count(), 0);
  assert.deepEqual(problems, []);
});

test('the New run form opens a multi-group run; limits are refused with a notice', { timeout: 120_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=42`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  const groups = page.getByLabel('Raft groups');
  assert.equal(await groups.inputValue(), '1', 'one group is the default');
  await groups.selectOption('4');
  await page.getByLabel('Machines', { exact: true }).selectOption('6');
  await page.getByRole('button', { name: 'Reset with these settings' }).click();
  await page.locator('[data-machine]').first().waitFor();
  assert.equal(await page.locator('[data-machine]').count(), 6);
  assert.equal(await page.locator('.group-pick').count(), 4);
  // The multi-group page stores nothing: back on the playground, the stored run is the one left.
  await page.waitForTimeout(1000);
  assert.match(await page.evaluate(() => localStorage.getItem('raft-playground.run') ?? ''), /"seed":42[,}]/);
  await page.getByRole('link', { name: 'Back to a single-group run' }).click();
  await page.locator('g[data-node]').first().waitFor();
  assert.match(await page.locator('body').textContent(), /seed 42/);
  // Beyond the page's limits: refused, said above the page, the single-group page opens.
  await page.goto(`${baseUrl()}?groups=12&seed=1`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  assert.match(await page.locator('body').textContent(), /groups="12" is not valid \(1 to 8 Raft groups: the playground draws at most 8\)/);
  assert.equal(await page.locator('[data-machine]').count(), 0);
  assert.deepEqual(problems, []);
});

test('the lesson "One machine, three groups" and a version-2 scenario open as multi-group runs', { timeout: 150_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?lesson=one-machine-three-groups`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  assert.match(await page.getByTestId('groups-goals').textContent(), /One machine, three groups/);
  assert.equal(await page.getByTestId('groups-notice').count(), 0, 'no notice: the single-group page does not look for this lesson');
  assert.match(await page.locator('[data-machine="3"] h3').textContent(), /leads 2 groups/);
  assert.deepEqual(await axe(page), [], 'axe-core on the lesson');
  await page.getByRole('button', { name: 'Crash M3', exact: true }).first().click();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await page.getByRole('slider', { name: 'Speed' }).fill('0.3');
  await page.waitForFunction(() => /2 of 4 met/.test(document.querySelector('[data-testid="groups-goals-done"]')?.textContent ?? ''), null, { timeout: 60_000 });
  await page.getByRole('button', { name: 'Restart M3', exact: true }).first().click();
  await page.waitForFunction(() => /4 of 4 met/.test(document.querySelector('[data-testid="groups-goals-done"]')?.textContent ?? ''), null, { timeout: 90_000 });
  await page.screenshot({ path: `${ARTIFACTS}groups-lesson.png`, fullPage: true });

  // The built-in version-2 scenario, by name.
  await page.goto(`${baseUrl()}?scenario=groups-machine-crash&speed=1`, { waitUntil: 'load' });
  await page.locator('[data-machine]').first().waitFor();
  assert.equal(await page.locator('.group-pick').count(), 2);
  assert.match(await page.getByTestId('groups-goals').textContent(), /critical: /);
  assert.equal(await page.getByTestId('groups-notice').count(), 0, 'no notice about the scenario');
  assert.deepEqual(problems, []);
});

test('an embed loads a version-2 scenario through postMessage', { timeout: 90_000 }, async () => {
  const { context, problems } = browser;
  const page = await context.newPage();
  await page.setViewportSize({ width: 900, height: 700 });
  await page.goto(`${baseUrl()}?embed=1&autoplay=0&seed=3`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  const text = await readFile(fileURLToPath(new URL('../../scenarios/groups/machine-crash.json', import.meta.url)), 'utf8');
  await page.evaluate((s) => window.postMessage({ raft: 'load', scenario: JSON.parse(s) }, '*'), text);
  await page.locator('[data-machine]').first().waitFor();
  assert.equal(await page.locator('[data-machine]').count(), 5);
  await page.screenshot({ path: `${ARTIFACTS}groups-embed.png` });
  assert.deepEqual(await axe(page), [], 'axe-core on the embedded machines view');
  await page.close();
  assert.deepEqual(problems, []);
});

test('a page whose WebAssembly cannot be downloaded says so instead of staying blank', { timeout: 60_000 }, async () => {
  const { context } = browser;
  // The playground, and the groups page it hands multi-group runs to (issue 14: each part is
  // downloaded on its own, so each can fail on its own).
  for (const [url, wasm] of [[baseUrl(), /\/web-[0-9a-f]+_bg\.wasm$/], [`${baseUrl()}groups/?groups=3&seed=1`, /\/groups-[0-9a-f]+_bg\.wasm$/]]) {
    const page = await context.newPage();
    await page.route(wasm, (route) => route.abort());
    await page.goto(url, { waitUntil: 'load' });
    const alert = page.locator('#load-failed[role="alert"]');
    await alert.waitFor({ timeout: 20_000 });
    assert.match(await alert.innerText(), /^The Raft playground could not be loaded \(.+\)\. Check your connection and reload the page\.$/);
    assert.equal(await page.locator('g[data-node]').count(), 0);
    await page.close();
  }
  // Once the page runs, a later error is not taken for a failed download.
  const page = await context.newPage();
  await page.goto(baseUrl(), { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  await page.evaluate(() => dispatchEvent(new ErrorEvent('error', { message: 'later' })));
  await page.waitForTimeout(200);
  assert.equal(await page.locator('#load-failed').count(), 0);
  await page.close();
});

test('before the first election the Elections panel says what it will list', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}groups/?groups=3&machines=5&seed=4&speed=0.01`, { waitUntil: 'load' });
  await page.locator('[data-machine]').first().waitFor();
  // It was an empty box under its heading.
  const placeholder = page.locator('.announcements .hint');
  await placeholder.getByText('No group has elected a leader yet').waitFor();
  assert.equal((await page.getByTestId('groups-announcer').textContent()).trim(), '');
  assert.deepEqual(problems, []);
});

// Issue 14: the groups page links the trace reader itself (it is a build of its own), so a
// trace opened there is read at once; it never asks for the playground's trace reader part,
// which is not under groups/.
test('the groups page opens a recorded trace itself, without the trace reader part', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  const asked = [];
  const onRequest = (r) => asked.push(new URL(r.url()).pathname);
  page.on('request', onRequest);
  await page.goto(`${baseUrl()}groups/?groups=1&speed=1`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  const open = page.getByRole('dialog', { name: /Open a scenario/ });
  await open.getByLabel('Scenario or trace file').setInputFiles(fileURLToPath(new URL('./fixtures/byo-double-vote-unreliable-agree.jsonl', import.meta.url)));
  await page.getByTestId('recorded-run').waitFor();
  page.off('request', onRequest);
  assert.deepEqual(asked.filter((p) => /\/files(_bg)?\.(js|wasm)/.test(p)), []);
  assert.deepEqual(problems, []);
});
