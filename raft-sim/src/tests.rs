//! Simulator tests: determinism, checkers catching planted bugs, randomized fault schedules.

use alloc::vec;
use alloc::vec::Vec;

use crate::schedule::{run_check, Faults};
use crate::*;
use raft_core::config::BreakIt;

#[test]
fn same_seed_same_trace() {
    let run = |seed| {
        run_check(seed, 5, 3_000, Faults::ALL, false)
            .world
            .trace_hash()
    };
    assert_eq!(run(11), run(11));
    assert_ne!(run(11), run(12));
}

#[test]
fn randomized_fault_schedules_keep_every_invariant() {
    let mut completed = 0;
    for seed in 1..=60 {
        let out = run_check(seed, 5, 4_000, Faults::ALL, false);
        if let Some(v) = &out.violation {
            panic!(
                "seed {seed}: {} at event {}: {}",
                v.property, v.event, v.detail
            );
        }
        assert!(out.recovered, "seed {seed}: no progress after healing");
        completed += out.completed;
    }
    assert!(completed > 1000, "clients made progress: {completed}");
}

#[test]
fn leader_elected_with_reference_timings() {
    let mut w = World::new(SimOptions::default()).unwrap();
    assert!(w.run_until(1_000, |w| w.leader().is_some()));
    let first = w.now();
    assert!((150..600).contains(&first), "first election at {first} ms");
}

#[test]
fn client_requests_complete_exactly_once_through_leader_crash() {
    let opts = SimOptions {
        seed: 3,
        clients: ClientOptions {
            enabled: true,
            count: 4,
            think_ms: 0,
            timeout_ms: 300,
            workload: Workload::Tasks { total: 300 },
            read_index: true,
        },
        ..Default::default()
    };
    let mut w = World::new(opts).unwrap();
    assert!(w.run_until(20_000, |w| w.stats().completed >= 150));
    let leader = w.leader().unwrap();
    w.act(Action::Crash { node: leader }).unwrap();
    assert!(
        w.run_until(60_000, |w| w.stats().completed >= 300),
        "completed {}",
        w.stats().completed
    );
    assert!(w.violation().is_none(), "{:?}", w.violation());
    let new_leader = w.leader().unwrap();
    let tasks = w.nodes()[&new_leader].kv.tasks();
    assert_eq!(tasks.len(), 300);
    assert!(tasks.values().all(|&n| n == 1), "a task ran twice");
}

#[test]
fn checker_catches_commit_of_old_term_entries() {
    // With the Figure 8 bug switched on, some fault schedule must break a safety property.
    let mut caught: Vec<u64> = vec![];
    for seed in 1..=400 {
        let mut rng = SimRng::new(seed);
        let opts = SimOptions {
            seed,
            nodes: 5,
            break_it: BreakIt {
                commit_old_terms: true,
                ..Default::default()
            },
            pre_vote: false,
            check_quorum: false,
            clients: ClientOptions {
                enabled: true,
                ..Default::default()
            },
            keep_trace: false,
            max_msg_bytes: 1,
            ..Default::default()
        };
        let mut w = World::new(opts).unwrap();
        let mut t = 0;
        while t < 6_000 && w.violations().is_empty() {
            t += rng.range(30, 200);
            w.advance_to(t);
            let n = rng.range(1, 5);
            let _ = if rng.range(0, 1) == 0 {
                w.act(Action::Crash {
                    node: w.leader().unwrap_or(n),
                })
            } else {
                w.act(Action::Restart { node: n })
            };
        }
        if let Some(v) = w.violations().first() {
            // The broken rule shows up first as the commit-rule check itself, and with the
            // switch on it does not stop the run: the consequences (Leader Completeness, State
            // Machine Safety) may follow, as in the figure-8 lesson.
            assert_eq!(v.property, "Commit Current Term Only", "seed {seed}: {v:?}");
            assert!(w.violation().is_none_or(|h| h.property != v.property));
            caught.push(seed);
        }
        if caught.len() >= 3 {
            break;
        }
    }
    assert!(
        !caught.is_empty(),
        "the broken commit rule was never caught"
    );
}

/// S2 votes for S1 in term 1, crashes and restarts, and S3 then asks it for a vote in term 1.
fn second_candidate_after_a_restart(forget_vote_on_restart: bool) -> World {
    let opts = SimOptions {
        nodes: 3,
        pre_vote: false,
        check_quorum: false,
        break_it: BreakIt {
            forget_vote_on_restart,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut w = World::new(opts).unwrap();
    w.act(Action::Cut { from: 1, to: 3 }).unwrap();
    w.act(Action::Campaign { node: 1 }).unwrap();
    assert!(w.run_until(100, |w| w.leader() == Some(1)));
    w.act(Action::Crash { node: 2 }).unwrap();
    w.act(Action::Restart { node: 2 }).unwrap();
    w.act(Action::Partition {
        groups: vec![vec![1], vec![2, 3]],
    })
    .unwrap();
    w.act(Action::Campaign { node: 3 }).unwrap();
    w
}

#[test]
fn checker_catches_forgotten_vote() {
    // With the vote forgotten (planted bug), S2 votes again in the same term: One Vote Per Term
    // must fire.
    let mut w = second_candidate_after_a_restart(true);
    w.run_until(200, |w| !w.violations().is_empty());
    let v = w
        .violations()
        .first()
        .expect("the forgotten vote must be caught");
    assert_eq!(v.property, "One Vote Per Term", "{v:?}");
    assert!(v.nodes.contains(&2));
    // With the switch on, the run goes on to the consequence: S3 wins term 1 with the second
    // vote while S1 leads it, and Election Safety (§5.2) stops the run.
    w.run_until(400, |w| w.violation().is_some());
    let v = w.violation().expect("the consequence must be caught");
    assert_eq!(v.property, "Election Safety", "{v:?}");
    assert_eq!(w.violations().len(), 2);
}

#[test]
fn same_world_without_the_bug_stays_safe() {
    // The same schedule with the vote kept: no violation, and S3 cannot win term 1.
    let mut w = second_candidate_after_a_restart(false);
    w.advance_to(120);
    assert!(w.violation().is_none());
    assert_eq!(w.node(2).unwrap().vote(), Some(1));
}

/// A leader cut off from the majority is asked to read after its successor completed a write.
fn stale_read_world(stale_reads: bool) -> World {
    let opts = SimOptions {
        nodes: 3,
        seed: 12,
        pre_vote: false,
        check_quorum: false,
        break_it: BreakIt {
            stale_reads,
            ..Default::default()
        },
        ..Default::default()
    };
    let mut w = World::new(opts).unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    w.act(Action::Request {
        key: "x".into(),
        value: "1".into(),
    })
    .unwrap();
    assert!(w.run_until(w.now() + 1_000, |w| w.stats().completed == 1));
    let old = w.leader().unwrap();
    w.act(Action::Isolate { node: old }).unwrap();
    assert!(w.run_until(w.now() + 2_000, |w| w.leader().is_some_and(|l| l != old)));
    w.act(Action::Request {
        key: "x".into(),
        value: "2".into(),
    })
    .unwrap();
    assert!(w.run_until(w.now() + 1_000, |w| w.stats().completed == 2));
    // Without CheckQuorum the old leader still believes it leads.
    assert_eq!(w.node(old).unwrap().role(), raft_core::types::Role::Leader);
    w.act(Action::Read {
        node: old,
        key: "x".into(),
    })
    .unwrap();
    w.advance_by(500);
    assert!(
        w.violation().is_none(),
        "no Raft invariant breaks: only the read can be wrong"
    );
    w
}

// §6.4: without confirming leadership, a deposed leader serves a stale value, and the
// linearizability checker says so.
#[test]
fn linearizability_checker_catches_a_stale_read() {
    use crate::linearizability;
    let w = stale_read_world(true);
    let read = w.history().last().unwrap();
    assert_eq!(
        read.reply.as_ref().unwrap().value.as_deref(),
        Some("1"),
        "the stale value"
    );
    let e = linearizability::check(w.history()).expect_err("a stale read is not linearizable");
    assert!(e.explanation.contains("get"), "{e}");
}

// The same schedule with ReadIndex as specified: the isolated leader cannot confirm its
// leadership, so it never answers; the client times out, asks another node, is redirected to
// the new leader and reads the fresh value. The history stays linearizable.
#[test]
fn read_index_refuses_to_answer_from_a_deposed_leader() {
    use crate::linearizability;
    let w = stale_read_world(false);
    let read = w.history().last().unwrap();
    assert!(matches!(read.op, Op::Get { .. }));
    assert_eq!(read.reply.as_ref().unwrap().value.as_deref(), Some("2"));
    assert!(
        read.complete.unwrap() - read.invoke >= w.options().clients.timeout_ms,
        "answered only after the retry"
    );
    assert!(linearizability::check(w.history()).unwrap().is_proven());
}

// A person's requests are separate clients: one made while another is pending is a new,
// concurrent operation in a session of its own (it used to be recorded and then silently
// ignored). Beyond `MAX_PERSON_REQUESTS` pending, the action is refused and not recorded, as
// `World::act` promises for an invalid action.
#[test]
fn a_request_while_another_is_pending_is_a_new_client() {
    let mut w = World::new(SimOptions::default()).unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    let leader = w.leader().unwrap();
    // Cut the leader off, so requests stay pending.
    w.act(Action::Isolate { node: leader }).unwrap();
    let put = |v: u64| Action::Request {
        key: "x".into(),
        value: alloc::format!("{v}"),
    };
    for v in 0..world::MAX_PERSON_REQUESTS {
        w.act(put(v)).unwrap();
    }
    assert_eq!(w.history().len() as u64, world::MAX_PERSON_REQUESTS);
    let clients: alloc::collections::BTreeSet<u64> = w.history().iter().map(|h| h.client).collect();
    assert_eq!(
        clients.len() as u64,
        world::MAX_PERSON_REQUESTS,
        "one session each"
    );
    let (actions, trace) = (w.actions().len(), w.trace().len());
    assert!(matches!(w.act(put(999)), Err(SimError::Invalid(_))));
    assert_eq!(w.actions().len(), actions);
    assert_eq!(w.trace().len(), trace);
    // Healed, every one of them completes, exactly once, and the history is linearizable.
    w.act(Action::Heal).unwrap();
    assert!(w.run_until(w.now() + 10_000, |w| w
        .history()
        .iter()
        .all(|h| h.complete.is_some())));
    assert!(w.violation().is_none());
    assert!(linearizability::check(w.history()).is_ok());
}

// `World::step` returns false when nothing is scheduled. A node with no timer armed (a learner,
// or a new machine outside the configuration) must not count as an event at `u64::MAX`: the
// world used to jump its clock there and "process" that timer forever.
#[test]
fn a_node_without_a_timer_schedules_nothing() {
    let mut w = World::new(SimOptions {
        nodes: 1,
        ..Default::default()
    })
    .unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    w.act(Action::AddNode).unwrap();
    w.advance_by(500);
    w.act(Action::Crash { node: 1 }).unwrap();
    let mut steps = 0;
    while w.step() {
        steps += 1;
        assert!(steps < 10_000, "step() never ran out of events");
    }
    assert!(w.now() < 1_000_000, "clock jumped to {}", w.now());
}

// Issue 21 item 2: every tool judges a run with `judge`; a stale read fails it although no
// Raft invariant broke, and a history the search cannot decide is undecided, not a pass.
#[test]
fn judge_fails_a_stale_read_and_never_passes_an_undecided_history() {
    use crate::judge::{judge, Outcome};
    use crate::linearizability::DEFAULT_MAX_STEPS;
    let stale = stale_read_world(true);
    let j = judge(&stale, false, DEFAULT_MAX_STEPS);
    assert!(j.violation.is_none());
    assert_eq!(j.outcome, Outcome::Failed, "{}", j.linearizability);
    let safe = stale_read_world(false);
    assert_eq!(
        judge(&safe, false, DEFAULT_MAX_STEPS).outcome,
        Outcome::Passed
    );
    let j = judge(&safe, false, 1);
    assert_eq!(j.linearizability.name(), "undecided");
    assert_eq!(j.outcome, Outcome::Undecided);
    assert_eq!(j.outcome.exit_code(), 3);
}

/// The clients' keys and values are written without `format!`: the same text.
#[test]
fn decimal_writes_what_format_writes() {
    use alloc::format;
    let mut values = vec![0u64, 1, 9, 10, 99, 100, 12_345, u64::MAX];
    values.extend((0..64).map(|k| 1u64 << k));
    for v in values {
        assert_eq!(crate::world::decimal("k", v), format!("k{v}"));
        assert_eq!(crate::world::decimal("", v), format!("{v}"));
    }
}
