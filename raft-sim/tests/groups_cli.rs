//! The multi-group commands end to end (issue 17): `check --groups`, `taskqueue --groups`,
//! `groups --heartbeat-cost` and `--coalesce-ms`; one group stays exactly today's `check`.

mod common;
use common::*;

#[test]
fn check_with_one_group_is_todays_check_byte_for_byte() {
    let args = [
        "check",
        "--seeds",
        "1..4",
        "--duration-ms",
        "1500",
        "--jobs",
        "1",
    ];
    let plain = raft_sim(&args);
    let mut with = args.to_vec();
    with.extend(["--groups", "1"]);
    let one = raft_sim(&with);
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    let strip = |o: &std::process::Output| {
        let mut v = last_json(o);
        v.as_object_mut().unwrap().remove("wall_s");
        v
    };
    assert_eq!(strip(&plain), strip(&one));
    assert_eq!(plain.stderr, one.stderr);
}

#[test]
fn check_with_groups_runs_every_checker_per_group() {
    let out = raft_sim(&[
        "check",
        "--seeds",
        "1..4",
        "--groups",
        "3",
        "--nodes",
        "3",
        "--duration-ms",
        "2000",
    ]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v} {}", stderr(&out));
    assert_eq!(v["groups"], 3);
    assert_eq!(v["machines"], 5);
    assert_eq!(v["outcome"], "passed");
    assert_eq!(v["linearizable"], true);
    assert!(v["commands_committed"].as_u64().unwrap() > 0);
}

#[test]
fn taskqueue_with_groups_runs_each_queue_exactly_once() {
    let out = raft_sim(&[
        "taskqueue",
        "--groups",
        "--tasks",
        "200",
        "--clients",
        "10",
        "--crash-leader-after",
        "50",
        "--seed",
        "3",
    ]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v} {}", stderr(&out));
    let groups = v["groups"].as_array().unwrap();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["critical", "background"]);
    for g in groups {
        assert_eq!(g["completed"], 200, "{g}");
        assert_eq!(g["duplicates"], 0, "{g}");
        assert_eq!(g["lost"], 0, "{g}");
        assert_eq!(g["linearizability"]["verdict"], "linearizable", "{g}");
    }
    assert_eq!(groups[0]["replicas"], 5);
    assert_eq!(groups[1]["replicas"], 3);
    assert_eq!(groups[0]["lost_leader"], true);
    assert!(groups[0]["failover_ms"].as_u64().is_some());
}

#[test]
fn the_heartbeat_table_shows_coalescing_measured() {
    let out = raft_sim(&["groups", "--heartbeat-cost"]);
    let v = last_json(&out);
    assert_eq!(out.status.code(), Some(0), "{v}");
    let rows = v["heartbeat_cost"].as_array().unwrap();
    assert_eq!(rows.len(), 4);
    let last = &rows[3];
    assert_eq!(last["groups"], 64);
    let (u, c) = (
        last["uncoalesced_per_machine_per_s"].as_f64().unwrap(),
        last["coalesced_per_machine_per_s"].as_f64().unwrap(),
    );
    assert!(c * 5.0 < u, "64 groups: {u} uncoalesced vs {c} coalesced");
    assert_eq!(last["leaders_elected"], serde_json::json!([64, 64]));
    assert!(stderr(&out).contains("| groups | uncoalesced | coalesced |"));
    // Coalescing delays heartbeats by up to one flush, not failover by more than that.
    let f = &v["failover_ms"];
    assert_eq!(f["coalesced"]["n"], f["uncoalesced"]["n"]);
    let (u, c) = (
        f["uncoalesced"]["max"].as_u64().unwrap(),
        f["coalesced"]["max"].as_u64().unwrap(),
    );
    assert!(
        c <= u + 50 + 18 && c <= 2_000,
        "max failover {u} ms uncoalesced, {c} ms coalesced"
    );
}

#[test]
fn bad_group_options_exit_2_before_anything_runs() {
    for args in [
        vec!["check", "--seeds", "1..1", "--groups", "0"],
        vec!["check", "--seeds", "1..1", "--groups", "300"],
        vec!["check", "--seeds", "1..1", "--groups", "2", "--nodes", "7"],
        vec![
            "check",
            "--seeds",
            "1..1",
            "--groups",
            "2",
            "--machines",
            "0",
        ],
        vec![
            "check", "--seeds", "1..2", "--groups", "2", "--trace", "x.jsonl",
        ],
        vec!["taskqueue", "--groups", "3"],
        vec!["groups", "--coalesce-ms", "0"],
        vec!["groups", "--coalesce-ms", "10001"],
        vec!["failover", "--seeds", "1..1", "--groups", "2"],
    ] {
        let out = raft_sim(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(last_json(&out)["error"].is_string(), "{args:?}");
    }
}
