// The page for people (issue 15): keyboard shortcuts with a help list, a reloaded parameter
// link that resumes its run, the embed API's errors, notices and lesson-complete, the page
// served under a sub-path, and a joint membership change started from the page.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, symlink } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseUrl, forgetStoredRun, openBrowser, ARTIFACTS, useBrowser } from './browser.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

const browser = useBrowser();

const status = (page) => page.getByTestId('status').innerText();

async function waitForLeader(page, timeout = 20_000) {
  await page.waitForFunction(() => /leader S\d/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), null, { timeout });
}

/**
 * A first visit in a fresh browser (the walkthrough not seen yet): opens the page, waits for
 * the walkthrough card and runs `body({ page, card })`; no console error may appear meanwhile.
 */
async function firstVisit(body) {
  const newcomer = await openBrowser({ firstVisit: true });
  try {
    const { page, problems } = newcomer;
    await page.goto(baseUrl(), { waitUntil: 'load' });
    const card = page.getByTestId('walkthrough');
    await card.waitFor();
    await body({ page, card });
    assert.deepEqual(problems, []);
  } finally {
    await newcomer.close();
  }
}

/**
 * A fresh run of 5 nodes (seed 6, 10x) until its first leader, which is then selected (its sheet
 * open); returns the leader's name, e.g. "S3".
 */
async function selectTheLeader(page) {
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=6&nodes=5&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  const leader = /leader (S\d+)/.exec(await status(page))[1];
  await page.locator(`g[data-node="${leader}"]`).click();
  return leader;
}

const active = (page) =>
  page.evaluate(() => {
    const a = document.activeElement;
    return a?.getAttribute('aria-label') ?? a?.textContent?.trim() ?? '';
  });

test('keyboard shortcuts: ? lists them, N/P pick nodes, C crashes and restarts, K pauses, . steps', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=5&nodes=3&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  // Help: opens on ?, is a dialog named by its heading, closes on Escape, focus goes back.
  await page.keyboard.press('?');
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  assert.ok(await help.getByRole('cell', { name: 'Crash the selected node, or restart it' }).isVisible());
  await page.screenshot({ path: `${ARTIFACTS}people-shortcuts.png` });
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
  // The button opens it too and gets focus back.
  await page.getByRole('button', { name: 'Shortcuts', exact: true }).click();
  await help.waitFor();
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
  assert.equal(await active(page), 'Shortcuts');
  // K pauses: the clock stops.
  await page.keyboard.press('k');
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  const t0 = await status(page);
  await page.waitForTimeout(300);
  assert.equal(await status(page), t0, 'paused by K');
  // . steps one event.
  await page.keyboard.press('.');
  await page.waitForFunction((t) => document.querySelector('[data-testid="status"]').textContent !== t, t0);
  // N selects S1 and focus moves to its controls; N again S2, P back to S1.
  await page.keyboard.press('n');
  await page.getByRole('heading', { name: /^Selected: S1/ }).waitFor();
  assert.match(await active(page), /^(Crash|Restart) S1$/);
  await page.keyboard.press('n');
  await page.getByRole('heading', { name: /^Selected: S2/ }).waitFor();
  await page.keyboard.press('p');
  await page.getByRole('heading', { name: /^Selected: S1/ }).waitFor();
  // C crashes the selected node, C again restarts it (focus is on its Crash button: letters
  // still reach the page).
  await page.keyboard.press('c');
  await page.waitForFunction(() => /S1: crashed/.test(document.querySelector('g[data-node="S1"]').getAttribute('aria-label')));
  await page.keyboard.press('c');
  await page.waitForFunction(() => !/S1: crashed/.test(document.querySelector('g[data-node="S1"]').getAttribute('aria-label')));
  // Letters typed into a field are text, not shortcuts.
  const seed = page.getByRole('textbox', { name: 'Seed' });
  await seed.fill('');
  await seed.type('kcn');
  assert.equal(await seed.inputValue(), 'kcn');
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.deepEqual(problems, []);
});

test('a reloaded ?seed= link resumes the run changed on it, and Start over begins it again', { timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.goto(`${baseUrl()}?seed=42&nodes=5&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  await page.locator('g[data-node="S3"]').click();
  await page.getByRole('button', { name: 'Crash S3' }).click();
  await page.waitForFunction(() => /S3: crashed/.test(document.querySelector('g[data-node="S3"]').getAttribute('aria-label')));
  await page.waitForTimeout(300);
  await page.reload({ waitUntil: 'load' });
  const notice = page.getByRole('alert');
  await notice.getByText(/^Resumed your run of this link \(seed 42, 5 nodes\)/).waitFor();
  await page.waitForFunction(() => /S3: crashed/.test(document.querySelector('g[data-node="S3"]')?.getAttribute('aria-label') ?? ''));
  await page.screenshot({ path: `${ARTIFACTS}people-resumed.png` });
  await notice.getByRole('button', { name: 'Start over' }).click();
  await page.waitForFunction(() => !/S3: crashed/.test(document.querySelector('g[data-node="S3"]')?.getAttribute('aria-label') ?? ''));
  assert.match(await status(page), /t = \d+ ms/);
  // A reload now opens the link's run afresh (nothing was done on it).
  await page.reload({ waitUntil: 'load' });
  await waitForLeader(page);
  assert.equal(await page.getByText(/^Resumed your run/).count(), 0);
});

/** A page that embeds the playground in a frame and records every event it posts. */
async function embedding(page, query) {
  await page.goto(`${baseUrl()}www/embed.html`, { waitUntil: 'load' });
  await page.evaluate((src) => {
    window.__events = [];
    window.addEventListener('message', (e) => window.__events.push(e.data));
    document.body.innerHTML = '';
    const f = document.createElement('iframe');
    f.id = 'under-test';
    f.title = 'A Raft cluster under test';
    f.width = 640;
    f.height = 400;
    f.src = src;
    document.body.append(f);
  }, `${baseUrl()}?${query}`);
  const frame = page.frameLocator('#under-test');
  await frame.locator('g[data-node]').first().waitFor();
  await page.waitForFunction(() => window.__events.some((e) => e?.raft === 'ready'));
  const send = (msg) => page.evaluate((m) => document.querySelector('#under-test').contentWindow.postMessage(m, '*'), msg);
  const events = () => page.evaluate(() => window.__events);
  return { frame, send, events };
}

test('embed API: an act the cluster cannot do is an error event, notices reach the parent, lesson-complete names the scenario', { timeout: 60_000 }, async () => {
  const { page } = browser;
  const { send, events } = await embedding(page, 'embed=1&controls=none&seed=11&speed=1');
  await send({ raft: 'act', action: { action: 'crash', node: 42 } });
  await page.waitForFunction(() => window.__events.some((e) => e?.raft === 'error' && /no node 42/.test(e.message)));
  await send({ raft: 'act', action: { action: 'promote', node: 1 } });
  await page.waitForFunction(() => window.__events.some((e) => e?.raft === 'error' && /only a learner/.test(e.message)));
  // With controls=none the frame shows no notice: the parent hears it instead.
  await page.waitForFunction(() => window.__events.some((e) => e?.raft === 'notice' && /no node 42/.test(e.message)));
  // A scenario whose expectations are all met is named in lesson-complete.
  await send({ raft: 'load', scenario: 'leader-election' });
  await page.waitForFunction(() => window.__events.some((e) => e?.raft === 'lesson-complete'), null, { timeout: 20_000 });
  const done = (await events()).find((e) => e?.raft === 'lesson-complete');
  assert.deepEqual(done, { raft: 'lesson-complete', lesson: 'leader-election', kind: 'scenario' });
});

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

test('served under a sub-path (/raft/), the page and the embed guide load every asset', { timeout: 60_000 }, async () => {
  // dist/ appears as /raft/ of another site: a folder holding a link to it.
  const root = await mkdtemp(path.join(tmpdir(), 'raft-subpath-'));
  await symlink(DIST, path.join(root, 'raft'));
  const port = await freePort();
  const server = spawn('python3', ['-m', 'http.server', String(port), '--bind', '127.0.0.1', '--directory', root], { stdio: 'ignore' });
  const other = await openBrowser();
  try {
    const base = `http://127.0.0.1:${port}/raft/`;
    for (let i = 0; i < 50; i++) {
      const up = await fetch(base).then((r) => r.ok).catch(() => false);
      if (up) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const { page, problems } = other;
    await page.goto(`${base}?seed=3&nodes=3`, { waitUntil: 'load' });
    await waitForLeader(page);
    // The trace reader, a part downloaded when a trace is opened (issue 14), comes from /raft/ too.
    await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
    await page.getByRole('dialog', { name: /Open a scenario/ }).getByLabel('Scenario or trace file')
      .setInputFiles(fileURLToPath(new URL('./fixtures/byo-double-vote-unreliable-agree.jsonl', import.meta.url)));
    await page.getByTestId('recorded-run').waitFor();
    await page.goto(`${base}www/embed.html`, { waitUntil: 'load' });
    await page.frameLocator('#ex-election').locator('g[data-node]').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: `${ARTIFACTS}people-subpath-guide.png` });
    assert.deepEqual(problems, [], 'no 404 and no error under /raft/');
  } finally {
    await other.close();
    server.kill();
    await rm(root, { recursive: true, force: true });
  }
});

test('Change membership… starts a joint change; both quorums are shown until it leaves C_old,new', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=1&nodes=5&speed=0.1`, { waitUntil: 'load' });
  await waitForLeader(page);
  const leader = Number(/leader S(\d)/.exec(await status(page))[1]);
  const keep = [1, 2, 3, 4, 5].filter((n) => n !== leader).slice(0, 2).concat([leader]).sort();
  const drop = [1, 2, 3, 4, 5].filter((n) => !keep.includes(n));
  // Take down the two other new voters, so that C_old,new cannot commit (its new half needs 2
  // of 3) and stays on screen until one of them is back.
  const [slow, other] = keep.filter((n) => n !== leader);
  for (const n of [slow, other]) {
    await page.locator(`g[data-node="S${n}"]`).click();
    await page.getByRole('button', { name: `Crash S${n}` }).click();
  }
  await page.locator(`g[data-node="S${leader}"]`).click();
  const opener = page.getByRole('button', { name: 'Change membership…' });
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Change membership' });
  await dialog.waitFor();
  // Today's voters are ticked: there is nothing to start until the set changes.
  const startButton = dialog.getByRole('button', { name: 'Start the joint change' });
  assert.equal(await startButton.isDisabled(), true, 'the unchanged voter set cannot be started');
  await dialog.getByText("These are today's voters").waitFor();
  for (const n of drop) await dialog.getByRole('checkbox', { name: `S${n}` }).uncheck();
  assert.equal(await startButton.isDisabled(), false);
  await page.screenshot({ path: `${ARTIFACTS}people-membership-dialog.png` });
  await dialog.getByRole('button', { name: 'Start the joint change' }).click();
  await dialog.waitFor({ state: 'detached' });
  // Focus goes back to the opener once the dialog has gone (after the render that removes it).
  await page.waitForFunction(() => document.activeElement?.textContent === 'Change membership…', null, { timeout: 2_000 });
  await page.getByTestId('config').getByText(/^joint C_old,new: S1 S2 S3 S4 S5 → /).waitFor({ timeout: 10_000 });
  await page.getByTestId('quorums').getByText('C_old needs 3 of 5 (3 up: met) · C_new needs 2 of 3 (1 up: not met)').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}people-joint.png` });
  // Restart the new voter: the change completes and the page shows C_new.
  await page.locator(`g[data-node="S${slow}"]`).click();
  await page.getByRole('button', { name: `Restart S${slow}` }).click();
  await page.getByRole('slider', { name: 'Speed' }).fill('0');
  const want = `voters ${keep.map((n) => `S${n}`).join(' ')}`;
  await page.waitForFunction((w) => document.querySelector('[data-testid="config"]')?.textContent.startsWith(w), want, { timeout: 30_000 });
  assert.equal(await page.getByTestId('quorums').count(), 0, 'no joint quorums once in C_new');
  assert.deepEqual(problems, []);
});

test('phone (375×667): a tapped node\'s controls and a lesson\'s instructions are on screen', { timeout: 60_000 }, async () => {
  const { context } = browser;
  const page = await context.newPage();
  try {
    await page.setViewportSize({ width: 375, height: 667 });
    await page.goto(`${baseUrl()}?seed=9&nodes=5&speed=1`, { waitUntil: 'load' });
    await waitForLeader(page);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.locator('g[data-node="S2"]').click();
    const crash = page.getByRole('button', { name: /^(Crash|Restart) S2$/ });
    const box = await crash.boundingBox();
    assert.ok(box && box.y >= 0 && box.y + box.height <= 667, `the Crash button is on screen (at y=${box?.y})`);
    await page.screenshot({ path: `${ARTIFACTS}people-phone-node.png` });
    await crash.click();
    await page.waitForFunction(() => /S2: crashed/.test(document.querySelector('g[data-node="S2"]').getAttribute('aria-label')));
    await page.getByRole('button', { name: 'Done', exact: true }).click();
    assert.equal(await page.getByRole('button', { name: /^(Crash|Restart) S2$/ }).count(), 0, 'Done puts the sheet away');
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `no sideways scrolling (page is ${width}px wide)`);

    await page.goto(`${baseUrl()}?lesson=crash-the-leader`, { waitUntil: 'load' });
    const panel = page.getByRole('region', { name: 'Lesson' });
    await panel.waitFor();
    const first = panel.locator('li').first();
    const lb = await first.boundingBox();
    assert.ok(lb && lb.y >= 0 && lb.y < 667, `the lesson's first step is on screen (at y=${lb?.y})`);
    await page.screenshot({ path: `${ARTIFACTS}people-phone-lesson.png` });
  } finally {
    await page.close();
  }
});

test('the unsafe switches sit in the New run form, marked unsafe, and a run with one on says so', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=4&nodes=5&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  assert.equal(await page.getByTestId('unsafe-run').count(), 0);
  await page.getByText('Advanced: unsafe switches').click();
  await page.getByRole('checkbox', { name: /Grant votes without the up-to-date log check/ }).check();
  await page.getByRole('button', { name: 'Reset with these settings' }).click();
  await page.getByTestId('unsafe-run').waitFor();
  await page.screenshot({ path: `${ARTIFACTS}people-unsafe.png` });
  // The switch travels with the run: a share link made now replays with it (the run's options).
  await page.getByRole('checkbox', { name: /Grant votes without/ }).uncheck();
  await page.getByRole('button', { name: 'Reset with these settings' }).click();
  await page.getByTestId('unsafe-run').waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
});

test('dragging the time slider previews the cluster before the thumb is let go; candidates show a vote tally', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=8&nodes=5&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  // Mid-drag: an input event only, no change event yet.
  await page.getByLabel('Timeline').evaluate((el) => {
    el.value = '150';
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
  await page.waitForFunction(() => /^t = 150 ms/.test(document.querySelector('[data-testid="status"]').textContent));
  assert.equal(await page.getByLabel('Timeline').inputValue(), '150', 'the thumb stays where it was dragged');
  // Step through the first election until a candidate shows its tally.
  let tally = 0;
  for (let i = 0; i < 400 && tally === 0; i++) {
    await page.getByRole('button', { name: /^Step/ }).click();
    tally = await page.locator('g.role-candidate .tally-dot').count();
  }
  assert.equal(tally, 5, 'one dot per voter inside the candidate');
  assert.match(await page.locator('g.role-candidate').first().getAttribute('aria-label'), /\d of 5 votes \(needs 3\)/);
  await page.locator('g.role-candidate').first().screenshot({ path: `${ARTIFACTS}people-vote-tally.png` });
  assert.deepEqual(problems, []);
});

test('a first visit starts with a skippable walkthrough on the live cluster, remembered once done', { timeout: 60_000 }, async () => {
  await firstVisit(async ({ page, card }) => {
    // The card is a region named by its heading.
    assert.equal(await page.getByRole('region', { name: /Start here/ }).count(), 1);
    assert.match(await card.innerText(), /These 5 circles are servers, S1 to S5/);
    await waitForLeader(page);
    await card.getByRole('button', { name: 'Next' }).click();
    await card.getByText(/Right now S\d leads term \d+/).waitFor();
    await page.screenshot({ path: `${ARTIFACTS}people-walkthrough.png` });
    await card.getByRole('button', { name: 'Next' }).click();
    await card.getByRole('button', { name: 'Back' }).click();
    await card.getByText('Terms and roles').waitFor();
    await card.getByRole('button', { name: 'Skip' }).click();
    await card.waitFor({ state: 'detached' });
    // Remembered: a reload (or any later plain visit) goes straight to the page.
    await page.reload({ waitUntil: 'load' });
    await page.locator('g[data-node]').first().waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.getByTestId('walkthrough').count(), 0);
  });
  // A link (here ?seed=) never shows it, even to a newcomer.
  const linked = await openBrowser({ firstVisit: true });
  try {
    await linked.page.goto(`${baseUrl()}?seed=3`, { waitUntil: 'load' });
    await linked.page.locator('g[data-node]').first().waitFor();
    assert.equal(await linked.page.getByTestId('walkthrough').count(), 0);
  } finally {
    await linked.close();
  }
});

test('freezing the leader as a long GC pause would: the others elect a new leader; thawed, it steps down', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  const leader = await selectTheLeader(page);
  await page.getByRole('button', { name: `Freeze ${leader}` }).click();
  await page.waitForFunction(
    (l) => (document.querySelector(`g[data-node="${l}"]`)?.getAttribute('aria-label') ?? '').includes('frozen'),
    leader,
  );
  // Raft §5.2: the others time out and elect a leader of a newer term.
  await page.waitForFunction((l) => {
    const m = /leader (S\d+)/.exec(document.querySelector('[data-testid="status"]')?.textContent ?? '');
    return m && m[1] !== l;
  }, leader, { timeout: 20_000 });
  await page.screenshot({ path: `${ARTIFACTS}people-paused.png` });
  await page.getByRole('button', { name: `Thaw ${leader}` }).click();
  // Thawed, it hears of the newer term and steps down (§5.1).
  await page.waitForFunction((l) => {
    const lab = document.querySelector(`g[data-node="${l}"]`)?.getAttribute('aria-label') ?? '';
    return lab !== '' && !lab.includes('frozen') && !/^S\d+: leader,/.test(lab);
  }, leader, { timeout: 20_000 });
  assert.deepEqual(problems, []);
});

test('a slow disk on the leader: the node says so, and a request commits only after its write (persist before you send)', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  const leader = await selectTheLeader(page);
  const disk = page.getByLabel(`Disk write time of ${leader}`);
  assert.equal(await disk.inputValue(), '0');
  // Below the election timeout (150-300 ms): a write blocks the leader's heartbeats for its
  // length (a slower disk than that costs the leader its term, as a slow fsync does in etcd).
  await disk.selectOption('100');
  const heading = page.locator('.node-sheet h2');
  await page.waitForFunction(() => (document.querySelector('.node-sheet h2')?.textContent ?? '').includes('disk 100 ms'));
  await page.getByRole('button', { name: 'Send a client request' }).click();
  // Figure 2: the leader's Ready holding the entry waits for its disk before it is sent.
  await page.waitForFunction(() => (document.querySelector('.node-sheet h2')?.textContent ?? '').includes('writing'), null, { timeout: 10_000 });
  await page.screenshot({ path: `${ARTIFACTS}people-slow-disk.png` });
  await page.waitForFunction(() => /^\d+ ms$/.test(document.querySelector('[data-testid="metric-p50"]')?.textContent ?? ''), null, { timeout: 20_000 });
  const p50 = parseInt(await page.getByTestId('metric-p50').innerText(), 10);
  assert.ok(p50 >= 100, `the request completed in ${p50} ms, before its leader's 100 ms write`);
  assert.match(await heading.innerText(), /disk 100 ms/);
  assert.match(await status(page), new RegExp(`leader ${leader} `));
  assert.deepEqual(problems, []);
});

test('a first visit at 1280×800: the walkthrough card leaves the cluster it describes at its full size', { timeout: 60_000 }, async () => {
  await firstVisit(async ({ page, card }) => {
    const ring = page.locator('svg.cluster-svg').first();
    const during = (await ring.boundingBox()).height;
    await page.screenshot({ path: `${ARTIFACTS}people-walkthrough-size.png` });
    await card.getByRole('button', { name: 'Skip' }).click();
    await card.waitFor({ state: 'detached' });
    const after = (await ring.boundingBox()).height;
    // It was 206 px beside 388 px once the card had gone (the card took the row's height).
    assert.ok(during >= 0.95 * after, `the cluster is ${during} px tall under the walkthrough, ${after} px after it`);
  });
});

test('the address follows the run on screen: a lesson opened from the menu survives a reload of a lesson link, and the New run form shows the run', { timeout: 90_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?lesson=crash-the-leader&speed=1`, { waitUntil: 'load' });
  await page.getByRole('region', { name: 'Lesson' }).waitFor();
  await page.getByRole('button', { name: 'Lessons', exact: true }).click();
  await page.getByRole('button', { name: 'Start lesson: Cause a split vote' }).click();
  const heading = page.getByRole('region', { name: 'Lesson' }).locator('.lesson-title');
  await page.waitForFunction(() => location.search === '?lesson=split-vote&speed=1');
  assert.match(await heading.innerText(), /split vote/i);
  // The New run form shows this run's settings (the lesson turns PreVote off; seed 3), so
  // Reset restarts what is on screen.
  assert.equal(await page.getByLabel('PreVote', { exact: true }).isChecked(), false);
  assert.equal(await page.getByLabel('Seed', { exact: true }).inputValue(), '3');
  assert.match(await page.locator('.seed').innerText(), /^seed 3$/);
  await page.reload({ waitUntil: 'load' });
  await page.getByRole('region', { name: 'Lesson' }).waitFor();
  assert.match(await heading.innerText(), /split vote/i);
  // Start fresh: the address names no run any more, and the form has the fresh seed.
  await page.getByRole('button', { name: 'Start fresh' }).click();
  await page.waitForFunction(() => location.search === '?speed=1');
  const seed = /^seed (\d+)$/.exec(await page.locator('.seed').innerText())[1];
  assert.equal(await page.getByLabel('Seed', { exact: true }).inputValue(), seed);
  assert.deepEqual(problems, []);
});

test('a reload resumes the run at the moment the page was left, not at its last whole virtual second', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?autoplay=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  // The first virtual second at the default speed (0.05×): the debounced saves write on each
  // new whole second only, so leaving early is the case that lost time.
  const now = async () => Number(await page.getByLabel('Timeline').inputValue());
  await page.waitForFunction(() => Number(document.querySelector('[aria-label="Timeline"]')?.value) % 1000 > 300);
  const left = await now();
  await page.reload({ waitUntil: 'load' });
  await waitForLeader(page);
  const back = await now();
  assert.ok(back >= left, `left at ${left} ms, back at ${back} ms`);
  assert.deepEqual(problems, []);
});

test('the keyboard after the walkthrough: the focus is on a node, C without a node says what to do, Enter selects, Escape unselects', { timeout: 60_000 }, async () => {
  await firstVisit(async ({ page, card }) => {
    for (let k = 0; k < 3; k++) await card.getByRole('button', { name: 'Next' }).click();
    await card.getByRole('button', { name: 'Done' }).press('Enter');
    await card.waitFor({ state: 'detached' });
    // Before, the focus fell to the page's body and a keyboard user started again from the top.
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-node')), 'S1');
    await page.keyboard.press('c');
    await page.getByRole('alert').filter({ hasText: 'Select a node first' }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('g[data-node="S1"][aria-pressed="true"]').waitFor();
    await page.locator('body').click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Escape');
    await page.locator('g[data-node="S1"][aria-pressed="false"]').waitFor();
  });
});

test('Tab reaches every node before the links, which are one stop that the arrow keys move through; the message list closes on a click elsewhere', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=1&nodes=9&speed=0.1`, { waitUntil: 'load' });
  await page.locator('g[data-node="S9"]').waitFor();
  // Walk the Tab order from the top of the page and note every node and link on the way.
  await page.locator('body').click({ position: { x: 2, y: 2 } });
  const stops = [];
  for (let k = 0; k < 120; k++) {
    await page.keyboard.press('Tab');
    const at = await page.evaluate(() => {
      const a = document.activeElement;
      return a?.getAttribute('data-node') ?? (a?.getAttribute('data-link') ? `link ${a.getAttribute('data-link')}` : null);
    });
    if (at) stops.push(at);
    if (at?.startsWith('link')) break;
  }
  const links = stops.filter((s) => s.startsWith('link'));
  // Before, the 36 links of 9 nodes came first, one Tab each.
  assert.deepEqual(stops.slice(0, 9), ['S1', 'S2', 'S3', 'S4', 'S5', 'S6', 'S7', 'S8', 'S9'], stops.join(', '));
  assert.equal(links.length, 1, stops.join(', '));
  assert.equal(await page.locator('g[data-link][tabindex="0"]').count(), 1, 'the links are one Tab stop');
  const first = links[0].slice('link '.length);
  await page.keyboard.press('ArrowRight');
  const next = await page.evaluate(() => document.activeElement?.getAttribute('data-link'));
  assert.ok(next && next !== first, `→ moved from ${first} to ${next}`);
  await page.keyboard.press('Enter');
  await page.locator(`g[data-link="${next}"][aria-pressed="true"]`).waitFor();
  await page.getByTestId('inspected-link').waitFor();
  // The link just focused is the stop now: Shift+Tab and Tab come back to it.
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-link')), next);
  await page.getByRole('button', { name: 'Close inspector' }).click();

  // The message list: a click anywhere else closes it (it stayed open before).
  const list = page.getByRole('button', { name: 'Messages in flight' });
  await list.click();
  assert.equal(await list.getAttribute('aria-expanded'), 'true');
  await page.getByTestId('status').click();
  await page.waitForFunction(() => document.querySelector('[aria-controls="msg-list"]')?.getAttribute('aria-expanded') === 'false', null, { timeout: 2_000 });
  assert.equal(await page.locator('#msg-list').count(), 0);
  assert.deepEqual(problems, []);
});
