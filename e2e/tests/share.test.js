// Sharing and reproducing runs: the #run= link reproduces a run exactly; the scenario and trace
// downloads run with raft-sim; files and pasted text open; bad links, files and parameters are
// explained and leave a working playground; the run survives a reload; Start fresh forgets it.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseUrl, forgetStoredRun, ARTIFACTS, useBrowser } from './browser.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const browser = useBrowser();

/** Runs raft-sim (built by cargo; quick when `./x test` has built it already). */
function raftSim(...args) {
  try {
    const out = execFileSync('cargo', ['run', '--quiet', '--release', '-p', 'raft-sim', '--', ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return { code: 0, json: JSON.parse(out.trim().split('\n').pop()) };
  } catch (e) {
    return { code: e.status, json: JSON.parse(String(e.stdout).trim().split('\n').pop() || 'null'), stderr: String(e.stderr) };
  }
}

const send = (page, msg) => page.evaluate((m) => window.postMessage(m, '*'), msg);
const now = async (page) => Number(await page.getByLabel('Timeline').inputValue());
const nodeLabels = (page) => page.locator('g[data-node]').evaluateAll((gs) => gs.map((g) => g.getAttribute('aria-label')));

/** Everything the page shows about the run's state, for comparing two pages. */
async function fingerprint(page) {
  return {
    t: await now(page),
    status: await page.getByTestId('status').innerText(),
    nodes: await nodeLabels(page),
    events: await page.getByRole('list', { name: /Event log/ }).innerText(),
  };
}

async function waitForLeader(page, timeout = 20_000) {
  await page.waitForFunction(() => /leader S\d/.test(document.querySelector('[data-testid="status"]')?.textContent ?? ''), null, { timeout });
}

/** A run with actions: 5 nodes, seed 42, 1x speed; crash the leader, heal, request, then pause. */
async function makeRun(page) {
  // A reloaded ?seed= link resumes what was done on it (issue 15): these checks want the link's own run.
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=42&nodes=5&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  const leader = Number(/leader S(\d)/.exec(await page.getByTestId('status').innerText())[1]);
  await send(page, { raft: 'act', action: { action: 'crash', node: leader } });
  await send(page, { raft: 'act', action: { action: 'isolate', node: leader === 1 ? 2 : 1 } });
  await page.waitForTimeout(700);
  await send(page, { raft: 'act', action: { action: 'heal' } });
  await page.getByRole('button', { name: 'Send a client request' }).click();
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.waitForTimeout(100);
}

async function openShare(page) {
  await page.getByRole('button', { name: 'Share', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Share this run' });
  await dialog.waitFor();
  return dialog;
}

test('a share link reproduces the run exactly, in a fresh browser tab', { timeout: 90_000 }, async () => {
  const { page, context } = browser;
  await makeRun(page);
  const before = await fingerprint(page);
  const dialog = await openShare(page);
  const link = await dialog.getByTestId('share-link').inputValue();
  assert.match(link, /#run=[A-Za-z0-9_-]+$/);
  await page.waitForTimeout(400); // the backdrop fades in
  await page.screenshot({ path: `${ARTIFACTS}share-dialog.png` });
  await dialog.getByRole('button', { name: 'Close dialog' }).click();

  const other = await context.newPage();
  await other.goto(link, { waitUntil: 'load' });
  await other.getByRole('button', { name: 'Play', exact: true }).waitFor(); // shared paused, opens paused
  assert.deepEqual(await fingerprint(other), before);
  assert.doesNotMatch(other.url(), /#run=/, 'the address drops the link once opened, so a reload resumes');
  await other.close();
});

test('scenario and trace downloads run with raft-sim and agree with each other', { timeout: 240_000 }, async () => {
  const { page } = browser;
  await makeRun(page);
  const dialog = await openShare(page);
  const [scn] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download scenario file' }).click()]);
  const [trc] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download trace file' }).click()]);
  const scenarioPath = `${ARTIFACTS}shared-run.json`;
  const tracePath = `${ARTIFACTS}shared-run.jsonl`;
  await scn.saveAs(scenarioPath);
  await trc.saveAs(tracePath);
  const scenario = JSON.parse(await readFile(scenarioPath, 'utf8'));
  assert.equal(scenario.version, 1);
  assert.equal(scenario.options.seed, 42);
  assert.ok(scenario.timeline.length >= 4, 'the run\'s actions are the timeline');
  const trace = (await readFile(tracePath, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(trace[0].kind, 'header');
  const footer = trace.at(-1);
  assert.equal(footer.kind, 'footer');
  assert.equal(footer.records, trace.length - 2);

  const run = raftSim('run', scenarioPath);
  assert.equal(run.code, 0, JSON.stringify(run));
  assert.equal(run.json.trace_hash, footer.hash, 'the scenario replays to the trace');
  const replay = raftSim('replay', tracePath);
  assert.equal(replay.code, 0, JSON.stringify(replay));

  // And back into the browser: the trace opens and its hash is reproduced.
  await dialog.getByRole('button', { name: 'Close dialog' }).click();
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  const open = page.getByRole('dialog', { name: /Open a scenario/ });
  await open.getByLabel('Scenario or trace file').setInputFiles(tracePath);
  await page.getByRole('alert').filter({ hasText: 'reproduced' }).waitFor();
  assert.equal(await now(page), footer.end);
});

test('a raft-sim scenario file opens, plays and shows its expectations met', { timeout: 90_000 }, async () => {
  const { page } = browser;
  await page.goto(`${baseUrl()}?speed=1`, { waitUntil: 'load' });
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  const open = page.getByRole('dialog', { name: /Open a scenario/ });
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${ARTIFACTS}open-dialog.png` });
  await open.getByLabel('Scenario or trace file').setInputFiles(`${ROOT}scenarios/partition-minority.json`);
  const panel = page.getByRole('region', { name: 'Scenario expectations' });
  await panel.waitFor();
  await panel.getByText('4 of 4 expectations seen').waitFor({ timeout: 30_000 });
  assert.equal(await panel.locator('.goal.met').count(), 4);
});

test('bad files and pasted text are explained; the run is untouched', { timeout: 60_000 }, async () => {
  const { page } = browser;
  // A reloaded ?seed= link resumes what was done on it (issue 15): these checks want the link's own run.
  await forgetStoredRun(page);
  await page.goto(`${baseUrl()}?seed=5&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const before = await fingerprint(page);
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  const open = page.getByRole('dialog', { name: /Open a scenario/ });
  const paste = open.getByLabel('Pasted scenario, trace or link');
  const tryText = async (text, expect) => {
    await paste.fill(text);
    await open.getByRole('button', { name: 'Open pasted text' }).click();
    const err = open.getByTestId('open-error');
    await err.waitFor();
    assert.match(await err.innerText(), expect);
  };
  await tryText('{"version": 1, "options": {"nodes": 3}, "timeline": [{"at": 5, "action": "crash", "node": 7}]}', /names S7/);
  await tryText('{"version": 1, "colour": "red"}', /unknown field `colour`/);
  await tryText('{"version": 1, "options"', /not valid JSON: EOF/);
  await tryText('hello', /not a scenario/);
  await tryText('{"kind":"header","format":"raft-trace","version":1,"options":{}}\n', /truncated trace: no footer/);
  await tryText('http://x/#run=eyJ2IjoxLCJv', /cut short/);
  await open.getByLabel('Scenario or trace file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 3}') });
  await open.getByTestId('open-error').filter({ hasText: 'version 3 is not supported' }).waitFor();
  await open.getByRole('button', { name: 'Close dialog' }).click();
  assert.deepEqual(await fingerprint(page), before);
  // Version 2 (groups on machines, issue 17) opens as a multi-group run on the groups page: the
  // playground reads only its version and hands it over whole (issue 14: no multi-group reader
  // in the first visit's .wasm); an incomplete one is explained there, over a working page.
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  await open.getByLabel('Scenario or trace file').setInputFiles({ name: 'bad2.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 2}') });
  await page.waitForURL(/\/groups\/\?speed=1&scenario=/);
  await page.getByRole('alert').filter({ hasText: 'That multi-group run could not be opened: scenario is not valid: machines' }).waitFor();
  await waitForLeader(page);
});

test('a damaged link and bad parameters leave a working playground and say why', { timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.goto(`${baseUrl()}?nodes=42&theme=pink&speed=1#run=eyJ2IjoxLCJvIjp7InNlZWQiOjV9LCJh`, { waitUntil: 'load' });
  const alert = page.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /nodes="42".*1 to 9/s);
  assert.match(text, /theme="pink"/);
  assert.match(text, /link's run could not be opened.*(cut short|not valid)/s);
  assert.equal((await nodeLabels(page)).length, 5, 'default cluster size');
  await waitForLeader(page);
  await page.screenshot({ path: `${ARTIFACTS}bad-link.png` });
});

test('links and scenarios past the limits are refused with a notice, quickly', { timeout: 60_000 }, async () => {
  const { page } = browser;
  // A link asking for 30000 virtual seconds used to blank the tab for 20 s.
  const far = Buffer.from('{"v":1,"o":{"nodes":3},"t":30000000}').toString('base64url');
  const started = Date.now();
  // nodes= asks for a fresh run underneath (not the run stored by an earlier test).
  await page.goto(`${baseUrl()}?nodes=5&speed=1&autoplay=1#run=${far}`, { waitUntil: 'load' });
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match(await alert.innerText(), /30000 s of virtual time.*up to 600 s/s);
  await waitForLeader(page);
  assert.ok(Date.now() - started < 10_000, `a working playground soon (${Date.now() - started} ms)`);
  // A scenario that adds 24 nodes to 5 is refused, not drawn as 29 overlapping nodes.
  const adds = Array.from({ length: 24 }, (_, k) => ({ at: 100 + k, action: 'add_node' }));
  await page.getByRole('button', { name: 'Open a scenario or trace' }).click();
  const open = page.getByRole('dialog', { name: /Open a scenario/ });
  await open.getByLabel('Pasted scenario, trace or link').fill(JSON.stringify({ version: 1, options: { nodes: 5 }, timeline: adds }));
  await open.getByRole('button', { name: 'Open pasted text' }).click();
  await open.getByTestId('open-error').filter({ hasText: 'at most 9 nodes' }).waitFor();
  assert.match(await open.getByTestId('open-error').innerText(), /starts with 5 and adds 24 more with add_node/);
  await page.screenshot({ path: `${ARTIFACTS}limit-refused.png` });
  await page.keyboard.press('Escape');
  // The same limit through the embed API's act.
  // (One membership change at a time: add, wait for the node to show, add the next.)
  for (let tries = 0; tries < 40 && (await nodeLabels(page)).length < 9; tries++) {
    await send(page, { raft: 'act', action: { action: 'add_node' } });
    await page.waitForTimeout(400);
  }
  assert.equal((await nodeLabels(page)).length, 9);
  await send(page, { raft: 'act', action: { action: 'add_node' } });
  await page.getByRole('alert').filter({ hasText: 'at most 9 nodes' }).waitFor();
  assert.equal((await nodeLabels(page)).length, 9);
});

test('the run survives a reload; Start fresh forgets it', { timeout: 60_000 }, async () => {
  const { page } = browser;
  await makeRun(page);
  const before = await fingerprint(page);
  await page.goto(baseUrl(), { waitUntil: 'load' }); // no parameters: resume
  await page.getByRole('button', { name: 'Play', exact: true }).waitFor();
  assert.deepEqual(await fingerprint(page), before);
  await page.getByRole('button', { name: 'Start fresh' }).click();
  await page.waitForFunction(() => Number(document.querySelector('[aria-label="Timeline"]').value) < 400);
  assert.doesNotMatch(await page.locator('.seed').innerText(), /^seed 42$/);
  await page.reload({ waitUntil: 'load' });
  assert.ok((await now(page)) < 5000, 'the fresh run is what is remembered now');
});

// Issue 14: the files are written by a part of its own (files.js, files_bg.wasm), downloaded
// the first time a file is downloaded (or a trace opened); a failed download says so in the
// dialog, and the next click downloads it and the file.
test('the files part is downloaded for the first file, and a failed download says so', { timeout: 90_000 }, async () => {
  const { context } = browser;
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  await page.route(/\/files_bg\.wasm$/, (route) => route.abort());
  await page.goto(`${baseUrl()}?seed=42&nodes=3&speed=1`, { waitUntil: 'load' });
  await waitForLeader(page);
  const dialog = await openShare(page);
  assert.deepEqual(asked.filter((p) => /\/files(_bg)?\.(js|wasm)/.test(p)), [], 'nothing of the part before a file is asked for');
  await dialog.getByRole('button', { name: 'Download trace file' }).click();
  const alert = dialog.getByRole('alert');
  await alert.waitFor({ timeout: 20_000 });
  assert.match(await alert.innerText(), /^The trace could not be made: the file writer could not be downloaded \(.+\); check your connection and try again\.$/);
  await page.unroute(/\/files_bg\.wasm$/);
  const [trc] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download trace file' }).click()]);
  assert.match(trc.suggestedFilename(), /^playground-seed-42\.jsonl$/);
  assert.equal(await alert.count(), 0, 'the error is gone');
  const [scn] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('button', { name: 'Download scenario file' }).click()]);
  assert.match(scn.suggestedFilename(), /^playground-seed-42\.json$/);
  await page.close();
});
