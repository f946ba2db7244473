//! A long run under [`MemoryBounds`] holds a bounded number of trace records, client operations
//! and latencies, runs exactly as without them (same hash, same counters, same verdict), and
//! still reports a linearizability violation whose operations it dropped long ago.

use raft_core::config::BreakIt;
use raft_sim::linearizability::{self, Segments, Verdict};
use raft_sim::{Action, ClientOptions, HistoryOp, MemoryBounds, Op, Reply, SimOptions, World};

/// The playground's steady load: 5 nodes, 4 clients, 20 ms think time, 3 keys, trace kept.
fn playground(seed: u64) -> SimOptions {
    SimOptions {
        seed,
        clients: ClientOptions {
            enabled: true,
            count: 4,
            think_ms: 20,
            ..ClientOptions::default()
        },
        ..SimOptions::default()
    }
}

const BOUNDS: MemoryBounds = MemoryBounds {
    trace_records: 2_000,
    history_ops: 100,
    latencies: 300,
    max_steps: linearizability::DEFAULT_MAX_STEPS,
};

#[test]
fn a_long_run_holds_what_its_bounds_say_and_runs_as_without_them() {
    let mut free = World::new(playground(3)).unwrap();
    let mut bounded = World::new(playground(3)).unwrap();
    bounded.set_memory_bounds(BOUNDS).unwrap();
    let (mut most_ops, mut most_records) = (0, 0);
    // Two virtual minutes, looked at every virtual second.
    for s in 1..=120 {
        free.advance_to(s * 1_000);
        bounded.advance_to(s * 1_000);
        most_ops = most_ops.max(bounded.history().len());
        most_records = most_records.max(bounded.trace().len());
        assert!(bounded.trace().len() < 2 * BOUNDS.trace_records, "{s} s");
        assert!(
            bounded.stats().latencies.len() < 2 * BOUNDS.latencies,
            "{s} s"
        );
    }
    eprintln!(
        "after 120 s: unbounded {} records, {} operations, {} latencies; bounded at most {} \
         records and {} operations held, {} operations dropped",
        free.trace().len(),
        free.history().len(),
        free.stats().latencies.len(),
        most_records,
        most_ops,
        bounded.history_dropped()
    );
    // Operations are dropped at quiescent cuts (no operation pending), which come every few
    // dozen operations under this load: at most the bound plus the operations until the next
    // cut are held (361 at most in this run).
    assert!(
        most_ops < 4 * BOUNDS.history_ops,
        "{most_ops} operations held"
    );
    assert!(bounded.history_dropped() > 10 * BOUNDS.history_ops);
    assert!(free.trace().len() > 20 * BOUNDS.trace_records, "a long run");

    // The same run: hash, counters, what is held is the tail of what the free world holds.
    assert_eq!(bounded.trace_hash(), free.trace_hash());
    assert_eq!(bounded.stats().events, free.stats().events);
    assert_eq!(bounded.stats().completed, free.stats().completed);
    let dropped = bounded.trace_dropped() as usize;
    assert_eq!(bounded.trace(), &free.trace()[dropped..]);
    assert_eq!(
        bounded.history(),
        &free.history()[bounded.history_dropped()..]
    );
    let lat = bounded.latencies_dropped() as usize;
    assert_eq!(bounded.stats().latencies, free.stats().latencies[lat..]);

    // The same verdict, the whole history's.
    let (a, b) = (
        free.history_verdict(linearizability::DEFAULT_MAX_STEPS),
        bounded.history_verdict(linearizability::DEFAULT_MAX_STEPS),
    );
    let (Verdict::Linearizable(a), Verdict::Linearizable(b)) = (&a, &b) else {
        panic!("{a} / {b}");
    };
    assert_eq!((a.ops, a.keys), (b.ops, b.keys));

    // An export replays the run for the records dropped: every one, the same hash.
    let full = bounded.full_trace().unwrap();
    assert_eq!(full.trace(), free.trace());
    assert_eq!(full.trace_hash(), free.trace_hash());
}

/// With compaction, the checker forgets the committed entries every node has in a snapshot
/// (crashed nodes included: one stays down across several snapshots of the others), and the run
/// is the same run: same hash, same verdict, no violation, and the restarted node's replay of its
/// log is still checked against the entries held.
#[test]
fn the_checker_holds_only_what_some_node_has_not_compacted() {
    let opts = SimOptions {
        snapshot_every: 200,
        ..playground(5)
    };
    let mut free = World::new(opts.clone()).unwrap();
    let mut bounded = World::new(opts).unwrap();
    bounded.set_memory_bounds(BOUNDS).unwrap();
    let mut most_held = 0;
    for s in 1..=90 {
        if s == 30 {
            for w in [&mut free, &mut bounded] {
                w.act(Action::Crash { node: 2 }).unwrap();
            }
        }
        if s == 60 {
            for w in [&mut free, &mut bounded] {
                w.act(Action::Restart { node: 2 }).unwrap();
            }
        }
        free.advance_to(s * 1_000);
        bounded.advance_to(s * 1_000);
        most_held = most_held.max(bounded.checker().committed_held());
    }
    let committed = free.checker().committed_len();
    eprintln!(
        "after 90 s: {committed} committed; the bounded checker held at most {most_held}, now {}",
        bounded.checker().committed_held()
    );
    assert!(committed > 5_000, "a long run: {committed}");
    assert_eq!(bounded.checker().committed_len(), committed);
    assert_eq!(free.checker().committed_held() as u64, committed);
    // Crashed for 30 s, S2 holds the floor back meanwhile (about 30 s of commits); then its
    // snapshot catches up and the checker holds about two snapshot intervals again.
    assert!(
        (bounded.checker().committed_held() as u64) < 3 * 200,
        "{} held at the end",
        bounded.checker().committed_held()
    );
    assert!(
        (most_held as u64) < committed / 2,
        "{most_held} held at most"
    );
    assert_eq!(bounded.trace_hash(), free.trace_hash());
    assert!(free.violation().is_none() && bounded.violation().is_none());
    assert!(matches!(
        bounded.history_verdict(linearizability::DEFAULT_MAX_STEPS),
        Verdict::Linearizable(_)
    ));
}

/// Several groups on shared machines (issue #17's page) keep the same bounds per group, and
/// each group's run is the one it runs without them.
#[test]
fn every_group_of_a_multi_world_keeps_its_bounds() {
    use raft_sim::groups::{MultiOptions, MultiWorld};
    let opts = MultiOptions::uniform(3, 2, 3, 3, 9);
    let mut free = MultiWorld::new(opts.clone()).unwrap();
    let mut bounded = MultiWorld::new(opts).unwrap();
    bounded.set_memory_bounds(BOUNDS).unwrap();
    let mut most_ops = 0;
    for s in 1..=60 {
        free.advance_to(s * 1_000);
        bounded.advance_to(s * 1_000);
        for w in bounded.groups() {
            most_ops = most_ops.max(w.history().len());
        }
    }
    for (g, (a, b)) in free.groups().iter().zip(bounded.groups()).enumerate() {
        assert_eq!(a.trace_hash(), b.trace_hash(), "group {g}");
        assert_eq!(a.stats().completed, b.stats().completed, "group {g}");
        assert!(b.history_dropped() > 2 * BOUNDS.history_ops, "group {g}");
        assert_eq!(b.memory_bounds(), Some(BOUNDS));
        assert!(matches!(
            b.history_verdict(linearizability::DEFAULT_MAX_STEPS),
            Verdict::Linearizable(_)
        ));
    }
    assert!(
        most_ops < 4 * BOUNDS.history_ops,
        "{most_ops} operations held"
    );
    let zero = MemoryBounds {
        latencies: 0,
        ..BOUNDS
    };
    assert!(free.set_memory_bounds(zero).is_err());
    assert!(free.groups().iter().all(|w| w.memory_bounds().is_none()));
}

#[test]
fn bounds_of_zero_are_refused() {
    let mut w = World::new(playground(1)).unwrap();
    let zero = MemoryBounds {
        history_ops: 0,
        ..MemoryBounds::default()
    };
    assert!(w.set_memory_bounds(zero).is_err());
    assert_eq!(w.memory_bounds(), None);
}

/// Raft §6.4 broken on purpose (`stale_reads`): a deposed leader that still believes it leads
/// answers a read with the value its successor has overwritten. Under bounds of one operation,
/// every operation is checked and dropped as soon as it completes; the stale read is long gone
/// from the history when the run ends, and the verdict still names it.
#[test]
fn a_stale_read_in_a_dropped_segment_is_still_reported() {
    let opts = SimOptions {
        nodes: 3,
        seed: 12,
        pre_vote: false,
        check_quorum: false,
        break_it: BreakIt {
            stale_reads: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let run = |bounds: Option<MemoryBounds>| {
        let mut w = World::new(opts.clone()).unwrap();
        if let Some(b) = bounds {
            w.set_memory_bounds(b).unwrap();
        }
        let request = |w: &mut World, value: &str| {
            w.act(Action::Request {
                key: "x".into(),
                value: value.into(),
            })
            .unwrap();
            let done = w.stats().completed + 1;
            assert!(w.run_until(w.now() + 1_000, |w| w.stats().completed == done));
        };
        assert!(w.run_until(2_000, |w| w.leader().is_some()));
        request(&mut w, "1");
        let old = w.leader().unwrap();
        w.act(Action::Isolate { node: old }).unwrap();
        assert!(w.run_until(w.now() + 2_000, |w| w.leader().is_some_and(|l| l != old)));
        request(&mut w, "2");
        w.act(Action::Read {
            node: old,
            key: "x".into(),
        })
        .unwrap();
        assert!(w.run_until(w.now() + 1_000, |w| w.stats().completed == 3));
        w.act(Action::Heal).unwrap();
        for v in ["3", "4", "5"] {
            request(&mut w, v);
        }
        w
    };
    let free = run(None);
    let bounded = run(Some(MemoryBounds {
        history_ops: 1,
        ..MemoryBounds::default()
    }));
    assert_eq!(free.trace_hash(), bounded.trace_hash());
    assert_eq!(free.history().len(), 6);
    assert_eq!(
        bounded.history_dropped(),
        6,
        "every operation checked and dropped"
    );
    let stale = &free.history()[2];
    assert_eq!(stale.reply.as_ref().unwrap().value.as_deref(), Some("1"));
    let max = linearizability::DEFAULT_MAX_STEPS;
    let (Verdict::NotLinearizable(a), Verdict::NotLinearizable(b)) =
        (free.history_verdict(max), bounded.history_verdict(max))
    else {
        panic!("both must fail");
    };
    // The same witness: the read, operation 2 of the whole history.
    assert_eq!((&a.key, &a.stuck), (&b.key, &b.stuck));
    assert_eq!(b.stuck, [2]);
    assert!(b.explanation.contains("#2 client"), "{b}");
}

fn op(client: u64, op: Op, seqs: (u64, u64), value: &str) -> HistoryOp {
    HistoryOp::new(client, op, seqs.0)
        .completed(
            seqs.1,
            Reply {
                ok: true,
                value: Some(value.into()),
            },
        )
        .sequenced(seqs.0, seqs.1)
}

fn put(client: u64, value: &str, seqs: (u64, u64)) -> HistoryOp {
    let p = Op::Put {
        key: "x".into(),
        value: value.into(),
    };
    op(client, p, seqs, value)
}

fn get(client: u64, value: &str, seqs: (u64, u64)) -> HistoryOp {
    op(client, Op::Get { key: "x".into() }, seqs, value)
}

/// Two overlapping puts leave either value: the segment is taken with both possible states,
/// and a later read decides which order explains it (Herlihy & Wing: each operation takes
/// effect at one instant between its invocation and its answer).
#[test]
fn a_segment_may_leave_a_key_in_several_states() {
    // put 1 and put 2 overlap (events 1..3 and 2..4); nothing runs after them yet.
    let puts = [put(1, "1", (1, 3)), put(2, "2", (2, 4))];
    for (read, fine) in [("1", true), ("2", true), ("3", false)] {
        let mut s = Segments::new();
        assert!(s.take(&puts, 1_000));
        assert_eq!(s.ops(), 2);
        let later = [get(3, read, (5, 6))];
        let whole: Vec<HistoryOp> = puts.iter().chain(&later).cloned().collect();
        // As the whole history is judged.
        assert_eq!(
            linearizability::verdict(&whole).is_linearizable(),
            fine,
            "{read}"
        );
        assert_eq!(s.verdict(&later, 1_000).is_linearizable(), fine, "{read}");
        // Taken too, the read leaves one state.
        assert!(s.take(&later, 1_000));
        let after = [get(3, read, (7, 8))];
        assert_eq!(s.verdict(&after, 1_000).is_linearizable(), fine, "{read}");
    }
    // After a read of 1, only 1 remains.
    let mut s = Segments::new();
    assert!(s.take(&puts, 1_000));
    assert!(s.take(&[get(3, "1", (5, 6))], 1_000));
    assert!(!s.verdict(&[get(3, "2", (7, 8))], 1_000).is_linearizable());
}
