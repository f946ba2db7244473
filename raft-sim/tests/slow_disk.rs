//! A slow disk: every write takes a while, and a node's Ready waits for its write before
//! anything in it is sent or applied (the contract on `Ready`: persist, then send; paper
//! Figure 2: "respond to RPCs" only after updating stable storage). Elections and commits take
//! longer by the disk's time, nothing a node acknowledged is ever lost, and a crash during a
//! write loses only what no one was told about.

use raft_core::message::Body;
use raft_sim::actions::Action;
use raft_sim::network::NetConfig;
use raft_sim::trace::TraceEvent;
use raft_sim::world::{SimOptions, World};

fn opts(seed: u64, disk_ms: u64) -> SimOptions {
    SimOptions {
        nodes: 5,
        seed,
        disk_ms,
        net: NetConfig {
            latency_min: 2,
            latency_max: 2,
            ..NetConfig::default()
        },
        ..SimOptions::default()
    }
}

/// When a put sent to the leader completes, ms after it was sent.
fn commit_latency(w: &mut World) -> u64 {
    let start = w.now();
    w.act(Action::Request {
        key: "k".into(),
        value: format!("v{start}"),
    })
    .expect("a leader");
    assert!(w.run_until(start + 2_000, |w| w
        .history()
        .last()
        .is_some_and(|op| op.complete.is_some())));
    w.history().last().unwrap().complete.unwrap() - start
}

// Figure 2: a follower answers AppendEntries only once the entries are stable, and the leader
// commits only on those answers, so a commit waits for the leader's write and then for a
// follower's (the leader's own write is not overlapped with sending here).
#[test]
fn a_commit_waits_for_the_disks_of_a_majority() {
    for seed in 1..=5 {
        let mut fast = World::new(opts(seed, 0)).unwrap();
        fast.run_until(3_000, |w| w.leader().is_some());
        fast.advance_by(200);
        let mut slow = World::new(opts(seed, 30)).unwrap();
        slow.run_until(3_000, |w| w.leader().is_some());
        slow.advance_by(200);
        let (f, s) = (commit_latency(&mut fast), commit_latency(&mut slow));
        // Two writes in a row (leader, then followers) before the commit.
        assert!(
            s >= f + 60,
            "seed {seed}: {f} ms at once, {s} ms with 30 ms writes"
        );
        assert!(slow.violation().is_none() && fast.violation().is_none());
    }
}

// Figure 2: a vote is granted only once it is durable, so no vote reply leaves a voter before its
// disk is done, and no candidate wins sooner than the disk allows.
#[test]
fn no_vote_is_sent_before_it_is_on_disk() {
    for seed in 1..=5 {
        let mut w = World::new(opts(seed, 40)).unwrap();
        w.run_until(3_000, |w| w.leader().is_some());
        let leader = w.leader().unwrap();
        w.advance_by(200);
        let term = w.node(leader).unwrap().term();
        // The candidate's term and vote are on its disk when the record is written; then its
        // vote requests go out (2 ms), each voter writes its vote (40) and answers (2), and the
        // new leader writes its first entry (40) before its first append leaves.
        let durable = w
            .trace()
            .iter()
            .find(|r| {
                matches!(&r.event, TraceEvent::HardState { node, term: t, .. }
                    if *node == leader && *t == term)
            })
            .map(|r| r.t)
            .expect("the winning term was stored");
        let first_append = w
            .trace()
            .iter()
            .find(|r| {
                matches!(&r.event, TraceEvent::Send { msg, .. }
                    if msg.from == leader && msg.term == term
                        && matches!(msg.body, Body::Append { .. }))
            })
            .map(|r| r.t)
            .expect("the leader appends");
        assert!(
            first_append >= durable + 84,
            "seed {seed}: term {term} stored at {durable} ms, first append at {first_append} ms"
        );
        assert!(w.violation().is_none());
    }
}

// A crash while a write is under way loses that write, and nothing else: no one was told of it.
#[test]
fn crashes_during_writes_lose_only_unacknowledged_state() {
    for seed in 1..=10 {
        let mut w = World::new(SimOptions {
            clients: raft_sim::world::ClientOptions {
                enabled: true,
                ..Default::default()
            },
            ..opts(seed, 15)
        })
        .unwrap();
        let mut t = 0;
        for k in 0..30u64 {
            t += 97;
            w.advance_to(t);
            let node = 1 + (k * 7 + seed) % 5;
            if w.node(node).is_some() {
                let _ = w.act(Action::Crash { node });
            } else {
                let _ = w.act(Action::Restart { node });
            }
            if let Some(v) = w.violation() {
                panic!("seed {seed}: {v:?}");
            }
        }
        for node in 1..=5 {
            let _ = w.act(Action::Restart { node });
        }
        let before = w.leader_commit();
        w.advance_by(3_000);
        assert!(w.violation().is_none(), "seed {seed}: {:?}", w.violation());
        assert!(
            w.leader_commit() > before,
            "seed {seed}: no progress after the crashes"
        );
    }
}

#[test]
fn disk_latency_is_bounded_and_settable_per_node() {
    let mut w = World::new(opts(1, 0)).unwrap();
    assert!(w
        .act(Action::DiskLatency {
            node: 1,
            ms: 10_001
        })
        .is_err());
    assert!(w.act(Action::DiskLatency { node: 9, ms: 5 }).is_err());
    w.act(Action::DiskLatency { node: 1, ms: 50 }).unwrap();
    assert!(World::new(opts(1, 10_001)).is_err());
}
