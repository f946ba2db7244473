// The classroom grader's Web Worker (issue 18; docs/classroom.md, "In the browser").
//
// The page ("Your Raft…", web/src/ui/your_raft.rs) starts this worker when the dialog opens
// and talks to it with JSON strings:
//   page -> worker  {"type":"grade","code":"…","tests":["basic-agree"],"seed":1,"seeds":1,"extra":"…"}
//                   {"type":"kit","name":"skeleton"|"buggy"}
//                   {"type":"tests","extra":"…"}   (a teacher's tests file; "" for none)
//   worker -> page  {"type":"ready","tests":[{"name","about"},…]}   (at start, and after "tests")
//                   {"type":"kit","name","text"}            (or {"type":"error","message"})
//                   {"type":"alive"}                        (while a test runs, ~4 per second)
//                   {"type":"report","report":{…},"trace":"…"|null}   (after each test)
//                   {"type":"done"}  or  {"type":"error","message":"…"}
// The grader is Rust (web/src/bin/byo_worker.rs, built by trunk as byo_worker.js and
// byo_worker_bg.wasm); the student's code is evaluated by classroom/js/sandbox.js, the same
// file `node classroom/js/run.js` uses, so a node behaves the same in the page and under Node.
// A node stuck in a loop blocks this worker: the page stops hearing "alive" and terminates it.
"use strict";

importScripts("../byo_worker.js", "../classroom/js/sandbox.js");

const ready = wasm_bindgen({ module_or_path: "../byo_worker_bg.wasm" });
// How often, at most, the worker says it is alive while a test runs (ms of wall-clock time).
const ALIVE_MS = 250;
let lastAlive = 0;

function post(obj) {
  self.postMessage(JSON.stringify(obj));
}

function alive() {
  const now = Date.now();
  if (now - lastAlive >= ALIVE_MS) {
    lastAlive = now;
    post({ type: "alive" });
  }
}

// A function that starts one node: it returns the function answering one JSON line.
function starter(compiled) {
  return function start(_id) {
    let node;
    try {
      node = compiled.start();
    } catch (e) {
      throw new Error(RaftSandbox.describe(e));
    }
    return function answer(line) {
      alive();
      const input = JSON.parse(line);
      let out;
      try {
        out = node.handle(input);
      } catch (e) {
        throw new Error(RaftSandbox.describe(e));
      }
      if (out === undefined || out === null || typeof out !== "object" || Array.isArray(out)) {
        throw new Error(
          "handle returned " + (Array.isArray(out) ? "an array" : String(out)) +
          ": it must return the answer object ({} when there is nothing to say)"
        );
      }
      const text = JSON.stringify(out);
      if (text === undefined) {
        throw new Error("handle's answer cannot be written as JSON");
      }
      return text;
    };
  };
}

async function grade(msg) {
  let compiled;
  try {
    compiled = RaftSandbox.compile(String(msg.code), []);
  } catch (e) {
    post({ type: "error", message: "Your code could not be loaded: " + RaftSandbox.describe(e) });
    return;
  }
  try {
    wasm_bindgen.grade(
      starter(compiled),
      JSON.stringify(msg.tests || []),
      msg.seed >>> 0,
      msg.seeds >>> 0,
      (json) => {
        lastAlive = Date.now();
        self.postMessage(json);
      },
      String(msg.extra || "")
    );
    post({ type: "done" });
  } catch (e) {
    post({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
}

async function kit(name) {
  const files = { skeleton: "skeleton.js", buggy: "buggy.js" };
  if (!Object.prototype.hasOwnProperty.call(files, name)) {
    post({ type: "error", message: "no starter kit named " + name });
    return;
  }
  try {
    const r = await fetch("../classroom/js/" + files[name]);
    if (!r.ok) throw new Error("HTTP " + r.status);
    post({ type: "kit", name, text: await r.text() });
  } catch (e) {
    post({ type: "error", message: "The starter file could not be fetched: " + e.message });
  }
}

self.onmessage = async (event) => {
  let msg;
  try {
    msg = JSON.parse(event.data);
  } catch (e) {
    post({ type: "error", message: "the worker got a message that is not JSON" });
    return;
  }
  await ready;
  if (msg.type === "grade") await grade(msg);
  else if (msg.type === "kit") await kit(msg.name);
  else if (msg.type === "tests") listTests(String(msg.extra || ""));
};

// The tests, the built-in suite's and those of a teacher's file (refused with the reason).
function listTests(extra) {
  try {
    post({ type: "ready", tests: JSON.parse(wasm_bindgen.tests(extra)) });
  } catch (e) {
    post({ type: "error", message: "The tests file was not added: " + (e instanceof Error ? e.message : String(e)) });
  }
}

ready.then(
  () => listTests(""),
  (e) => post({ type: "error", message: "the grader could not start: " + e })
);
