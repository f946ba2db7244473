/*
 * RaftSandbox: how a student's JavaScript Raft node is evaluated, the same way under Node
 * (classroom/js/run.js, graded by `raft-sim grade`) and in the playground's Web Worker.
 *
 *   const program = RaftSandbox.compile(code, args); // parses once; throws on a syntax error
 *   const node = program.start();                      // evaluates the code afresh: createNode()
 *   const answer = node.handle(input);                 // one protocol input -> one answer object
 *   RaftSandbox.describe(error)                        // "TypeError: ... (line 12)", one line
 *
 * The student's file is a plain script that defines `function createNode()` at top level,
 * returning an object with a method `handle(input)` (docs/classroom.md, "JavaScript").
 *
 * Rules inside the sandbox, and why: the grader runs every test twice and fails a node whose
 * answers differ (docs/classroom.md, "Determinism"), so a node may draw random numbers only from
 * `init.seed` and read no clock (the time is `input.now`). The code therefore runs in strict
 * mode with these names shadowed: `Math` is Math except that `Math.random` throws; `Date`,
 * `performance`, `setTimeout` and `setInterval` throw (no clock, no timers); `crypto` throws
 * (no entropy); `require`, `process`, `module` and `exports` are undefined. `args` is the list
 * of extra arguments (the command line's under Node, [] in the page).
 *
 * This is a teaching aid, not a security boundary: `globalThis.Math.random()` and similar
 * escapes still work. It only makes the common mistakes fail at once with a clear message.
 *
 * Every `start()` evaluates the whole code again, so top-level variables belong to one start of
 * one node: nothing survives a crash, and nothing is shared between nodes.
 *
 * Loaded as a classic script (the worker's importScripts) it defines one global, RaftSandbox;
 * under CommonJS (Node) it is `module.exports`. No dependencies: nothing else is allowed in a
 * worker without a bundler, which the playground does not have.
 */
(function (root) {
  "use strict";

  // The names a student's code sees in place of the globals, in the order of `values()`.
  const SHADOWED = [
    "args", "Math", "Date", "performance", "crypto", "setTimeout", "setInterval",
    "require", "process", "module", "exports",
  ];

  const NO_CLOCK = "read no clock: the time is input.now";
  const NO_RANDOM = "Math.random is off: draw random numbers from init.seed (see the kit's rng)";
  const NO_CRYPTO = "crypto is off: draw random numbers from init.seed (see the kit's rng)";
  const NO_TIMERS = "no timers: answer each input at once; act on tick inputs (the time is input.now)";

  function thrower(message) {
    return function () {
      throw new Error(message);
    };
  }

  // An object whose every property read throws: `performance.now()` fails at `.now`.
  function poisoned(message) {
    return new Proxy({}, { get: thrower(message), set: thrower(message) });
  }

  // Math with every property of the real one but `random`.
  const safeMath = Object.create(Object.getPrototypeOf(Math));
  for (const key of Reflect.ownKeys(Math)) {
    Object.defineProperty(safeMath, key, Object.getOwnPropertyDescriptor(Math, key));
  }
  Object.defineProperty(safeMath, "random", { value: thrower(NO_RANDOM) });
  Object.freeze(safeMath);

  // `Date()`, `new Date(…)` and every static method throw; so does reading any other property.
  const safeDate = new Proxy(thrower(NO_CLOCK), {
    get: thrower(NO_CLOCK),
    construct: thrower(NO_CLOCK),
  });

  function values(args) {
    return [
      Object.freeze(args.map(String)), safeMath, safeDate, poisoned(NO_CLOCK),
      poisoned(NO_CRYPTO), thrower(NO_TIMERS), thrower(NO_TIMERS),
      undefined, undefined, undefined, undefined,
    ];
  }

  // The body handed to `new Function`: strict mode on a line of its own, then the student's
  // code from its line 1 on, then (on a fresh line, after any trailing line comment) the
  // hand-over of createNode, and a name for the code in stack traces and the browser's
  // developer tools (where a student can set breakpoints in it).
  const NAME = "raft-node.js";
  const HEAD = '"use strict";\n';
  const TAIL =
    '\n;return typeof createNode === "function" ? createNode : undefined;\n//# sourceURL=' + NAME;

  function build(code) {
    return new Function(...SHADOWED, HEAD + code + TAIL);
  }

  // Where a stack frame of code made by `build` is: "raft-node.js:L:C" where the engine honours
  // sourceURL (V8, Firefox, Safari); else V8 writes "eval at compile (…), <anonymous>:L:C" and
  // Firefox "… > Function:L:C". (So sandbox.js itself must be loaded as a file, by
  // importScripts or require, not by eval, or its own frames would look like the student's.)
  const FRAME = /(?:raft-node\.js|<anonymous>|> Function):(\d+):\d+/;

  // Lines `new Function` adds before the student's line 1, measured once by experiment
  // (the engine's own text before the body, plus HEAD); null if this engine's stacks say nothing.
  const OFFSET = (function () {
    try {
      build("throw new Error('probe');")(...values([]));
    } catch (e) {
      const m = FRAME.exec(String(e && e.stack));
      if (m) return Number(m[1]) - 1;
    }
    return null;
  })();

  // The student's line of the innermost frame of their code in `error`'s stack, or null.
  function lineOf(error) {
    if (OFFSET === null || error === null || typeof error !== "object") return null;
    const stack = String(error.stack || "");
    for (const frame of stack.split("\n")) {
      const m = FRAME.exec(frame);
      if (m) {
        const line = Number(m[1]) - OFFSET;
        return line >= 1 ? line : null;
      }
    }
    return null;
  }

  /** An error whose message is already what a student should read (describe adds nothing). */
  function plain(message) {
    const e = new Error(message);
    e.raftSandbox = true;
    return e;
  }

  // --- Finding the line of a syntax error -------------------------------------------------
  // V8 gives no position for a syntax error in `new Function`, so the line is found by
  // parsing prefixes of the code: the error is within lines 1..k when the prefix, followed by
  // either of two endings that are errors wherever the parser meets them (and give different
  // messages there), still fails with the whole file's message, because the parser stopped
  // before reaching the ending. SENTINELS[1] starts with "*/" so that a prefix ending inside a
  // block comment is not mistaken for one holding the error. A binary search finds the
  // smallest such k in about 2·log2(lines) parses.
  const SENTINELS = ["\n%]", "\n*/]"];

  function syntaxMessage(body) {
    try {
      new Function(...SHADOWED, HEAD + body);
      return null;
    } catch (e) {
      return e instanceof SyntaxError ? e.message : null;
    }
  }

  function syntaxErrorLine(code, message) {
    const lines = code.split("\n");
    const within = function (k) {
      const prefix = lines.slice(0, k).join("\n");
      return SENTINELS.every(function (s) {
        return syntaxMessage(prefix + s) === message;
      });
    };
    if (!within(lines.length)) return null;
    let lo = 1;
    let hi = lines.length; // within(hi) holds
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      if (within(mid)) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  // True when lines 1..k close more braces than they open: the extra `}` ends the function
  // `new Function` wraps the code in, which V8 then refuses with this message. (The parser
  // reports such a brace at the next token, which is usually on a later line.)
  function overClosed(lines, k) {
    const body = lines.slice(0, k).join("\n") + "\n),(function(){";
    return syntaxMessage(body) === "Single function literal required";
  }

  // The last line at or before k with more than blanks and a line comment, or 0.
  function lastCodeLine(lines, k) {
    while (k >= 1 && /^\s*(\/\/.*)?$/.test(lines[k - 1])) k -= 1;
    return k;
  }

  function compileError(code, e) {
    const message = syntaxMessage(code) || e.message;
    const lines = code.split("\n");
    const line = syntaxErrorLine(code, message);
    const before = lastCodeLine(lines, line === null ? lines.length : line - 1);
    if (before >= 1 && overClosed(lines, before)) {
      return plain(
        "SyntaxError: Unexpected token '}' (line " + before + "): a closing brace without an opening one"
      );
    }
    let where;
    if (line !== null) where = " (line " + line + ")";
    else if (/end of input|^Unexpected token '[)}]'$/.test(message)) {
      // The parser ran into the end of the file, or into the `})` that `new Function` puts
      // after the code, inside something still open.
      return plain(
        "SyntaxError: Unexpected end of input (a brace, bracket, parenthesis or string opened " +
          "earlier is never closed)"
      );
    } else where = " (line not found)";
    let hint = "";
    const taken = /^Identifier '(\w+)' has already been declared$/.exec(message);
    if (taken && SHADOWED.indexOf(taken[1]) >= 0) {
      hint = ": the sandbox provides " + taken[1] + "; give yours another name";
    }
    return plain("SyntaxError: " + message + where + hint);
  }

  /**
   * Parses `code` once. Returns `{ start() }`; throws an Error whose message names the syntax
   * error and the line of the student's file it is on.
   */
  function compile(code, args) {
    if (typeof code !== "string") throw plain("the node's code must be a string");
    const argv = Array.isArray(args) ? args : [];
    let program;
    try {
      program = build(code);
    } catch (e) {
      if (e instanceof SyntaxError) throw compileError(code, e);
      throw e;
    }
    return {
      /** Evaluates the whole code afresh and returns the object its createNode() returns. */
      start: function () {
        const createNode = program(...values(argv));
        if (typeof createNode !== "function") {
          throw plain(
            "the code defines no function createNode: write, at top level, " +
              "`function createNode() { return { handle(input) { ... } }; }`"
          );
        }
        const node = createNode();
        if (node === null || typeof node !== "object" || typeof node.handle !== "function") {
          throw plain(
            "createNode() must return an object with a method handle(input); it returned " +
              show(node)
          );
        }
        return node;
      },
    };
  }

  function show(value) {
    if (value === undefined) return "undefined";
    if (typeof value === "function") return "a function";
    let text;
    try {
      text = JSON.stringify(value);
    } catch (_) {
      text = String(value);
    }
    text = String(text);
    return text.length > 80 ? text.slice(0, 77) + "..." : text;
  }

  /**
   * One line about `error` for a student: its name and message, and "(line N)" of their file
   * when its stack points into their code.
   */
  function describe(error) {
    let text;
    if (error !== null && typeof error === "object" && error.raftSandbox === true) {
      text = String(error.message);
    } else if (error instanceof Error || (error && typeof error.message === "string")) {
      text = (error.name || "Error") + ": " + error.message;
      const line = lineOf(error);
      if (line !== null) text += " (line " + line + ")";
    } else {
      text = "the node threw " + show(error) + ", not an Error";
    }
    return text.replace(/\s*\n\s*/g, " ");
  }

  const RaftSandbox = Object.freeze({ compile: compile, describe: describe, lineOffset: OFFSET });
  if (typeof module === "object" && module && module.exports) module.exports = RaftSandbox;
  else root.RaftSandbox = RaftSandbox;
})(typeof self !== "undefined" ? self : this);
