// "Your Raft…" (issue 18, in the browser): a Raft node written in JavaScript, pasted into the
// page, is graded by the classroom suite in a Web Worker (www/byo-worker.js with the Rust
// grader of web/src/bin/byo_worker.rs and classroom/js/sandbox.js), and a failing run opens
// in the views as a recorded run. Bad nodes (a syntax error, Math.random, an exception, an
// endless loop) are reported and never hang the page.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { baseUrl, ARTIFACTS, useBrowser } from './browser.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TEACHER_TESTS = fileURLToPath(new URL('../../classroom/tests/leader-crash.json', import.meta.url));
// The trace hash of classroom/js/buggy.js (its page default: double-vote) in test re-election,
// seed 1, as `raft-sim grade --node "node classroom/js/run.js classroom/js/buggy.js double-vote"
// --test re-election --seed 1 --trace DIR` writes it natively; raft-sim/tests/grade_js.rs pins
// the same value. Equal here means the page's grader gave the very same run.
const NATIVE_TRACE_HASH = '525f8c070b34157d';
const browser = useBrowser();

const status = (page) => page.getByTestId('your-raft-status').innerText();

async function openDialog(page) {
  await page.getByRole('button', { name: /^Your Raft/ }).click();
  const dialog = page.getByRole('dialog', { name: /Your Raft/ });
  await dialog.waitFor();
  await page.waitForFunction(
    () => /^(Ready to grade|Done)/.test(document.querySelector('[data-testid="your-raft-status"]')?.textContent ?? ''),
    null,
    { timeout: 60_000 },
  );
  return dialog;
}

async function setCode(page, code) {
  await page.getByTestId('your-raft-code').fill(code);
}

async function grade(page, testName, timeout = 120_000) {
  await page.getByTestId('your-raft-test').selectOption(testName);
  await page.getByTestId('your-raft-grade').click();
  await page.waitForFunction(
    () => /^Done/.test(document.querySelector('[data-testid="your-raft-status"]').textContent),
    null,
    { timeout },
  );
  return page.getByTestId('your-raft-results').innerText();
}

async function axe(page) {
  await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join('; ')}`);
  });
}

test('a JavaScript node is graded in the page, and its failing run opens in the views', { timeout: 300_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=5`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  const dialog = await openDialog(page);
  assert.equal(await status(page), 'Ready to grade.');
  // The protocol the dialog names is served beside the page (it was a bare path before).
  const href = await dialog.getByRole('link', { name: 'docs/classroom.md' }).getAttribute('href');
  const doc = await page.evaluate(async (h) => { const r = await fetch(h); return [r.status, (await r.text()).slice(0, 42)]; }, href);
  assert.deepEqual(doc, [200, '# Classroom: bring your own Raft\n\nStudents']);

  // The example with a bug: in the page it grants votes without checking votedFor (§5.2).
  await page.getByTestId('kit-buggy').click();
  await page.waitForFunction(() => /BUGS_IN_BROWSER = \["double-vote"\]/.test(document.querySelector('[data-testid="your-raft-code"]').value));
  // The worker's run is the native grader's, record for record (same trace hash).
  const code = await page.getByTestId('your-raft-code').inputValue();
  const footer = await page.evaluate((code) => new Promise((resolve, reject) => {
    const w = new Worker('www/byo-worker.js');
    w.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'ready') {
        w.postMessage(JSON.stringify({ type: 'grade', code, tests: ['re-election'], seed: 1, seeds: 1 }));
      } else if (m.type === 'report') {
        w.terminate();
        resolve(m.trace.trim().split('\n').pop());
      } else if (m.type === 'error') {
        reject(new Error(m.message));
      }
    };
  }), code);
  assert.equal(JSON.parse(footer).hash, NATIVE_TRACE_HASH, footer);

  const results = await grade(page, 're-election');
  assert.match(results, /re-election\s+FAIL One Vote Per Term at \d+ ms/);
  assert.match(results, /voted for S\d and then S\d in term \d/);
  assert.match(await status(page), /^Done: 0 passed, 1 failed\.$/);
  await page.screenshot({ path: `${ARTIFACTS}your-raft-fail.png` });
  assert.deepEqual(await axe(page), [], 'axe-core on the dialog with a failure');

  // The failing run opens in the views, as recorded, ending at the double vote.
  await page.getByRole('button', { name: 'Open this run (re-election)' }).click();
  const banner = page.getByTestId('recorded-run');
  await banner.waitFor();
  assert.match(await banner.innerText(), /Test re-election, graded by the playground \(Your Raft…\): grade your node there again/);
  assert.match(await page.locator('.safety .violation').innerText(), /One Vote Per Term broke/);
  await page.screenshot({ path: `${ARTIFACTS}your-raft-run.png` });

  // Reopened, the dialog still has the code and the results; without the bug, every test of
  // the suite passes (the same 16 tests as raft-sim grade).
  await openDialog(page);
  assert.match(await page.getByTestId('your-raft-results').innerText(), /FAIL One Vote Per Term/);
  const shown = await page.getByTestId('your-raft-code').inputValue();
  await setCode(page, shown.replace(/const BUGS_IN_BROWSER = \[[^\]]*\]/, 'const BUGS_IN_BROWSER = []'));
  const all = await grade(page, '', 240_000);
  assert.match(await status(page), /^Done: 16 passed, 0 failed\.$/, all);
  for (const name of ['figure8-unreliable', 'snapshot-install-unreliable', 'resend-crash']) {
    assert.match(all, new RegExp(`${name}\\s+PASS seed 1`));
  }
  await page.screenshot({ path: `${ARTIFACTS}your-raft-pass.png`, fullPage: true });

  // A teacher's tests file (the format `raft-sim grade --tests` reads) adds its tests; one that
  // does not read is refused with the reason, and the tests in use stay.
  await page.getByTestId('your-raft-tests-file').setInputFiles(TEACHER_TESTS);
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="your-raft-test"] option')].some((o) => o.value === 'five-crash'));
  assert.match(await page.getByTestId('your-raft-tests-name').innerText(), /in use: leader-crash\.json/);
  assert.match(await grade(page, 'five-crash'), /five-crash\s+PASS seed 1/);
  await page.getByTestId('your-raft-tests-file').setInputFiles({ name: 'bad.json', mimeType: 'application/json', buffer: Buffer.from('{"name": "x", "nodes": 99}') });
  await page.getByTestId('your-raft-error').waitFor();
  assert.match(await page.getByTestId('your-raft-error').innerText(), /^The tests file was not added: the tests file: /);
  assert.match(await page.getByTestId('your-raft-tests-name').innerText(), /in use: leader-crash\.json/);

  // The code is kept across a reload.
  await page.reload({ waitUntil: 'load' });
  await openDialog(page);
  assert.match(await page.getByTestId('your-raft-code').inputValue(), /const BUGS_IN_BROWSER = \[\]/);
  assert.deepEqual(problems, []);
});

test('a broken node is reported with its reason and never hangs the page', { timeout: 180_000 }, async () => {
  const { page, problems } = browser;
  await page.goto(`${baseUrl()}?seed=5`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  await openDialog(page);

  // The skeleton loads and, with the Raft rules still to write, elects no leader.
  await page.getByTestId('kit-skeleton').click();
  await page.waitForFunction(() => /function createNode/.test(document.querySelector('[data-testid="your-raft-code"]').value));
  assert.match(await grade(page, 'initial-election'), /initial-election\s+FAIL Liveness/);

  // A syntax error: said at once, with its line.
  await setCode(page, 'function createNode() {\n  return { handle(input) { return {} } ;\n');
  await page.getByTestId('your-raft-test').selectOption('initial-election');
  await page.getByTestId('your-raft-grade').click();
  const error = page.getByTestId('your-raft-error');
  await error.waitFor();
  assert.match(await error.innerText(), /^Your code could not be loaded: SyntaxError/);

  // Math.random is off (the run must be a function of the seed).
  await setCode(page, 'function createNode() {\n  return { handle(input) { Math.random(); return {}; } };\n}\n');
  assert.match(await grade(page, 'initial-election'), /FAIL Node Error .*Math\.random is off/);

  // An exception names its line in the student's code.
  await setCode(page, 'function createNode() {\n  return {\n    handle(input) {\n      return input.nothing.here;\n    },\n  };\n}\n');
  assert.match(await grade(page, 'initial-election'), /FAIL Node Error .*TypeError.*\(line 4\)/);

  // An endless loop blocks the worker: the page stops it, says so, and starts a fresh one.
  await setCode(page, 'function createNode() {\n  return { handle(input) { for (;;) {} } };\n}\n');
  const started = Date.now();
  assert.match(await grade(page, 'initial-election', 60_000), /NOT DONE Node Error: no answer for 12 s of wall-clock time — an endless loop in your node\?/);
  assert.ok(Date.now() - started < 40_000, 'stopped within the watchdog bound');
  await page.waitForFunction(() => document.querySelector('[data-testid="your-raft-grade"]') && !document.querySelector('[data-testid="your-raft-grade"]').disabled, null, { timeout: 60_000 });
  // The page answered throughout: the dialog closes and the playground runs on.
  await page.getByRole('button', { name: 'Close dialog' }).click();
  await page.getByRole('button', { name: /^Your Raft/ }).waitFor();
  assert.deepEqual(await axe(page), [], 'axe-core on the page after the dialog');
  assert.deepEqual(problems, []);
});

test('the dialog is a part of its own: downloaded when opened, and a failed download says so', { timeout: 120_000 }, async () => {
  const { context } = browser;
  const page = await context.newPage();
  const asked = [];
  page.on('request', (r) => asked.push(new URL(r.url()).pathname));
  // Issue 14: the first visit does not download the dialog's part.
  await page.route(/\/your_raft_bg\.wasm$/, (route) => route.abort());
  await page.goto(`${baseUrl()}?seed=5`, { waitUntil: 'load' });
  await page.locator('g[data-node]').first().waitFor();
  assert.deepEqual(asked.filter((p) => /your_raft/.test(p)), [], 'nothing of the part before the dialog opens');
  // Its download fails: the dialog says so (not a blank page, not nothing), and the playground runs on.
  await page.getByRole('button', { name: /^Your Raft/ }).click();
  const alert = page.getByTestId('your-raft-load-failed');
  await alert.waitFor({ timeout: 20_000 });
  assert.match(await alert.innerText(), /^Your Raft… could not be downloaded \(.+\)\. Check your connection, then close this and try again\.$/);
  assert.ok(await page.getByRole('dialog', { name: 'Your Raft…' }).isVisible());
  await page.getByRole('button', { name: 'Close dialog' }).click();
  assert.equal(await page.locator('g[data-node]').count() > 0, true);
  // Once the connection is back, opening it again downloads it and the dialog works.
  await page.unroute(/\/your_raft_bg\.wasm$/);
  await openDialog(page);
  assert.equal(await status(page), 'Ready to grade.');
  assert.ok(asked.some((p) => /\/your_raft\.js$/.test(p)) && asked.some((p) => /\/your_raft_bg\.wasm$/.test(p)));
  await page.close();
});
