//! Hostile or corrupted peers (README: "a malformed message … or hostile peer never panics, hangs
//! …"): a term or index no honest cluster reaches, responses from nodes that are not members,
//! a transfer vote from a stranger, snapshots with impossible metadata, and persisted state past
//! the bounds. Each case comes from an embedder's review: before these checks, one heartbeat
//! answer with term `u64::MAX` from node 99 left a 3-node cluster unable to elect a leader ever
//! again (the term is durable and cannot be incremented).
//!
//! Figure 2's rule "if RPC request or response contains term T > currentTerm: set currentTerm =
//! T" is for messages of the cluster; these tests pin what is not one.

mod common;

use common::*;
use raft_core::{
    Body, Config, Entry, Error, Event, HardState, Input, Membership, Message, Payload,
    PersistentState, RejectReason, Role, MAX_INDEX, MAX_TERM,
};

fn rejected(events: &[Event], why: RejectReason) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::Rejected { why: w, .. } if *w == why))
}

fn fast(id: u64) -> Config {
    let mut cfg = config(id);
    cfg.election_timeout_min = 10;
    cfg.election_timeout_max = 20;
    cfg.heartbeat_interval = 3;
    cfg
}

/// The engineer's reproducer, on a whole cluster: node 99 (not a member) answers the leader's
/// heartbeat with term `u64::MAX`. The leader keeps its term, and the cluster goes on electing
/// and committing after the leader crashes.
#[test]
fn a_term_past_the_bound_from_anyone_is_refused_and_elections_go_on() {
    let mut net = Network::with_config(three(), fast);
    net.elect(1);
    let term = net.node(1).term();
    for from in [99, 2] {
        net.deliver_msg(msg(from, 1, u64::MAX, Body::HeartbeatResp { read_ctx: 0 }));
        assert_eq!(net.node(1).term(), term, "from {from}: term unchanged");
        assert_eq!(net.node(1).role(), Role::Leader, "from {from}");
    }
    assert!(rejected(net.events(1), RejectReason::TermTooLarge));
    // A member's heartbeat just past the bound is refused too, by a follower.
    net.deliver_msg(msg(
        1,
        2,
        MAX_TERM + 1,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    assert_eq!(net.node(2).term(), term);
    assert!(rejected(net.events(2), RejectReason::TermTooLarge));
    // The cluster still fails over and commits.
    net.crash(1);
    net.run(200);
    let leader = net.leader().expect("a new leader");
    assert_ne!(leader, 1);
    net.propose(leader, b"after").expect("proposal");
    net.run(50);
    assert!(net.node(leader).log().committed() >= 2);
}

/// A node at the bound refuses to campaign past it, and one just below it can still win at it.
#[test]
fn a_node_at_the_term_bound_refuses_to_campaign_and_one_below_wins_at_it() {
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let at = |term| PersistentState {
        hard_state: HardState { term, vote: None },
        membership: three(),
        ..Default::default()
    };
    let mut s = Solo::restore(cfg.clone(), at(MAX_TERM - 1));
    s.make_leader();
    assert_eq!(s.node.term(), MAX_TERM);
    let mut s = Solo::restore(cfg.clone(), at(MAX_TERM));
    assert_eq!(s.step(Input::Campaign), Err(Error::TermOverflow(MAX_TERM)));
    assert_eq!(s.node.role(), Role::Follower);
    // Persisted state past the bound is corrupt, not a node that can never campaign.
    assert!(matches!(
        raft_core::Node::restore(cfg, at(MAX_TERM + 1)),
        Err(Error::CorruptState(_))
    ));
}

/// Responses come only from nodes this one sent requests to: its members. One from a stranger
/// (a node of another cluster on a reused address, a corrupted sender field) is refused before
/// its term is believed, and a vote from a non-voter counts nowhere.
#[test]
fn responses_from_non_members_are_refused_before_their_term_is_believed() {
    let bodies = [
        Body::HeartbeatResp { read_ctx: 0 },
        Body::AppendResp {
            index: 0,
            reject: false,
            hint_index: 0,
            hint_term: 0,
        },
        Body::SnapshotResp {
            index: 0,
            offset: 0,
        },
    ];
    for body in bodies {
        let mut s = Solo::new(config(1), three());
        s.make_leader();
        let term = s.node.term();
        s.recv(msg(99, 1, term + 5, body.clone()));
        assert_eq!(s.node.term(), term, "{body:?}: term unchanged");
        assert_eq!(s.node.role(), Role::Leader, "{body:?}");
        assert!(
            rejected(&s.take_events(), RejectReason::NotAMember),
            "{body:?}"
        );
    }
    // Votes from a learner or a stranger do not elect a candidate of a 3-voter cluster.
    let mut m = three();
    m.learners.insert(4);
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let mut s = Solo::new(cfg, m);
    s.step(Input::Campaign).unwrap();
    let t = s.node.term();
    for from in [4, 99, 100, 101] {
        s.recv(msg(from, 1, t, Body::VoteResp { granted: true }));
    }
    assert_eq!(s.node.role(), Role::Candidate);
    assert!(rejected(&s.take_events(), RejectReason::NotAMember));
}

/// CheckQuorum's lease (dissertation §4.2.3, §6.2) lets a vote request through only for a
/// transfer; a stranger (or a learner) claiming one does not depose a live leader.
#[test]
fn a_transfer_vote_from_a_non_voter_does_not_pass_the_lease() {
    let mut net = Network::with_config(three(), fast);
    net.elect(1);
    let term = net.node(1).term();
    let forced = |from| {
        msg(
            from,
            2,
            term + 1,
            Body::Vote {
                last_index: 100,
                last_term: term,
                transfer: true,
            },
        )
    };
    net.deliver_msg(forced(99));
    assert_eq!(net.node(2).term(), term, "the follower keeps its term");
    assert_eq!(net.node(2).leader(), Some(1), "and its leader");
    // A voter's transfer vote still goes through (the transfer path is not broken).
    net.deliver_msg(forced(3));
    assert_eq!(net.node(2).term(), term + 1);
}

/// A snapshot's metadata becomes the follower's configuration and log boundary: impossible
/// values are refused like any other malformed chunk, and nothing changes.
#[test]
fn snapshots_with_impossible_metadata_are_refused() {
    let snap = |index, term, membership: Membership| {
        msg(
            2,
            1,
            5,
            Body::Snapshot {
                index,
                term,
                membership: Box::new(membership),
                offset: 0,
                total: 1,
                data: vec![7],
            },
        )
    };
    let both = {
        let mut m = three();
        m.learners.insert(1);
        m
    };
    let cases: Vec<(&str, Message)> = vec![
        ("no voters", snap(3, 1, Membership::default())),
        ("voter 0", snap(3, 1, Membership::with_voters([0, 1, 2]))),
        ("voter and learner", snap(3, 1, both)),
        ("term 0", snap(3, 0, three())),
        ("index past the bound", snap(MAX_INDEX + 1, 1, three())),
    ];
    for (name, m) in cases {
        let mut s = Solo::new(config(1), three());
        s.recv(m);
        assert_eq!(s.node.term(), 0, "{name}: term unchanged");
        assert_eq!(
            s.node.log().snapshot_index(),
            0,
            "{name}: nothing installed"
        );
        assert_eq!(
            s.node.membership(),
            &three(),
            "{name}: membership unchanged"
        );
        assert!(
            rejected(&s.take_events(), RejectReason::MalformedSnapshotChunk),
            "{name}: reported"
        );
    }
}

/// An append whose entries would pass [`MAX_INDEX`] is malformed: a leader following it could
/// never commit again (every later append would overflow), and a debug build panicked.
#[test]
fn appends_past_the_index_bound_are_refused() {
    let m = append(
        2,
        1,
        2,
        (MAX_INDEX, 1),
        vec![Entry {
            term: 1,
            index: MAX_INDEX + 1,
            payload: Payload::Noop,
        }],
        0,
    );
    let mut s = Solo::new(config(1), three());
    s.recv(m);
    assert_eq!(s.node.term(), 0);
    assert!(rejected(&s.take_events(), RejectReason::IndexOverflow));
    // Persisted state past the bound is corrupt.
    let mut state = PersistentState {
        hard_state: HardState {
            term: 2,
            vote: None,
        },
        membership: three(),
        ..Default::default()
    };
    state.snapshot_index = MAX_INDEX + 1;
    state.snapshot_term = 1;
    state.snapshot_data = vec![1];
    assert!(matches!(
        raft_core::Node::restore(config(1), state),
        Err(Error::CorruptState(_))
    ));
}
