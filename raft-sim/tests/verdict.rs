//! Every command that runs a client history judges it the same way (issue 21, item 2): proven
//! linearizable passes (exit 0), not linearizable fails (exit 1), and undecided, when the
//! search budget runs out, is a failure of its own (exit 3), never a pass.

mod common;
use common::*;

// §6.4: a deposed leader without CheckQuorum answers a read at once (break-it `stale_reads`)
// with the value its successor has already overwritten. No Raft invariant breaks and every
// expectation is met, so only the linearizability verdict can fail the run.
#[test]
fn a_stale_read_fails_run() {
    let out = raft_sim(&["run", &data("stale-read.json")]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}\n{}", stderr(&out));
    assert_eq!(v["passed"], false);
    assert_eq!(v["linearizability"]["verdict"], "not linearizable", "{v}");
    assert!(v["violation"].is_null(), "no Raft invariant broke: {v}");
    assert!(
        stderr(&out).contains("not linearizable"),
        "{}",
        stderr(&out)
    );
}

// The same scenario passes when the deposed leader confirms its leadership first (ReadIndex as
// specified, §6.4): the verdict is what failed it, nothing else.
#[test]
fn the_same_scenario_without_the_unsafe_switch_passes() {
    let text = std::fs::read_to_string(data("stale-read.json")).unwrap();
    let safe = text.replace(r#""stale_reads":true"#, r#""stale_reads":false"#);
    assert_ne!(safe, text);
    let out = raft_sim(&["run", &tmp("verdict", "safe-read.json", &safe)]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}\n{}", stderr(&out));
    assert_eq!(v["linearizability"]["verdict"], "linearizable", "{v}");
    assert_eq!(v["outcome"], "passed");
}

/// The exit code and the JSON `outcome` of a command that ran out of search budget.
fn assert_undecided(args: &[&str]) {
    let out = raft_sim(args);
    let v = last_json(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "{args:?}: {v}\n{}",
        stderr(&out)
    );
    assert_eq!(v["outcome"], "undecided", "{args:?}: {v}");
    assert!(
        stderr(&out).contains("undecided"),
        "{args:?}: {}",
        stderr(&out)
    );
}

// A budget of one step cannot decide a history with a few hundred operations: undecided, which
// is neither a pass (exit 0) nor a proven failure (exit 1).
#[test]
fn an_undecided_verdict_is_not_a_pass() {
    let sc = scenario("leader-crash.json");
    assert_undecided(&["run", &sc, "--max-steps", "1"]);
    let out = raft_sim(&["run", &sc, "--max-steps", "1"]);
    assert_eq!(last_json(&out)["passed"], false);
    assert_undecided(&["check", "--seeds", "1..2", "--max-steps", "1"]);

    let trace = tmp("verdict", "leader-crash.jsonl", "");
    let out = raft_sim(&["run", &sc, "--trace", &trace]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_undecided(&["replay", &trace, "--max-steps", "1"]);
    let out = raft_sim(&["replay", &trace]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        last_json(&out)["linearizability"]["verdict"],
        "linearizable"
    );
}

// A failure beats undecided: a missed expectation with an undecided history exits 1.
#[test]
fn a_failure_outranks_undecided() {
    let s = tmp(
        "verdict",
        "late.json",
        r#"{"version":1,"options":{"clients":{"enabled":true}},"expect":[{"check":"leader","by":10}],"until":2000}"#,
    );
    let out = raft_sim(&["run", &s, "--max-steps", "1"]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["linearizability"]["verdict"], "undecided", "{v}");
    assert_eq!(v["outcome"], "failed");
}

// taskqueue judges its history too, and reports the verdict.
#[test]
fn taskqueue_reports_its_verdict() {
    let out = raft_sim(&["taskqueue", "--tasks", "50", "--crash-leader-after", "20"]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["linearizability"]["verdict"], "linearizable", "{v}");
    assert_eq!(v["outcome"], "passed");
}
