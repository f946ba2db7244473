//! Every planted bug (`PlantedBug`, the test-only `planted-bugs` feature) against the test of the
//! rule it breaks. Each rule's test is a function of the configuration: it passes with the
//! reference configuration and must fail (panic) with the bug planted. That is how each rule's
//! check is shown able to fail, and how each switch is shown to reach its rule's site.
#![cfg(feature = "planted-bugs")]

mod common;

use std::collections::BTreeSet;
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::*;
use raft_core::config::PlantedBug;
use raft_core::{
    Body, ConfChange, ConfChangeRefusal, Config, Error, HardState, Input, Membership, NodeId,
    PersistentState, ReadMode, Role,
};

/// The configuration of every test: the reference one, PreVote off unless a test turns it on,
/// with `bug` planted.
fn cfg_with(bug: Option<PlantedBug>) -> impl Fn(NodeId) -> Config {
    move |id| {
        let mut c = config(id);
        c.planted = bug;
        c
    }
}

/// Runs `rule` with the reference configuration (it must pass) and with `bug` planted (it must
/// fail).
fn rule_catches(bug: PlantedBug, rule: fn(&dyn Fn(NodeId) -> Config)) {
    rule(&cfg_with(None));
    let planted = catch_unwind(AssertUnwindSafe(|| rule(&cfg_with(Some(bug)))));
    assert!(
        planted.is_err(),
        "the test of {} ({}) passed with the bug planted",
        bug.name(),
        bug.section()
    );
}

/// A leader of three voters elected in a network, its no-op not yet committed (no answers
/// delivered).
fn fresh_leader(cfg: &dyn Fn(NodeId) -> Config) -> Network {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3]), cfg);
    net.elect(1);
    net
}

// Dissertation §4.1 (the 2015 fix): no membership change before the leader has committed an
// entry of its own term.
fn rule_conf_change_waits_for_term_commit(cfg: &dyn Fn(NodeId) -> Config) {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3]), cfg);
    net.step(1, Input::Campaign).unwrap();
    // Votes only: the no-op appended on election stays uncommitted.
    net.deliver_where(|m| !matches!(m.body, Body::Append { .. } | Body::AppendResp { .. }));
    assert_eq!(net.node(1).role(), Role::Leader);
    let r = net.step(
        1,
        Input::ChangeMembership(ConfChange::AddLearner { node: 4 }),
    );
    assert_eq!(
        r,
        Err(Error::ConfChangeRefused(
            ConfChangeRefusal::NotCommittedInTerm
        ))
    );
}

#[test]
fn conf_change_before_term_commit_is_caught() {
    rule_catches(
        PlantedBug::ConfChangeBeforeTermCommit,
        rule_conf_change_waits_for_term_commit,
    );
}

// Dissertation §4.1: one change at a time; the next waits until the previous one commits.
fn rule_one_conf_change_at_a_time(cfg: &dyn Fn(NodeId) -> Config) {
    let mut net = fresh_leader(cfg);
    net.deliver();
    net.step(
        1,
        Input::ChangeMembership(ConfChange::AddLearner { node: 4 }),
    )
    .unwrap();
    let r = net.step(
        1,
        Input::ChangeMembership(ConfChange::AddLearner { node: 5 }),
    );
    assert_eq!(
        r,
        Err(Error::ConfChangeRefused(ConfChangeRefusal::PreviousPending))
    );
}

#[test]
fn concurrent_conf_changes_are_caught() {
    rule_catches(
        PlantedBug::ConcurrentConfChanges,
        rule_one_conf_change_at_a_time,
    );
}

/// Node 1's persistent state in the joint configuration C_old = {1,2,3}, C_new = {1,4,5}.
fn joint_state() -> PersistentState {
    let joint = Membership {
        voters: [1, 4, 5].into_iter().collect(),
        learners: BTreeSet::new(),
        outgoing: [1, 2, 3].into_iter().collect(),
    };
    PersistentState {
        hard_state: HardState {
            term: 1,
            vote: None,
        },
        membership: joint,
        ..Default::default()
    }
}

// Dissertation §4.3: in C_old,new an election needs a majority of both configurations.
fn rule_joint_election_needs_both_majorities(cfg: &dyn Fn(NodeId) -> Config) {
    let mut c = cfg(1);
    c.pre_vote = false;
    let mut s = Solo::restore(c, joint_state());
    s.step(Input::Campaign).unwrap();
    assert_eq!(s.node.role(), Role::Candidate);
    let t = s.node.term();
    for v in [4, 5] {
        s.recv(msg(v, 1, t, Body::VoteResp { granted: true }));
    }
    assert_eq!(
        s.node.role(),
        Role::Candidate,
        "votes of C_new alone (1, 4, 5) do not elect: C_old's majority is missing"
    );
    s.recv(msg(2, 1, t, Body::VoteResp { granted: true }));
    assert_eq!(s.node.role(), Role::Leader, "with 1 and 2 of C_old it wins");
}

#[test]
fn joint_election_on_incoming_voters_only_is_caught() {
    rule_catches(
        PlantedBug::JointElectionIncomingOnly,
        rule_joint_election_needs_both_majorities,
    );
}

// Dissertation §6.4.1 with §3.10: once a transfer has sent TimeoutNow, the target's vote requests
// override the followers' lease promises, so the old leader serves no lease read.
fn rule_transfer_ends_the_lease(cfg: &dyn Fn(NodeId) -> Config) {
    let lease = |id| {
        let mut c = cfg(id);
        c.read_mode = ReadMode::Lease;
        c
    };
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3]), lease);
    net.elect(1);
    net.deliver();
    // A heartbeat round answered by a quorum starts the lease.
    net.tick(1, 50);
    net.deliver();
    net.step(1, Input::ReadIndex(1)).unwrap();
    assert_eq!(
        net.peer(1).reads.len(),
        1,
        "a lease read is answered at once"
    );
    net.step(1, Input::TransferLeader(2)).unwrap();
    assert!(
        net.queue().iter().any(|m| m.body == Body::TimeoutNow),
        "node 2 is caught up: TimeoutNow is sent"
    );
    net.step(1, Input::ReadIndex(2)).unwrap();
    assert_eq!(
        net.peer(1).reads.len(),
        1,
        "no lease read once the transfer has begun"
    );
}

#[test]
fn lease_kept_through_a_transfer_is_caught() {
    rule_catches(
        PlantedBug::LeaseThroughTransfer,
        rule_transfer_ends_the_lease,
    );
}

// Dissertation §4.2.1: learners receive the log but do not count towards the commit quorum.
fn rule_learners_do_not_commit(cfg: &dyn Fn(NodeId) -> Config) {
    let m = Membership {
        voters: [1, 2, 3].into_iter().collect(),
        learners: [4, 5].into_iter().collect(),
        outgoing: BTreeSet::new(),
    };
    let mut net = Network::with_config(m, cfg);
    net.elect(1);
    net.deliver();
    let before = net.node(1).log().committed();
    net.cut(1, 2);
    net.cut(1, 3);
    let index = net.propose(1, b"x").unwrap();
    net.deliver();
    assert_eq!(
        net.node(4).log().last_index(),
        index,
        "the learners hold it"
    );
    assert_eq!(
        net.node(1).log().committed(),
        before,
        "leader and two learners are no voter majority"
    );
}

#[test]
fn learners_in_the_commit_quorum_are_caught() {
    rule_catches(
        PlantedBug::LearnersInCommitQuorum,
        rule_learners_do_not_commit,
    );
}

// Paper §7: a snapshot carries the configuration as of its last index; the follower that
// installs it adopts that configuration.
fn rule_snapshot_brings_its_membership(cfg: &dyn Fn(NodeId) -> Config) {
    let mut s = Solo::restore(cfg(1), persisted(1, &[1], &three()));
    let five = Membership::with_voters([1, 2, 3, 4, 5]);
    let data = b"state".to_vec();
    s.recv(msg(
        2,
        1,
        1,
        Body::Snapshot {
            index: 5,
            term: 1,
            membership: Box::new(five.clone()),
            offset: 0,
            total: data.len() as u64,
            data,
        },
    ));
    assert_eq!(s.node.log().snapshot_index(), 5, "installed");
    assert_eq!(s.node.membership(), &five);
}

#[test]
fn ignoring_a_snapshots_membership_is_caught() {
    rule_catches(
        PlantedBug::IgnoreSnapshotMembership,
        rule_snapshot_brings_its_membership,
    );
}

// Dissertation §6.4, step 1: a new leader answers no read before an entry of its term commits
// (until then it does not know the commit index).
fn rule_read_index_waits_for_term_commit(cfg: &dyn Fn(NodeId) -> Config) {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3]), cfg);
    net.step(1, Input::Campaign).unwrap();
    net.deliver_where(|m| !matches!(m.body, Body::Append { .. } | Body::AppendResp { .. }));
    assert_eq!(net.node(1).role(), Role::Leader);
    assert_eq!(net.step(1, Input::ReadIndex(7)), Err(Error::ReadNotReady));
}

#[test]
fn read_index_before_a_term_commit_is_caught() {
    rule_catches(
        PlantedBug::ReadIndexBeforeTermCommit,
        rule_read_index_waits_for_term_commit,
    );
}

// Dissertation §9.6: winning the pre-vote only allows a real election; pre-votes bind no voter,
// so they are never counted as votes.
fn rule_pre_vote_is_not_a_vote(cfg: &dyn Fn(NodeId) -> Config) {
    let mut c = cfg(1);
    c.pre_vote = true;
    let mut s = Solo::new(c, three());
    s.step(Input::Campaign).unwrap();
    assert_eq!(s.node.role(), Role::PreCandidate);
    s.recv(msg(2, 1, 1, Body::PreVoteResp { granted: true }));
    assert_eq!(
        s.node.role(),
        Role::Candidate,
        "a won pre-vote starts an election, it does not win one"
    );
}

#[test]
fn pre_vote_counted_as_a_vote_is_caught() {
    rule_catches(PlantedBug::PreVoteCountsAsVote, rule_pre_vote_is_not_a_vote);
}

// Paper §5.3 (Figure 2, AppendEntries rule 3): only an entry that conflicts with a new one, and
// those after it, are deleted; a stale append whose entries are already held deletes nothing.
fn rule_stale_append_truncates_nothing(cfg: &dyn Fn(NodeId) -> Config) {
    let mut s = Solo::restore(cfg(1), persisted(1, &[1, 1, 1], &three()));
    s.recv(append(2, 1, 1, (1, 1), vec![ent(2, 1)], 0));
    assert_eq!(terms_of(&s.node), vec![1, 1, 1], "entry 3 is kept");
    assert!(matches!(
        s.take_msgs()[0].body,
        Body::AppendResp {
            index: 2,
            reject: false,
            ..
        }
    ));
}

#[test]
fn truncating_on_a_stale_append_is_caught() {
    rule_catches(
        PlantedBug::TruncateOnStaleAppend,
        rule_stale_append_truncates_nothing,
    );
}

// Paper §5.3: a follower learns the commit index only as far as its log is known to match the
// leader's; a heartbeat carries min(commit, match) so a stale follower commits nothing foreign.
fn rule_heartbeat_commit_is_capped_by_match(cfg: &dyn Fn(NodeId) -> Config) {
    let mut net = fresh_leader(cfg);
    net.deliver();
    net.cut(1, 3);
    for k in 0..3 {
        net.propose(1, format!("v{k}").as_bytes()).unwrap();
    }
    net.deliver();
    let committed = net.node(1).log().committed();
    let matched = net.node(1).progress().unwrap()[&3].matched;
    assert!(matched < committed, "node 3 is behind");
    net.heal();
    net.history.clear();
    net.tick(1, 50);
    let beats: Vec<_> = net.sent(|m| m.to == 3 && matches!(m.body, Body::Heartbeat { .. }));
    assert!(!beats.is_empty(), "a heartbeat went to node 3");
    for m in beats {
        if let Body::Heartbeat { commit, .. } = m.body {
            assert!(
                commit <= matched,
                "heartbeat commit {commit} > match {matched}"
            );
        }
    }
}

#[test]
fn heartbeat_commit_past_the_match_is_caught() {
    rule_catches(
        PlantedBug::HeartbeatCommitUncapped,
        rule_heartbeat_commit_is_capped_by_match,
    );
}

// §5.2: late votes (a vote binds its voter for the whole term, issue 13) elect only the
// process that asked for them, while it has not followed another leader of the term.
#[test]
fn late_votes_after_following_the_terms_leader_are_caught() {
    rule_catches(
        PlantedBug::LateVotesAfterFollowing,
        late_votes_do_not_elect_after_following_another_leader,
    );
}

#[test]
fn late_votes_taken_by_a_restarted_process_are_caught() {
    rule_catches(
        PlantedBug::LateVotesWithoutCampaign,
        late_votes_from_before_a_restart_do_not_elect,
    );
}

/// Every planted bug has its test above (a new bug without one fails here).
#[test]
fn every_planted_bug_has_a_rule_test() {
    assert_eq!(PlantedBug::ALL.len(), 12);
}
