//! The classroom grader in a Web Worker (issue 18): a node written in JavaScript, pasted into
//! the page, graded by the same suite, checkers and protocol as `raft-sim grade`.
//!
//! Trunk builds this binary as a worker (`data-type="worker"` in index.html: `byo_worker.js`
//! and `byo_worker_bg.wasm`, fetched only when someone opens "Your Raft…"). The worker's own
//! script, `www/byo-worker.js`, loads it next to `classroom/js/sandbox.js` (the evaluation of
//! the student's code that `node classroom/js/run.js` uses too), and calls [`grade`] with a
//! function that starts a node. Everything Raft-specific happens here, in Rust: the suite
//! ([`raft_sim::grade::suite`]), the network, the checkers, linearizability and the trace.
//!
//! A node that loops forever blocks this worker; the page notices that no message came for a
//! while and terminates the worker (web/src/ui/your_raft.rs). A node that answers but slowly
//! is stopped here, per answer, like a process that misses its time limit.

use raft_sim::byo::{ByoNode, Input, NodeFactory, NodeFault, Output, MAX_LINE_BYTES};
use raft_sim::grade::{run_over_seeds, suite, GradeOptions, GradeTest};
use raft_sim::grade_suite::add_tests_file;
use std::time::Duration;
use wasm_bindgen::prelude::*;

/// Longest wall-clock time one answer may take, ms (as `raft-sim grade --step-timeout-ms`'s
/// default); `init` may take [`INIT_FACTOR`] times as long.
pub const STEP_LIMIT_MS: f64 = 2_000.0;
/// How much longer `init` may take (it evaluates the whole file).
pub const INIT_FACTOR: f64 = 5.0;
/// Wall-clock limit of one grading, s (the CLI's default is the same).
pub const WALL_LIMIT_S: u64 = 600;
/// Who grades, in the trace header (`byo.grader`): the playground offers to grade again.
pub const GRADER: &str = "the playground (Your Raft…)";
/// Most seeds per test in one grading.
pub const MAX_SEEDS: u32 = 100;

/// The worker's wall clock: `Date.now()` (`std::time::Instant` panics on this target).
fn clock() -> Duration {
    Duration::from_secs_f64(js_sys::Date::now().max(0.0) / 1000.0)
}

/// The text of a JavaScript exception: its message when it is an `Error`, else its string.
fn js_text(e: &JsValue) -> String {
    if let Some(err) = e.dyn_ref::<js_sys::Error>() {
        return String::from(err.message());
    }
    e.as_string()
        .unwrap_or_else(|| "an exception that is not an Error".into())
}

/// A node written in JavaScript: `answer(line)` takes one protocol input as a JSON line and
/// returns the answer as a JSON line (www/byo-worker.js wraps the student's `handle`).
struct JsNode {
    answer: js_sys::Function,
}

impl ByoNode for JsNode {
    fn handle(&mut self, input: &Input) -> Result<Output, NodeFault> {
        let line = serde_json::to_string(input).map_err(|e| NodeFault::Protocol(e.to_string()))?;
        let t0 = js_sys::Date::now();
        let out = self
            .answer
            .call1(&JsValue::NULL, &JsValue::from_str(&line))
            .map_err(|e| NodeFault::Threw(js_text(&e)))?;
        let took = js_sys::Date::now() - t0;
        let limit = match input {
            Input::Init { .. } => STEP_LIMIT_MS * INIT_FACTOR,
            _ => STEP_LIMIT_MS,
        };
        if took > limit {
            return Err(NodeFault::Timeout(limit as u64));
        }
        let text = out
            .as_string()
            .ok_or_else(|| NodeFault::Malformed("the answer is not a JSON string".into()))?;
        if text.len() > MAX_LINE_BYTES {
            return Err(NodeFault::TooLong);
        }
        serde_json::from_str(&text).map_err(|e| {
            let start: String = text.chars().take(80).collect();
            NodeFault::Malformed(format!("{e} in the answer {start}"))
        })
    }
}

/// The suite with the teacher's tests of `extra` (a tests file's text, as `raft-sim grade
/// --tests FILE` reads it; empty: none) after the built-in ones.
fn all_tests(extra: &str) -> Result<Vec<GradeTest>, String> {
    let mut tests = suite();
    if !extra.trim().is_empty() {
        add_tests_file(&mut tests, "the tests file", extra)?;
    }
    Ok(tests)
}

/// The tests as JSON: `[{"name", "about"}, …]`, the built-in suite's then those of `extra`
/// (see [`grade`]).
///
/// # Errors
/// A tests file that does not read: the message names what is wrong.
#[wasm_bindgen]
pub fn tests(extra: &str) -> Result<String, JsValue> {
    let list: Vec<serde_json::Value> = all_tests(extra)
        .map_err(|e| JsValue::from_str(&e))?
        .iter()
        .map(|t| serde_json::json!({"name": t.name, "about": t.about}))
        .collect();
    Ok(serde_json::Value::Array(list).to_string())
}

/// Grades the node that `start(id)` starts (a function answering one JSON line with one JSON
/// line, throwing on a fault) through the tests named in `names` (a JSON array of names; empty:
/// the whole suite), each over seeds `seed`, `seed + 1`, … (`seeds` of them, at most
/// [`MAX_SEEDS`]) until one fails, with the nondeterminism check on. `extra` is a teacher's
/// tests file (its text; empty: none), whose tests come after the built-in ones. After each test,
/// `post(json)` receives `{"type": "report", "report": TestReport, "trace": string or
/// null}`; the trace (of a
/// failing run only) is raft-sim's trace format, which the playground opens as a recorded run.
///
/// # Errors
/// An unknown test name, a seed count out of range or a tests file that does not read: a
/// message for the page.
#[wasm_bindgen]
pub fn grade(
    start: js_sys::Function,
    names: &str,
    seed: u32,
    seeds: u32,
    post: &js_sys::Function,
    extra: &str,
) -> Result<(), JsValue> {
    let names: Vec<String> = serde_json::from_str(names)
        .map_err(|e| JsValue::from_str(&format!("the test names are not a JSON list: {e}")))?;
    if !(1..=MAX_SEEDS).contains(&seeds) {
        return Err(JsValue::from_str(&format!(
            "seeds must be 1 to {MAX_SEEDS}, not {seeds}"
        )));
    }
    let all = all_tests(extra).map_err(|e| JsValue::from_str(&e))?;
    let mut chosen: Vec<&GradeTest> = Vec::new();
    for n in &names {
        match all.iter().find(|t| &t.name == n) {
            Some(t) => chosen.push(t),
            None => return Err(JsValue::from_str(&format!("no test named {n}"))),
        }
    }
    if names.is_empty() {
        chosen = all.iter().collect();
    }
    let mut factory: NodeFactory = Box::new(move |id| {
        let answer = start
            .call1(&JsValue::NULL, &JsValue::from(id as f64))
            .map_err(|e| NodeFault::Spawn(js_text(&e)))?;
        let answer = answer
            .dyn_into::<js_sys::Function>()
            .map_err(|_| NodeFault::Spawn("the worker did not return a function".into()))?;
        Ok(Box::new(JsNode { answer }) as Box<dyn ByoNode>)
    });
    let began = clock();
    let opts = GradeOptions {
        seed: u64::from(seed),
        twice: true,
        keep_trace: true,
        wall_limit: Duration::from_secs(WALL_LIMIT_S),
        clock,
        grader: GRADER,
    };
    for t in chosen {
        if let Some(mut r) = run_over_seeds(t, &mut factory, &opts, u64::from(seeds), began) {
            let trace = if r.passed() { None } else { r.trace.take() };
            let msg = serde_json::json!({"type": "report", "report": r, "trace": trace});
            post.call1(&JsValue::NULL, &JsValue::from_str(&msg.to_string()))?;
        }
    }
    Ok(())
}

fn main() {}
