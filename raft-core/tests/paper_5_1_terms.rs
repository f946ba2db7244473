//! Raft §5.1: terms act as a logical clock. A server that sees a higher term adopts it and
//! becomes a follower; requests carrying a stale term are rejected; the term is durable and never
//! goes back, also across a crash.

mod common;

use common::*;
use raft_core::{Body, Event, Input, Membership, Role};

// Raft §5.1: "If a candidate or leader discovers that its term is out of date, it immediately
// reverts to follower state." Every kind of message a peer can send carries its term; whichever
// kind it is, a higher term deposes a leader (vote requests aside, see below).
#[test]
fn leader_steps_down_on_any_message_with_higher_term() {
    let bodies = [
        Body::Append {
            prev_index: 0,
            prev_term: 0,
            entries: Vec::new().into(),
            commit: 0,
        },
        Body::AppendResp {
            index: 0,
            reject: true,
            hint_index: 0,
            hint_term: 0,
        },
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
        Body::HeartbeatResp { read_ctx: 0 },
        Body::VoteResp { granted: false },
        Body::PreVoteResp { granted: false },
        // (TimeoutNow is left out: after adopting the term it makes the node campaign at once,
        // see transfer_and_reads.rs.)
    ];
    for body in bodies {
        let kind = body.kind();
        let mut s = Solo::new(config(1), three());
        s.make_leader();
        assert_eq!(s.node.term(), 1);
        s.recv(msg(2, 1, 5, body));
        assert_eq!(s.node.term(), 5, "{kind}: adopts the higher term");
        assert_ne!(s.node.role(), Role::Leader, "{kind}: steps down");
        assert_eq!(s.node.vote(), None, "{kind}: no vote yet in the new term");
        assert!(s.node.progress().is_none(), "{kind}: leader state dropped");
    }
}

// Raft §5.1 (and Figure 2, "Rules for all servers"), without CheckQuorum: a vote request with a
// higher term also makes the leader step down. (With CheckQuorum a leader ignores it; see
// prevote_checkquorum.rs.)
#[test]
fn leader_without_check_quorum_steps_down_on_higher_term_vote_request() {
    let mut cfg = config(1);
    cfg.check_quorum = false;
    let mut s = Solo::new(cfg, three());
    s.make_leader();
    s.recv(vote(2, 1, 4, (5, 3)));
    assert_eq!(s.node.term(), 4);
    assert_eq!(s.node.role(), Role::Follower);
    assert_eq!(
        s.node.vote(),
        Some(2),
        "and then votes: the candidate's log is newer"
    );
}

// Raft §5.1, §5.2: a candidate that learns of a higher term returns to follower.
#[test]
fn candidate_steps_down_on_higher_term() {
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let mut s = Solo::new(cfg, three());
    s.step(Input::Campaign).unwrap();
    assert_eq!((s.node.role(), s.node.term()), (Role::Candidate, 1));
    s.recv(msg(3, 1, 3, Body::VoteResp { granted: false }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Follower, 3));
    assert_eq!(s.node.leader(), None);
}

// Raft §5.1 with PreVote (dissertation §9.6): a pre-candidate, too, follows a higher term.
#[test]
fn pre_candidate_steps_down_on_higher_term_leader() {
    let mut s = Solo::new(config(1), three());
    s.step(Input::Campaign).unwrap();
    assert_eq!((s.node.role(), s.node.term()), (Role::PreCandidate, 0));
    s.recv(append(2, 1, 2, (0, 0), vec![], 0));
    assert_eq!((s.node.role(), s.node.term()), (Role::Follower, 2));
    assert_eq!(
        s.node.leader(),
        Some(2),
        "an append names its sender leader"
    );
}

// Raft §5.1: a follower adopts a higher term and forgets the vote of the old one.
#[test]
fn follower_adopts_higher_term_and_clears_vote() {
    let mut s = Solo::new(config(1), three());
    s.recv(vote(2, 1, 1, (0, 0)));
    assert_eq!((s.node.term(), s.node.vote()), (1, Some(2)));
    s.recv(msg(
        3,
        1,
        7,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    assert_eq!(s.node.term(), 7);
    assert_eq!(s.node.vote(), None);
    assert_eq!(s.node.leader(), Some(3));
    assert_eq!(s.node.role(), Role::Follower);
}

// Raft §5.1: "If a server receives a request with a stale term number, it rejects the request."
// A stale append changes nothing; the answer carries the newer term so that the stale leader
// learns it (needed with PreVote/CheckQuorum, which otherwise keep the newer nodes from ever
// raising the stale leader's term).
#[test]
fn stale_append_is_rejected_and_answered_with_current_term() {
    let mut s = Solo::new(config(1), three());
    s.recv(msg(
        2,
        1,
        3,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    s.take_msgs();
    s.recv(append(3, 1, 2, (0, 0), vec![ent(1, 2)], 1));
    assert_eq!(s.node.log().last_index(), 0, "stale entries are not stored");
    assert_eq!(s.node.log().committed(), 0);
    assert_eq!(s.node.term(), 3);
    assert_eq!(
        s.node.leader(),
        Some(2),
        "the stale sender is not taken as leader"
    );
    let out = s.take_msgs();
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].to, 3);
    assert_eq!(out[0].term, 3);
    assert!(matches!(out[0].body, Body::HeartbeatResp { .. }));
}

// Raft §5.1: a stale vote request is refused: no vote is cast and nothing changes.
#[test]
fn stale_vote_request_is_ignored() {
    let mut s = Solo::new(config(1), three());
    s.recv(msg(2, 1, 3, Body::HeartbeatResp { read_ctx: 0 }));
    s.take_msgs();
    s.recv(vote(3, 1, 2, (10, 2)));
    assert_eq!(s.node.vote(), None);
    assert_eq!(s.node.term(), 3);
    assert!(
        !s.take_msgs()
            .iter()
            .any(|m| matches!(m.body, Body::VoteResp { granted: true })),
        "no vote granted for a stale term"
    );
}

// Raft §5.1: stale responses are ignored: old-term votes do not elect a candidate.
#[test]
fn stale_vote_responses_are_not_counted() {
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let mut s = Solo::new(cfg, Membership::with_voters([1, 2, 3]));
    s.step(Input::Campaign).unwrap(); // term 1
    s.step(Input::Campaign).unwrap(); // term 2
    assert_eq!(s.node.term(), 2);
    s.recv(msg(2, 1, 1, Body::VoteResp { granted: true }));
    s.recv(msg(3, 1, 1, Body::VoteResp { granted: true }));
    assert_eq!(
        s.node.role(),
        Role::Candidate,
        "term-1 votes do not count in term 2"
    );
    s.recv(msg(2, 1, 2, Body::VoteResp { granted: true }));
    assert_eq!(s.node.role(), Role::Leader);
}

// Raft §5.1, Figure 2 ("Persistent state on all servers"): currentTerm is durable; a restart never
// takes a node back to an older term, whether it learned the term from a peer or raised it itself.
#[test]
fn term_never_decreases_across_restart() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.deliver_msg(msg(
        3,
        2,
        6,
        Body::HeartbeatResp { read_ctx: 0 }, // node 2 learns term 6
    ));
    assert_eq!(net.node(2).term(), 6);
    net.reboot(2);
    assert_eq!(net.node(2).term(), 6, "a learned term survives a crash");

    net.campaign(3); // PreVote: no term change ...
    net.deliver();
    let t3 = net.node(3).term();
    net.reboot(3);
    assert_eq!(net.node(3).term(), t3, "a raised term survives a crash");
    for id in net.ids() {
        assert!(net.node(id).term() >= 1);
    }
}

// Raft §5.1: terms are exchanged on every message, so an elected leader's term spreads to every
// node it talks to.
#[test]
fn leader_term_reaches_every_follower() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.elect(4);
    for id in net.ids() {
        assert_eq!(net.node(id).term(), 1, "node {id}");
        assert_eq!(net.node(id).leader(), Some(4), "node {id}");
    }
    // The role changes were reported as events, each with the new term.
    assert!(net.events(2).contains(&Event::RoleChanged {
        role: Role::Follower,
        term: 1
    }));
}
