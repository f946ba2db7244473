// The first page: it loads, names itself, shows the raft-core version and a seed, and its
// virtual clock runs. Screenshots (light and dark) go to e2e/artifacts/ for a human to look at.
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseUrl, openBrowser } from './browser.js';

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url));
// `./x test` passes the version cargo reports for raft-core; run by hand, accept any x.y.z.
const EXPECTED_VERSION = process.env.RAFT_CORE_VERSION;

let browser;

before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await openBrowser();
});

after(async () => {
  await browser?.close();
});

test('the playground page renders and its virtual clock runs', { timeout: 60_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(baseUrl(), { waitUntil: 'load' });

  // The heading only exists once the wasm app has rendered.
  const heading = page.getByRole('heading', { level: 1, name: 'Raft playground' });
  await heading.waitFor({ timeout: 30_000 });
  assert.equal(await page.title(), 'Raft playground');

  // Static facts are found by test id (a <dd> may not carry an accessible name); the clock by
  // its role and name, as a screen reader finds it.
  const versionText = (await page.getByTestId('core-version').innerText()).trim();
  if (EXPECTED_VERSION) {
    assert.equal(versionText, EXPECTED_VERSION);
  } else {
    assert.match(versionText, /^\d+\.\d+\.\d+$/);
  }

  const seed = (await page.getByTestId('seed').innerText()).trim();
  assert.match(seed, /^0x[0-9a-f]{16}$/);

  const clock = page.getByRole('timer', { name: 'Virtual clock' });
  const readClock = async () => Number((await clock.innerText()).trim());
  const first = await readClock();
  assert.ok(Number.isInteger(first) && first >= 0, `clock shows a whole number of ms, got ${first}`);
  await page.waitForFunction(
    (t) => Number(document.querySelector('[data-testid="clock-ms"]').textContent) > t,
    first,
    { timeout: 5_000 },
  );
  const second = await readClock();
  assert.ok(second > first, `virtual clock advanced (${first} ms -> ${second} ms)`);

  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: `${ARTIFACTS}page-light.png` });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${ARTIFACTS}page-dark.png` });

  assert.deepEqual(problems, [], 'no console errors, page errors or failed requests');
});
