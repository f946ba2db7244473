// Frames of two (or more) builds in one sitting, alternated, under the busy run perf.test.js
// times (tests/browser.js BUSY_SCENARIO through busyUrl, space-time view open); not a test (issue #14).
//   ROUNDS=4 node e2e/compare-frames.mjs http://127.0.0.1:PORT_BEFORE/ http://127.0.0.1:PORT_AFTER/
// Per build and round: animation-frame intervals (p50/p95), main-thread work per frame (wall
// and thread time, p50/p95, and thread ms per frame by part) and the DOM writes per frame by
// panel (MutationObserver over 120 frames). On a shared machine compare the thread times and
// the writes: wall times move with the neighbours.
import { openBrowser, frameWork, frameTimes, busyUrl } from './tests/browser.js';

const urls = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 2);
const b = await openBrowser();
const { page } = b;

/** DOM writes per frame over 120 animation frames, by panel and kind, the most first. */
const writes = () =>
  page.evaluate(
    () =>
      new Promise((resolve) => {
        const counts = {};
        let frames = 0;
        const o = new MutationObserver((list) => {
          for (const m of list) {
            const el = m.target.nodeType === 1 ? m.target : m.target.parentElement;
            const where = el.closest('.logs') ? 'logs' : el.closest('.spacetime') ? 'space-time' : el.closest('.cluster') ? 'cluster' : 'other';
            const k = `${where} ${m.type === 'attributes' ? m.attributeName : m.type}`;
            counts[k] = (counts[k] ?? 0) + 1;
          }
        });
        o.observe(document.body, { subtree: true, attributes: true, characterData: true, childList: true });
        const tick = () => {
          if (++frames < 120) requestAnimationFrame(tick);
          else {
            o.disconnect();
            resolve(Object.entries(counts).map(([k, v]) => [k, v / frames]).sort((x, y) => y[1] - x[1]));
          }
        };
        requestAnimationFrame(tick);
      }),
  );

for (let round = 0; round < rounds; round++) {
  for (const base of urls) {
    await page.goto(busyUrl(base), { waitUntil: 'load' });
    await page.getByRole('tab', { name: 'Space-time' }).click();
    await page.waitForTimeout(3000);
    const f = await frameTimes(page, 3000);
    const w = await frameWork(page, 3000);
    const dom = await writes();
    const total = dom.reduce((a, [, v]) => a + v, 0);
    const inFlight = await page.getByTestId('metric-in-flight').innerText();
    console.log(`${base} rAF ${f.p50}/${f.p95} ms (${f.frames}); work wall ${w.p50}/${w.p95} ms, thread ${w.cpu_p50}/${w.cpu_p95} ms (${w.frames}) ${JSON.stringify(w.parts)}; ${inFlight} in flight`);
    console.log(`  DOM writes per frame ${total.toFixed(0)}: ${dom.slice(0, 8).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', ')}`);
  }
}
await b.close();
