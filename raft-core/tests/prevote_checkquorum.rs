//! PreVote (dissertation §9.6) and CheckQuorum (dissertation §6.2): a node that cannot win an
//! election does not raise its term, so a partitioned node rejoining does not depose a healthy
//! leader; a leader that cannot reach a quorum steps down; followers that hear from a leader
//! ignore vote requests; a stale leader learns the newer term from the answers to its heartbeats.

mod common;

use common::*;
use raft_core::{Body, Config, Event, Input, Membership, NodeId, Role};

fn cfg_with(pre_vote: bool, check_quorum: bool) -> impl Fn(NodeId) -> Config {
    move |id| {
        let mut c = config(id);
        c.pre_vote = pre_vote;
        c.check_quorum = check_quorum;
        c
    }
}

/// Advances time on `ids` only, one tick at a time, delivering after each tick.
fn run_nodes(net: &mut Network, ids: &[NodeId], ticks: u64) {
    for _ in 0..ticks {
        for &id in ids {
            net.tick(id, 1);
        }
        net.deliver();
    }
}

// Dissertation §9.6: with PreVote, a partitioned node keeps failing its pre-election and never
// raises its term, however long it is cut off.
#[test]
fn isolated_node_with_prevote_keeps_its_term() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.run(3000);
    assert_eq!(net.node(3).term(), 1);
    assert_eq!(net.node(3).role(), Role::PreCandidate);
    let pre_elections = net
        .events(3)
        .iter()
        .filter(|e| matches!(e, Event::ElectionStarted { pre_vote: true, .. }))
        .count();
    assert!(pre_elections >= 10, "it kept trying: {pre_elections}");
    assert!(!net.events(3).iter().any(|e| matches!(
        e,
        Event::ElectionStarted {
            pre_vote: false,
            ..
        }
    )));
}

// Dissertation §9.6: when the partitioned node rejoins, the leader stays in place: the others
// ignore its pre-votes (they hear from the leader, and its log is behind), and the leader's
// next heartbeat makes it a follower again.
#[test]
fn rejoining_node_with_prevote_does_not_disrupt_the_leader() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.run(1000);
    for k in 0..3u8 {
        net.propose(1, &[k]).unwrap();
    }
    net.run(1000);
    net.heal();
    net.run(2000);
    assert_eq!(net.leader(), Some(1));
    for id in net.ids() {
        assert_eq!(net.node(id).term(), 1, "node {id}: nobody raised the term");
    }
    assert_eq!(net.node(3).role(), Role::Follower);
    assert_eq!(
        net.node(3).log().collect_entries(),
        net.node(1).log().collect_entries()
    );
}

// Contrast (Raft §5.2 without PreVote): the partitioned node raises its term at every timeout and,
// when it rejoins, its high term forces an election the healthy leader did not need.
#[test]
fn without_prevote_an_isolated_node_raises_its_term_and_disrupts() {
    let mut net = Network::with_config(three(), cfg_with(false, false));
    net.elect(1);
    net.isolate(3);
    net.run(3000);
    let t3 = net.node(3).term();
    assert!(t3 >= 10, "term raised at every timeout: {t3}");
    assert_eq!(net.node(1).term(), 1);
    net.heal();
    net.run(2000);
    let leader = net.leader().expect("a leader again");
    assert!(
        net.node(leader).term() > t3,
        "the cluster had to move past term {t3}"
    );
}

// Dissertation §9.6: CheckQuorum alone does not stop the disruption: followers in lease ignore the
// rejoining node's vote requests, but the leader's heartbeat reaches it, and its answer carries
// the higher term, which deposes the leader.
#[test]
fn check_quorum_without_prevote_still_disrupts() {
    let mut net = Network::with_config(three(), cfg_with(false, true));
    net.elect(1);
    net.isolate(3);
    net.run(3000);
    let t3 = net.node(3).term();
    assert!(t3 > 1);
    net.heal();
    net.run(2000);
    assert!(
        net.node(1).term() >= t3,
        "the leader was deposed by the higher term"
    );
}

// Dissertation §9.6: a pre-vote changes nothing at the recipient: not its term, not its vote, not
// its election timer.
#[test]
fn pre_vote_request_changes_nothing_at_the_recipient() {
    let mut s = Solo::new(config(1), three());
    s.recv(vote(3, 1, 2, (0, 0)));
    assert_eq!((s.node.term(), s.node.vote()), (2, Some(3)));
    s.step(Input::Tick(7)).unwrap();
    s.take_msgs();
    // From the candidate it voted for (another one it would refuse for a baseline election
    // timeout after voting: see slow_replies.rs).
    s.recv(pre_vote(3, 1, 3, (0, 0)));
    assert_eq!((s.node.term(), s.node.vote()), (2, Some(3)));
    assert_eq!(
        s.node.election_elapsed(),
        7,
        "timer not reset by a pre-vote"
    );
    let out = s.take_msgs();
    assert_eq!(out[0].body, Body::PreVoteResp { granted: true });
    assert_eq!(
        out[0].term, 3,
        "a granted pre-vote echoes the proposed term"
    );
}

// Dissertation §9.6: "a candidate ... first asks whether its log is up-to-date enough to get votes
// from a majority": it raises its term only after a majority of pre-votes.
#[test]
fn pre_candidate_becomes_candidate_after_majority_of_pre_votes() {
    let mut s = Solo::new(config(1), Membership::with_voters([1, 2, 3, 4, 5]));
    s.step(Input::Campaign).unwrap();
    s.take_msgs();
    s.recv(msg(2, 1, 1, Body::PreVoteResp { granted: true }));
    assert_eq!((s.node.role(), s.node.term()), (Role::PreCandidate, 0));
    // A granted answer for another term is not counted.
    s.recv(msg(4, 1, 5, Body::PreVoteResp { granted: true }));
    assert_eq!(s.node.role(), Role::PreCandidate);
    s.recv(msg(3, 1, 1, Body::PreVoteResp { granted: true }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Candidate, 1));
    assert_eq!(s.node.vote(), Some(1));
    let votes = s
        .take_msgs()
        .into_iter()
        .filter(|m| m.term == 1 && matches!(m.body, Body::Vote { .. }))
        .count();
    assert_eq!(votes, 4, "the real election starts at once");
}

// Dissertation §9.6: a majority of refused pre-votes ends the pre-election without any change.
#[test]
fn pre_candidate_refused_by_majority_returns_to_follower() {
    let mut s = Solo::new(config(1), three());
    s.step(Input::Campaign).unwrap();
    s.recv(msg(2, 1, 0, Body::PreVoteResp { granted: false }));
    s.recv(msg(3, 1, 0, Body::PreVoteResp { granted: false }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Follower, 0));
    // A refusal from a node in a higher term brings that term along (§5.1).
    let mut s = Solo::new(config(1), three());
    s.step(Input::Campaign).unwrap();
    s.recv(msg(2, 1, 4, Body::PreVoteResp { granted: false }));
    assert_eq!((s.node.role(), s.node.term()), (Role::Follower, 4));
}

// Dissertation §9.6: a rejoining node whose log fell behind is refused pre-votes for its log
// alone (CheckQuorum is off and the voter no longer hears from a leader), so it cannot start the
// real election it would lose anyway.
#[test]
fn pre_vote_refused_to_a_node_whose_log_is_behind() {
    let mut net = Network::with_config(three(), cfg_with(true, false));
    net.elect(1);
    net.isolate(3);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.crash(1);
    net.heal();
    // Past 2's lease on leader 1, so that only the logs decide.
    let min = net.node(2).config().election_timeout_min;
    net.tick(2, min);
    net.drop_all();
    net.history.clear();
    net.campaign(3);
    net.deliver();
    let answers =
        net.sent(|m| m.from == 2 && m.to == 3 && matches!(m.body, Body::PreVoteResp { .. }));
    assert_eq!(answers.len(), 1);
    assert_eq!(answers[0].body, Body::PreVoteResp { granted: false });
    assert_eq!(
        net.node(3).role(),
        Role::PreCandidate,
        "no real election started"
    );
    assert_eq!(net.node(3).term(), 1);
    assert_eq!(net.node(2).term(), 1);
    // Node 2, whose log is complete, wins instead (once node 3 is past the baseline timeout
    // during which it backs the candidate it voted for, leader 1).
    net.tick(3, min);
    net.drop_all();
    net.campaign(2);
    net.deliver();
    assert_eq!(net.node(2).role(), Role::Leader);
}

// Dissertation §6.2 (CheckQuorum): a leader that does not hear from a quorum for an election
// timeout steps down, without raising its term, so that clients look for the real leader. The
// check runs once per election timeout, so it fires between one and two timeouts after the last
// answer.
#[test]
fn isolated_leader_steps_down_after_election_timeout() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    let min = net.node(1).config().election_timeout_min;
    let mut ticks = 0;
    while net.node(1).role() == Role::Leader {
        net.tick(1, 1);
        net.deliver();
        ticks += 1;
        assert!(ticks <= 2 * min, "still leader after {ticks} ticks");
    }
    assert!(ticks >= min, "stepped down after {ticks} ticks: too early");
    assert_eq!(net.node(1).role(), Role::Follower);
    assert_eq!(
        net.node(1).term(),
        1,
        "stepping down does not raise the term"
    );
    assert!(net.events(1).contains(&Event::QuorumLost { term: 1 }));
}

// Dissertation §6.2: a leader that hears from a majority (here with two of five nodes cut off)
// keeps its leadership indefinitely.
#[test]
fn leader_with_a_quorum_stays_leader() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.elect(1);
    net.isolate(4);
    net.isolate(5);
    run_nodes(&mut net, &[1, 2, 3], 3000);
    assert_eq!(net.node(1).role(), Role::Leader);
    assert!(!net
        .events(1)
        .iter()
        .any(|e| matches!(e, Event::QuorumLost { .. })));
}

// CheckQuorum counts voters only: a learner's answers do not keep a cut-off leader in office.
#[test]
fn check_quorum_does_not_count_learners() {
    let m = Membership {
        voters: [1, 2, 3].into(),
        learners: [4].into(),
        outgoing: Default::default(),
    };
    let mut net = Network::with_config(m, config);
    net.elect(1);
    net.isolate(2);
    net.isolate(3);
    run_nodes(&mut net, &[1, 4], 400);
    assert_eq!(net.node(1).role(), Role::Follower);
}

// Without CheckQuorum, nothing makes an isolated leader step down: the switch matters.
#[test]
fn without_check_quorum_an_isolated_leader_stays_leader() {
    let mut net = Network::with_config(three(), cfg_with(true, false));
    net.elect(1);
    net.isolate(1);
    run_nodes(&mut net, &[1], 5000);
    assert_eq!(net.node(1).role(), Role::Leader);
}

// Dissertation §6.2 / §4.2.3: a follower that heard from its leader within the minimum election
// timeout ignores vote and pre-vote requests, even with a higher term and an up-to-date log;
// once the lease is over it answers again.
#[test]
fn followers_in_lease_ignore_vote_requests() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    let last = net.node(2).log().last_index();
    net.history.clear();
    net.deliver_msg(vote(3, 2, 5, (last, 1)));
    net.deliver_msg(pre_vote(3, 2, 5, (last, 1)));
    assert_eq!(net.node(2).term(), 1, "no term change");
    assert_eq!(net.node(2).vote(), Some(1));
    assert!(net.sent(|m| m.from == 2).is_empty(), "no answer at all");
    // After an election timeout without news from the leader, the request is heard.
    let min = net.node(2).config().election_timeout_min;
    net.tick(2, min);
    net.drop_all();
    net.deliver_msg(vote(3, 2, 5, (last, 1)));
    assert_eq!(net.node(2).term(), 5);
    assert_eq!(net.node(2).vote(), Some(3));
}

// Dissertation §6.2: the leader, too, ignores disruptive vote requests while CheckQuorum holds.
#[test]
fn leader_ignores_higher_term_vote_requests_in_lease() {
    let mut s = Solo::new(config(1), three());
    s.make_leader();
    s.recv(vote(2, 1, 9, (100, 9)));
    assert_eq!((s.node.role(), s.node.term()), (Role::Leader, 1));
    assert!(s.take_msgs().is_empty());
}

// Raft §5.1 with PreVote/CheckQuorum: a leader cut off while the others elected a new leader does
// not hear the new term from vote requests (they never reach it, or are ignored). When the
// partition heals, its own heartbeats are answered with the newer term, and it steps down.
#[test]
fn stale_leader_steps_down_on_higher_term_heartbeat_response() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(1);
    run_nodes(&mut net, &[2, 3], 600);
    let new_leader = net.leader().filter(|&l| l != 1).expect("2 or 3 leads");
    let t = net.node(new_leader).term();
    assert!(t >= 2);
    assert_eq!(net.node(1).role(), Role::Leader, "1 has not noticed yet");
    assert_eq!(net.node(1).term(), 1);
    net.heal();
    net.history.clear();
    let hb = net.node(1).config().heartbeat_interval;
    net.tick(1, hb); // well within 1's CheckQuorum round
    net.deliver();
    assert!(!net
        .sent(|m| m.to == 1 && m.term == t && matches!(m.body, Body::HeartbeatResp { .. }))
        .is_empty());
    assert_eq!(net.node(1).role(), Role::Follower);
    assert_eq!(net.node(1).term(), t);
    assert!(
        !net.events(1)
            .iter()
            .any(|e| matches!(e, Event::QuorumLost { .. })),
        "deposed by the term, not by CheckQuorum"
    );
    net.run(100);
    assert_eq!(net.node(1).leader(), Some(new_leader));
}

// Dissertation §9.6: a voter grants a pre-vote only "if the candidate's log is sufficiently
// up-to-date, and the voters have not received heartbeats from a valid leader for at least a
// baseline election timeout". The second condition is part of PreVote itself, not of CheckQuorum:
// with CheckQuorum off, a rejoining node whose log is as complete as everyone's (no writes while
// it was away) must still not depose the leader.
#[test]
fn prevote_alone_protects_a_leader_from_a_rejoining_node_with_equal_log() {
    let mut net = Network::with_config(three(), cfg_with(true, false));
    net.elect(1);
    net.isolate(3);
    net.run(2000);
    assert_eq!(net.node(3).term(), 1);
    assert_eq!(
        net.node(3).log().last_index(),
        net.node(1).log().last_index()
    );
    // Heal just as 3's election timer fires, so that its pre-vote reaches the others before the
    // leader's next heartbeat reaches it.
    while net.node(3).ticks_until_timer() > 1 {
        net.run(1);
    }
    net.heal();
    net.history.clear();
    net.run(1);
    assert!(
        !net.sent(|m| m.from == 3 && matches!(m.body, Body::PreVote { .. }))
            .is_empty(),
        "3 asked for pre-votes right after healing"
    );
    net.run(2000);
    assert_eq!(net.leader(), Some(1));
    for id in net.ids() {
        assert_eq!(net.node(id).term(), 1, "node {id}");
    }
}
