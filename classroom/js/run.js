#!/usr/bin/env node
/*
 * Serves a student's JavaScript Raft node over the protocol of docs/classroom.md, so that
 * `raft-sim grade` can run it as a process:
 *
 *   raft-sim grade --node "node classroom/js/run.js mynode.js [ARGS...]"
 *
 * NODEFILE is evaluated by sandbox.js exactly as the playground's worker evaluates it; ARGS
 * reach the code as `args`. One JSON line in, exactly one JSON line out, written synchronously
 * before the next line is read (the grader waits for each answer before it writes the next
 * input). `console.log` goes to stderr: stdout is for answers only.
 *
 * Exit status: 2 when NODEFILE cannot be read or does not compile (before any input is read);
 * 1 when the code throws or answers something that is not a JSON object (the sandbox's
 * one-line description on stderr: `raft-sim grade --show-stderr` shows it); 0 at the end of input.
 */
"use strict";

const fs = require("fs");
const readline = require("readline");
const RaftSandbox = require("./sandbox.js");

// Writes all of `text` to file descriptor `fd`, synchronously. A pipe that is momentarily full
// (EAGAIN, when the descriptor is non-blocking) is retried after 1 ms, at most 10,000 times.
function writeAll(fd, text) {
  const buf = Buffer.from(text, "utf8");
  let done = 0;
  let waits = 0;
  while (done < buf.length) {
    try {
      done += fs.writeSync(fd, buf, done, buf.length - done);
    } catch (e) {
      if (e.code !== "EAGAIN" || ++waits > 10000) throw e;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}

function fail(status, message) {
  try {
    writeAll(2, message + "\n");
  } finally {
    process.exit(status);
  }
}

// Debugging output must not corrupt the answers.
for (const name of ["log", "info", "debug"]) console[name] = console.error;

const [file, ...args] = process.argv.slice(2);
if (!file) fail(2, "usage: node run.js NODEFILE [ARGS...]");
let code;
try {
  code = fs.readFileSync(file, "utf8");
} catch (e) {
  fail(2, "cannot read " + file + ": " + e.message);
}
let program;
try {
  program = RaftSandbox.compile(code, args);
} catch (e) {
  fail(2, file + ": " + RaftSandbox.describe(e));
}

let node = null;
let id = "?";
let count = 0;

function handleLine(line) {
  if (line.trim() === "") return;
  count += 1;
  let input;
  try {
    input = JSON.parse(line);
  } catch (e) {
    fail(1, "input " + count + " is not JSON: " + e.message);
  }
  const what = input.type + (input.now === undefined ? "" : " at " + input.now + " ms");
  let answer;
  let text;
  try {
    if (input.type === "init") {
      id = String(input.id);
      node = program.start();
    } else if (node === null) {
      throw new Error("the first input must be init, not " + input.type);
    }
    answer = node.handle(input);
    if (answer !== null && typeof answer === "object" && typeof answer.then === "function") {
      throw new Error("handle(input) must answer at once: it returned a Promise (is it async?)");
    }
    if (answer === null || typeof answer !== "object" || Array.isArray(answer)) {
      throw new Error(
        "handle(input) must return the answer as an object; it returned " +
          (Array.isArray(answer) ? "an array" : String(answer))
      );
    }
    text = JSON.stringify(answer);
  } catch (e) {
    fail(1, "node " + id + ": " + RaftSandbox.describe(e) + " [handling input " + count + ": " + what + "]");
  }
  writeAll(1, text + "\n");
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
lines.on("line", handleLine);
lines.on("close", () => process.exit(0));
