// Launches the system Chromium through playwright-core (no browser is ever downloaded) and
// collects everything a page should never produce: console errors, uncaught exceptions, and
// failed or 4xx/5xx requests.
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { chromium } from 'playwright-core';

/** Where tests put screenshots and figures (e2e/artifacts/). */
export const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Base URL of the built site (dist/), served by `./x test`. */
export function baseUrl() {
  const url = process.env.BASE_URL;
  if (!url) {
    throw new Error('BASE_URL is not set: run the end-to-end tests through `./x test`');
  }
  return url.endsWith('/') ? url : `${url}/`;
}

/**
 * Opens a fresh browser profile. Its pages count as returning visitors (the first-visit
 * walkthrough was seen), so the checks see the page they expect; `{ firstVisit: true }` leaves
 * the profile as a newcomer's. Returns `{ context, page, problems, close }`; `problems` lists
 * every console error, page error and failed request seen so far.
 */
export async function openBrowser({ firstVisit = false } = {}) {
  const profile = await mkdtemp(path.join(tmpdir(), 'raft-e2e-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  if (!firstVisit) {
    await context.addInitScript(() => {
      try {
        localStorage.setItem('raft-playground.walkthrough', 'seen');
      } catch {
        // A page without storage (about:blank) has nothing to remember.
      }
    });
  }
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  // A request the browser aborts because the test navigated away mid-load (a reload while the
  // wasm is still downloading) is the test's doing, not the page's: only real failures count.
  page.on('requestfailed', (req) => {
    const why = req.failure()?.errorText ?? '';
    if (why !== 'net::ERR_ABORTED') problems.push(`request failed: ${req.url()} (${why})`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, page, problems, close };
}

/**
 * Forgets the run the playground stored, so that a `?seed=` link opens its own run instead of
 * resuming one a previous check acted on. The open page is left first: the playground writes
 * its latest change as it goes (pagehide), which would otherwise land after the removal.
 */
export async function forgetStoredRun(page) {
  await page.goto('about:blank');
  // An embedded frame of the playground: same origin, and it neither stores nor resumes.
  await page.goto(`${baseUrl()}?embed=1&autoplay=0`, { waitUntil: 'load' });
  // Let it start (leaving while the .wasm still loads would count as a failed request).
  await page.locator('g[data-node]').first().waitFor();
  await page.evaluate(() => localStorage.removeItem('raft-playground.run'));
}

/**
 * One browser for a whole test file: registers node:test `before`/`after` hooks that create
 * e2e/artifacts/, open the browser ([openBrowser] with `options`) and run `setup(browser)`,
 * then close it. Returns the handle the tests use (`page`, `problems`, `context`), filled in
 * before the first test runs.
 */
export function useBrowser({ setup, ...options } = {}) {
  const handle = {};
  before(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    Object.assign(handle, await openBrowser(options));
    if (setup) await setup(handle);
  });
  after(async () => {
    await handle.close?.();
  });
  return handle;
}

/** The `p`-th percentile (nearest rank) of the ascending `sorted`, or null when empty. */
const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null);

/** `x` rounded to tenths (null stays null). */
const tenths = (x) => (x == null ? null : Math.round(x * 10) / 10);

/**
 * Animation-frame intervals over `ms` of wall time in the page, as { p50, p95, frames } (ms,
 * rounded to 0.1): what the frame-time figures of the perf and playground tests report.
 */
export async function frameTimes(page, ms) {
  const deltas = await page.evaluate(
    (span) =>
      new Promise((resolve) => {
        const out = [];
        let last = performance.now();
        const end = last + span;
        const tick = (ts) => {
          out.push(ts - last);
          last = ts;
          if (ts < end) requestAnimationFrame(tick);
          else resolve(out);
        };
        requestAnimationFrame(tick);
      }),
    ms,
  );
  deltas.sort((a, b) => a - b);
  return { p50: tenths(percentile(deltas, 50)), p95: tenths(percentile(deltas, 95)), frames: deltas.length };
}

/**
 * The busy run the frame figures are taken under (issue #14's "9 nodes with ~300 messages in
 * flight"): 9 nodes, four clients writing, 133–200 ms one-way links and 30% duplicates, with
 * election timeouts of 600–1,200 ms so that one leader holds (with the page's own 150–300 ms
 * and these links a round trip outlasts the timeout: elections never settle and the load came
 * and went, 24–200 in flight). Natively (seed 13, virtual 20–60 s) it holds 298 in flight on
 * average, 237–378. A scenario file given in the URL, so an older build runs the same.
 */
export const BUSY_SCENARIO = {
  version: 1,
  name: 'busy-9',
  description: '9 nodes, 4 clients, 133-200 ms links, 30% duplicates: about 300 messages in flight',
  options: {
    nodes: 9,
    seed: 13,
    election_timeout_min: 600,
    election_timeout_max: 1200,
    net: { latency_min: 133, latency_max: 200, dup_ppm: 300_000 },
    clients: { enabled: true, count: 4 },
  },
};

/** The URL that opens [BUSY_SCENARIO] playing at 10× on the page served at `base`. */
export function busyUrl(base = baseUrl()) {
  return `${base}?scenario=${encodeURIComponent(JSON.stringify(BUSY_SCENARIO))}&speed=10&autoplay=1`;
}

/**
 * The Chromium trace events of the page's process tree in the trace `categories` while
 * `during()` runs (CDP tracing).
 */
async function trace(page, categories, during) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const complete = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', { transferMode: 'ReportEvents', traceConfig: { includedCategories: categories } });
  await during();
  await cdp.send('Tracing.end');
  await complete;
  await cdp.detach();
  return events;
}

/** A trace event's thread, as `pid:tid`. */
const threadOf = (e) => `${e.pid}:${e.tid}`;

/**
 * Thread time and wall time in ms of the outermost tasks (a RunTask can hold another) of each
 * thread whose events `keep` accepts: a Map from `pid:tid` to `[thread, wall]`.
 */
function outermostTaskMs(events, keep) {
  const tasks = events.filter((e) => e.ph === 'X' && e.dur != null && /RunTask/.test(e.name) && keep(e)).sort((a, b) => a.ts - b.ts);
  const sums = new Map();
  const end = new Map();
  for (const t of tasks) {
    const k = threadOf(t);
    if (t.ts < (end.get(k) ?? -Infinity)) continue;
    end.set(k, t.ts + t.dur);
    const [thread, wall] = sums.get(k) ?? [0, 0];
    sums.set(k, [thread + (t.tdur ?? t.dur) / 1000, wall + t.dur / 1000]);
  }
  return sums;
}

/**
 * Trace events of the page over `ms` of wall time (the timeline categories), with
 * [frameTimes]'s animation-frame loop running: so a page that draws nothing of its own still
 * has frames.
 */
export async function traceEvents(page, ms) {
  const categories = ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8'];
  return trace(page, categories, () => frameTimes(page, ms));
}

/**
 * The page's main-thread CPU over `ms` of wall time, in % of one core, from a Chromium trace
 * taken while the page runs on its own (no frame loop of the test's): `thread` sums the thread
 * time of the renderer main thread's outermost tasks (what the page costs the CPU), `wall`
 * their wall time, which also counts the time the thread waited for a core while it had work
 * (on 2 shared cores this one moves with the neighbours: the same build read 11.5% and 19.3%
 * in two sittings a minute apart, its thread time 12.5% and 12.7%).
 */
export async function mainThreadCpu(page, ms) {
  const events = await trace(page, ['toplevel', 'devtools.timeline'], () => page.waitForTimeout(ms));
  const mains = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map(threadOf));
  const sums = outermostTaskMs(events, (e) => mains.has(threadOf(e)));
  // The page's renderer: the busiest main thread.
  const [thread, wall] = [...sums.values()].sort((a, b) => b[0] - a[0])[0] ?? [0, 0];
  return { thread: tenths((thread / ms) * 100), wall: tenths((wall / ms) * 100) };
}

/** What a frame's main-thread work is made of (trace event names, grouped). */
const WORK_PARTS = {
  script: ['FireAnimationFrame', 'FunctionCall', 'TimerFire', 'EventDispatch', 'RunMicrotasks', 'V8.Execute'],
  style: ['UpdateLayoutTree', 'RecalculateStyles', 'ParseAuthorStyleSheet'],
  layout: ['Layout'],
  paint: ['PrePaint', 'Paint', 'PaintImage', 'Layerize', 'UpdateLayer', 'Commit'],
  gc: ['MajorGC', 'MinorGC', 'V8.GC_SCAVENGER', 'BlinkGC.AtomicPhase'],
};

/**
 * Main-thread work per animation frame over `ms` of wall time, from a Chromium trace: for each
 * frame, the length of the main-thread task that ran its animation-frame callbacks (in this
 * page that task also renders with Yew, recalculates style, lays out and paints). Returns
 * `{ p50, p95, cpu_p50, cpu_p95, frames, over, busy, parts }` in ms: `cpu_*` are the same tasks'
 * thread time (what the page costs, which a busy machine moves less than wall time), `over`
 * counts frames whose task took more than 16.7 ms of wall time, `busy` is the share of wall
 * time the main thread worked (every task, in %), and `parts` the mean thread ms per frame of
 * script (with Yew and the simulation), style, layout, paint (with commit) and garbage
 * collection. A rAF interval of 33 ms with a task of 5 ms means the
 * frame was late for a reason outside the page's main thread (the machine, the compositor).
 * `threads` gives the other threads' thread ms per frame that a frame's pixels need: `raster`
 * (the renderer's raster workers, RasterTask events), `compositor` (the renderer's compositor
 * thread) and `display` (the display compositor, in the GPU process); on 2 shared cores they
 * compete with the main thread (the busy run's raster once took more than the main thread).
 */
export async function frameWork(page, ms) {
  const events = await traceEvents(page, ms);
  const fires = events.filter((e) => e.name === 'FireAnimationFrame');
  // The page's main thread: the renderer thread that ran the animation frames.
  const count = new Map();
  for (const e of fires) count.set(`${e.pid}:${e.tid}`, (count.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
  const main = [...count].sort((a, b) => b[1] - a[1])[0]?.[0];
  const onMain = (e) => `${e.pid}:${e.tid}` === main && e.ph === 'X' && e.dur != null;
  const tasks = events.filter((e) => onMain(e) && (e.name === 'RunTask' || e.name === 'ThreadControllerImpl::RunTask'));
  tasks.sort((a, b) => a.ts - b.ts);
  // Tasks can nest (a RunTask inside ThreadControllerImpl::RunTask): keep the outermost.
  const top = [];
  for (const t of tasks) {
    const last = top.at(-1);
    if (last && t.ts < last.ts + last.dur) continue;
    top.push(t);
  }
  const frameTasks = new Set();
  for (const f of fires.filter((e) => `${e.pid}:${e.tid}` === main)) {
    const t = top.find((x) => x.ts <= f.ts && f.ts <= x.ts + x.dur);
    if (t) frameTasks.add(t);
  }
  const durs = [...frameTasks].map((t) => t.dur / 1000).sort((a, b) => a - b);
  // Thread time of the same tasks: what the page itself costs, which other processes taking
  // the CPU move much less than wall time.
  const cpus = [...frameTasks].map((t) => (t.tdur ?? t.dur) / 1000).sort((a, b) => a - b);
  const span = top.length ? (top.at(-1).ts + top.at(-1).dur - top[0].ts) / 1000 : ms;
  const busy = top.reduce((a, t) => a + t.dur / 1000, 0) / Math.max(span, 1) * 100;
  const parts = {};
  for (const [part, names] of Object.entries(WORK_PARTS)) {
    // Outermost events of the part only (a FunctionCall inside FireAnimationFrame counts once).
    const evs = events.filter((e) => onMain(e) && names.includes(e.name)).sort((a, b) => a.ts - b.ts);
    let sum = 0;
    let end = -Infinity;
    for (const e of evs) {
      if (e.ts < end) continue;
      sum += (e.tdur ?? e.dur) / 1000;
      end = e.ts + e.dur;
    }
    parts[part] = tenths(sum / Math.max(1, durs.length));
  }
  const threadName = new Map();
  for (const e of events) if (e.ph === 'M' && e.name === 'thread_name') threadName.set(`${e.pid}:${e.tid}`, e.args?.name);
  // The outermost tasks' thread time, over the threads of that name.
  const threadMs = (name) =>
    [...outermostTaskMs(events, (e) => threadName.get(threadOf(e)) === name).values()].reduce((a, [thread]) => a + thread, 0);
  const perFrame = (x) => tenths(x / Math.max(1, durs.length));
  const raster = events.filter((e) => e.name === 'RasterTask' && e.ph === 'X').reduce((a, e) => a + (e.tdur ?? e.dur) / 1000, 0);
  const threads = {
    raster: perFrame(raster),
    compositor: perFrame(threadMs('Compositor')),
    display: perFrame(threadMs('VizCompositorThread')),
  };
  return {
    p50: tenths(percentile(durs, 50)),
    p95: tenths(percentile(durs, 95)),
    cpu_p50: tenths(percentile(cpus, 50)),
    cpu_p95: tenths(percentile(cpus, 95)),
    frames: durs.length,
    over: durs.filter((d) => d > 16.7).length,
    busy: tenths(busy),
    parts,
    threads,
  };
}
