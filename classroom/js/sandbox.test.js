// Tests of sandbox.js: `node --test classroom/js/sandbox.test.js` (run by
// raft-sim/tests/grade_js.rs). Node's own test runner: no dependencies.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const RaftSandbox = require("./sandbox.js");

// The message a call throws, described as run.js and the worker describe it.
function thrown(f) {
  try {
    f();
  } catch (e) {
    return RaftSandbox.describe(e);
  }
  assert.fail("expected an error");
}

test("every start evaluates the code afresh: a top-level counter starts at zero", () => {
  const code = [
    "let starts = 0;",
    "let inputs = 0;",
    "function createNode() {",
    "  starts += 1;",
    "  return { handle(input) { inputs += 1; return { starts, inputs }; } };",
    "}",
  ].join("\n");
  const program = RaftSandbox.compile(code, []);
  const a = program.start();
  assert.deepStrictEqual(a.handle({}), { starts: 1, inputs: 1 });
  assert.deepStrictEqual(a.handle({}), { starts: 1, inputs: 2 });
  // A restart after a crash, or a second node: nothing of the first start is seen.
  const b = program.start();
  assert.deepStrictEqual(b.handle({}), { starts: 1, inputs: 1 });
  // And the first node's state is its own.
  assert.deepStrictEqual(a.handle({}), { starts: 1, inputs: 3 });
});

test("Math is Math without random; no clock, timers or entropy", () => {
  const code = [
    "function createNode() {",
    "  return { handle(input) {",
    "    if (input.type === 'max') return { v: Math.max(2, 7) + Math.PI * 0 };",
    "    if (input.type === 'random') return { v: Math.random() };",
    "    if (input.type === 'now') return { v: Date.now() };",
    "    if (input.type === 'new') return { v: new Date() };",
    "    if (input.type === 'perf') return { v: performance.now() };",
    "    if (input.type === 'crypto') return { v: crypto.getRandomValues(new Uint32Array(1)) };",
    "    if (input.type === 'timer') return { v: setTimeout(() => {}, 1) };",
    "    if (input.type === 'escape') return { v: [typeof require, typeof process, typeof module] };",
    "    if (input.type === 'strict') { undeclared = 1; }",
    "    return {};",
    "  } };",
    "}",
  ].join("\n");
  const node = RaftSandbox.compile(code, []).start();
  assert.deepStrictEqual(node.handle({ type: "max" }), { v: 7 });
  assert.strictEqual(
    thrown(() => node.handle({ type: "random" })),
    "Error: Math.random is off: draw random numbers from init.seed (see the kit's rng) (line 4)"
  );
  for (const [type, line] of [["now", 5], ["new", 6], ["perf", 7]]) {
    assert.strictEqual(
      thrown(() => node.handle({ type })),
      `Error: read no clock: the time is input.now (line ${line})`
    );
  }
  assert.match(thrown(() => node.handle({ type: "crypto" })), /^Error: crypto is off: .*init\.seed.* \(line 8\)$/);
  assert.match(thrown(() => node.handle({ type: "timer" })), /^Error: no timers: .* \(line 9\)$/);
  assert.deepStrictEqual(node.handle({ type: "escape" }), { v: ["undefined", "undefined", "undefined"] });
  assert.match(thrown(() => node.handle({ type: "strict" })), /^ReferenceError: undeclared is not defined \(line 11\)$/);
});

test("a syntax error names the line of the student's file", () => {
  const cases = [
    ["function createNode() {\n  return {};\n}\n}\nlet x = 1;\n", "Unexpected token '}' (line 4): a closing brace without an opening one"],
    ["function createNode() {\n  return {}\n}\n}\n", "Unexpected token '}' (line 4): a closing brace without an opening one"],
    ["let a = 1;\nfunction f() {}\nlet a = 2;\n", "Identifier 'a' has already been declared (line 3)"],
    ["/**\n * a comment\n */\nfunction createNode() {\n  let s = \"abc;\n}\n", "Invalid or unexpected token (line 5)"],
    // A block comment around the middle of the file, where a binary search first looks.
    ["let a = 1;\n/*\n c\n c\n c\n c\n c\n c\n*/\nlet s = \"abc;\n", "Invalid or unexpected token (line 10)"],
    ["function f() {\n  foo(1, 2;\n}\n", "missing ) after argument list (line 2)"],
    ["let x = 1;\nlet y = ;\n", "Unexpected token ';' (line 2)"],
    ["/* a\n b */\nlet x = 010;\n", "Octal literals are not allowed in strict mode. (line 3)"],
    ["function createNode() {\n  if (x) {\n  return 1;\n}\n", "Unexpected end of input (a brace, bracket, parenthesis or string opened earlier is never closed)"],
    ["let a = [1,\n2\n", "Unexpected end of input (a brace, bracket, parenthesis or string opened earlier is never closed)"],
    ["const Math = 3;\n", "Identifier 'Math' has already been declared (line 1): the sandbox provides Math; give yours another name"],
  ];
  for (const [code, expected] of cases) {
    assert.strictEqual(thrown(() => RaftSandbox.compile(code, [])), "SyntaxError: " + expected, code);
  }
});

test("a syntax error deep in a real node is found (buggy.js with a parenthesis too many)", () => {
  const kit = fs.readFileSync(path.join(__dirname, "buggy.js"), "utf8").split("\n");
  const at = kit.findIndex((l) => l.includes("a conflict: drop it and all after"));
  assert.ok(at > 0);
  kit[at] = kit[at].replace("splice(", "splice((");
  assert.strictEqual(
    thrown(() => RaftSandbox.compile(kit.join("\n"), [])),
    `SyntaxError: missing ) after argument list (line ${at + 1})`
  );
});

test("no createNode, or no handle, is a clear error at start", () => {
  assert.match(thrown(() => RaftSandbox.compile("let x = 1;", []).start()), /^the code defines no function createNode/);
  assert.strictEqual(
    thrown(() => RaftSandbox.compile("function createNode() { return 3; }", []).start()),
    "createNode() must return an object with a method handle(input); it returned 3"
  );
  assert.strictEqual(
    thrown(() => RaftSandbox.compile("function createNode() { return { handel() {} }; }", []).start()),
    "createNode() must return an object with a method handle(input); it returned {}"
  );
  assert.strictEqual(
    thrown(() => RaftSandbox.compile("function createNode() {\n  throw 'oops';\n}", []).start()),
    'the node threw "oops", not an Error'
  );
});

test("args reach the code, as strings, and cannot be changed", () => {
  const code = "function createNode() { return { handle() { return { args, frozen: Object.isFrozen(args) }; } }; }";
  const node = RaftSandbox.compile(code, ["none", 7]).start();
  assert.deepStrictEqual(node.handle({}), { args: ["none", "7"], frozen: true });
});

test("loaded as a classic script (a worker's importScripts), it defines the global RaftSandbox", () => {
  const source = fs.readFileSync(path.join(__dirname, "sandbox.js"), "utf8");
  const global = vm.createContext({});
  vm.runInContext("var self = this;", global);
  vm.runInContext(source, global, { filename: "https://example.test/classroom/js/sandbox.js" });
  const S = global.RaftSandbox;
  assert.strictEqual(typeof S.compile, "function");
  assert.strictEqual(S.lineOffset, RaftSandbox.lineOffset);
  const node = S.compile("function createNode() {\n  return { handle() {\n    return null.x;\n  } };\n}", []).start();
  let text = null;
  let stack = "";
  try {
    node.handle({});
  } catch (e) {
    text = S.describe(e);
    stack = e.stack;
  }
  assert.strictEqual(text, "TypeError: Cannot read properties of null (reading 'x') (line 3)");
  // The code is named in stack traces (and in the browser's developer tools).
  assert.match(stack, /at Object.handle \(raft-node\.js:\d+:\d+\)/);
});
