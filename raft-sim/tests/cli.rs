//! The `raft-sim` tool end to end: exit codes, the last-line JSON, scenario files, traces.

use std::path::PathBuf;
use std::process::{Command, Output};

fn raft_sim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raft-sim"))
        .args(args)
        .output()
        .expect("raft-sim runs")
}

fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().expect("stdout has a last line");
    serde_json::from_str(line).expect("last line is JSON")
}

fn scenarios() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../scenarios")
}

fn tmp(name: &str, content: &str) -> String {
    let dir = std::env::temp_dir().join(format!("raft-sim-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn every_bundled_scenario_passes() {
    let mut n = 0;
    for entry in std::fs::read_dir(scenarios()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let out = raft_sim(&["run", path.to_str().unwrap()]);
            let v = last_json(&out);
            assert_eq!(out.status.code(), Some(0), "{}: {v}", path.display());
            assert_eq!(v["passed"], true);
            n += 1;
        }
    }
    assert!(n >= 4, "found {n} scenarios");
}

#[test]
fn failed_expectation_exits_1() {
    let s = tmp(
        "impossible.json",
        r#"{"version":1,"options":{"nodes":3},"expect":[{"check":"leader","by":10}]}"#,
    );
    let out = raft_sim(&["run", &s]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(last_json(&out)["passed"], false);
}

#[test]
fn malformed_scenarios_exit_2_with_a_clear_message() {
    let cases = [
        ("notjson.json", "{ this is not json", "not valid"),
        (
            "version.json",
            r#"{"version":9}"#,
            "version 9 is not supported",
        ),
        (
            "field.json",
            r#"{"version":1,"optionz":{}}"#,
            "unknown field `optionz`",
        ),
        (
            "node.json",
            r#"{"version":1,"options":{"nodes":3},"timeline":[{"at":5,"action":"crash","node":7}]}"#,
            "names S7",
        ),
        (
            "order.json",
            r#"{"version":1,"timeline":[{"at":50,"action":"heal"},{"at":10,"action":"heal"}]}"#,
            "comes before",
        ),
        (
            "action.json",
            r#"{"version":1,"timeline":[{"at":5,"action":"explode"}]}"#,
            "explode",
        ),
        (
            "nodes.json",
            r#"{"version":1,"options":{"nodes":0}}"#,
            "nodes must be",
        ),
    ];
    for (name, text, needle) in cases {
        let out = raft_sim(&["run", &tmp(name, text)]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(
            err.contains(needle),
            "{name}: expected '{needle}' in: {err}"
        );
        assert!(last_json(&out)["error"].is_string());
    }
    let out = raft_sim(&["run", "/nonexistent/file.json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_usage_exits_2() {
    for args in [
        vec![],
        vec!["frobnicate"],
        vec!["check"],
        vec!["check", "--seeds", "9..1"],
        vec!["check", "--seeds", "1..2", "--faults", "meteor"],
        vec!["failover", "--seeds", "1..2", "--pre-vote", "maybe"],
    ] {
        let out = raft_sim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn trace_replays_to_the_same_hash_and_tampering_is_detected() {
    let trace = tmp("t.jsonl", "");
    let sc = scenarios().join("leader-crash.json");
    let out = raft_sim(&["run", sc.to_str().unwrap(), "--trace", &trace]);
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(&trace).unwrap();
    assert!(text.lines().count() > 100);

    let out = raft_sim(&["replay", &trace]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(last_json(&out)["matches"], true);

    // Truncated: no footer.
    let cut: Vec<&str> = text.lines().take(50).collect();
    let out = raft_sim(&["replay", &tmp("cut.jsonl", &cut.join("\n"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no footer"));

    // A changed action re-derives a different run: exit 1.
    let changed = text.replacen(
        r#""action":"crash","node":4"#,
        r#""action":"crash","node":3"#,
        1,
    );
    assert_ne!(changed, text);
    let out = raft_sim(&["replay", &tmp("changed.jsonl", &changed)]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(last_json(&out)["matches"], false);

    // An edited record (not an action): the replay and the footer's hash still agree, but the
    // file's record is not the run's. Exit 1, naming the line (passed, with `matches` true,
    // before replay compared the records).
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains(r#""kind":"commit""#))
        .unwrap();
    let mut edited: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    edited[at] = edited[at].replacen(
        r#""kind":"commit","node":"#,
        r#""kind":"commit","node":1"#,
        1,
    );
    assert_ne!(edited[at], lines[at]);
    let out = raft_sim(&["replay", &tmp("edited.jsonl", &edited.join("\n"))]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(
        (v["hash_matches"].clone(), v["matches"].clone()),
        (true.into(), false.into())
    );
    assert_eq!(v["first_difference"]["line"], at + 1);
    assert_eq!(
        v["first_difference"]["replayed"],
        serde_json::from_str::<serde_json::Value>(lines[at]).unwrap()
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains(&format!("line {}", at + 1)));

    // Garbage line: exit 2 naming the line.
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"t\": \"soon\"}";
    let out = raft_sim(&["replay", &tmp("bad.jsonl", &lines.join("\n"))]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 4"));
}

#[test]
fn check_reports_no_violation_over_seeds() {
    let out = raft_sim(&["check", "--seeds", "1..30", "--duration-ms", "2000"]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["seeds"], 30);
    assert_eq!(v["violations"], 0);
    assert_eq!(v["linearizable"], true);
    assert!(v["client_ops_completed"].as_u64().unwrap() > 500);
}

/// `check --jobs N` spreads seeds over threads: the same output, in seed order, as one thread,
/// and the same trace files.
#[test]
fn check_on_several_threads_reports_as_one_thread_does() {
    let run = |jobs: &str| {
        let dir = std::env::temp_dir().join(format!(
            "raft-sim-tests-{}-jobs-{jobs}/",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let dir = dir.to_string_lossy().into_owned();
        let out = raft_sim(&[
            "check",
            "--seeds",
            "5..24",
            "--duration-ms",
            "1500",
            "--jobs",
            jobs,
            "--trace",
            &dir,
        ]);
        assert_eq!(out.status.code(), Some(0), "{}", last_json(&out));
        let mut v = last_json(&out);
        v.as_object_mut().unwrap().remove("wall_s");
        let stderr = String::from_utf8_lossy(&out.stderr).replace(&dir, "DIR/");
        let traces: Vec<String> = (5..=24)
            .map(|s| std::fs::read_to_string(format!("{dir}seed{s}.jsonl")).unwrap())
            .collect();
        (v, stderr, traces)
    };
    let (one, three) = (run("1"), run("3"));
    assert_eq!(one.0, three.0);
    assert_eq!(one.1, three.1, "stderr differs");
    assert!(one.1.find("seed5.jsonl") < one.1.find("seed24.jsonl"));
    assert!(one.2 == three.2, "the traces differ");
}

#[test]
fn taskqueue_runs_exactly_once_through_a_leader_crash() {
    let out = raft_sim(&["taskqueue", "--tasks", "300", "--crash-leader-after", "150"]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["completed"], 300);
    assert_eq!(v["duplicates"], 0);
    assert_eq!(v["lost"], 0);
    assert_eq!(v["leader_failures"], 1);
}

#[test]
fn failover_reports_percentiles() {
    let out = raft_sim(&["failover", "--seeds", "1..20"]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    let p50 = v["crash_to_leader_ms"]["p50"].as_u64().unwrap();
    // Detection alone takes at least the minimum election timeout minus one heartbeat interval.
    assert!(p50 >= 100, "p50 {p50}");
    assert!(v["crash_to_commit_ms"]["p50"].as_u64().unwrap() >= p50);
}

/// A reader that stops early (`raft-sim grade --list | head -1`) closes the pipe: the tool then
/// ends quietly with status 141 (as a shell reports SIGPIPE), never with a panic.
#[test]
fn a_closed_stdout_ends_the_tool_quietly() {
    for args in [
        &["grade", "--list"][..],
        &["check", "--seeds", "1..3", "--duration-ms", "500"][..],
    ] {
        // A pipe whose reading end is closed before the tool starts (no race with its writes).
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let child = Command::new(env!("CARGO_BIN_EXE_raft-sim"))
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("raft-sim runs");
        let out = child.wait_with_output().expect("raft-sim ends");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert_eq!(out.status.code(), Some(141), "{args:?}: {stderr}");
    }
}

/// The command line searches each key for up to 10,000,000 steps by default (CLI_MAX_STEPS),
/// and `--max-steps` sets the budget: this seed's history is proven linearizable with the
/// default and undecided (exit 3, the seed listed) with 500 steps. (It once needed more than
/// the page's 1,000,000: 2,475 operations on one key, when a person's requests of the targeted
/// schedule went on as extra load clients after their answer; without them no targeted seed of
/// 7300000..7339999 needs a million steps.)
#[test]
fn check_decides_with_its_default_budget_what_a_small_one_leaves_undecided() {
    let args = [
        "check",
        "--seeds",
        "7300042..7300042",
        "--schedule",
        "targeted",
        "--duration-ms",
        "5000",
    ];
    let out = raft_sim(&args);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["linearizable"], true);
    let small = raft_sim(&[&args[..], &["--max-steps", "500"]].concat());
    let v = last_json(&small);
    assert_eq!(small.status.code(), Some(3), "{v}");
    assert_eq!(v["linearizability_undecided"], serde_json::json!([7300042]));
}
