//! Snapshots, compaction and membership changes (issue 4), through the simulator so that every
//! safety checker runs after every event.

use alloc::vec;
use alloc::vec::Vec;

use crate::trace::SnapshotSource;
use crate::*;
use raft_core::types::{NodeId, Role};

fn world(nodes: u32, seed: u64) -> World {
    let mut w = World::new(SimOptions {
        nodes,
        seed,
        ..Default::default()
    })
    .unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    // Let the no-op commit so that membership changes are allowed (the 2015 rule).
    let l = w.leader().unwrap();
    assert!(w.run_until(3_000, |w| w
        .node(l)
        .is_some_and(|n| n.log().committed() >= 1)));
    w
}

fn put(w: &mut World, n: u32) {
    for k in 0..n {
        w.act(Action::Request {
            key: alloc::format!("k{}", k % 3),
            value: alloc::format!("{k}"),
        })
        .unwrap();
        let target = w.stats().completed + 1;
        assert!(
            w.run_until(w.now() + 5_000, |w| w.stats().completed >= target),
            "request {k} completed"
        );
    }
}

fn assert_safe(w: &World) {
    assert!(w.violation().is_none(), "{:?}", w.violation());
}

fn leader_membership(w: &World) -> raft_core::membership::Membership {
    w.node(w.leader().unwrap()).unwrap().membership().clone()
}

// Dissertation §4.2.1: a new node joins as a learner, catches up, then is promoted.
#[test]
fn add_a_node_through_learner_then_voter() {
    let mut w = world(3, 1);
    put(&mut w, 5);
    w.act(Action::AddNode).unwrap();
    assert!(w.nodes().contains_key(&4));
    let leader = w.leader().unwrap();
    // The learner catches up: it receives the log but never votes or campaigns.
    assert!(w.run_until(w.now() + 2_000, |w| {
        w.node(4)
            .is_some_and(|n| n.log().committed() == w.node(leader).unwrap().log().committed())
    }));
    assert_eq!(w.node(4).unwrap().role(), Role::Learner);
    assert!(leader_membership(&w).learners.contains(&4));
    assert!(!w.node(4).unwrap().is_promotable());
    w.act(Action::Promote { node: 4 }).unwrap();
    assert!(w.run_until(w.now() + 2_000, |w| {
        (1..=4).all(|i| {
            w.node(i).is_some_and(|n| {
                n.membership().voters.len() == 4 && n.log().committed() >= n.log().last_index()
            })
        })
    }));
    assert_eq!(w.node(4).unwrap().role(), Role::Follower);
    // Now 4 voters: the cluster survives one crash and keeps committing with 3 of 4.
    let l = w.leader().unwrap();
    w.act(Action::Crash { node: l }).unwrap();
    put(&mut w, 3);
    assert_safe(&w);
}

// Dissertation §4.1: one change at a time; refused until the previous one commits.
#[test]
fn second_change_waits_for_the_first_to_commit() {
    let mut w = world(3, 2);
    let l = w.leader().unwrap();
    let others: vec::Vec<_> = (1..=3).filter(|&i| i != l).collect();
    // Cut the leader off so that its first change cannot commit.
    w.act(Action::Partition {
        groups: vec![vec![l], others.clone()],
    })
    .unwrap();
    w.act(Action::AddNode).unwrap();
    let err = w.act(Action::Remove { node: others[0] }).unwrap_err();
    assert!(
        alloc::format!("{err}").contains("not committed yet"),
        "{err}"
    );
    assert_safe(&w);
}

// Dissertation §4.2.2: removing the leader. It keeps leading until C_new commits, then steps
// down; the remaining nodes elect a leader among themselves.
#[test]
fn remove_the_leader() {
    let mut w = world(5, 3);
    put(&mut w, 3);
    let old = w.leader().unwrap();
    w.act(Action::Remove { node: old }).unwrap();
    assert!(w.run_until(w.now() + 3_000, |w| w.leader().is_some_and(|l| l != old)));
    let new = w.leader().unwrap();
    let m = leader_membership(&w);
    assert!(!m.contains(old) && m.voters.len() == 4);
    assert_ne!(w.node(old).unwrap().role(), Role::Leader);
    // The removed node does not disrupt: it never campaigns (it knows it is removed) and the
    // leader's term stays put.
    let term = w.node(new).unwrap().term();
    w.advance_by(3_000);
    assert_eq!(w.leader(), Some(new));
    assert_eq!(w.node(new).unwrap().term(), term);
    put(&mut w, 3);
    assert_safe(&w);
}

// A follower removed while partitioned never learns it was removed. PreVote and CheckQuorum
// keep its campaigns from disturbing the cluster (dissertation §4.2.3).
#[test]
fn remove_a_follower_during_a_partition_without_disruption() {
    let mut w = world(5, 4);
    let l = w.leader().unwrap();
    let victim = (1..=5).find(|&i| i != l).unwrap();
    w.act(Action::Isolate { node: victim }).unwrap();
    w.act(Action::Remove { node: victim }).unwrap();
    put(&mut w, 3);
    let term = w.node(l).unwrap().term();
    w.act(Action::Heal).unwrap();
    w.advance_by(5_000);
    assert_eq!(w.leader(), Some(l), "the removed node deposed the leader");
    assert_eq!(w.node(l).unwrap().term(), term);
    assert!(!leader_membership(&w).contains(victim));
    assert_safe(&w);
}

// Paper §6 / dissertation §4.3: joint consensus. The leader crashes right after proposing
// C_old,new; whoever leads next finishes the change (or it is dropped), never two majorities.
#[test]
fn joint_change_interrupted_by_a_leader_crash() {
    for seed in 1..=20 {
        let mut w = world(3, seed);
        w.act(Action::AddNode).unwrap();
        w.act(Action::AddNode).unwrap_err(); // one change at a time
        let l = w.leader().unwrap();
        assert!(w.run_until(w.now() + 2_000, |w| w
            .node(l)
            .is_some_and(|n| n.log().committed() == n.log().last_index())));
        // Move from {1,2,3} to {2,3,4} through joint consensus, then crash the leader at once.
        w.act(Action::Reconfigure {
            voters: vec![2, 3, 4],
        })
        .unwrap();
        w.advance_by(5 + seed % 20);
        let l = w.leader().unwrap();
        w.act(Action::Crash { node: l }).unwrap();
        w.advance_by(3_000);
        w.act(Action::Restart { node: l }).unwrap();
        assert!(
            w.run_until(w.now() + 5_000, |w| w.leader().is_some_and(|x| !w
                .node(x)
                .unwrap()
                .membership()
                .is_joint())),
            "seed {seed}: the cluster left joint consensus"
        );
        // Either the change was rolled forward to C_new or, if C_old,new never reached the new
        // leader, dropped: never anything else.
        let voters: vec::Vec<_> = leader_membership(&w).voters.into_iter().collect();
        assert!(
            voters == [2, 3, 4] || voters == [1, 2, 3],
            "seed {seed}: voters {voters:?}"
        );
        assert_safe(&w);
    }
}

/// Three nodes with `compaction` settings: a follower is cut off while `puts` writes complete,
/// so that what it misses is compacted away on the leader. Returns the world (with the follower
/// still cut off), the leader and the follower.
fn lagging_follower(seed: u64, compaction: SimOptions, puts: u32) -> (World, NodeId, NodeId) {
    let mut w = World::new(SimOptions {
        nodes: 3,
        seed,
        ..compaction
    })
    .unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    let l = w.leader().unwrap();
    let slow = (1..=3).find(|&i| i != l).unwrap();
    w.act(Action::Isolate { node: slow }).unwrap();
    put(&mut w, puts);
    (w, l, slow)
}

/// Waits until `slow` has committed everything the leader had, then checks it holds the
/// leader's state and that no safety property broke.
fn assert_catches_up(w: &mut World, l: NodeId, slow: NodeId, within: u64) {
    let target = w.node(l).unwrap().log().committed();
    assert!(w.run_until(w.now() + within, |w| w
        .node(slow)
        .is_some_and(|n| n.log().committed() >= target)));
    assert_eq!(w.nodes()[&slow].kv.data(), w.nodes()[&l].kv.data());
    assert_safe(w);
}

// Paper §7: a follower too far behind receives the leader's snapshot, then catches up by
// AppendEntries.
#[test]
fn slow_follower_receives_a_snapshot() {
    let compaction = SimOptions {
        snapshot_every: 10,
        ..Default::default()
    };
    let (mut w, l, slow) = lagging_follower(5, compaction, 40);
    assert!(w.node(l).unwrap().log().snapshot_index() >= 30);
    w.act(Action::Heal).unwrap();
    assert_catches_up(&mut w, l, slow, 3_000);
    let installed = w.trace().iter().any(
        |r| matches!(r.event, TraceEvent::Snapshot { node, source: SnapshotSource::Leader, .. } if node == slow),
    );
    assert!(installed, "the slow follower got a snapshot");
}

// Paper §7 with chunks: a lost chunk is resent from the last acknowledged byte, and a crash in
// the middle of an install starts it over; the follower ends with the leader's state.
#[test]
fn snapshot_install_survives_a_lost_chunk_and_a_crash() {
    let compaction = SimOptions {
        snapshot_every: 5,
        max_msg_bytes: 32,
        ..Default::default()
    };
    let (mut w, l, slow) = lagging_follower(6, compaction, 30);
    w.act(Action::Heal).unwrap();
    // Drop the first snapshot chunk in flight to the slow follower.
    let chunk = |w: &World| {
        w.network()
            .in_flight()
            .find(|f| f.msg.to == slow && f.msg.body.kind() == "snapshot")
            .map(|f| f.id)
    };
    assert!(w.run_until(w.now() + 1_000, |w| chunk(w).is_some()));
    let id = chunk(&w).unwrap();
    w.act(Action::DropMessage { id }).unwrap();
    // Crash it once part of the snapshot has arrived.
    assert!(w.run_until(w.now() + 2_000, |w| w
        .node(slow)
        .and_then(|n| n.incoming_snapshot())
        .is_some_and(|(_, got, _)| got > 32)));
    w.act(Action::Crash { node: slow }).unwrap();
    w.advance_by(100);
    w.act(Action::Restart { node: slow }).unwrap();
    assert_catches_up(&mut w, l, slow, 5_000);
}

// Restart from snapshot plus log tail rebuilds the same state machine; applied never goes back.
#[test]
fn restart_from_snapshot_and_tail_restores_the_state() {
    let mut w = World::new(SimOptions {
        nodes: 3,
        seed: 7,
        snapshot_every: 7,
        ..Default::default()
    })
    .unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    put(&mut w, 25);
    let l = w.leader().unwrap();
    let f = (1..=3).find(|&i| i != l).unwrap();
    let before = w.nodes()[&f].kv.clone();
    assert!(w.nodes()[&f].storage().state().snapshot_index > 0);
    w.act(Action::Crash { node: f }).unwrap();
    w.act(Action::Restart { node: f }).unwrap();
    assert!(w.run_until(w.now() + 2_000, |w| w.node(f).is_some_and(|n| n
        .log()
        .applied()
        >= n.log().committed()
        && n.log().committed() >= w.node(l).unwrap().log().committed())));
    // Rebuilt from snapshot + tail, then caught up: the same state as the leader, and at least
    // everything it had applied before the crash (applied never goes back).
    assert_eq!(w.nodes()[&f].kv.data(), w.nodes()[&l].kv.data());
    assert!(w.nodes()[&f].kv.data().len() >= before.data().len());
    assert_safe(&w);
}

/// Runs 10 s of steady client load on 3 nodes with `opts`' compaction policy; returns the
/// world and the most bytes of Raft state (hard state and log) any node stored at a 100 ms mark.
fn steady_load_max_raft_state(seed: u64, compaction: SimOptions) -> (World, u64) {
    let mut w = World::new(SimOptions {
        nodes: 3,
        seed,
        clients: ClientOptions {
            enabled: true,
            ..Default::default()
        },
        ..compaction
    })
    .unwrap();
    let mut max = 0;
    for _ in 0..100 {
        w.advance_by(100);
        for s in w.nodes().values() {
            max = max.max(s.storage().raft_state_bytes());
        }
    }
    assert!(
        w.stats().completed > 300,
        "load ran: {}",
        w.stats().completed
    );
    (w, max)
}

// The classic lab bound: with snapshots every 10 entries, persisted Raft state (hard state and
// log, not the snapshot data) stays under 2,000 bytes under steady load.
#[test]
fn raft_state_stays_bounded_with_compaction() {
    let (w, max) = steady_load_max_raft_state(
        8,
        SimOptions {
            snapshot_every: 10,
            ..Default::default()
        },
    );
    assert!(max < 2_000, "raft state reached {max} bytes");
    assert_safe(&w);
}

// Dissertation §3.10 with membership: a learner cannot be made leader.
#[test]
fn transfer_to_a_learner_is_refused() {
    let mut w = world(3, 9);
    w.act(Action::AddNode).unwrap();
    let err = w.act(Action::TransferLeader { to: 4 }).unwrap_err();
    assert!(alloc::format!("{err}").contains("not a voter"), "{err}");
}

// Figure 2: a stale AppendEntries is answered with the receiver's term. A leader cut off and
// then removed by the majority is never sent a vote request again, so without that answer it
// would stay "leader" of its old term forever, taking (and never committing) client requests,
// when neither PreVote nor CheckQuorum is on. Found by `raft-sim check` (seed 4417).
#[test]
fn removed_stale_leader_steps_down_without_prevote_or_checkquorum() {
    let mut w = World::new(SimOptions {
        nodes: 5,
        seed: 10,
        pre_vote: false,
        check_quorum: false,
        ..Default::default()
    })
    .unwrap();
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    let old = w.leader().unwrap();
    let old_term = w.node(old).unwrap().term();
    w.act(Action::Isolate { node: old }).unwrap();
    assert!(w.run_until(w.now() + 3_000, |w| w.leader().is_some_and(|l| l != old)));
    let new = w.leader().unwrap();
    let committed = w.node(new).unwrap().log().committed();
    assert!(
        w.run_until(w.now() + 1_000, |w| w.node(new).unwrap().log().committed()
            > committed)
    );
    w.act(Action::Remove { node: old }).unwrap();
    assert!(w.run_until(w.now() + 1_000, |w| !w
        .node(new)
        .unwrap()
        .membership()
        .contains(old)
        && w.node(new).unwrap().log().committed()
            == w.node(new).unwrap().log().last_index()));
    assert_eq!(
        w.node(old).unwrap().role(),
        Role::Leader,
        "still believes it leads"
    );
    assert_eq!(w.node(old).unwrap().term(), old_term);
    w.act(Action::Heal).unwrap();
    assert!(
        w.run_until(w.now() + 500, |w| w.node(old).unwrap().role()
            != Role::Leader),
        "the removed leader must learn the newer term from the answers to its heartbeats"
    );
    assert_safe(&w);
}

// Compaction by size: once the log's entries exceed the byte budget, the node snapshots what it
// has applied, and the stored log stays near the budget however long the run.
#[test]
fn log_bytes_stay_near_the_budget() {
    let (w, max) = steady_load_max_raft_state(
        11,
        SimOptions {
            snapshot_max_log_bytes: 1_000,
            ..Default::default()
        },
    );
    assert!(w
        .nodes()
        .values()
        .all(|s| s.storage().state().snapshot_index > 0));
    // The budget plus what arrives between two applies, plus the hard state.
    assert!(max < 1_600, "raft state reached {max} bytes");
    assert_safe(&w);
}

// Dissertation §4.2: a cluster moved wholesale onto new machines. The load clients must find the
// new members: clients that only knew the initial ids would keep asking removed, crashed
// machines and the run would look stuck (issue 21, item 4; seeds 27755 and 73).
#[test]
fn clients_reach_a_cluster_moved_onto_added_nodes() {
    let mut w = world(3, 5);
    for _ in 0..2 {
        retry(&mut w, Action::AddNode);
        let id = *w.nodes().keys().max().unwrap();
        retry(&mut w, Action::Promote { node: id });
    }
    for old in 1..=3 {
        retry(&mut w, Action::Remove { node: old });
    }
    assert!(w.run_until(w.now() + 3_000, |w| {
        w.leader()
            .is_some_and(|l| l > 3 && leader_membership(w).voters.len() == 2)
    }));
    for old in 1..=3 {
        w.act(Action::Crash { node: old }).unwrap();
    }
    w.act(Action::ClientLoad { on: true }).unwrap();
    let before = w.stats().completed;
    w.advance_by(5_000);
    assert!(
        w.stats().completed > before + 10,
        "only {} operations completed on the new members",
        w.stats().completed - before
    );
    assert_safe(&w);
}

/// Applies `action` as soon as the cluster accepts it (the previous change committed, a leader
/// known), within 5 s.
fn retry(w: &mut World, action: Action) {
    for _ in 0..50 {
        if w.act(action.clone()).is_ok() {
            return;
        }
        w.advance_by(100);
    }
    panic!("{action:?} refused for 5 s");
}

// Dissertation §4.2.3 (removed servers are shut down) and §5.4 (Leader Completeness): before the
// healed tail of a randomized schedule, `decommission` shuts down only the nodes that no
// possible future leader counts as members. Here the only live node missed a joint
// reconfiguration that replaced three voters: judged by its old configuration (as the live
// nodes alone were once trusted to say), the three new voters were shut down and no leader
// could ever be elected again (swarm seed 7023206 with 8 s of faults: "no progress within 5 s
// after healing every fault").
#[test]
fn decommission_keeps_the_voters_a_stale_survivor_never_heard_of() {
    let mut w = world(5, 3);
    let leader = w.leader().unwrap();
    let stale: NodeId = (1..=5).find(|&i| i != leader).unwrap();
    w.act(Action::Crash { node: stale }).unwrap();
    for _ in 0..3 {
        w.act(Action::AddNode).unwrap();
        // One change at a time: the next waits for this one to commit.
        assert!(w.run_until(w.now() + 2_000, |w| w
            .node(leader)
            .is_some_and(|n| n.log().committed() == n.log().last_index())));
    }
    put(&mut w, 2);
    let kept: Vec<NodeId> = (1..=5).filter(|&i| i != stale).take(2).collect();
    let mut voters = kept.clone();
    voters.extend([6, 7, 8]);
    w.act(Action::Reconfigure {
        voters: voters.clone(),
    })
    .unwrap();
    // The change completes: the new voters are in the new configuration alone.
    let done = |w: &World| {
        voters.iter().all(|&i| {
            w.node(i).is_none_or(|n| {
                n.membership().outgoing.is_empty()
                    && n.membership().voters.iter().copied().collect::<Vec<_>>() == voters
                    && n.log().committed() == n.log().last_index()
            })
        })
    };
    assert!(w.run_until(w.now() + 5_000, done), "the change completes");
    put(&mut w, 1);
    // Everyone but the stale node goes down; it comes back with its old configuration.
    for i in 1..=8 {
        if i != stale && w.node(i).is_some() {
            w.act(Action::Crash { node: i }).unwrap();
        }
    }
    w.act(Action::Restart { node: stale }).unwrap();
    assert_eq!(w.node(stale).unwrap().membership().voters.len(), 5);

    let retired = crate::schedule::decommission(&mut w);
    let mut expected: Vec<NodeId> = (1..=5).filter(|i| !kept.contains(i)).collect();
    expected.sort_unstable();
    assert_eq!(
        retired, expected,
        "the old voters outside the new configuration"
    );
    assert!(w.node(stale).is_none(), "the stale node is shut down");
    for &i in &voters {
        w.act(Action::Restart { node: i }).unwrap();
    }
    assert!(
        w.run_until(w.now() + 5_000, |w| w.leader().is_some()),
        "the new configuration elects a leader"
    );
    put(&mut w, 2);
    assert_safe(&w);
}
