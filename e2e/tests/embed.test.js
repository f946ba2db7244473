// Embedding: the docs page is served at /www/embed.html with live frames; the compact layout
// fits small frames; the postMessage API drives a frame and reports leader changes; frames
// pause while scrolled out of view.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { baseUrl, ARTIFACTS, useBrowser } from './browser.js';

const browser = useBrowser();

const clock = async (frame) => Number((await frame.getByTestId('status').innerText()).match(/t = (\d+) ms/)[1]);

test('the embedding guide is served with live frames', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  const res = await page.goto(`${baseUrl()}www/embed.html`, { waitUntil: 'load' });
  assert.equal(res.status(), 200);
  await page.getByRole('heading', { level: 1, name: 'Embed a Raft cluster in your docs' }).waitFor();
  const frame = page.frameLocator('#ex-election');
  await frame.locator('g[data-node]').first().waitFor({ timeout: 30_000 });
  assert.equal(await frame.locator('g[data-node]').count(), 5);
  await frame.getByRole('toolbar', { name: 'Playback' }).waitFor();
  // The snippets name the real address.
  assert.match(await page.locator('pre[data-snippet="ex-election"]').innerText(), /<iframe src="http:\/\/127\.0\.0\.1:\d+\/\?embed=1&scenario=leader-election/);
  await page.waitForTimeout(1500);
  await page.screenshot({ path: `${ARTIFACTS}embed-page.png` });
  assert.deepEqual(problems.filter((p) => !/integrity/.test(p)), []);
});

test('the compact layout fits a small frame without scrolling', { timeout: 60_000 }, async () => {
  const { context } = browser;
  const page = await context.newPage();
  for (const [w, h] of [[320, 240], [480, 360], [900, 300]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.goto(`${baseUrl()}?embed=1&scenario=leader-election&speed=0.2`, { waitUntil: 'load' });
    await page.locator('g[data-node]').first().waitFor();
    await page.waitForTimeout(300);
    const { sw, sh } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, sh: document.documentElement.scrollHeight }));
    assert.ok(sw <= w && sh <= h, `fits ${w}x${h} (is ${sw}x${sh})`);
    const box = await page.locator('.cluster-svg').boundingBox();
    assert.ok(box.height >= h * 0.4, `the cluster gets the room at ${w}x${h} (${box.height}px)`);
    if (w === 480) {
      await page.waitForTimeout(1500);
      await page.screenshot({ path: `${ARTIFACTS}embed-compact.png` });
    }
  }
  await page.close();
});

test('postMessage drives a frame and the frame reports leader changes', { timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.goto(`${baseUrl()}www/embed.html`, { waitUntil: 'load' });
  const frame = page.frameLocator('#api-frame');
  await frame.locator('g[data-node]').first().waitFor({ timeout: 30_000 });
  const events = page.getByRole('list', { name: 'Events from the frame' });
  await events.getByText('ready').waitFor();
  await page.getByRole('button', { name: 'Play', exact: true }).click();
  await events.getByText(/leader: S\d \(term 1/).waitFor({ timeout: 30_000 });
  const first = (await events.innerText()).match(/leader: S(\d) \(term 1/)[1];
  await page.getByRole('button', { name: 'Crash the leader' }).click();
  await events.getByText(/leader: S\d \(term [2-9]/).waitFor({ timeout: 30_000 });
  assert.match(await frame.locator(`g[data-node="S${first}"]`).getAttribute('aria-label'), /crashed/);

  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.waitForTimeout(200);
  const t = await clock(frame);
  await page.waitForTimeout(600);
  assert.equal(await clock(frame), t, 'paused by the parent');
  await page.getByRole('button', { name: 'Ask for state', exact: true }).click();
  await events.getByText(/state: .*"playing":false/).waitFor();

  await page.getByRole('button', { name: 'Reset', exact: true }).click();
  await page.waitForFunction(() => true);
  await page.getByRole('button', { name: 'Load “split-vote”' }).click();
  await frame.locator('g[data-node]').first().waitFor();
  await page.waitForFunction(
    () => document.querySelector('#api-frame').contentDocument?.querySelector('[data-testid="status"]')?.textContent.includes('t = '),
  );
  // A refused command is answered with an error event.
  await page.evaluate(() => document.querySelector('#api-frame').contentWindow.postMessage({ raft: 'dance' }, '*'));
  await events.getByText(/error: .*unknown command/).waitFor();
});

test('an embedded cluster rests while scrolled out of view', { timeout: 60_000 }, async () => {
  const { page } = browser;
  await page.goto(`${baseUrl()}www/embed.html`, { waitUntil: 'load' });
  const frame = page.frameLocator('#ex-below');
  await frame.locator('g[data-node]').first().waitFor({ timeout: 30_000 });
  await page.waitForTimeout(800);
  const t0 = await clock(frame);
  await page.waitForTimeout(1000);
  assert.equal(await clock(frame), t0, 'off-screen: the clock does not move');
  await page.locator('#ex-below').scrollIntoViewIfNeeded();
  await page.waitForTimeout(1200);
  assert.ok((await clock(frame)) > t0, 'on screen: it runs');
});
