// Where a frame's time goes (issue #14), not a test: frame intervals, main-thread CPU and a V8
// CPU profile (self and inclusive, top entries) of the served page.
//   BASE_URL=http://127.0.0.1:PORT/ node e2e/profile-page.mjs idle|load|st|busy
// idle: 5 nodes at the default speed; load: 9 nodes, client load, 10x, 200 ms links, 30%
// duplicates; st: the same with the space-time view open; busy: the scenario perf.test.js times
// (tests/browser.js BUSY_SCENARIO: ~300 in flight, a steady leader), space-time open. NOPROF=1 skips the
// profile. Function names need a build with names: run wasm-bindgen over
// target/wasm32-unknown-unknown/wasm-release/web.wasm (wasm-opt drops them).
import { chromium } from 'playwright-core';
import { busyUrl } from './tests/browser.js';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
const base = process.env.BASE_URL;
const mode = process.argv[2] ?? 'load';
const profileDir = `${tmpdir()}/raft-profile-${Date.now()}`;
const ctx = await chromium.launchPersistentContext(profileDir, {
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 800 },
});
await ctx.addInitScript(() => { try { localStorage.setItem('raft-playground.walkthrough', 'seen'); } catch {} });
const page = ctx.pages()[0] ?? (await ctx.newPage());
page.on('console', (m) => { if (m.type() === 'error') console.log('console error', m.text()); });
if (mode === 'busy') {
  await page.goto(busyUrl(), { waitUntil: 'load' });
  await page.getByRole('tab', { name: 'Space-time' }).click();
  await page.waitForTimeout(3000);
} else if (mode === 'idle') {
  await page.goto(`${base}?seed=42&autoplay=1`, { waitUntil: 'load' });
  await page.waitForTimeout(3000);
} else {
  await page.goto(`${base}?seed=13&nodes=9&speed=0`, { waitUntil: 'load' });
  await page.waitForTimeout(3000);
  await page.getByRole('button', { name: 'Client load', exact: true }).click();
  await page.getByLabel('Speed').fill('1');
  await page.getByLabel('Latency').fill('200');
  await page.getByLabel('Duplicates').fill('30');
  if (mode === 'st') { const b = page.getByRole('tab', { name: 'Space-time' }); if (await b.count()) await b.first().click(); }
  await page.waitForTimeout(3000);
}
const cdp = await ctx.newCDPSession(page);
await cdp.send('Performance.enable');
const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration').value;
// frames
const t0 = await task();
const deltas = await page.evaluate(() => new Promise((res) => { const out = []; let last = performance.now(); const end = last + 3000;
  const tick = (ts) => { out.push(ts - last); last = ts; if (ts < end) requestAnimationFrame(tick); else res(out); }; requestAnimationFrame(tick); }));
const cpu = ((await task()) - t0) / 3 * 100;
deltas.sort((a, b) => a - b);
const pct = (p) => deltas[Math.min(deltas.length - 1, Math.floor(p / 100 * deltas.length))].toFixed(1);
let inflight = ''; try { inflight = await page.getByTestId('metric-in-flight').innerText({ timeout: 1000 }); } catch {}
const svgCount = await page.evaluate(() => document.querySelectorAll('svg *').length);
const allCount = await page.evaluate(() => document.querySelectorAll('*').length);
console.log(`mode ${mode}: frames ${deltas.length} p50 ${pct(50)} p95 ${pct(95)} cpu ${cpu.toFixed(1)}% inflight ${inflight} svg-elements ${svgCount} dom ${allCount}`);
if (process.env.NOPROF) { await ctx.close(); rmSync(profileDir, { recursive: true, force: true }); process.exit(0); }
// CPU profile
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
await cdp.send('Profiler.start');
await page.waitForTimeout(3000);
const { profile } = await cdp.send('Profiler.stop');
writeFileSync(`${tmpdir()}/raft-${mode}.cpuprofile`, JSON.stringify(profile));
const self = new Map(); const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const dt = profile.timeDeltas; const counts = new Map();
profile.samples.forEach((id, i) => counts.set(id, (counts.get(id) ?? 0) + (dt[i] ?? 0)));
let total = 0;
for (const [id, t] of counts) { const n = byId.get(id); const k = n.callFrame.functionName || `(${n.callFrame.url.split('/').pop()})`; self.set(k, (self.get(k) ?? 0) + t); total += t; }
// inclusive
const parent = new Map(); for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const incl = new Map();
for (const [id, t] of counts) { const seen = new Set(); let cur = id; while (cur != null) { const n = byId.get(cur); const k = n.callFrame.functionName || '(anon)'; if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + t); } cur = parent.get(cur); } }
const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, t]) => `${(100 * t / total).toFixed(1).padStart(5)}%  ${k.slice(0, 110)}`).join('\n');
console.log('SELF\n' + top(self, 25)); console.log('INCLUSIVE\n' + top(incl, 60));
await ctx.close();
rmSync(profileDir, { recursive: true, force: true });
