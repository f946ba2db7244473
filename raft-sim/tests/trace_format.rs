//! The trace format (`docs/formats.md`, version 3): what its records tell an independent checker
//! (#21 item 7), the version-1 files it still reads, and the bounds it enforces on every time
//! and count (#21 item 8).

use std::collections::BTreeMap;
use std::path::PathBuf;

use raft_core::{NodeId, Role};
use raft_sim::scenario::Scenario;
use raft_sim::schedule::{run_check, Faults};
use raft_sim::trace::{
    parse_jsonl, write_jsonl, SessionOutcome, SnapshotSource, TraceEvent, TraceRecord, MAX_TIME_MS,
    TRACE_VERSION,
};
use raft_sim::{Action, World};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scenario(name: &str) -> World {
    let path = root().join(name);
    let mut s = Scenario::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap();
    s.options.keep_trace = true;
    s.run().unwrap().world
}

/// A few runs with crashes, restarts, clients, snapshots and faults.
fn sample_runs() -> Vec<(String, World)> {
    let mut runs: Vec<(String, World)> = [
        "scenarios/leader-crash.json",
        "scenarios/snapshot-catch-up.json",
        "scenarios/membership-change.json",
        "lessons/task-queue.json",
    ]
    .iter()
    .map(|n| (n.to_string(), scenario(n)))
    .collect();
    for seed in 1..=20 {
        let w = run_check(seed, 5, 3_000, Faults::ALL, true).world;
        runs.push((format!("check seed {seed}"), w));
    }
    runs
}

fn v1_fixture() -> String {
    std::fs::read_to_string(root().join("raft-core/testdata/traces/v1-fixture.jsonl")).unwrap()
}

#[test]
fn a_version_1_trace_is_still_read() {
    // Written by the simulator before version 2 (raft-core/testdata/traces/README.md).
    let t = parse_jsonl(&v1_fixture()).expect("a version-1 trace parses");
    assert_eq!(t.version, 1);
    assert_eq!((t.options.nodes, t.options.seed), (3, 5));
    let times: Vec<u64> = t.actions.iter().map(|(at, _)| *at).collect();
    assert_eq!(times, [400, 700, 750, 1100]);
    assert_eq!(t.actions[0].1, Action::Crash { node: 2 });
    assert_eq!((t.end, t.records), (1300, 475));
    assert_eq!(t.hash, "c753163abdb765af");
    assert_eq!(t.steps, None);
    assert!(t.action_steps.is_empty());
    // It carries no step counts and hashes version-1 records: replay says so instead of
    // reporting a mismatch it cannot interpret.
    let e = t
        .replay()
        .expect_err("a version-1 trace cannot be replayed exactly");
    assert!(e.to_string().contains("version-1"), "{e}");
}

#[test]
fn the_writer_writes_the_current_version_with_its_step_count() {
    let w = scenario("scenarios/leader-election.json");
    let text = write_jsonl(&w);
    let header: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(header["version"], TRACE_VERSION);
    let t = parse_jsonl(&text).unwrap();
    assert_eq!(t.version, TRACE_VERSION);
    assert_eq!(t.steps, Some(w.stats().events));
    let step_records = w
        .trace()
        .iter()
        .filter(|r| matches!(r.event, TraceEvent::Step { .. }))
        .count() as u64;
    assert_eq!(step_records, w.stats().events);
}

/// Replaces the value of `"field":` on the line whose `kind` is `kind` (the first such line).
fn tamper(text: &str, kind: &str, field: &str, value: &str) -> String {
    let mut done = false;
    text.lines()
        .map(|l| {
            if done || !l.contains(&format!("\"kind\":\"{kind}\"")) {
                return l.to_string();
            }
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v[field] = serde_json::from_str(value).unwrap();
            done = true;
            v.to_string()
        })
        .map(|l| l + "\n")
        .collect()
}

#[test]
fn times_and_counts_beyond_the_documented_bounds_are_refused_when_parsed() {
    let text = write_jsonl(&scenario("scenarios/leader-election.json"));
    parse_jsonl(&text).expect("the untouched trace parses");
    let max = u64::MAX.to_string();
    let cases = [
        (tamper(&text, "footer", "end", &max), "past the latest time"),
        (
            tamper(&text, "footer", "end", &(MAX_TIME_MS + 1).to_string()),
            "past the latest time",
        ),
        (tamper(&text, "timeout", "t", &max), "past the latest time"),
        (tamper(&text, "deliver", "id", &max), "2^53 - 1"),
        (
            tamper(&text, "send", "deliver_at", "9007199254740992"),
            "2^53 - 1",
        ),
        (tamper(&text, "footer", "steps", &max), "2^53 - 1"),
        (tamper(&text, "footer", "steps", "1"), "step records"),
        (tamper(&text, "step", "n", "2"), "step 2 follows step 0"),
        (tamper(&text, "role", "t", "0"), "comes after a record"),
        (tamper(&text, "commit", "index", "-1"), "whole number"),
    ];
    for (bad, why) in cases {
        let e = parse_jsonl(&bad).expect_err(why);
        assert!(
            e.contains(why),
            "expected an error about {why:?}, got {e:?}"
        );
    }
    let v1 = tamper(&v1_fixture(), "footer", "end", &max);
    let e = parse_jsonl(&v1).expect_err("a version-1 end near u64::MAX");
    assert!(e.contains("past the latest time"), "{e}");
}

#[test]
fn a_trace_ending_at_the_latest_time_replays_in_bounded_work() {
    // The footer's end is the bound itself, far beyond the last event: replay stops after the
    // recorded steps and sets the clock, instead of simulating 10^12 ms.
    let text = write_jsonl(&scenario("scenarios/leader-election.json"));
    let far = tamper(&text, "footer", "end", &MAX_TIME_MS.to_string());
    let t = parse_jsonl(&far).unwrap();
    let started = std::time::Instant::now();
    let w = t.replay().unwrap();
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(w.now(), MAX_TIME_MS);
    let again = write_jsonl(&w);
    assert!(again == far, "the replayed trace differs");
}

#[test]
fn applied_commands_carry_their_result_and_session_outcome() {
    let mut outcomes = BTreeMap::new();
    for (name, w) in sample_runs() {
        for r in w.trace() {
            if let TraceEvent::Apply {
                command,
                result,
                session,
                ..
            } = &r.event
            {
                match (command, session) {
                    (None, None) => {}
                    (Some(_), Some(s)) => {
                        *outcomes.entry(format!("{s:?}")).or_insert(0) += 1;
                        // Executed and duplicate commands answer; stale ones do not (§6.3).
                        assert_eq!(
                            result.is_some(),
                            *s != SessionOutcome::Stale,
                            "{name}: {r:?}"
                        );
                    }
                    _ => panic!("{name}: a command without its session outcome: {r:?}"),
                }
            }
        }
    }
    assert!(
        outcomes.get("Executed").copied().unwrap_or(0) > 100,
        "{outcomes:?}"
    );
}

#[test]
fn invocations_carry_consecutive_session_sequence_numbers() {
    for (name, w) in sample_runs() {
        let mut last: BTreeMap<u64, u64> = BTreeMap::new();
        for r in w.trace() {
            if let TraceEvent::Invoke {
                client,
                seq,
                ref op,
                ..
            } = r.event
            {
                // A read served by ReadIndex goes through no log, so it takes no new number
                // (§6.3): it carries the client's latest one.
                let read_index =
                    matches!(op, raft_sim::Op::Get { .. }) && w.options().clients.read_index;
                let prev = last.insert(client, seq).unwrap_or(0);
                let want = if read_index { prev } else { prev + 1 };
                assert_eq!(seq, want, "{name}: client {client} at {} ms", r.t);
            }
        }
    }
}

#[test]
fn a_restart_record_says_what_the_node_recovered() {
    // Without snapshots the durable log is exactly what the append records built.
    let w = scenario("scenarios/leader-crash.json");
    let mut hard: BTreeMap<NodeId, (u64, Option<NodeId>)> = BTreeMap::new();
    let mut last: BTreeMap<NodeId, u64> = BTreeMap::new();
    let mut restarts = 0;
    for r in w.trace() {
        match &r.event {
            TraceEvent::HardState { node, term, vote } => {
                hard.insert(*node, (*term, *vote));
            }
            TraceEvent::Append { node, entries } => {
                last.insert(*node, entries.last().map_or(0, |e| e.index));
            }
            TraceEvent::Restart {
                node,
                term,
                vote,
                last_index,
                snapshot_index,
            } => {
                restarts += 1;
                assert_eq!((*term, *vote), hard.get(node).copied().unwrap_or((0, None)));
                assert_eq!(*last_index, last.get(node).copied().unwrap_or(0));
                assert_eq!(*snapshot_index, 0);
            }
            _ => {}
        }
    }
    assert!(restarts > 0, "the scenario restarts a node");
}

#[test]
fn snapshot_records_tell_compaction_from_an_installed_snapshot() {
    let w = scenario("scenarios/snapshot-catch-up.json");
    let sources: Vec<(NodeId, SnapshotSource)> = w
        .trace()
        .iter()
        .filter_map(|r| match r.event {
            TraceEvent::Snapshot { node, source, .. } => Some((node, source)),
            _ => None,
        })
        .collect();
    // S3 was cut off while the others compacted; it catches up from the leader's snapshot.
    assert!(
        sources.contains(&(1, SnapshotSource::Compaction)),
        "{sources:?}"
    );
    assert!(
        sources.contains(&(3, SnapshotSource::Leader)),
        "{sources:?}"
    );
}

/// Checks, record by record, that each node's records come in causal order: a role never
/// trails the stored term; a node appends an entry of its current role's term only as that
/// term's leader or follower (never as a candidate); it applies only what a commit record
/// covered; and steps are numbered 1, 2, 3... Returns the first breach.
fn causal_order_breach(trace: &[TraceRecord]) -> Option<String> {
    #[derive(Default)]
    struct NodeView {
        stored_term: u64,
        role: Option<(Role, u64)>,
        commit: u64,
    }
    let mut nodes: BTreeMap<NodeId, NodeView> = BTreeMap::new();
    let mut step = 0;
    for (k, r) in trace.iter().enumerate() {
        let at = format!("record {k} at {} ms: {:?}", r.t, r.event);
        match &r.event {
            TraceEvent::Step { n } => {
                if *n != step + 1 {
                    return Some(format!("{at}: steps out of sequence"));
                }
                step = *n;
            }
            TraceEvent::HardState { node, term, .. } => {
                nodes.entry(*node).or_default().stored_term = *term;
            }
            TraceEvent::Role { node, role, term } => {
                let v = nodes.entry(*node).or_default();
                if *term < v.stored_term {
                    return Some(format!(
                        "{at}: role in term {term} after term {} was stored",
                        v.stored_term
                    ));
                }
                v.role = Some((*role, *term));
            }
            TraceEvent::Append { node, entries } => {
                let v = nodes.entry(*node).or_default();
                if let Some((role, term)) = v.role {
                    let own_term = entries.iter().any(|e| e.term == term);
                    if own_term && matches!(role, Role::Candidate | Role::PreCandidate) {
                        return Some(format!(
                            "{at}: a {role:?} appends an entry of its own term {term}"
                        ));
                    }
                }
                if let Some(e) = entries.iter().find(|e| e.term > v.stored_term) {
                    return Some(format!(
                        "{at}: entry of term {} before term {} was stored",
                        e.term, v.stored_term
                    ));
                }
            }
            TraceEvent::Commit { node, index } => {
                nodes.entry(*node).or_default().commit = *index;
            }
            TraceEvent::Apply { node, index, .. } => {
                let v = nodes.entry(*node).or_default();
                if *index > v.commit {
                    return Some(format!("{at}: applied past commit index {}", v.commit));
                }
            }
            TraceEvent::Crash { node } => {
                let v = nodes.entry(*node).or_default();
                (v.role, v.commit) = (None, 0);
            }
            TraceEvent::Restart {
                node,
                snapshot_index,
                ..
            } => {
                // The state machine restarts from the snapshot: that much counts as committed.
                nodes.entry(*node).or_default().commit = *snapshot_index;
            }
            TraceEvent::Snapshot { node, index, .. } => {
                let v = nodes.entry(*node).or_default();
                v.commit = v.commit.max(*index);
            }
            _ => {}
        }
    }
    None
}

#[test]
fn records_inside_a_step_are_in_causal_order() {
    for (name, w) in sample_runs() {
        if let Some(b) = causal_order_breach(w.trace()) {
            panic!("{name}: {b}");
        }
    }
}

#[test]
fn the_world_stops_at_the_latest_time_so_its_trace_stays_readable() {
    // Every node down: nothing is scheduled, and advancing "forever" must neither wrap nor
    // write an end the reader refuses.
    let mut w = World::new(raft_sim::SimOptions {
        nodes: 1,
        ..Default::default()
    })
    .unwrap();
    w.act(Action::Crash { node: 1 }).unwrap();
    w.advance_to(u64::MAX);
    assert_eq!(w.now(), MAX_TIME_MS);
    w.advance_by(u64::MAX);
    assert_eq!(w.now(), MAX_TIME_MS);
    let t = parse_jsonl(&write_jsonl(&w)).expect("the world's own trace parses");
    assert_eq!(t.end, MAX_TIME_MS);
    // A restarted node's timer would fire after the bound: the world does not go there.
    w.act(Action::Restart { node: 1 }).unwrap();
    assert_eq!(w.next_event_time(), None);
    assert!(!w.step());
}

#[test]
fn durations_in_the_header_near_u64_max_are_refused_when_parsed() {
    let text = write_jsonl(&scenario("scenarios/leader-election.json"));
    for (path, name) in [
        (&["clients", "think_ms"][..], "clients.think_ms"),
        (&["clients", "timeout_ms"][..], "clients.timeout_ms"),
        (&["heartbeat_ms"][..], "heartbeat_ms"),
        (&["election_timeout_max"][..], "election_timeout_max"),
    ] {
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        let mut header: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        let mut v = &mut header["options"];
        for p in path {
            v = &mut v[*p];
        }
        *v = serde_json::json!(u64::MAX - 1);
        lines[0] = header.to_string();
        let bad = lines.join("\n") + "\n";
        let e = parse_jsonl(&bad).expect_err(name);
        assert!(e.contains(name) && e.contains("at most"), "{name}: {e}");
    }
}

/// Version 4 is the multi-group trace (`raft_sim::groups_trace`): the one-group reader refuses
/// it by name, between the versions it reads (1 to 3, and 5).
#[test]
fn the_one_group_reader_refuses_a_multi_group_version() {
    let w = scenario("scenarios/leader-election.json");
    let text = write_jsonl(&w);
    let as_v4 = text.replacen(&format!("\"version\":{TRACE_VERSION}"), "\"version\":4", 1);
    let e = parse_jsonl(&as_v4).expect_err("version 4 is not a one-group trace");
    assert!(e.contains("multi-group"), "{e}");
}
