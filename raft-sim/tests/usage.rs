//! The command line itself (issue 21, item 9): help for every command, every fault kind in the
//! usage, one trace per seed, `--trace` for every command that runs, invalid input of any kind
//! exits 2 before anything runs, and a UTF-8 byte-order mark is accepted.

mod common;
use common::*;

const COMMANDS: [&str; 6] = ["check", "failover", "taskqueue", "run", "replay", "groups"];

#[test]
fn every_command_has_help() {
    for cmd in COMMANDS {
        for help in [vec![cmd, "--help"], vec![cmd, "-h"], vec!["help", cmd]] {
            let out = raft_sim(&help);
            let text = String::from_utf8_lossy(&out.stdout);
            assert_eq!(out.status.code(), Some(0), "{help:?}: {}", stderr(&out));
            assert!(
                text.starts_with(&format!("usage: raft-sim {cmd}")),
                "{help:?}: {text}"
            );
            assert!(text.contains("Exit status"), "{help:?}: {text}");
        }
    }
    let out = raft_sim(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for cmd in COMMANDS {
        assert!(text.contains(&format!("raft-sim {cmd}")), "{cmd}: {text}");
    }
    // The exit codes, documented.
    for code in ["0  passed", "1  failed", "2  bad usage", "3  undecided"] {
        assert!(text.contains(code), "{code}: {text}");
    }
}

#[test]
fn the_usage_lists_every_fault_kind() {
    let out = raft_sim(&["check", "--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    for kind in [
        "crash",
        "partition",
        "drop",
        "duplicate",
        "reorder",
        "transfer",
        "membership",
        "snapshot",
        "all",
        "none",
    ] {
        assert!(text.contains(kind), "{kind} missing from: {text}");
        let out = raft_sim(&["check", "--seeds", "1..1", "--faults", kind]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "--faults {kind}: {}",
            stderr(&out)
        );
    }
}

fn lines_of(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .count()
}

#[test]
fn check_keeps_one_trace_per_seed() {
    // A directory.
    let dir = scratch("usage").join("traces");
    let spec = format!("{}/", dir.display());
    let out = raft_sim(&[
        "check",
        "--seeds",
        "3..5",
        "--duration-ms",
        "500",
        "--trace",
        &spec,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for seed in 3..=5 {
        let p = dir.join(format!("seed{seed}.jsonl"));
        assert!(lines_of(&p) > 10, "{}", p.display());
        // Each is its own seed's run.
        let text = std::fs::read_to_string(&p).unwrap();
        let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(header["options"]["seed"], seed, "{}", p.display());
    }
    // A template.
    let template = scratch("usage").join("t-{seed}.jsonl");
    let out = raft_sim(&[
        "check",
        "--seeds",
        "7..8",
        "--duration-ms",
        "500",
        "--trace",
        template.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for seed in [7, 8] {
        assert!(lines_of(&scratch("usage").join(format!("t-{seed}.jsonl"))) > 10);
    }
    // One file for several seeds would keep only the last: refused before running.
    let one = scratch("usage").join("one.jsonl");
    let out = raft_sim(&["check", "--seeds", "1..2", "--trace", one.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("{seed}"), "{}", stderr(&out));
}

#[test]
fn failover_and_taskqueue_write_traces() {
    let dir = scratch("usage").join("failover");
    let spec = format!("{}/", dir.display());
    let out = raft_sim(&["failover", "--seeds", "1..2", "--trace", &spec]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for seed in [1, 2] {
        let p = dir.join(format!("seed{seed}.jsonl"));
        let out = raft_sim(&["replay", p.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(last_json(&out)["matches"], true);
    }
    let p = scratch("usage").join("taskqueue.jsonl");
    let out = raft_sim(&[
        "taskqueue",
        "--tasks",
        "40",
        "--crash-leader-after",
        "10",
        "--trace",
        p.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = raft_sim(&["replay", p.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(last_json(&out)["matches"], true);
}

#[test]
fn an_unwritable_trace_path_fails_before_the_run_naming_it() {
    let bad = "/nonexistent-raft-sim-dir/t.jsonl";
    for args in [
        vec!["run", &scenario("leader-crash.json"), "--trace", bad][..].to_vec(),
        vec!["check", "--seeds", "1..1", "--trace", bad],
        vec!["failover", "--seeds", "1..1", "--trace", bad],
        vec!["taskqueue", "--tasks", "10", "--trace", bad],
    ] {
        let started = std::time::Instant::now();
        let out = raft_sim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(bad), "{args:?}: {}", stderr(&out));
        let v = last_json(&out);
        assert!(v["error"].as_str().unwrap().contains(bad), "{v}");
        assert!(v.get("command").is_none(), "nothing ran: {v}");
        assert!(started.elapsed().as_secs() < 5);
    }
}

#[test]
fn invalid_input_exits_2() {
    let scenarios = [
        (
            "s99.json",
            r#"{"version":1,"options":{"nodes":3},"expect":[{"check":"leader","by":1000,"node":99}]}"#,
            "S99",
        ),
        (
            "s0.json",
            r#"{"version":1,"expect":[{"check":"no_leader_among","at":10,"nodes":[0]}]}"#,
            "S0",
        ),
        (
            "property.json",
            r#"{"version":1,"expect":[{"check":"violation","by":1000,"property":"Electoin Safety"}]}"#,
            "Electoin Safety",
        ),
        (
            "network.json",
            r#"{"version":1,"timeline":[{"at":5,"action":"network","config":{"latency_min":5,"latency_max":99999999}}]}"#,
            "timeline entry 0",
        ),
    ];
    for (name, text, needle) in scenarios {
        let out = raft_sim(&["run", &tmp("usage", name, text)]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{name}: {}", stderr(&out));
    }
    // A trace whose header carries options no world accepts.
    let trace = tmp("usage", "good.jsonl", "");
    let out = raft_sim(&["run", &scenario("leader-election.json"), "--trace", &trace]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&trace).unwrap();
    let bad = text.replacen(r#""nodes":5"#, r#""nodes":0"#, 1);
    assert_ne!(bad, text);
    let out = raft_sim(&["replay", &tmp("usage", "bad-options.jsonl", &bad)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("invalid options"), "{}", stderr(&out));
    // Flags a command does not take, and values out of range.
    for args in [
        vec!["run", "x.json", "--seeds", "1..2"],
        vec!["replay", "x.jsonl", "--trace", "t"],
        vec!["failover", "--seeds", "1..2", "--faults", "crash"],
        vec!["check", "--seeds", "1..2", "extra"],
        vec!["taskqueue", "--clients", "0"],
        vec!["taskqueue", "--tasks", "ten"],
        vec!["check", "--seeds", "1..2", "--max-steps", "0"],
        vec!["help", "frobnicate"],
    ] {
        let out = raft_sim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let text = std::fs::read_to_string(scenario("leader-election.json")).unwrap();
    let s = tmp("usage", "bom.json", &format!("\u{feff}{text}"));
    let trace = tmp("usage", "bom-out.jsonl", "");
    let out = raft_sim(&["run", &s, "--trace", &trace]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let t = std::fs::read_to_string(&trace).unwrap();
    let bom = tmp("usage", "bom.jsonl", &format!("\u{feff}{t}"));
    let out = raft_sim(&["replay", &bom]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(last_json(&out)["matches"], true);
}
