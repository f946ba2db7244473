//! The safety checker on its own: each property must fire on a run that breaks it and stay
//! quiet on runs that Raft allows (no false alarms).

use alloc::vec;
use alloc::vec::Vec;

use crate::app::{Command, KvStore, Op};
use crate::checker::{Checker, Violation, STATE_WINDOW};
use crate::schedule::{run_check, Faults};
use crate::{Action, SimOptions, World};
use raft_core::entry::{Entry, HardState, Payload};
use raft_core::log::RaftLog;
use raft_core::membership::Membership;
use raft_core::types::NodeId;

fn entry(index: u64, term: u64) -> Entry {
    Entry {
        term,
        index,
        payload: Payload::Command(vec![index as u8, term as u8].into()),
    }
}

fn log(entries: Vec<Entry>) -> RaftLog {
    RaftLog::restore(0, 0, entries).expect("consecutive entries")
}

/// `node` leading `term` commits `commit` of `log` over the configuration `base` (the log
/// holds no membership entries).
fn leader_commits(
    c: &mut Checker,
    node: NodeId,
    term: u64,
    commit: u64,
    base: &Membership,
    log: &RaftLog,
) {
    c.on_commit(node, commit, term, true, log);
    c.on_leader_commit(node, term, commit, base, log);
}

fn properties(c: &Checker) -> Vec<&str> {
    c.violations.iter().map(|v| v.property.as_str()).collect()
}

/// Raft §5.4 (Leader Completeness) binds leaders of terms after the one in which an entry was
/// committed. Here S1 leads term 3 and commits index 1 (an entry of term 3); S2, a candidate of
/// term 2 whose votes were cast before, wins late without it. Legal: no violation.
#[test]
fn leader_completeness_allows_an_older_term_leader_winning_late() {
    let mut c = Checker::new();
    let l1 = log(vec![entry(1, 3)]);
    c.on_persist(1, &l1.entries());
    c.on_leader(1, 3, &l1);
    c.on_commit(1, 1, 3, true, &l1);
    c.on_leader(2, 2, &log(Vec::new()));
    assert_eq!(properties(&c), Vec::<&str>::new());
}

/// The same entry must be in the log of any leader of a later term (§5.4).
#[test]
fn leader_completeness_catches_a_later_leader_without_a_committed_entry() {
    let mut c = Checker::new();
    let l1 = log(vec![entry(1, 3)]);
    c.on_persist(1, &l1.entries());
    c.on_leader(1, 3, &l1);
    c.on_commit(1, 1, 3, true, &l1);
    c.on_leader(3, 4, &log(Vec::new()));
    assert_eq!(properties(&c), vec!["Leader Completeness"]);
}

/// A leader of a later term elected while an older leader was still committing (its election
/// came first, the commit after) must hold the entry as well: checked when the commit is seen.
#[test]
fn leader_completeness_catches_a_leader_elected_before_the_commit() {
    let mut c = Checker::new();
    let l1 = log(vec![entry(1, 3)]);
    c.on_persist(1, &l1.entries());
    c.on_leader(1, 3, &l1);
    let l2 = log(vec![entry(1, 4)]);
    c.on_persist(2, &l2.entries());
    c.on_leader(2, 4, &l2);
    assert_eq!(properties(&c), Vec::<&str>::new());
    c.on_commit(1, 1, 3, true, &l1);
    assert_eq!(properties(&c), vec!["Leader Completeness"]);
}

/// The run that raised a false alarm (`raft-sim check --seeds 32999..32999` reported "S2
/// became leader of term 4 without committed entry 93" on a correct run).
#[test]
fn seed_32999_is_not_a_leader_completeness_violation() {
    let out = run_check(32999, 5, 3_000, Faults::ALL, false);
    assert_eq!(out.violation, None);
}

/// A three-node world without client load, with a leader; returns it and the leader's id.
fn quiet_world() -> (World, NodeId) {
    let mut w = World::new(SimOptions {
        nodes: 3,
        seed: 5,
        ..Default::default()
    })
    .expect("valid options");
    assert!(w.run_until(2_000, |w| w.leader().is_some()));
    let leader = w.leader().expect("elected");
    (w, leader)
}

fn append_x() -> Command {
    Command {
        client: 7,
        seq: 1,
        op: Op::Append {
            key: "k".into(),
            value: "x".into(),
        },
    }
}

/// A retried command committed twice (legal: the client cannot know whether its first attempt
/// committed) must be executed once by every replica (dissertation §6.3), including one that
/// restarted from a snapshot in between. `lose_dedup` plants the bug: the restarted replica's
/// state machine skips the session table, so it executes the retry a second time. Returns the
/// violations and the world.
fn retry_across_a_restart(lose_dedup: bool) -> (Vec<Violation>, World) {
    let (mut w, leader) = quiet_world();
    let follower = (1..=3).find(|&i| i != leader).expect("three nodes");
    w.propose_command(leader, &append_x())
        .expect("leader accepts");
    w.advance_by(300);
    w.act(Action::Compact { node: follower }).expect("compacts");
    w.act(Action::Crash { node: follower }).expect("crashes");
    w.act(Action::Restart { node: follower }).expect("restarts");
    assert_eq!(w.nodes()[&follower].kv.get("k"), Some("x"), "restored");
    if lose_dedup {
        w.sim_node_mut(follower).expect("exists").kv.dedup_disabled = true;
    }
    let leader = w.leader().expect("still led");
    w.propose_command(leader, &append_x())
        .expect("leader accepts");
    w.advance_by(500);
    (w.violation().into_iter().cloned().collect(), w)
}

/// The replica that executed the retry again holds "xx" where every other holds "x": its
/// state machine diverged at the retry's index. Before the state digests, the checker only
/// compared a node's commands since its own restart, and missed this.
#[test]
fn exactly_once_catches_a_retry_executed_again_after_a_restart() {
    let (violations, w) = retry_across_a_restart(true);
    let v = violations.first().expect("a violation");
    assert_eq!(v.property, "Exactly Once", "{v:?}");
    let follower = *w
        .nodes()
        .iter()
        .find(|(_, s)| s.kv.get("k") == Some("xx"))
        .expect("the planted replica executed twice")
        .0;
    assert!(v.nodes.contains(&follower), "{v:?}");
}

/// The same run without the planted bug: the retry is answered from the session table on every
/// replica, the restarted one included, and nothing is flagged.
#[test]
fn exactly_once_allows_a_retry_answered_after_a_restart() {
    let (violations, w) = retry_across_a_restart(false);
    assert_eq!(violations, Vec::new());
    for s in w.nodes().values() {
        assert_eq!(s.kv.get("k"), Some("x"));
    }
}

/// Hand-driven: replicas agreeing at every index pass; one reporting another digest at an
/// index already reported, here the same replica after a restart, is named with the first.
#[test]
fn exactly_once_compares_digests_across_replicas_and_restarts() {
    let mut c = Checker::new();
    for i in 0..=5 {
        c.on_state(1, i, 100 + i);
        c.on_state(2, i, 100 + i);
        if i <= 2 {
            c.on_state(3, i, 100 + i);
        }
    }
    assert_eq!(properties(&c), Vec::<&str>::new());
    c.on_crash(3);
    c.on_restart(3, HardState::default(), 0, &[]);
    c.on_state(3, 0, 100);
    c.on_state(3, 1, 101);
    c.on_state(3, 2, 0xbad);
    assert_eq!(properties(&c), vec!["Exactly Once"]);
    assert_eq!(c.violations[0].nodes, vec![3, 1]);
    let detail = &c.violations[0].detail;
    assert!(
        detail.contains("index 2") && detail.contains("0x0000000000000bad"),
        "{detail}"
    );
}

/// The memory bound of [`STATE_WINDOW`]: digests below every replica's index are dropped at
/// once; a replica that stays behind (crashed, never restarted) holds them at most for the
/// window, after which what it reports below is no longer compared, but what it reports
/// inside the window is.
#[test]
fn state_digests_are_forgotten_below_every_replica_and_beyond_the_window() {
    let mut c = Checker::new();
    for i in 0..=100 {
        c.on_state(1, i, i);
        if i <= 50 {
            c.on_state(2, i, i);
        }
    }
    assert_eq!(c.state_digests_kept(), 51, "indices 50..=100");
    c.on_crash(2);
    let top = STATE_WINDOW + 200;
    for i in 101..=top {
        c.on_state(1, i, i);
    }
    assert_eq!(c.state_digests_kept() as u64, STATE_WINDOW);
    c.on_restart(2, HardState::default(), 0, &[]);
    c.on_state(2, 60, 0xbad);
    assert_eq!(
        properties(&c),
        Vec::<&str>::new(),
        "forgotten: not compared"
    );
    c.on_state(2, top - 10, 0xbad);
    assert_eq!(properties(&c), vec!["Exactly Once"]);
}

/// A snapshot whose bytes the state machine cannot decode must be reported, not turned into an
/// empty store (which would silently lose every committed command before it, §5.4.3).
#[test]
fn a_restart_from_a_malformed_snapshot_is_reported() {
    let (mut w, leader) = quiet_world();
    let follower = (1..=3).find(|&i| i != leader).expect("three nodes");
    w.propose_command(leader, &append_x())
        .expect("leader accepts");
    w.advance_by(300);
    w.compact_with_data(follower, b"not a snapshot".to_vec())
        .expect("compacts");
    w.act(Action::Crash { node: follower }).expect("crashes");
    w.act(Action::Restart { node: follower }).expect("restarts");
    let v = w.violation().expect("reported");
    assert_eq!(v.property, "State Machine Safety");
    assert_eq!(v.nodes, vec![follower]);
    assert!(v.detail.contains("could not restore"), "{}", v.detail);
}

/// The same for a snapshot a lagging follower receives from its leader (§7).
#[test]
fn installing_a_malformed_snapshot_is_reported() {
    let (mut w, leader) = quiet_world();
    let follower = (1..=3).find(|&i| i != leader).expect("three nodes");
    w.act(Action::Isolate { node: follower }).expect("isolates");
    w.propose_command(leader, &append_x())
        .expect("leader accepts");
    w.advance_by(300);
    w.compact_with_data(leader, b"not a snapshot".to_vec())
        .expect("compacts");
    assert!(w.violation().is_none());
    w.act(Action::Heal).expect("heals");
    w.advance_by(1_000);
    let v = w.violation().expect("reported");
    assert_eq!(v.property, "State Machine Safety");
    assert_eq!(v.nodes, vec![follower]);
    assert!(v.detail.contains("could not restore"), "{}", v.detail);
}

/// A snapshot that decodes but holds another state than the one at its index is caught when a
/// replica restarts from it. Here only the session table differs (the same append, recorded
/// under another client): the data alone would look right, but a retry of client 7 would then
/// run again (dissertation §6.3).
#[test]
fn exactly_once_catches_a_restart_from_a_snapshot_with_another_session_table() {
    let (mut w, leader) = quiet_world();
    let follower = (1..=3).find(|&i| i != leader).expect("three nodes");
    w.propose_command(leader, &append_x())
        .expect("leader accepts");
    w.advance_by(300);
    let mut other = KvStore::default();
    other.apply(&Command {
        client: 8,
        ..append_x()
    });
    assert_eq!(other.data(), w.nodes()[&follower].kv.data());
    w.compact_with_data(follower, other.snapshot())
        .expect("compacts");
    w.act(Action::Crash { node: follower }).expect("crashes");
    w.act(Action::Restart { node: follower }).expect("restarts");
    let v = w.violation().expect("reported");
    assert_eq!(v.property, "Exactly Once", "{v:?}");
    assert_eq!(v.nodes[0], follower, "{v:?}");
}

/// Stored On A Majority (§5.3): a leader of three voters committing an entry only it has
/// persisted is caught at the commit; the same commit once a second voter has persisted the
/// entry is not.
#[test]
fn stored_on_a_majority_catches_a_commit_only_the_leader_persisted() {
    let three = Membership::with_voters([1, 2, 3]);
    let l1 = log(vec![entry(1, 1)]);
    let mut c = Checker::new();
    c.on_persist(1, &l1.entries());
    c.on_leader(1, 1, &l1);
    leader_commits(&mut c, 1, 1, 1, &three, &l1);
    assert_eq!(properties(&c), vec!["Stored On A Majority"]);
    let detail = &c.violations[0].detail;
    assert!(
        detail.contains("committed index 1, which only S1 of the voters S1, S2 and S3"),
        "{detail}"
    );

    let mut c = Checker::new();
    c.on_persist(1, &l1.entries());
    c.on_persist(3, &l1.entries());
    c.on_leader(1, 1, &l1);
    leader_commits(&mut c, 1, 1, 1, &three, &l1);
    assert_eq!(properties(&c), Vec::<&str>::new());
    // A follower's commit is not counted over anything.
    c.on_commit(2, 1, 1, false, &l1);
    assert_eq!(properties(&c), Vec::<&str>::new());
}

/// The voters counted are the configuration's: a learner holding the entry does not make a
/// majority, a node holding a different entry at the index does not count, and in a joint
/// configuration both the incoming and the outgoing voters need a majority (dissertation §4.3).
#[test]
fn stored_on_a_majority_counts_voters_only_and_both_halves_of_a_joint_configuration() {
    let l1 = log(vec![entry(1, 1)]);
    let other = log(vec![entry(1, 2)]);
    let with_learner = Membership {
        voters: [1, 2, 3].into(),
        learners: [4].into(),
        outgoing: Default::default(),
    };
    let mut c = Checker::new();
    c.on_persist(1, &l1.entries());
    c.on_persist(4, &l1.entries());
    c.on_persist(2, &other.entries());
    leader_commits(&mut c, 1, 1, 1, &with_learner, &l1);
    assert_eq!(properties(&c), vec!["Stored On A Majority"]);

    let joint = Membership {
        voters: [1, 2, 3].into(),
        learners: Default::default(),
        outgoing: [1, 4, 5].into(),
    };
    let commit_with = |holders: &[NodeId]| {
        let mut c = Checker::new();
        for &h in holders {
            c.on_persist(h, &l1.entries());
        }
        leader_commits(&mut c, 1, 1, 1, &joint, &l1);
        properties(&c).len()
    };
    assert_eq!(
        commit_with(&[1, 2]),
        1,
        "the outgoing voters lack a majority"
    );
    assert_eq!(
        commit_with(&[1, 4]),
        1,
        "the incoming voters lack a majority"
    );
    assert_eq!(commit_with(&[1, 2, 4]), 0);
    assert_eq!(
        commit_with(&[2, 3, 4, 5]),
        0,
        "the leader need not be a voter"
    );
}

/// A snapshot covering the committed index counts as storing it (§7): a follower that
/// compacted its log, or installed the leader's snapshot, still holds the entries.
#[test]
fn stored_on_a_majority_counts_a_snapshot_that_covers_the_commit() {
    let three = Membership::with_voters([1, 2, 3]);
    let l1 = log(vec![entry(1, 1), entry(2, 1)]);
    let mut c = Checker::new();
    c.on_persist(1, &l1.entries());
    c.on_persist(2, &l1.entries());
    leader_commits(&mut c, 1, 1, 2, &three, &l1);
    assert_eq!(properties(&c), Vec::<&str>::new());
    // S3 installs a snapshot at 2; S2 loses its disk (a crash with unsynced writes): S1 and
    // S3 still hold entries 1 and 2.
    c.on_snapshot(3, 2, 1, true);
    c.on_disk_reverted(2, 0, &[]);
    assert_eq!(properties(&c), Vec::<&str>::new());
}

/// A committed entry a crash takes from a disk (the break-it switch `lose_unsynced_writes`)
/// must still be on a majority: one voter of three losing it is tolerated, the second is
/// caught, naming the lowest entry no majority holds.
#[test]
fn stored_on_a_majority_catches_a_crash_losing_a_committed_entry_from_the_majority() {
    let three = Membership::with_voters([1, 2, 3]);
    let l = log(vec![entry(1, 1), entry(2, 1), entry(3, 1)]);
    let mut c = Checker::new();
    c.on_persist(1, &l.entries());
    c.on_persist(2, &l.entries()[..2]);
    c.on_persist(3, &l.entries());
    leader_commits(&mut c, 1, 1, 3, &three, &l);
    assert_eq!(properties(&c), Vec::<&str>::new());
    c.on_disk_reverted(3, 0, &l.entries()[..1]);
    assert_eq!(
        properties(&c),
        vec!["Stored On A Majority"],
        "index 3: only S1"
    );
    let detail = &c.violations[0].detail;
    assert!(
        detail.contains("lost entries 2–3")
            && detail
                .contains("committed entry 3 is now stored only by S1 of the voters S1, S2 and S3"),
        "{detail}"
    );

    let mut c = Checker::new();
    c.on_persist(1, &l.entries());
    c.on_persist(2, &l.entries());
    c.on_persist(3, &l.entries());
    leader_commits(&mut c, 1, 1, 3, &three, &l);
    c.on_disk_reverted(3, 0, &[]);
    assert_eq!(
        properties(&c),
        Vec::<&str>::new(),
        "S1 and S2 hold all three"
    );
    c.on_disk_reverted(2, 0, &l.entries()[..1]);
    assert_eq!(properties(&c), vec!["Stored On A Majority"]);
    let detail = &c.violations[0].detail;
    assert!(
        detail.contains("committed entry 2 is now stored only by S1"),
        "{detail}"
    );
}
