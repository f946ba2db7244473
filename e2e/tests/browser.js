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
  const pct = (p) => deltas[Math.min(deltas.length - 1, Math.floor((p / 100) * deltas.length))];
  const round = (x) => Math.round(x * 10) / 10;
  return { p50: round(pct(50)), p95: round(pct(95)), frames: deltas.length };
}
