// The playground, driven the way a person would: through buttons and sliders found by their
// accessible names. Roles are read from the nodes' accessible names, never from pixels.
// Screenshots go to e2e/artifacts/ for a human to look at.
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { test } from 'node:test';
import { baseUrl, ARTIFACTS, useBrowser } from './browser.js';

const browser = useBrowser();

/** Merges figures into e2e/artifacts/browser-figures.json, which `./x bench` puts in its table. */
async function recordFigures(figures) {
  const file = `${ARTIFACTS}browser-figures.json`;
  const old = JSON.parse(await readFile(file, 'utf8').catch(() => '{}'));
  await writeFile(file, JSON.stringify({ ...old, ...figures }, null, 2));
}

/** Opens a fresh playground with a fixed seed and the given settings; returns the page. */
async function open({ seed = 42, nodes = 5, speed = 0, preVote = true, checkQuorum = true } = {}) {
  const { page } = browser;
  await page.goto(baseUrl(), { waitUntil: 'load' });
  await page.getByRole('heading', { level: 1, name: 'Raft playground' }).waitFor({ timeout: 30_000 });
  await page.getByLabel('Seed', { exact: true }).fill(String(seed));
  await page.getByLabel('Number of nodes').selectOption(String(nodes));
  await page.getByLabel('PreVote', { exact: true }).setChecked(preVote);
  await page.getByLabel('CheckQuorum', { exact: true }).setChecked(checkQuorum);
  await page.getByRole('button', { name: 'Reset with these settings' }).click();
  await page.getByLabel('Speed').fill(String(speed)); // log10 of the factor: 0 is 1×
  return page;
}

/**
 * Every node's id, role and term, from the nodes' accessible names ("S1: leader, term 2..."),
 * and its place in the configuration (data-member: voter, learner, joining, removed...).
 */
async function nodes(page) {
  const gs = await page
    .locator('g[data-node]')
    .evaluateAll((gs) => gs.map((g) => [g.getAttribute('aria-label'), g.getAttribute('data-member')]));
  return gs.map(([l, member]) => {
    const m = /^(S\d+): ([a-z-]+), term (\d+)/.exec(l);
    assert.ok(m, `node label ${l}`);
    return { id: m[1], role: m[2], term: Number(m[3]), member, label: l };
  });
}

async function waitFor(page, pred, what, timeout = 20_000) {
  const start = Date.now();
  for (;;) {
    const ns = await nodes(page);
    if (pred(ns)) return ns;
    if (Date.now() - start > timeout) {
      throw new Error(`timed out waiting for ${what}; nodes: ${JSON.stringify(ns)}`);
    }
    await page.waitForTimeout(100);
  }
}

const leaders = (ns) => ns.filter((n) => n.role === 'leader');

/**
 * Reads `read()` until it matches `re` (for 2 s at most), then asserts that it does. For the text
 * panels after waiting on the cluster: while every frame is drawn they take turns
 * (web/src/components/stagger.rs) and may show the frame before.
 */
async function eventually(read, re) {
  const deadline = Date.now() + 2_000;
  let text = await read();
  while (!re.test(text) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    text = await read();
  }
  assert.match(text, re);
}

const status = (page) => page.getByTestId('status').innerText();

test('the page loads the wasm and a leader is elected', { timeout: 60_000 }, async () => {
  const page = await open();
  const ns = await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  assert.equal(ns.length, 5);
  const leader = leaders(ns)[0];
  // The text panels may be drawn a frame after the cluster (components/stagger.rs: while every
  // frame is drawn, they take turns), so each is given a moment to catch up; a panel that never
  // names the leader still fails here.
  await eventually(() => page.getByTestId('metric-leader').innerText(), new RegExp(`^${leader.id}$`));
  await eventually(
    () => page.getByRole('list', { name: /Event log/ }).innerText(),
    new RegExp(`${leader.id} became leader in term ${leader.term}`),
  );
  // Every safety property is listed and holds.
  assert.equal(await page.locator('.props li.ok').count(), 11);
  // Each says what it requires, on its tooltip and in a list a student can open.
  assert.match(await page.locator('.props li').first().getAttribute('title'), /^At most one leader is elected in a term/);
  const help = page.locator('.props-help');
  await help.getByText('What each property means').click();
  assert.match(await help.innerText(), /Stored On A Majority\s+An entry a leader commits is on the disks of a majority/);
  await help.getByText('What each property means').click();

  // One screen at 1280x800: nothing scrolls.
  const { sh, sw } = await page.evaluate(() => ({ sh: document.documentElement.scrollHeight, sw: document.documentElement.scrollWidth }));
  assert.ok(sh <= 800 && sw <= 1280, `page fits 1280x800 (is ${sw}x${sh})`);

  // Let some client traffic flow for the screenshots.
  await page.getByRole('button', { name: 'Client load', exact: true }).click();
  await page.getByLabel('Speed').fill('-1.3');
  await page.waitForTimeout(1500);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.waitForTimeout(300); // let the buttons' colour transitions finish
  await page.screenshot({ path: `${ARTIFACTS}playground-light.png` });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${ARTIFACTS}playground-dark.png` });
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(browser.problems, [], 'no console errors, page errors or failed requests');
});

test('crashing the leader produces a new leader', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 7 });
  const before = leaders(await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader'))[0];
  await page.getByRole('button', { name: new RegExp(`^${before.id}: leader`) }).click();
  await page.getByRole('button', { name: `Crash ${before.id}` }).click();
  const ns = await waitFor(
    page,
    (ns) => leaders(ns).length === 1 && leaders(ns)[0].id !== before.id,
    'a new leader',
  );
  assert.equal(ns.find((n) => n.id === before.id).role, 'crashed');
  assert.ok(leaders(ns)[0].term > before.term, 'the new leader has a higher term');
  // The text panels may be a frame behind the cluster (see `eventually`).
  await eventually(() => page.getByRole('list', { name: /Event log/ }).innerText(), new RegExp(`${before.id} crashed`));
  // The failover (crash to new leader) and the election it took are measured.
  await eventually(() => page.getByTestId('metric-failover').innerText(), /^\d+ ms$/);
  await eventually(() => page.getByTestId('metric-election').innerText(), /^\d+ ms$/);
  await page.screenshot({ path: `${ARTIFACTS}playground-crash.png` });
  // Restart it: it rejoins as a follower of the new leader.
  await page.getByRole('button', { name: `Restart ${before.id}` }).click();
  await waitFor(page, (ns) => ns.find((n) => n.id === before.id).role === 'follower', 'the old leader to rejoin');
  assert.deepEqual(browser.problems, []);
});

test('isolating the leader, then healing, converges on one leader', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 11 });
  const old = leaders(await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader'))[0];
  await page.getByRole('button', { name: new RegExp(`^${old.id}: leader`) }).click();
  await page.getByRole('button', { name: `Isolate ${old.id}` }).click();
  assert.equal(await page.locator('line.link-cut').count(), 4, 'four cut links drawn');
  // The majority elects a new leader; with CheckQuorum the old one steps down.
  await waitFor(
    page,
    (ns) => ns.some((n) => n.role === 'leader' && n.id !== old.id) && ns.find((n) => n.id === old.id).role !== 'leader',
    'a new leader on the majority side and the old one stepping down',
  );
  await page.screenshot({ path: `${ARTIFACTS}playground-partition.png` });
  await page.getByRole('button', { name: 'Heal all links' }).click();
  const ns = await waitFor(
    page,
    (ns) => leaders(ns).length === 1 && new Set(ns.map((n) => n.term)).size === 1,
    'one leader, every node in the same term',
  );
  assert.equal(await page.locator('line.link-cut').count(), 0);
  assert.notEqual(leaders(ns)[0].id, undefined);
  assert.deepEqual(browser.problems, []);
});

test('time travel back and forth gives the same state', { timeout: 90_000 }, async () => {
  const page = await open({ seed: 5 });
  const l = leaders(await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader'))[0];
  await page.getByRole('button', { name: 'Send a client request' }).click();
  await page.getByRole('button', { name: new RegExp(`^${l.id}: leader`) }).click();
  await page.getByRole('button', { name: `Crash ${l.id}` }).click();
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a new leader');
  await page.waitForTimeout(500);
  await page.getByRole('button', { name: 'Pause' }).click();

  const timeline = page.getByLabel('Timeline');
  const horizon = Number(await timeline.getAttribute('max'));
  const logs = () => page.getByRole('region', { name: 'Logs' }).innerText();
  const snapshot = async () => ({ status: await status(page), logs: await logs(), nodes: await nodes(page) });
  const end = await snapshot();
  assert.match(end.status, new RegExp(`^t = ${horizon} ms`));

  const middle = Math.floor(horizon / 2);
  await timeline.fill(String(middle));
  await page.waitForFunction((t) => document.querySelector('[data-testid="status"]').textContent.startsWith(`t = ${t} ms`), middle);
  const past = await snapshot();
  assert.notDeepEqual(past, end);

  await timeline.fill(String(horizon));
  await page.waitForFunction((t) => document.querySelector('[data-testid="status"]').textContent.startsWith(`t = ${t} ms`), horizon);
  assert.deepEqual(await snapshot(), end, 'forward again: the same state');

  await timeline.fill(String(middle));
  await page.waitForFunction((t) => document.querySelector('[data-testid="status"]').textContent.startsWith(`t = ${t} ms`), middle);
  assert.deepEqual(await snapshot(), past, 'back again: the same state');
  await page.screenshot({ path: `${ARTIFACTS}playground-time-travel.png` });
  assert.deepEqual(browser.problems, []);
});

test('bad input explains itself and never blanks the page', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 3 });
  await page.getByLabel('Seed', { exact: true }).fill('not a number');
  await page.getByRole('button', { name: 'Reset with these settings' }).click();
  assert.match(await page.locator('#seed-error').innerText(), /not a seed/);
  assert.equal(await page.getByRole('heading', { level: 1 }).count(), 1);
  assert.deepEqual(browser.problems, []);
});

test('phone layout and reduced motion', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 9 });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByLabel('Speed').fill('-1.3');
  await page.waitForTimeout(800);
  await page.screenshot({ path: `${ARTIFACTS}playground-phone.png`, fullPage: true });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no sideways scrolling on a phone (page is ${width}px wide)`);
  const progress = await page.locator('g.messages.static').count();
  assert.equal(progress, 1, 'messages are drawn statically under reduced motion');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  assert.deepEqual(browser.problems, []);
});

// The cluster's two layers are positioned over each other, so the drawing gets its size from
// the layout alone: at every width it must keep a usable one (at 1000 px it once shrank to a
// 38 px strip).
test('the cluster keeps a usable size at every window width', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 9 });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  for (const [width, height] of [[1600, 1000], [1280, 800], [1000, 800], [800, 700], [390, 844]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(200);
    const box = await page.locator('.stage').boundingBox();
    assert.ok(box && box.height >= 250 && box.width >= 250,
      `cluster drawing at ${width}x${height}: ${box ? `${box.width}x${box.height}` : 'none'}`);
    if (width === 1000) await page.screenshot({ path: `${ARTIFACTS}playground-1000px.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.deepEqual(browser.problems, []);
});

test('figures for ./x bench: time to first leader after load, CPU while paused', { timeout: 60_000 }, async () => {
  const { page } = browser;
  // A first visit: nothing stored, default speed (0.05x), playing.
  await page.goto(baseUrl(), { waitUntil: 'load' });
  await page.evaluate(() => localStorage.clear());
  const start = Date.now();
  await page.goto(`${baseUrl()}?seed=42&autoplay=1`, { waitUntil: 'load' });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader', 30_000);
  const firstLeader = Date.now() - start;
  // Paused, the page should do no work: main-thread task time over 3 s, from the browser's own
  // performance counters.
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  const taskTime = async () =>
    (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
  await page.waitForTimeout(500);
  const before = await taskTime();
  await page.waitForTimeout(3000);
  const busy = (await taskTime()) - before;
  const cpu = (busy / 3) * 100;
  console.log(`first leader shown ${firstLeader} ms after navigation (default speed 0.05x); CPU while paused ${cpu.toFixed(2)} %`);
  await recordFigures({ first_leader_ms: firstLeader, paused_cpu_percent: Math.round(cpu * 1000) / 1000 });
  assert.deepEqual(browser.problems, []);
});

/** The codes of the health findings shown. */
const health = (page) => page.locator('[data-testid="health"] li[data-code]').evaluateAll((ls) => ls.map((l) => l.dataset.code));

async function waitForHealth(page, code, timeout = 20_000) {
  const start = Date.now();
  for (;;) {
    const codes = await health(page);
    if (codes.includes(code)) return codes;
    if (Date.now() - start > timeout) throw new Error(`timed out waiting for health "${code}"; shows ${codes}`);
    await page.waitForTimeout(100);
  }
}

const nodeButton = (page, id) => page.getByRole('button', { name: new RegExp(`^${id}: `) });

test('add a node: it joins as a learner (a square), then is promoted to voter', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 42 });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  await page.getByRole('button', { name: 'Add a node' }).click();
  let ns = await waitFor(page, (ns) => ns.length === 6 && ns[5].role === 'learner', 'S6 to learn it is a learner');
  assert.equal(ns[5].id, 'S6');
  assert.equal(ns[5].member, 'learner');
  assert.equal(await page.locator('g[data-node="S6"] rect.body').count(), 1, 'learners are drawn as squares');
  assert.match(await page.getByTestId('config').innerText(), /learner S6/);
  await page.getByLabel('Speed').fill('-1.3');
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${ARTIFACTS}playground-learner.png` });
  await page.getByLabel('Speed').fill('0');

  await nodeButton(page, 'S6').click();
  await page.getByRole('button', { name: 'Promote to voter (S6)' }).click();
  ns = await waitFor(page, (ns) => ns[5].role === 'follower' && ns[5].member === 'voter', 'S6 to become a voter');
  assert.equal(await page.locator('g[data-node="S6"] circle.body').count(), 1, 'voters are circles');
  await eventually(() => page.getByRole('list', { name: /Event log/ }).innerText(), /S6 became follower/);
  assert.deepEqual(browser.problems, []);
});

test('remove a node: the ring marks it removed and the configuration drops it', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 42 });
  const ns = await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  const victim = ns.find((n) => n.role !== 'leader');
  await nodeButton(page, victim.id).click();
  await page.getByRole('button', { name: `Remove ${victim.id} from the cluster` }).click();
  await waitFor(page, (ns) => ns.find((n) => n.id === victim.id).member === 'removed', `${victim.id} removed`);
  const config = await page.getByTestId('config').innerText();
  assert.match(config, /^voters /);
  assert.ok(!config.includes(victim.id), `${victim.id} is not in "${config}"`);
  assert.match(await page.locator(`g[data-node="${victim.id}"] .node-role`).textContent(), /removed/);
  await page.screenshot({ path: `${ARTIFACTS}playground-removed.png` });
  assert.deepEqual(browser.problems, []);
});

test('compact now shows the snapshot block; a follower that missed entries installs a snapshot', { timeout: 90_000 }, async () => {
  const page = await open({ seed: 21 });
  const l = leaders(await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader'))[0];
  const follower = (await nodes(page)).find((n) => n.id !== l.id).id;
  await nodeButton(page, follower).click();
  await page.getByRole('button', { name: `Isolate ${follower}` }).click();
  await page.getByRole('button', { name: 'Client load', exact: true }).click();
  await page.waitForTimeout(1500);
  await page.getByRole('button', { name: 'Client load', exact: true }).click(); // off: the log window stays put
  await nodeButton(page, l.id).click();
  await page.getByRole('button', { name: `Compact log now (${l.id})` }).click();
  const block = page.getByTestId(`snapshot-${l.id}`);
  await block.waitFor();
  assert.match(await block.innerText(), /^snapshot ≤ \d+$/);
  // Healing: the follower's next entry is gone at the leader, so it gets the snapshot.
  await page.getByLabel('Speed').fill('-1.3');
  await page.getByRole('button', { name: 'Heal all links' }).click();
  const events = page.getByRole('list', { name: /Event log/ });
  await events.getByText(new RegExp(`${follower} snapshot now covers up to \\d+`)).waitFor({ timeout: 30_000 });
  assert.match(await page.getByTestId(`log-${follower}`).innerText(), /snap(shot)? ≤ \d+/);
  await page.screenshot({ path: `${ARTIFACTS}playground-snapshot.png` });
  assert.deepEqual(browser.problems, []);
});

test('partition editor: the leader in a minority, then heal, converges', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 11 });
  const ns = await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  const old = leaders(ns)[0];
  const buddy = ns.find((n) => n.id !== old.id);
  await page.getByRole('button', { name: 'Edit a partition' }).click();
  await nodeButton(page, old.id).click(); // group A → B
  await nodeButton(page, buddy.id).click();
  assert.match(await page.getByRole('region', { name: 'Partition editor' }).innerText(), new RegExp(`B: ${[old.id, buddy.id].sort().join(' ')}`));
  await page.screenshot({ path: `${ARTIFACTS}playground-partition-editor.png` });
  await page.getByRole('button', { name: 'Apply partition' }).click();
  assert.equal(await page.locator('line.link-cut').count(), 6, 'six cut links between the groups');
  await waitFor(
    page,
    (ns) => ns.some((n) => n.role === 'leader' && n.id !== old.id) && ns.find((n) => n.id === old.id).role !== 'leader',
    'a majority leader and the old one stepping down',
  );
  await page.getByRole('button', { name: 'Heal all links' }).click();
  await waitFor(page, (ns) => leaders(ns).length === 1 && new Set(ns.map((n) => n.term)).size === 1, 'one leader, one term');
  await waitForHealth(page, 'healthy');
  assert.deepEqual(browser.problems, []);
});

test('links: cut one way, hold, release and shift-click to cut both ways', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 3 });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  await page.getByRole('button', { name: 'Pause' }).click(); // nothing moves in front of the links
  // Paused with a message half-way along a link, its hit circle takes the click meant for the
  // link: step until nothing is in flight (between two heartbeat rounds).
  for (let k = 0; k < 100 && (await page.getByTestId('metric-in-flight').innerText()) !== '0'; k++) {
    await page.getByRole('button', { name: 'Step to next event' }).click();
  }
  assert.equal(await page.getByTestId('metric-in-flight').innerText(), '0');
  await page.getByRole('button', { name: /^Link S1 – S2/ }).click();
  await page.getByRole('button', { name: 'Cut S1 → S2' }).click();
  assert.equal(await page.locator('line.link-one-way').count(), 1);
  assert.match(await page.getByTestId('inspected-link').innerText(), /S1 → S2: cut/);
  await page.getByRole('button', { name: 'Hold S2 → S1' }).click();
  assert.equal(await page.locator('line.link-held').count(), 1);
  await page.getByRole('button', { name: 'Release S2 → S1' }).click();
  await page.getByRole('button', { name: 'Reconnect S1 → S2' }).click();
  assert.equal(await page.locator('line.link-healthy').count(), 10);
  await page.getByRole('button', { name: /^Link S3 – S4/ }).click({ modifiers: ['Shift'] });
  assert.equal(await page.locator('line.link-cut').count(), 1, 'shift-click cuts both ways');
  // The keyboard does the same: Enter picks a link, Shift+Enter heals it both ways.
  await page.getByRole('button', { name: /^Link S3 – S4/ }).focus();
  await page.keyboard.press('Shift+Enter');
  assert.equal(await page.locator('line.link-cut').count(), 0, 'and heals both ways');
  assert.deepEqual(browser.problems, []);
});

test('message inspector: pick a message from the list, deliver it now, drop another', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 5 });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  await page.getByRole('button', { name: 'Pause' }).click();
  // Step until something is in flight.
  for (let k = 0; k < 50 && (await page.getByTestId('metric-in-flight').innerText()) === '0'; k++) {
    await page.getByRole('button', { name: 'Step to next event' }).click();
  }
  await page.getByRole('button', { name: 'Messages in flight' }).click();
  const first = page.getByRole('list', { name: /Messages in flight/ }).getByRole('button').first();
  // A row is named by what it shows: kind, sender → receiver, #number.
  const id = /#(\d+)$/.exec((await first.innerText()).trim())[1];
  await first.click();
  assert.match(await page.getByTestId('inspected-message').innerText(), new RegExp(`#${id}\\)`));
  await page.screenshot({ path: `${ARTIFACTS}playground-message-inspector.png` });
  await page.getByRole('button', { name: `Deliver message #${id} now` }).click();
  await page.getByRole('button', { name: 'Step to next event' }).click();
  await page.getByText(`Message #${id} is no longer in flight`).waitFor();
  assert.match(await page.getByRole('list', { name: /Event log/ }).innerText(), new RegExp(`Message #${id} delivered now`));

  for (let k = 0; k < 50 && (await page.getByTestId('metric-in-flight').innerText()) === '0'; k++) {
    await page.getByRole('button', { name: 'Step to next event' }).click();
  }
  const msg = page.locator('g.msg').first();
  const id2 = await msg.getAttribute('data-msg');
  await msg.click();
  await page.getByRole('button', { name: `Drop message #${id2}` }).click();
  assert.equal(await page.locator(`g.msg[data-msg="${id2}"]`).count(), 0);
  assert.match(await page.getByRole('list', { name: /Event log/ }).innerText(), new RegExp(`Message #${id2} dropped by hand`));
  assert.deepEqual(browser.problems, []);
});

test('health: without PreVote a three-way split loops elections; with CheckQuorum off a cut-off leader makes two', { timeout: 90_000 }, async () => {
  let page = await open({ seed: 8, preVote: false });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  await waitForHealth(page, 'healthy');
  await page.getByRole('button', { name: 'Edit a partition' }).click();
  await nodeButton(page, 'S3').click(); // B
  await nodeButton(page, 'S4').click(); // B
  await nodeButton(page, 'S5').click(); // B
  await nodeButton(page, 'S5').click(); // C
  await page.getByRole('button', { name: 'Apply partition' }).click();
  const codes = await waitForHealth(page, 'election-loop', 30_000);
  assert.ok(codes.includes('no-quorum'), `${codes}`);
  // The explanation, waited for rather than read once after the codes: at load 12 (CI beside
  // two cargo-mutants runs) one reading found only 'No majority can talk' right after the codes
  // had shown the loop (not reproduced in view_model::health's tests, which read the findings
  // every 5 ms through the split with the page's 200-line event log).
  await page.getByTestId('health').getByText(/Terms climbed from \d+ to \d+ .* without PreVote/).waitFor({ timeout: 10_000 });
  await page.getByLabel('Speed').fill('-1.3');
  await page.getByRole('tab', { name: 'Space-time' }).click();
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `${ARTIFACTS}playground-election-loop.png` });

  page = await open({ seed: 11, checkQuorum: false });
  const old = leaders(await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader'))[0];
  await nodeButton(page, old.id).click();
  await page.getByRole('button', { name: `Isolate ${old.id}` }).click();
  await waitFor(page, (ns) => leaders(ns).length === 2, 'a second leader on the majority side');
  await waitForHealth(page, 'two-leaders');
  assert.match(await page.getByTestId('health').innerText(), new RegExp(`${old.id} still believes it leads`));
  assert.ok((await health(page)).includes('minority-leader'));
  await page.screenshot({ path: `${ARTIFACTS}playground-two-leaders.png` });
  assert.deepEqual(browser.problems, []);
});

test('space-time diagram: messages as arrows between lanes, an event line marks its moment', { timeout: 60_000 }, async () => {
  const page = await open({ seed: 42, speed: -1 });
  await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader');
  await page.getByRole('tab', { name: 'Space-time' }).click();
  const svg = page.getByTestId('spacetime');
  await svg.waitFor();
  await page.waitForTimeout(1000);
  assert.ok((await svg.locator('g.trip').count()) > 0, 'some messages drawn');
  assert.equal(await svg.locator('.lane-name').count(), 5, 'one lane per node');
  await page.getByRole('tab', { name: 'Log' }).click();
  await page.getByRole('list', { name: /Event log/ }).getByRole('button', { name: /became leader/ }).first().click();
  assert.equal(await page.getByRole('tab', { name: 'Space-time' }).getAttribute('aria-selected'), 'true');
  assert.equal(await svg.locator('.mark-line').count(), 1, 'the moment is marked');
  await page.getByRole('button', { name: 'Follow live' }).click();
  assert.equal(await svg.locator('.mark-line').count(), 0);
  assert.deepEqual(browser.problems, []);
});

test('slow replies: answers arrive seconds late, and elections still end with one leader', { timeout: 90_000 }, async () => {
  const page = await open({ seed: 5, speed: 0.5 });
  const first = leaders(await waitFor(page, (ns) => leaders(ns).length === 1, 'a leader'))[0];
  const slow = page.getByRole('slider', { name: 'Slow replies' });
  await slow.fill('40');
  await eventually(() => page.getByRole('list', { name: /Event log/ }).innerText(), /40% of replies 200–2200 ms late/);
  assert.equal(await slow.inputValue(), '40');
  // The leader crashes: votes now often come back after the candidate's timer fired, and
  // those late votes still count (a vote binds its voter for the whole term, §5.2).
  await page.getByRole('button', { name: new RegExp(`^${first.id}: leader`) }).click();
  await page.getByRole('button', { name: `Crash ${first.id}` }).click();
  const ns = await waitFor(
    page,
    (ns) => leaders(ns).length === 1 && leaders(ns)[0].id !== first.id,
    'a new leader despite slow replies',
    60_000,
  );
  assert.ok(leaders(ns)[0].term > first.term);
  assert.equal(await page.locator('.props li.ok').count(), 11, 'every safety property holds');
  await page.screenshot({ path: `${ARTIFACTS}playground-slow-replies.png` });
  // Back to 0: replies on time again, and the event log says so.
  await slow.fill('0');
  await eventually(() => page.getByRole('list', { name: /Event log/ }).innerText(), /Network set to [^\n]*duplicates\n/);
  assert.deepEqual(browser.problems, []);
});
