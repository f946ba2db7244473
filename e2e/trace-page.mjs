// Main-thread time by trace event (script, style, layout, paint, commit) over 3 s of the served
// page, from a Chromium performance trace; not a test (issue #14).
//   BASE_URL=http://127.0.0.1:PORT/ node e2e/trace-page.mjs idle|load|st|busy
// Percentages are of wall time; nested events (FunctionCall inside RunTask) overlap.
// INVALIDATIONS=1 also prints why the browser laid out and restyled (per layout): how the
// cluster's overlay SVG was found to be needed (web/src/components/cluster.rs).
// busy: the scenario perf.test.js times (tests/browser.js BUSY_SCENARIO), space-time open.
import { chromium } from 'playwright-core';
import { busyUrl } from './tests/browser.js';
const base = process.env.BASE_URL; const mode = process.argv[2] ?? 'idle';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
await ctx.addInitScript(() => { try { localStorage.setItem('raft-playground.walkthrough', 'seen'); } catch {} });
const page = await ctx.newPage();
if (mode === 'busy') { await page.goto(busyUrl(), { waitUntil: 'load' }); await page.getByRole('tab', { name: 'Space-time' }).click(); await page.waitForTimeout(3000); }
else if (mode === 'idle') { await page.goto(`${base}?seed=42&autoplay=1`, { waitUntil: 'load' }); await page.waitForTimeout(3000); }
else { await page.goto(`${base}?seed=13&nodes=9&speed=0`, { waitUntil: 'load' }); await page.waitForTimeout(3000);
  await page.getByRole('button', { name: 'Client load', exact: true }).click(); await page.getByLabel('Speed').fill('1');
  await page.getByLabel('Latency').fill('200'); await page.getByLabel('Duplicates').fill('30');
  if (mode === 'st') await page.getByRole('tab', { name: 'Space-time' }).click();
  await page.waitForTimeout(3000); }
const categories = ['devtools.timeline', 'disabled-by-default-devtools.timeline'];
if (process.env.INVALIDATIONS) categories.push('disabled-by-default-devtools.timeline.invalidationTracking');
await browser.startTracing(page, { categories });
await page.waitForTimeout(3000);
const buf = await browser.stopTracing();
const ev = JSON.parse(buf.toString()).traceEvents;
const main = ev.find((e) => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
const sums = new Map(); const cpu = new Map();
for (const e of ev) if (e.ph === 'X' && e.tid === main.tid && e.dur) {
  sums.set(e.name, (sums.get(e.name) ?? 0) + e.dur / 1000);
  cpu.set(e.name, (cpu.get(e.name) ?? 0) + (e.tdur ?? e.dur) / 1000);
}
// Frames drawn: the page's animation-frame callbacks on the main thread.
const frames = ev.filter((e) => e.name === 'FireAnimationFrame' && e.tid === main.tid).length;
// Wall share, and main-thread CPU (thread time) per frame: the second moves much less than
// wall time when other processes take the CPU (a shared machine), so compare builds by it.
console.log(`${frames} frames; % of wall time, then main-thread CPU ms per frame`);
console.log([...sums].sort((a, b) => b[1] - a[1]).slice(0, 18).map(([k, v]) => `${(v / 30).toFixed(1).padStart(6)}% ${(cpu.get(k) / Math.max(1, frames)).toFixed(2).padStart(7)} ms  ${k}`).join('\n'));
if (process.env.INVALIDATIONS) {
  const layouts = ev.filter((e) => e.name === 'Layout' && e.tid === main.tid).length;
  const why = new Map();
  for (const e of ev) {
    // (This Chromium records no paint invalidations in the trace: only layout and style.)
    if (!['LayoutInvalidationTracking', 'StyleRecalcInvalidationTracking'].includes(e.name)) continue;
    const d = e.args.data;
    const k = `${e.name.replace('InvalidationTracking', '').replace('StyleRecalc', 'style').toLowerCase()}: ${d.reason ?? ''} ${(d.nodeName ?? '').slice(0, 50)}`;
    why.set(k, (why.get(k) ?? 0) + 1);
  }
  console.log(`${layouts} layouts; invalidations per layout:`);
  console.log([...why].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v / Math.max(1, layouts)).toFixed(1).padStart(6)}  ${k}`).join('\n'));
}
await browser.close();
