//! Properties that etcd-io/raft's `raft_test.go` and tikv/raft-rs's `test_raft.rs` check and
//! that no other file of this suite pinned down, re-expressed against raft-core's own API (each
//! test names the suite test whose property it protects; nothing is ported line by line).
//!
//! Where each property of etcd's `raft_test.go` is checked (raft-rs's `test_raft.rs` has the same
//! tests under snake_case names; its extra ones are at the end). NEW marks the tests of this file.
//!
//! | suite test(s) | checked by |
//! | --- | --- |
//! | TestProgressLeader, TestProgressResumeByHeartbeatResp, TestProgressPaused, TestProgressFlowControl, TestSendAppendForProgressProbe/Replicate, TestLeaderIncreaseNext, TestHandleHeartbeatResp, TestMsgAppRespWaitReset | `paper_5_3_replication.rs`: `replicate_state_limits_appends_in_flight`, `probe_state_sends_one_append_at_a_time`, `lost_full_window_recovers_through_heartbeat_response`, `batching_respects_max_msg_bytes`, `proposal_is_sent_immediately` |
//! | TestSendAppendForProgressSnapshot, TestSlowNodeRestore, TestProvideSnap, etcd `slow_follower_after_compaction.txt` | NEW `a_throttled_follower_behind_a_compaction_gets_the_snapshot`; `paper_7_snapshots.rs` (raft-core sends a snapshot to a follower whether or not it was recently active; etcd's TestIgnoreProvidingSnap has no counterpart) |
//! | TestUncommittedEntryLimit | `robustness.rs`: `a_leader_without_a_quorum_holds_at_most_its_uncommitted_limit` (`Config::max_uncommitted_bytes`) |
//! | TestLeaderElection(PreVote), TestSingleNodeCandidate/PreCandidate, TestLearnerElectionTimeout, TestLearnerCampaign | `paper_5_2_election.rs`; NEW `campaign_on_a_leader_changes_nothing` (single voter), `timeout_now_makes_no_learner_or_non_member_campaign` |
//! | TestLearnerPromotion, TestLearnerCanVote | `paper_5_2_election.rs`: `a_learner_promoted_by_an_appended_entry_reports_its_new_role`, `a_learner_answers_vote_requests_but_its_vote_is_not_counted`; NEW `a_learner_promoted_in_the_candidates_log_grants_its_vote` (etcd `campaign_learner_must_vote.txt`) |
//! | TestLeaderCycle | NEW `every_voter_can_lead_in_turn_and_logs_agree` (PreVote variant: see below) |
//! | TestLeaderElectionOverwriteNewerLogs | NEW `a_leader_elected_by_a_majority_overwrites_a_minoritys_newer_uncommitted_entry` |
//! | TestVoteFromAnyState, TestPreVoteFromAnyState | NEW `a_higher_term_vote_request_is_granted_from_any_role`; `prevote_checkquorum.rs`: `pre_vote_request_changes_nothing_at_the_recipient` |
//! | TestLogReplication, TestLearnerLogReplication, TestSingleNodeCommit, TestCommit, TestProposal | `paper_5_3_replication.rs`: `every_node_applies_the_same_entries_in_order`, `follower_refuses_proposals_with_leader_hint`; `planted_bugs.rs`: `rule_learners_do_not_commit`; `quorum_props.rs`; the crate doctest |
//! | TestCannotCommitWithoutNewTermEntry, TestCommitWithoutNewTermEntry | `paper_5_4_safety.rs`: `figure_8_old_term_entry_on_majority_is_not_committed` |
//! | TestDuelingCandidates, TestDuelingPreCandidates, TestCandidateConcede | NEW `a_stale_candidate_can_disrupt_but_not_win`; `prevote_checkquorum.rs`: `rejoining_node_with_prevote_does_not_disrupt_the_leader`; `paper_5_2_election.rs`: `candidate_steps_down_on_append_from_leader_of_its_term` |
//! | TestOldMessages, TestStepIgnoreOldTermMsg, TestHandleMsgApp, TestRecvMsgVote, TestStateTransition, TestAllServerStepdown, TestCandidateResetTerm* | `paper_5_1_terms.rs`, `paper_5_3_replication.rs`, `paper_5_4_safety.rs`, `prevote_checkquorum.rs`: `check_quorum_without_prevote_still_disrupts` |
//! | TestHandleHeartbeat | NEW `a_heartbeat_never_moves_the_commit_index_back` |
//! | TestBcastBeat, TestRecvMsgBeat | `planted_bugs.rs`: `rule_heartbeat_commit_is_capped_by_match`; `third_party_paper.rs`: `a_leader_sends_a_heartbeat_to_every_follower_each_interval` |
//! | TestLeaderAppResp, TestFastLogRejection | `paper_5_3_replication.rs`: `figure_7_needs_at_most_one_rejection_per_follower`, `fast_backtracking_takes_few_round_trips` |
//! | TestLogReplicationWithReorderedMessage | NEW `a_late_rejection_never_takes_next_below_the_match` |
//! | TestCandidateSelfVoteAfterLostElection(PreVote), TestCandidateDeliversPreCandidateSelfVote…, TestLeaderMsgAppSelfAckAfterTermChange, TestRaftFreesReadOnlyMem, TestPastElectionTimeout | etcd internals (self-addressed messages, async storage); the harness's node checks cover the vote and term rules |
//! | TestRecvMsgUnreachable | NEW `an_unreachable_peer_is_probed_one_append_at_a_time` (`Input::Unreachable`) |
//! | TestLeaderStepdownWhenQuorumActive/Lost, TestLeaderSupersedingWithCheckQuorum, TestLeaderElectionWithCheckQuorum, TestFreeStuckCandidateWithCheckQuorum, TestDisruptiveFollower(PreVote), TestPreVoteWithCheckQuorum | `prevote_checkquorum.rs` |
//! | TestNonPromotableVoterWithCheckQuorum | NEW `a_voter_that_does_not_know_it_is_one_follows_but_never_campaigns` |
//! | TestReadOnlyOptionSafe, TestReadOnlyOptionLease, TestReadOnlyForNewLeader | `transfer_and_reads.rs` |
//! | TestReadOnlyWithLearner | NEW `learners_do_not_count_towards_a_read_quorum` |
//! | TestRestore, TestRestoreFromSnapMsg | `mutants_found.rs`: `a_restored_log_starts_after_its_snapshot_and_knows_its_term`; `paper_7_snapshots.rs` |
//! | TestRestoreIgnoreSnapshot | NEW `a_snapshot_below_the_commit_index_is_ignored`, `a_snapshot_of_a_prefix_of_the_log_keeps_the_entries_after_it` |
//! | TestRestoreWithLearner, TestRestoreVoterToLearner, TestRestoreLearnerPromotion | NEW `a_snapshot_changes_the_role_its_membership_gives`; `planted_bugs.rs`: `rule_snapshot_brings_its_membership` |
//! | TestRestoreWithVotersOutgoing | NEW `a_snapshot_with_a_joint_configuration_installs_it_whole` |
//! | TestLearnerReceiveSnapshot | NEW `a_learner_that_fell_behind_receives_the_snapshot` |
//! | TestStepConfig, TestStepIgnoreConfig, TestNewLeaderPendingConfig | `reasons.rs`: `membership_change_refusals`; `planted_bugs.rs`: `rule_one_conf_change_at_a_time`, `rule_conf_change_waits_for_term_commit` |
//! | TestAddNode, TestAddLearner, TestRemoveNode, TestRemoveLearner, TestPromotable, TestRaftNodes | NEW `the_leader_tracks_exactly_the_members_in_effect`; `mutants_found.rs` |
//! | TestAddNodeCheckQuorum | NEW `a_voter_added_just_before_the_quorum_check_does_not_depose_the_leader` (found a divergence, fixed) |
//! | TestCommitAfterRemoveNode | NEW `removing_an_unreachable_voter_lets_pending_entries_commit` |
//! | raft-rs test_remove_node_itself, etcd `confchange_v1_remove_leader*.txt` | NEW `a_leader_that_removes_itself_steps_down_once_the_removal_commits` |
//! | etcd `confchange_v2_add_double_auto.txt`, `confchange_v2_replace_leader*.txt` | NEW `joint_consensus_commits_only_with_both_majorities`, `the_leader_is_replaced_through_joint_consensus_and_a_transfer`; `planted_bugs.rs`: `rule_joint_election_needs_both_majorities` |
//! | TestCampaignWhileLeader, TestPreCampaignWhileLeader | NEW `campaign_on_a_leader_changes_nothing` |
//! | TestLeaderTransferToUpToDateNode, …WithCheckQuorum, …ToSlowFollower, …ToSelf, …ToNonExistingNode, …ToLearner, …Timeout, …IgnoreProposal, …SecondTransferTo{Another,Same}Node | `transfer_and_reads.rs` |
//! | TestLeaderTransferAfterSnapshot | NEW `a_transfer_to_a_follower_that_needs_a_snapshot_completes_after_the_install` |
//! | TestLeaderTransferReceiveHigherTermVote | `paper_5_1_terms.rs`: `leader_without_check_quorum_steps_down_on_higher_term_vote_request` (the transfer is aborted on any step-down: `reset_leader_state`) |
//! | TestTransferNonMember | NEW `timeout_now_makes_no_learner_or_non_member_campaign` |
//! | TestLeaderTransferToUpToDateNodeFromFollower, TestProposalByProxy, TestLeaderTransferBack, TestLeaderTransferRemoveNode/DemoteNode, TestConfChangeCheckBeforeCampaign, TestLeaderCyclePreVote | differences by design, below |
//! | TestNodeWithSmallerTermCanCompleteElection | NEW `a_node_left_in_an_old_term_can_still_complete_an_election` |
//! | TestPreVoteWithSplitVote, TestPreVoteMigration* | `paper_5_2_election.rs`: `split_vote_then_later_election_succeeds` (PreVote is one switch for the whole cluster here; no mixed-version migration) |
//! | raft-rs: test_advance_commit_index_by_*, test_request_snapshot_*, test_group_commit*, test_election_with_priority_log, test_uncommitted_*, test_switching_check_quorum | features raft-core does not have |
//!
//! Where raft-core legitimately differs from those libraries,
//! the test checks the property the suite protects, not its mechanics:
//!
//! - A configuration entry takes effect when it is appended, on every node (dissertation §4.1),
//!   not when it is applied as in etcd/raft. So a removal lets pending entries commit on the
//!   smaller quorum as soon as it is appended (`TestCommitAfterRemoveNode`), and etcd's
//!   "do not campaign with an unapplied configuration change" (`TestConfChangeCheckBeforeCampaign`)
//!   has nothing to protect here.
//! - PreVote follows dissertation §9.6 to the letter: a node that heard from a leader within the
//!   minimum election timeout (a leader counts itself) grants no pre-vote, CheckQuorum or not.
//!   etcd grants pre-votes then unless CheckQuorum is on, so its PreVote variants of
//!   `TestLeaderCycle` and `TestPreVoteFromAnyState` (a leader granting a pre-vote) do not apply.
//! - Requests are not forwarded (no `MsgProp`/`MsgTransferLeader` by proxy): a follower answers
//!   with its leader hint, already checked in `paper_5_3_replication.rs` and
//!   `transfer_and_reads.rs`.
//! - A transfer cannot be cancelled by asking to transfer to the leader itself
//!   (`TestLeaderTransferBack`): that request is refused and the transfer runs until it completes
//!   or its election timeout ends. Membership changes are refused while a transfer is in
//!   progress, so etcd's "the transfer target is removed" cases cannot arise.
//! - A removed server that never received its removal (a leader replicates only to the members
//!   of its configuration) still believes it is a voter and times out. Dissertation §4.2.3 has
//!   servers ignore vote requests within the minimum election timeout of hearing a leader; here,
//!   as in etcd, that rule is part of CheckQuorum (and PreVote's own condition), so with both
//!   off such a node can depose the leader of the new configuration with a higher term (seen
//!   while writing `the_leader_is_replaced_through_joint_consensus_and_a_transfer`, which
//!   therefore runs the reference configuration).
//! - etcd reaches probing in `TestLogReplicationWithReorderedMessage` through `MsgUnreachable`;
//!   here a real rejection does it (`Input::Unreachable` has a test of its own).

mod common;

use std::collections::BTreeSet;

use common::*;
use raft_core::{
    Body, ConfChange, Config, HardState, Input, Membership, NodeId, PersistentState, Role,
};

/// PreVote and CheckQuorum off, as etcd's and raft-rs's plain tests run.
fn plain(id: NodeId) -> Config {
    let mut c = config(id);
    c.pre_vote = false;
    c.check_quorum = false;
    c
}

fn is_timeout_now(m: &raft_core::Message) -> bool {
    matches!(m.body, Body::TimeoutNow)
}

// ----- membership changes ------------------------------------------------------------------------

// Dissertation §6.2 (CheckQuorum): a leader steps down when an election timeout passes without
// hearing from a quorum. A voter added just before the check has had no time to answer, so it
// counts as heard from in that round; only a whole election timeout of silence afterwards makes
// the leader step down. (etcd `TestAddNodeCheckQuorum`, raft-rs `test_add_node_check_quorum`.)
#[test]
fn a_voter_added_just_before_the_quorum_check_does_not_depose_the_leader() {
    let mut s = Solo::new(config(1), Membership::with_voters([1]));
    s.make_leader();
    let min = s.node.config().election_timeout_min;
    s.step(Input::Tick(min - 1)).unwrap();
    assert_eq!(s.node.role(), Role::Leader);
    s.step(Input::ChangeMembership(ConfChange::AddVoter { node: 2 }))
        .unwrap();
    // This tick reaches the election timeout: the CheckQuorum round runs now.
    s.step(Input::Tick(1)).unwrap();
    assert_eq!(
        s.node.role(),
        Role::Leader,
        "node 2 was added one tick ago: it had no chance to answer"
    );
    // A whole election timeout without a word from node 2: no quorum, the leader steps down.
    s.step(Input::Tick(min)).unwrap();
    assert_eq!(s.node.role(), Role::Follower);
}

// Dissertation §4.2.2: a leader removed from the configuration manages the cluster until the
// removal commits (not counting itself in majorities), then steps down; the remaining voters
// elect a leader among themselves. (raft-rs `test_remove_node_itself`, etcd `TestRemoveNode`.)
#[test]
fn a_leader_that_removes_itself_steps_down_once_the_removal_commits() {
    let mut net = Network::with_config(three(), plain);
    net.elect(1);
    let i = net
        .step(1, Input::ChangeMembership(ConfChange::Remove { node: 1 }))
        .unwrap()
        .unwrap();
    assert_eq!(net.node(1).role(), Role::Leader, "not committed yet");
    net.deliver();
    assert_eq!(net.node(1).log().committed(), i);
    assert_ne!(
        net.node(1).role(),
        Role::Leader,
        "stepped down after commit"
    );
    assert!(!net.node(1).membership().contains(1));
    for id in [2, 3] {
        assert_eq!(
            net.node(id).membership().voters,
            BTreeSet::from([2, 3]),
            "node {id}"
        );
    }
    // Node 1 is out: it never campaigns again, and 2 and 3 elect a leader between them.
    net.run(2_000);
    let leader = net.leader().expect("a leader among 2 and 3");
    assert!([2, 3].contains(&leader), "leader {leader}");
    let at = net.propose(leader, b"after").unwrap();
    net.deliver();
    net.run(net.node(leader).config().heartbeat_interval);
    // The removal reached 2 and 3 before node 1 stepped down; the new leader commits it
    // (§5.4.2, with its own entries) if node 1's last commit index did not reach them.
    assert_eq!(net.node(2).log().committed(), at);
    assert_eq!(net.node(3).log().committed(), at);
    assert!(at > i);
}

// Dissertation §4.1: a configuration is used as soon as it is in the log. A leader of {1, 2}
// whose follower 2 is gone cannot commit; once it removes 2, the pending entry commits on the
// new quorum {1} without 2's answer. (etcd `TestCommitAfterRemoveNode`, raft-rs
// `test_commit_after_remove_node`; there the removal takes effect when applied.)
#[test]
fn removing_an_unreachable_voter_lets_pending_entries_commit() {
    let mut net = Network::with_config(Membership::with_voters([1, 2]), plain);
    net.elect(1);
    net.isolate(2);
    let pending = net.propose(1, b"pending").unwrap();
    net.deliver();
    assert!(net.node(1).log().committed() < pending, "needs node 2");
    let removal = net
        .step(1, Input::ChangeMembership(ConfChange::Remove { node: 2 }))
        .unwrap()
        .unwrap();
    net.deliver();
    assert_eq!(net.node(1).log().committed(), removal);
    assert!(net.peer(1).applied.iter().any(|e| e.index == pending));
}

/// Nodes `ids`, all starting from the configuration {1, 2, 3} (the others are new machines that
/// have not joined yet), configured by `cfg`.
fn three_and_spares(ids: &[NodeId], cfg: fn(NodeId) -> Config) -> Network {
    let states = ids
        .iter()
        .map(|&id| {
            let state = PersistentState {
                membership: three(),
                ..Default::default()
            };
            (id, state)
        })
        .collect();
    Network::from_states(states, cfg)
}

// Dissertation §4.3: in joint consensus (C_old,new) an entry commits only once a majority of
// C_old and a majority of C_new store it; the leader then moves to C_new by itself. Here C_new's
// new members are cut off: C_old's majority alone commits nothing. (etcd
// `testdata/confchange_v2_add_double_auto.txt`, whose leader also leaves the joint configuration
// by itself.)
#[test]
fn joint_consensus_commits_only_with_both_majorities() {
    let mut net = three_and_spares(&[1, 2, 3, 4, 5], plain);
    net.elect(1);
    net.isolate(4);
    net.isolate(5);
    let joint = net
        .step(
            1,
            Input::ChangeMembership(ConfChange::EnterJoint {
                voters: [1, 4, 5].into(),
            }),
        )
        .unwrap()
        .unwrap();
    assert!(net.node(1).membership().is_joint());
    let hb = net.node(1).config().heartbeat_interval;
    net.run(hb * 4);
    for id in [2, 3] {
        assert_eq!(
            net.node(id).log().last_index(),
            joint,
            "node {id} stores it"
        );
    }
    assert!(
        net.node(1).log().committed() < joint,
        "a majority of C_old stores it, none of C_new"
    );
    net.heal();
    net.run(hb * 4);
    let c_new = Membership::with_voters([1, 4, 5]);
    assert_eq!(
        net.node(1).membership(),
        &c_new,
        "left the joint configuration"
    );
    let last = net.node(1).log().last_index();
    assert!(last > joint);
    for id in [1, 4, 5] {
        assert_eq!(net.node(id).membership(), &c_new, "node {id}");
        assert_eq!(
            net.node(id).log().committed(),
            last,
            "node {id}: C_new committed"
        );
    }
}

// Dissertation §4.3 with §3.10: a leader can be replaced through joint consensus: it enters
// C_old,new without itself, hands leadership to a new member while joint, the new leader leaves
// the joint configuration, and the old leader, outside the configuration, cannot disrupt it
// (§4.2.3). (etcd `testdata/confchange_v2_replace_leader.txt`; there the removed leader also
// receives the final configuration, which raft-core's new leader does not send to a non-member.)
#[test]
fn the_leader_is_replaced_through_joint_consensus_and_a_transfer() {
    // The reference configuration: node 1 never receives C_new (the new leader replicates to
    // its members only), so it still believes itself a voter of C_old,new and times out; PreVote
    // and CheckQuorum keep it from disrupting C_new (dissertation §4.2.3). Without them it would
    // depose node 4 with a higher term, as the dissertation describes.
    let mut net = three_and_spares(&[1, 2, 3, 4], config);
    net.elect(1);
    net.step(
        1,
        Input::ChangeMembership(ConfChange::EnterJoint {
            voters: [2, 3, 4].into(),
        }),
    )
    .unwrap();
    // Hand over while joint: node 1 hears no acknowledgement from 2 and 3 yet (held), so
    // C_old,new is not committed; node 4 is caught up, then campaigns and needs both majorities
    // (dissertation §4.3).
    net.hold(2, 1);
    net.hold(3, 1);
    net.step(1, Input::TransferLeader(4)).unwrap();
    net.deliver();
    assert!(net.node(1).membership().is_joint());
    assert_eq!(
        net.node(4).role(),
        Role::Leader,
        "node 4 took over while joint"
    );
    net.release(2, 1);
    net.release(3, 1);
    let hb = net.node(4).config().heartbeat_interval;
    net.run(hb * 6);
    let c_new = Membership::with_voters([2, 3, 4]);
    assert_eq!(net.leader(), Some(4));
    for id in [2, 3, 4] {
        assert_eq!(net.node(id).membership(), &c_new, "node {id}");
    }
    // Node 1 campaigns (it does not know it was removed) but cannot disrupt C_new.
    let term = net.node(4).term();
    net.campaign(1);
    net.deliver();
    net.run(2_000);
    assert_ne!(net.node(1).role(), Role::Leader);
    assert_eq!(net.leader(), Some(4));
    assert_eq!(net.node(4).term(), term, "node 1 did not disrupt C_new");
}

// Dissertation §4.1: a configuration is used as soon as it is in a server's log, so a candidate
// may count as a voter a node that does not know yet that it was promoted. That node must still
// grant its vote, or a majority of the latest configuration could be alive and elect nobody.
// (etcd `testdata/campaign_learner_must_vote.txt`.)
#[test]
fn a_learner_promoted_in_the_candidates_log_grants_its_vote() {
    let m = Membership {
        voters: [1, 2].into(),
        learners: [3].into(),
        ..Default::default()
    };
    let mut net = Network::with_config(m, plain);
    net.elect(1);
    net.cut(1, 3);
    net.step(1, Input::ChangeMembership(ConfChange::Promote { node: 3 }))
        .unwrap();
    net.deliver();
    net.run(net.node(1).config().heartbeat_interval);
    assert!(
        net.node(2).membership().is_voter(3),
        "node 2 has the promotion"
    );
    assert!(net.node(3).membership().is_learner(3), "node 3 does not");
    net.crash(1);
    net.heal();
    net.campaign(2);
    net.deliver();
    assert_eq!(net.node(2).role(), Role::Leader, "elected by 2 and 3");
    assert!(net.node(3).membership().is_voter(3), "and node 3 caught up");
}

// ----- snapshots and membership --------------------------------------------------------------------

/// Node 3 of {1, 2, 3} at term 1 with log [1, 1, 1] of which `commit` is committed.
fn follower_3(commit: u64) -> Solo {
    let mut s = Solo::restore(config(3), persisted(1, &[1, 1, 1], &three()));
    let entries = log_of_terms(&[1, 1, 1]);
    s.recv(append(1, 3, 1, (3, 1), Vec::new(), commit));
    assert_eq!(s.node.log().committed(), commit);
    assert_eq!(s.node.log().entries().len(), entries.len());
    s.take_msgs();
    s
}

fn snapshot_msg(to: NodeId, index: u64, term: u64, membership: Membership) -> raft_core::Message {
    msg(
        1,
        to,
        term,
        Body::Snapshot {
            index,
            term,
            membership: Box::new(membership),
            offset: 0,
            total: 4,
            data: b"snap".to_vec(),
        },
    )
}

// Paper §7: "If the follower already has log entries covered by the snapshot ... it is
// ignored": a snapshot at or below the commit index changes nothing, and the follower tells the
// leader how far it matches. (etcd/raft-rs `TestRestoreIgnoreSnapshot`, first half.)
#[test]
fn a_snapshot_below_the_commit_index_is_ignored() {
    let mut s = follower_3(3);
    let before = s.node.log().collect_entries();
    s.recv(snapshot_msg(3, 2, 1, three()));
    assert_eq!(s.node.log().collect_entries(), before);
    assert_eq!(s.node.log().snapshot_index(), 0, "nothing installed");
    let out = s.take_msgs();
    assert!(
        matches!(
            out[..],
            [raft_core::Message {
                body: Body::AppendResp {
                    index: 3,
                    reject: false,
                    ..
                },
                ..
            }]
        ),
        "{out:?}"
    );
}

// Paper §7: "If instead the follower receives a snapshot that describes a prefix of its log ...
// entries following the snapshot are retained": a snapshot whose last entry the follower holds
// moves its commit index to there and keeps the entries after it. (etcd/raft-rs
// `TestRestoreIgnoreSnapshot`, second half: "fast forward commit".)
#[test]
fn a_snapshot_of_a_prefix_of_the_log_keeps_the_entries_after_it() {
    let mut s = follower_3(1);
    let third = s.node.log().entry(3).unwrap();
    s.recv(snapshot_msg(3, 2, 1, three()));
    assert_eq!(s.node.log().committed(), 2, "commit moved to the snapshot");
    assert_eq!(s.node.log().last_index(), 3, "entry 3 retained");
    assert_eq!(s.node.log().entry(3), Some(third));
}

// Paper §7: the snapshot carries the configuration as of its last index; a voter that installs a
// snapshot in which it is a learner becomes a learner (and can no longer campaign), and a learner
// that installs one in which it is a voter becomes a follower that can. (etcd
// `TestRestoreVoterToLearner`, `TestRestoreLearnerPromotion`; raft-rs `test_restore_depromote_voter`,
// `test_restore_learner_promotion`.)
#[test]
fn a_snapshot_changes_the_role_its_membership_gives() {
    let demoted = Membership {
        voters: [1, 2].into(),
        learners: [3].into(),
        ..Default::default()
    };
    let mut s = Solo::new(config(3), three());
    s.recv(snapshot_msg(3, 10, 1, demoted.clone()));
    assert_eq!(s.node.log().snapshot_index(), 10);
    assert_eq!(s.node.role(), Role::Learner);
    assert!(!s.node.is_promotable());
    s.step(Input::Tick(10_000)).unwrap();
    assert_eq!(s.node.role(), Role::Learner, "a learner never campaigns");

    let mut s = Solo::new(config(3), demoted);
    assert_eq!(s.node.role(), Role::Learner);
    s.recv(snapshot_msg(3, 10, 1, three()));
    assert_eq!(s.node.role(), Role::Follower);
    assert!(s.node.is_promotable());
}

// Paper §7 with dissertation §4.3: the configuration a snapshot carries may be a joint one; the
// follower that installs it uses both voter sets, as it would have after reading the entry.
// (etcd `TestRestoreWithVotersOutgoing`, raft-rs `test_restore_with_voters_outgoing`.)
#[test]
fn a_snapshot_with_a_joint_configuration_installs_it_whole() {
    let joint = Membership {
        voters: [2, 3, 4].into(),
        outgoing: [1, 2, 3].into(),
        ..Default::default()
    };
    let mut s = Solo::new(config(3), three());
    s.recv(snapshot_msg(3, 10, 1, joint.clone()));
    assert_eq!(s.node.membership(), &joint);
    assert!(s.node.membership().is_joint());
    assert_eq!(s.node.role(), Role::Follower);
}

// Dissertation §4.2.1 with paper §7: a learner receives the log like any follower, and so the
// leader's snapshot when its next entry was compacted away; it then applies what commits after
// it. (etcd `TestLearnerReceiveSnapshot`, raft-rs `test_learner_receive_snapshot`.)
#[test]
fn a_learner_that_fell_behind_receives_the_snapshot() {
    let m = Membership {
        voters: [1, 2].into(),
        learners: [3].into(),
        ..Default::default()
    };
    let mut net = Network::with_config(m, config);
    net.elect(1);
    let applied = net.leave_node_3_behind_a_snapshot(b"state");
    let after = net.propose(1, b"after").unwrap();
    net.run(net.node(1).config().heartbeat_interval * 3);
    assert_eq!(net.node(3).role(), Role::Learner);
    assert_eq!(net.node(3).log().snapshot_index(), applied, "installed");
    assert_eq!(net.node(3).log().committed(), after);
    assert!(net.peer(3).applied.iter().any(|e| e.index == after));
}

// Dissertation §4.1, §4.2.1: the leader tracks the progress of exactly the members of the
// configuration in effect: a node added (voter or learner) is tracked from the moment its entry
// is appended, a removed one is forgotten. (etcd `TestAddNode`, `TestAddLearner`, `TestRemoveNode`,
// `TestRemoveLearner`; raft-rs `test_add_node`, `test_add_learner`, `test_remove_node`,
// `test_remove_learner`.)
#[test]
fn the_leader_tracks_exactly_the_members_in_effect() {
    let mut net = Network::with_config(Membership::with_voters([1, 2]), plain);
    net.elect(1);
    let tracked = |net: &Network| -> Vec<NodeId> {
        net.node(1).progress().unwrap().keys().copied().collect()
    };
    assert_eq!(tracked(&net), vec![1, 2]);
    let changes = [
        (ConfChange::AddLearner { node: 3 }, vec![1, 2, 3]),
        (ConfChange::AddVoter { node: 4 }, vec![1, 2, 3, 4]),
        (ConfChange::Remove { node: 3 }, vec![1, 2, 4]),
        (ConfChange::Remove { node: 2 }, vec![1, 4]),
    ];
    for (change, want) in changes {
        let i = net
            .step(1, Input::ChangeMembership(change.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(tracked(&net), want, "after {change:?}");
        // A member just added holds nothing yet as far as the leader knows, and is first sent
        // what follows the configuration entry (then probed back, §5.3), as etcd's
        // `TestAddNode` leaves it.
        if let ConfChange::AddLearner { node } | ConfChange::AddVoter { node } = change {
            let p = &net.node(1).progress().unwrap()[&node];
            assert_eq!((p.matched, p.next), (0, i + 1), "progress of {node}");
        }
        net.deliver();
        net.run(net.node(1).config().heartbeat_interval);
    }
}

// Dissertation §3.10 with paper §7: a transfer to a follower that needs a snapshot first waits
// for the install, catches the target up, then hands over. (etcd `TestLeaderTransferAfterSnapshot`,
// raft-rs `test_leader_transfer_after_snapshot`.)
#[test]
fn a_transfer_to_a_follower_that_needs_a_snapshot_completes_after_the_install() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    let applied = net.leave_node_3_behind_a_snapshot(b"state");
    net.step(1, Input::TransferLeader(3)).unwrap();
    assert!(
        net.sent(is_timeout_now).is_empty(),
        "node 3 is not caught up"
    );
    // Heartbeats find node 3 behind the compacted log: it gets the snapshot, then TimeoutNow.
    let deadline = net.node(1).config().election_timeout_min;
    for _ in 0..deadline {
        net.run(1);
        if net.node(3).role() == Role::Leader {
            break;
        }
    }
    assert!(net.node(3).log().snapshot_index() >= applied, "installed");
    assert_eq!(
        net.node(3).role(),
        Role::Leader,
        "within the transfer's deadline"
    );
    assert_eq!(net.node(3).term(), 2);
}

// Dissertation §3.10, §4.2.1: TimeoutNow makes a voter campaign; a learner or a node outside the
// configuration that receives one starts no election. (etcd `TestTransferNonMember`,
// `TestLearnerCampaign`; raft-rs `test_transfer_non_member`.)
#[test]
fn timeout_now_makes_no_learner_or_non_member_campaign() {
    let with_learner = Membership {
        voters: [1, 2].into(),
        learners: [3].into(),
        ..Default::default()
    };
    for (membership, what) in [(with_learner, "learner"), (three(), "non-member")] {
        let id = if what == "learner" { 3 } else { 4 };
        let mut s = Solo::new(config(id), membership);
        s.recv(msg(1, id, 1, Body::TimeoutNow));
        assert!(
            !matches!(s.node.role(), Role::Candidate | Role::PreCandidate),
            "{what} campaigned"
        );
        assert_eq!(s.node.term(), 1, "{what}: adopts the term, nothing more");
        assert!(
            s.take_msgs()
                .iter()
                .all(|m| !matches!(m.body, Body::Vote { .. } | Body::PreVote { .. })),
            "{what} asked for votes"
        );
    }
}

// Dissertation §4.2.1 (learners do not vote) with §6.4: a ReadIndex round needs heartbeat answers
// from a majority of voters; a learner's answer confirms nothing. A leader alone among voters
// serves reads at once, learners or not. (etcd `TestReadOnlyWithLearner`, raft-rs
// `test_read_only_with_learner`.)
#[test]
fn learners_do_not_count_towards_a_read_quorum() {
    let m = Membership {
        voters: [1, 2, 3].into(),
        learners: [4, 5].into(),
        ..Default::default()
    };
    let mut net = Network::with_config(m, config);
    net.elect(1);
    net.run(1);
    net.cut(1, 2);
    net.cut(1, 3);
    net.step(1, Input::ReadIndex(7)).unwrap();
    net.deliver();
    assert!(
        net.peer(1).reads.is_empty(),
        "only the learners answered (3 of 5 members): {:?}",
        net.peer(1).reads
    );
    net.heal();
    net.step(1, Input::ReadIndex(8)).unwrap();
    net.deliver();
    assert_eq!(net.peer(1).reads.len(), 2, "the voters confirm both reads");

    let m = Membership {
        voters: [1].into(),
        learners: [2].into(),
        ..Default::default()
    };
    let mut net = Network::with_config(m, config);
    net.elect(1);
    net.deliver();
    net.step(1, Input::ReadIndex(8)).unwrap();
    assert_eq!(net.peer(1).reads.len(), 1, "the only voter is a quorum");
}

// Dissertation §4.2.1 / §4.1: a node that has not yet learned of its own addition (its
// configuration does not name it) still follows a leader and votes for it, but never campaigns.
// (etcd `TestNonPromotableVoterWithCheckQuorum`, raft-rs
// `test_non_promotable_voter_with_check_quorum`.)
#[test]
fn a_voter_that_does_not_know_it_is_one_follows_but_never_campaigns() {
    let both = Membership::with_voters([1, 2]);
    let only_1 = Membership::with_voters([1]);
    let state = |m: &Membership| PersistentState {
        membership: m.clone(),
        ..Default::default()
    };
    let mut net = Network::from_states(vec![(1, state(&both)), (2, state(&only_1))], config);
    assert!(!net.node(2).is_promotable());
    net.tick(2, 10_000);
    assert_eq!(net.node(2).role(), Role::Follower, "never campaigns");
    assert_eq!(net.node(2).term(), 0);
    net.elect(1);
    assert_eq!(net.node(2).leader(), Some(1), "but follows the leader");
    net.run(1_000);
    assert_eq!(net.node(1).role(), Role::Leader, "and keeps it in office");
}

// Paper §7 with flow control: a follower whose in-flight window is full (its Appends were lost)
// and whose next entries the leader then compacted away is not stuck: a heartbeat answer frees
// the window, the next Append finds the entries gone, and the leader sends the snapshot. (etcd
// `testdata/slow_follower_after_compaction.txt`, the regression test of etcd-io/raft#31.)
#[test]
fn a_throttled_follower_behind_a_compaction_gets_the_snapshot() {
    let cfg = |id| {
        let mut c = plain(id);
        c.max_inflight = 2;
        c
    };
    let mut net = Network::with_config(three(), cfg);
    net.elect(1);
    net.run(1);
    // Every Append to node 3 is lost from here on, until its window is full.
    for k in 0..6u8 {
        net.propose(1, &[k]).unwrap();
        net.drop_where(|m| m.to == 3 && matches!(m.body, Body::Append { .. }));
        net.deliver();
    }
    let p = &net.node(1).progress().unwrap()[&3];
    assert_eq!(p.inflight.len(), 2, "the window to node 3 is full");
    let applied = net.compact_applied(1, b"state");
    assert!(net.node(3).log().last_index() < net.node(1).log().first_index());
    net.run(net.node(1).config().heartbeat_interval * 4);
    assert_eq!(
        net.node(3).log().snapshot_index(),
        applied,
        "snapshot installed"
    );
    assert_eq!(
        net.node(3).log().committed(),
        net.node(1).log().committed(),
        "caught up"
    );
}

// ----- elections ----------------------------------------------------------------------------------

// Raft §5.4.1: a node whose log is at least as up to date as a majority's wins, even if a
// minority holds newer (uncommitted) entries; those are overwritten by its log (§5.3). The first
// attempt fails (a vote was already cast in that term), the node learns the higher term from the
// refusals and wins the next one. (etcd `TestLeaderElectionOverwriteNewerLogs`, raft-rs
// `test_leader_election_overwrite_newer_logs`.)
#[test]
fn a_leader_elected_by_a_majority_overwrites_a_minoritys_newer_uncommitted_entry() {
    let m = Membership::with_voters([1, 2, 3, 4, 5]);
    let voted_for_3 = PersistentState {
        hard_state: HardState {
            term: 2,
            vote: Some(3),
        },
        membership: m.clone(),
        ..Default::default()
    };
    let mut net = Network::from_states(
        vec![
            (1, persisted(1, &[1], &m)), // led term 1
            (2, persisted(1, &[1], &m)), // got node 1's entry
            (3, persisted(2, &[2], &m)), // led term 2, its entry reached nobody
            (4, voted_for_3.clone()),    // voted for 3 in term 2
            (5, voted_for_3),
        ],
        plain,
    );
    net.campaign(1);
    net.deliver();
    assert_eq!(net.node(1).role(), Role::Follower, "lost term 2");
    assert_eq!(net.node(1).term(), 2);
    net.campaign(1);
    net.deliver();
    assert_eq!(net.node(1).role(), Role::Leader);
    assert_eq!(net.node(1).term(), 3);
    for id in 1..=5 {
        assert_eq!(terms_of(net.node(id)), vec![1, 3], "node {id}");
    }
}

// Raft §5.1, §5.2: whatever its role, a node that receives a vote request of a higher term from
// an up-to-date candidate adopts the term, becomes a follower with no leader and grants its vote.
// (etcd `TestVoteFromAnyState`, raft-rs `test_vote_from_any_state`; a leader here runs without
// CheckQuorum, whose lease would make it ignore the request.)
#[test]
fn a_higher_term_vote_request_is_granted_from_any_role() {
    for role in [
        Role::Follower,
        Role::PreCandidate,
        Role::Candidate,
        Role::Leader,
    ] {
        let mut cfg = plain(1);
        cfg.pre_vote = role == Role::PreCandidate;
        let mut s = Solo::new(cfg, three());
        match role {
            Role::Follower => s.recv(append(2, 1, 1, (0, 0), Vec::new(), 0)),
            Role::PreCandidate | Role::Candidate => {
                s.step(Input::Campaign).unwrap();
            }
            _ => s.make_leader(),
        }
        assert_eq!(s.node.role(), role);
        s.take_msgs();
        let t = s.node.term() + 1;
        s.recv(vote(2, 1, t, (9, t)));
        assert_eq!(s.node.role(), Role::Follower, "from {role}");
        assert_eq!(s.node.term(), t, "from {role}");
        assert_eq!(s.node.vote(), Some(2), "from {role}");
        assert_eq!(s.node.leader(), None, "from {role}");
        let out = s.take_msgs();
        assert!(
            out.iter()
                .any(|m| m.to == 2 && m.term == t && m.body == Body::VoteResp { granted: true }),
            "from {role}: {out:?}"
        );
    }
}

// Raft §5.2: an election is won by any voter in turn, and each new leader (§5.4) holds every
// entry committed before it. (etcd `TestLeaderCycle`, raft-rs `test_leader_cycle`.)
#[test]
fn every_voter_can_lead_in_turn_and_logs_agree() {
    let mut net = Network::with_config(three(), plain);
    for round in 0..2 {
        for id in [1, 2, 3] {
            net.elect(id);
            let i = net.propose(id, &[round, id as u8]).unwrap();
            net.deliver();
            // The final commit index rides on the next heartbeat.
            net.run(net.node(id).config().heartbeat_interval);
            for other in [1, 2, 3] {
                assert_eq!(net.node(other).leader(), Some(id));
                assert_eq!(net.node(other).log().committed(), i);
            }
        }
    }
    let log = net.node(1).log().collect_entries();
    assert_eq!(net.node(2).log().collect_entries(), log);
    assert_eq!(net.node(3).log().collect_entries(), log);
}

// Raft §5.2, §5.4.1: without PreVote, a candidate cut off from the leader raises its term and,
// once it reconnects, deposes the leader; with a stale log it cannot win, and the cluster elects
// a leader with the committed entries, which then reach the stale node. (etcd
// `TestDuelingCandidates`, raft-rs `test_dueling_candidates`.)
#[test]
fn a_stale_candidate_can_disrupt_but_not_win() {
    let mut net = Network::with_config(three(), plain);
    net.cut(1, 3);
    net.elect(1);
    let noop = net.node(1).log().last_index();
    assert_eq!(net.node(1).log().committed(), noop);
    net.campaign(3);
    net.deliver();
    assert_eq!(
        net.node(3).role(),
        Role::Candidate,
        "node 2 voted in term 1"
    );
    net.heal();
    net.campaign(3);
    net.deliver();
    assert_eq!(net.node(3).term(), 2);
    assert_ne!(net.node(1).role(), Role::Leader, "deposed by term 2");
    assert_ne!(net.node(3).role(), Role::Leader, "its log lacks the no-op");
    net.run(2_000);
    let leader = net.leader().expect("a leader");
    assert_ne!(leader, 3, "node 3 cannot win with a stale log");
    for id in [1, 2, 3] {
        assert!(net.node(id).log().committed() >= noop, "node {id}");
    }
}

// Dissertation §9.6: with PreVote, a node left behind in an old term (it was cut off while the
// others moved on) still helps elect a leader once it reconnects: its grant of a pre-vote answers
// the pre-candidate's question in the pre-candidate's term, not its own older one, so that the
// pre-candidate counts it. With the leader crashed, the remaining voter wins in one round.
// (etcd `TestNodeWithSmallerTermCanCompleteElection`, raft-rs
// `test_node_with_smaller_term_can_complete_election`.)
#[test]
fn a_node_left_in_an_old_term_can_still_complete_an_election() {
    let mut net = Network::new(&[1, 2, 3]);
    net.isolate(3);
    net.elect(1);
    net.step(1, Input::TransferLeader(2)).unwrap();
    net.deliver();
    assert_eq!(net.node(2).role(), Role::Leader);
    assert_eq!(net.node(2).term(), 2);
    net.campaign(3);
    net.deliver();
    assert_eq!(net.node(3).term(), 0, "PreVote kept node 3 in its old term");
    net.heal();
    net.crash(2);
    net.drop_all();
    net.campaign(1);
    net.deliver();
    assert_eq!(
        net.node(1).role(),
        Role::Leader,
        "elected with node 3's votes"
    );
    assert_eq!(net.node(1).term(), 3);
    assert_eq!(net.node(3).term(), 3);
    assert_eq!(net.node(3).leader(), Some(1));
}

// Raft §5.2: starting an election is a follower's or candidate's move; asking a leader to
// campaign changes nothing, with or without PreVote. (etcd `TestCampaignWhileLeader`,
// `TestPreCampaignWhileLeader`; raft-rs `test_campaign_while_leader`.)
#[test]
fn campaign_on_a_leader_changes_nothing() {
    for pre_vote in [false, true] {
        let mut cfg = plain(1);
        cfg.pre_vote = pre_vote;
        let mut s = Solo::new(cfg, Membership::with_voters([1]));
        s.step(Input::Campaign).unwrap();
        assert_eq!(s.node.role(), Role::Leader, "a single voter wins at once");
        assert_eq!(s.node.term(), 1);
        s.step(Input::Campaign).unwrap();
        assert_eq!((s.node.role(), s.node.term()), (Role::Leader, 1));
    }
}

// ----- replication ---------------------------------------------------------------------------------

// Raft §5.3: the commit index a follower learns only grows; a heartbeat carrying a lower one
// (it was sent before a later Append, and arrives after it) takes nothing back. (etcd/raft-rs
// `TestHandleHeartbeat`.)
#[test]
fn a_heartbeat_never_moves_the_commit_index_back() {
    let mut s = Solo::restore(config(2), persisted(1, &[1, 1, 1], &three()));
    s.recv(append(1, 2, 1, (3, 1), Vec::new(), 2));
    assert_eq!(s.node.log().committed(), 2);
    s.recv(msg(
        1,
        2,
        1,
        Body::Heartbeat {
            commit: 1,
            read_ctx: 0,
        },
    ));
    assert_eq!(s.node.log().committed(), 2, "not back to 1");
    s.recv(msg(
        1,
        2,
        1,
        Body::Heartbeat {
            commit: 3,
            read_ctx: 0,
        },
    ));
    assert_eq!(s.node.log().committed(), 3);
}

// Raft §5.3: nextIndex never goes below what the follower is known to hold. Appends delivered out
// of order make the follower reject a later one; once an earlier one is acknowledged and another
// rejection has sent the leader back to probing from the match, that late rejection must not take
// it below the match. (etcd `TestLogReplicationWithReorderedMessage`, raft-rs
// `test_log_replication_with_reordered_message`; etcd reaches probing through `MsgUnreachable`,
// here a real rejection does it.)
#[test]
fn a_late_rejection_never_takes_next_below_the_match() {
    let mut leader = Solo::new(plain(1), Membership::with_voters([1, 2]));
    leader.make_leader();
    // Follower 2 acknowledges the no-op: replicate state.
    let noop = leader.node.log().last_index();
    leader.recv(msg(
        2,
        1,
        1,
        Body::AppendResp {
            index: noop,
            reject: false,
            hint_index: 0,
            hint_term: 0,
        },
    ));
    leader.take_msgs();
    let mut follower = Solo::new(plain(2), Membership::with_voters([1, 2]));
    follower.recv(append(1, 2, 1, (0, 0), log_of_terms(&[1]), 0));
    follower.take_msgs();
    // Three proposals, one Append each.
    let mut sent = Vec::new();
    for data in [b"a", b"b", b"c"] {
        leader.step(Input::Propose(data.to_vec())).unwrap();
        let out = leader.take_msgs();
        assert_eq!(out.len(), 1, "one Append per proposal here");
        sent.push(out[0].clone());
    }
    let mut answer = |m: &raft_core::Message| {
        follower.recv(m.clone());
        follower.take_msgs().remove(0)
    };
    // The second arrives first and is rejected; the first is accepted; the third is rejected.
    let late = answer(&sent[1]);
    let ok = answer(&sent[0]);
    let rejected = answer(&sent[2]);
    assert!(matches!(late.body, Body::AppendResp { reject: true, .. }));
    assert!(matches!(ok.body, Body::AppendResp { reject: false, .. }));
    assert!(matches!(
        rejected.body,
        Body::AppendResp { reject: true, .. }
    ));
    leader.recv(ok);
    let matched = leader.node.progress().unwrap()[&2].matched;
    assert_eq!(matched, noop + 1);
    leader.recv(rejected);
    leader.take_msgs();
    leader.recv(late);
    let p = &leader.node.progress().unwrap()[&2];
    assert_eq!(p.matched, matched, "the match stays");
    assert!(
        p.next > matched,
        "next {} not above match {matched}",
        p.next
    );
    for m in leader.take_msgs() {
        if let Body::Append { prev_index, .. } = m.body {
            assert!(
                prev_index >= matched,
                "resent from {prev_index} below {matched}"
            );
        }
    }
}

// The transport's report that a peer cannot be reached (etcd `TestRecvMsgUnreachable`, raft-rs
// `test_recv_msg_unreachable`): a leader streaming to that peer in replicate state falls back to
// probing from just after the match, so it sends one Append at a time rather than a window that
// would be lost; the match and everything else stay. Ignored on a follower, for the leader
// itself, for an unknown peer and for a peer already probing. Once the peer answers, streaming
// resumes and the entries commit (§5.3: the leader retries until the follower holds them).
#[test]
fn an_unreachable_peer_is_probed_one_append_at_a_time() {
    use raft_core::progress::ProgressState;
    let mut cfg = plain(1);
    cfg.max_inflight = 4;
    let mut leader = Solo::new(cfg, Membership::with_voters([1, 2, 3]));
    leader.make_leader();
    let noop = leader.node.log().last_index();
    let ack = |index| {
        msg(
            2,
            1,
            1,
            Body::AppendResp {
                index,
                reject: false,
                hint_index: 0,
                hint_term: 0,
            },
        )
    };
    leader.recv(ack(noop));
    for data in [b"a", b"b"] {
        leader.step(Input::Propose(data.to_vec())).unwrap();
    }
    leader.take_msgs();
    let state = |l: &Solo| {
        let p = &l.node.progress().unwrap()[&2];
        (p.state, p.matched, p.next, p.inflight.len())
    };
    assert_eq!(
        state(&leader),
        (ProgressState::Replicate, noop, noop + 3, 2),
        "streaming, two appends in flight"
    );
    // Ignored: the leader itself, an unknown peer, and a peer already probing (3 never answered).
    for peer in [1, 9, 3] {
        let before = leader.node.progress().unwrap().clone();
        leader.step(Input::Unreachable(peer)).unwrap();
        assert_eq!(leader.node.progress().unwrap(), &before, "peer {peer}");
    }
    leader.step(Input::Unreachable(2)).unwrap();
    assert_eq!(
        state(&leader),
        (ProgressState::Probe, noop, noop + 1, 0),
        "probing from just after the match"
    );
    assert_eq!(leader.node.term(), 1);
    assert_eq!(leader.node.role(), Role::Leader);
    // One append at a time while probing: two more proposals send nothing more to 2 until it
    // answers (its probe goes out with the first).
    for data in [b"c", b"d"] {
        leader.step(Input::Propose(data.to_vec())).unwrap();
    }
    let to_2: Vec<_> = leader
        .take_msgs()
        .into_iter()
        .filter(|m| m.to == 2 && matches!(m.body, Body::Append { .. }))
        .collect();
    assert_eq!(to_2.len(), 1, "one probe: {to_2:?}");
    let Body::Append { prev_index, .. } = to_2[0].body else {
        unreachable!()
    };
    assert_eq!(prev_index, noop, "the probe resumes after the match");
    // The peer answers the probe: streaming again.
    let last = leader.node.log().last_index();
    leader.recv(ack(last));
    assert_eq!(state(&leader).0, ProgressState::Replicate);
    assert_eq!(leader.node.log().committed(), last, "1 and 2 commit it all");

    // A follower ignores the report.
    let mut follower = Solo::new(plain(2), Membership::with_voters([1, 2, 3]));
    follower.step(Input::Unreachable(1)).unwrap();
    assert_eq!(follower.node.role(), Role::Follower);
    assert!(follower.take_msgs().is_empty());
}
