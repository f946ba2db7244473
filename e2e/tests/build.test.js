// The built site as served: every file a page names with an integrity hash matches that hash.
// A mismatch makes the browser refuse the file, and the page never starts. It happened once:
// trunk built the playground's binaries at once and hashed a file another build had truncated
// (web/src/parts.rs says how, web/src/architecture.rs keeps that cause out). This checks the
// outcome, whatever the cause.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { baseUrl } from './browser.js';

/** The `<link>` and `<script>` tags of `html` with an integrity attribute: [{ url, integrity }]. */
export function hashedResources(html) {
  const out = [];
  for (const [tag] of html.matchAll(/<(?:link|script)\b[^>]*>/g)) {
    const integrity = /\bintegrity="([^"]+)"/.exec(tag)?.[1];
    const url = /\b(?:href|src)="([^"]+)"/.exec(tag)?.[1];
    if (integrity && url) out.push({ url, integrity });
  }
  return out;
}

for (const page of ['', 'groups/']) {
  test(`every file ${page}index.html names with an integrity hash matches it`, async () => {
    const base = new URL(page, baseUrl());
    const html = await (await fetch(base)).text();
    const named = hashedResources(html);
    // The page's script and its .wasm at least (and the style sheets): a page naming none
    // would pass vacuously.
    assert.ok(named.some((r) => r.url.endsWith('.wasm')), `no .wasm named with a hash in ${base}`);
    assert.ok(named.some((r) => r.url.endsWith('.js')), `no script named with a hash in ${base}`);
    for (const { url, integrity } of named) {
      const [algorithm, want] = integrity.split('-', 2);
      assert.match(algorithm, /^sha(256|384|512)$/, `${url}: ${integrity}`);
      const res = await fetch(new URL(url, base));
      assert.equal(res.status, 200, `${url}: HTTP ${res.status}`);
      const got = createHash(algorithm).update(Buffer.from(await res.arrayBuffer())).digest('base64');
      assert.equal(got, want, `${new URL(url, base)}: its ${algorithm} is ${got}, the page says ${want}`);
    }
  });
}

test('the integrity reader finds links and scripts, with either attribute order', () => {
  const html = `<link rel="modulepreload" href="a.js" crossorigin integrity="sha384-AAA">
    <script type="module" integrity="sha384-BBB" src="b.js"></script><link href="c.css" rel="stylesheet">`;
  assert.deepEqual(hashedResources(html), [
    { url: 'a.js', integrity: 'sha384-AAA' },
    { url: 'b.js', integrity: 'sha384-BBB' },
  ]);
});
