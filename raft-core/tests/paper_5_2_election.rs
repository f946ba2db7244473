//! Raft §5.2: leader election. Election timeouts start (pre-)elections; timeouts are randomized,
//! deterministically from the seed; each server casts at most one vote per term, durably; a
//! candidate wins with a majority, loses on a majority of refusals, and yields to a leader of its
//! term; split votes resolve in a later term; learners never campaign.

mod common;

use std::collections::BTreeSet;

use common::*;
use raft_core::{
    Body, BreakIt, Config, ElectionPolicy, Entry, Event, Input, Membership, Payload, Role,
};

fn no_prevote(id: u64) -> Config {
    let mut c = config(id);
    c.pre_vote = false;
    c
}

// Raft §5.2: "If a follower receives no communication over a period of time called the election
// timeout, then it ... begins an election." With PreVote (dissertation §9.6) it first asks, without
// raising its term, whether it could win.
#[test]
fn election_timeout_starts_pre_vote() {
    let mut s = Solo::new(config(1), three());
    let timeout = s.node.election_timeout();
    s.step(Input::Tick(timeout - 1)).unwrap();
    assert_eq!(s.node.role(), Role::Follower, "not before the timeout");
    assert!(s.take_msgs().is_empty());
    s.step(Input::Tick(1)).unwrap();
    assert_eq!(s.node.role(), Role::PreCandidate);
    assert_eq!(s.node.term(), 0, "PreVote does not raise the term");
    assert_eq!(s.node.vote(), None, "nor vote");
    let out = s.take_msgs();
    let to: BTreeSet<u64> = out.iter().map(|m| m.to).collect();
    assert_eq!(to, BTreeSet::from([2, 3]));
    for m in &out {
        assert_eq!(m.term, 1, "a pre-vote names the term it would campaign in");
        assert_eq!(
            m.body,
            Body::PreVote {
                last_index: 0,
                last_term: 0
            }
        );
    }
}

// Raft §5.2: "To begin an election, a follower increments its current term and transitions to
// candidate state. It then votes for itself and issues RequestVote RPCs in parallel."
#[test]
fn election_timeout_starts_election_without_prevote() {
    let mut s = Solo::new(no_prevote(1), three());
    let timeout = s.node.election_timeout();
    s.step(Input::Tick(timeout)).unwrap();
    assert_eq!(s.node.role(), Role::Candidate);
    assert_eq!(s.node.term(), 1);
    assert_eq!(s.node.vote(), Some(1), "votes for itself");
    assert_eq!(
        s.storage.state().hard_state.vote,
        Some(1),
        "its own vote is durable before the requests go out"
    );
    let out = s.take_msgs();
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|m| m.term == 1
        && matches!(
            m.body,
            Body::Vote {
                transfer: false,
                ..
            }
        )));
}

// Raft §5.2: a candidate whose election times out without a winner starts a new election in
// the next term.
#[test]
fn candidate_retries_in_next_term_after_timeout() {
    let mut s = Solo::new(no_prevote(1), three());
    s.step(Input::Campaign).unwrap();
    assert_eq!(s.node.term(), 1);
    let t = s.node.election_timeout();
    s.step(Input::Tick(t)).unwrap();
    assert_eq!((s.node.role(), s.node.term()), (Role::Candidate, 2));
}

/// The successive election timeouts a lone follower draws (each campaign redraws one).
fn timeouts(cfg: Config, n: usize) -> Vec<u64> {
    let mut s = Solo::new(cfg, three());
    let mut out = Vec::new();
    for _ in 0..n {
        let t = s.node.election_timeout();
        out.push(t);
        s.step(Input::Tick(t)).unwrap();
        assert_ne!(
            s.node.role(),
            Role::Follower,
            "the timeout drawn is the one that fires"
        );
    }
    out
}

// Raft §5.2: "election timeouts are chosen randomly from a fixed interval (e.g., 150–300 ms)".
// Randomness is injected: the same seed gives the same timeouts, a different seed or node id
// gives different ones. (The paper's uniform draw; the other policies are in election_policy.rs.)
#[test]
fn randomized_timeouts_are_in_range_and_seeded() {
    let with = |id: u64, seed: u64| {
        let mut c = config(id);
        c.seed = seed;
        c.election_policy = ElectionPolicy::Uniform;
        c
    };
    for seed in [0u64, 1, 42, u64::MAX] {
        let a = timeouts(with(1, seed), 64);
        assert!(
            a.iter().all(|&t| (150..300).contains(&t)),
            "{a:?} in [150, 300)"
        );
        let distinct: BTreeSet<_> = a.iter().collect();
        assert!(distinct.len() > 20, "spread over the range: {distinct:?}");
        assert_eq!(a, timeouts(with(1, seed), 64), "same seed, same timeouts");
        assert_ne!(
            a,
            timeouts(with(1, seed ^ 1), 64),
            "another seed, other timeouts"
        );
        assert_ne!(
            a,
            timeouts(with(2, seed), 64),
            "another node, other timeouts"
        );
    }
    // A narrow range is honoured exactly: [min, min + 1) has one value.
    let mut c = config(1);
    c.election_timeout_min = 10;
    c.election_timeout_max = 11;
    c.heartbeat_interval = 1;
    assert!(timeouts(c, 10).iter().all(|&t| t == 10));
}

// Raft §5.2: "Each server will vote for at most one candidate in a given term, on a
// first-come-first-served basis." Repeating the vote to the same candidate is fine (a lost reply).
#[test]
fn one_vote_per_term() {
    let mut s = Solo::new(config(1), three());
    s.recv(vote(2, 1, 1, (0, 0)));
    s.recv(vote(3, 1, 1, (0, 0)));
    s.recv(vote(2, 1, 1, (0, 0)));
    let answers: Vec<(u64, bool)> = s
        .take_msgs()
        .iter()
        .map(|m| match m.body {
            Body::VoteResp { granted } => (m.to, granted),
            _ => panic!("unexpected {m:?}"),
        })
        .collect();
    assert_eq!(answers, vec![(2, true), (3, false), (2, true)]);
    assert_eq!(s.node.vote(), Some(2));
    // A new term frees the vote.
    s.recv(vote(3, 1, 2, (0, 0)));
    assert_eq!((s.node.term(), s.node.vote()), (2, Some(3)));
}

// Raft §5.2 and Figure 2: votedFor is persistent state. A node that voted and crashed must refuse
// a second candidate of the same term after restarting.
#[test]
fn vote_survives_a_crash() {
    let mut s = Solo::new(config(1), three());
    s.recv(vote(2, 1, 1, (0, 0)));
    assert_eq!(
        s.storage.state().hard_state.vote,
        Some(2),
        "durable before the reply"
    );
    s.reboot();
    assert_eq!((s.node.term(), s.node.vote()), (1, Some(2)));
    s.take_msgs();
    s.recv(vote(3, 1, 1, (0, 0)));
    assert_eq!(
        s.take_msgs()[0].body,
        Body::VoteResp { granted: false },
        "no second vote in term 1"
    );

    // The teaching switch that forgets the vote on restart shows why it matters: the same
    // sequence now grants two votes in one term.
    let mut cfg = config(1);
    cfg.break_it = BreakIt {
        forget_vote_on_restart: true,
        ..Default::default()
    };
    let mut s = Solo::new(cfg, three());
    s.strict = false; // the harness would stop at the second vote
    s.recv(vote(2, 1, 1, (0, 0)));
    s.reboot();
    s.take_msgs();
    s.recv(vote(3, 1, 1, (0, 0)));
    assert_eq!(s.take_msgs()[0].body, Body::VoteResp { granted: true });
}

// Same rule through a whole cluster: with two candidates in one term, the voter that crashed
// between the two requests still votes only once, so at most one of them wins.
#[test]
fn restarted_voter_refuses_second_candidate_in_cluster() {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3]), no_prevote);
    net.hold(2, 3);
    net.campaign(1); // term 1
    net.campaign(2); // term 1
                     // Node 3 answers 1 first, then crashes and restarts, then hears 2.
    net.deliver_where(|m| m.from == 1 && m.to == 3);
    assert_eq!(net.node(3).vote(), Some(1));
    net.reboot(3);
    net.release(2, 3);
    net.deliver();
    assert_eq!(net.node(3).vote(), Some(1));
    assert_eq!(net.node(1).role(), Role::Leader);
    assert_ne!(net.node(2).role(), Role::Leader);
}

// Raft §5.2: "A candidate wins an election if it receives votes from a majority of the servers in
// the full cluster for the same term."
#[test]
fn candidate_wins_with_majority() {
    let mut s = Solo::new(no_prevote(1), Membership::with_voters([1, 2, 3, 4, 5]));
    s.step(Input::Campaign).unwrap();
    s.recv(msg(2, 1, 1, Body::VoteResp { granted: true }));
    assert_eq!(s.node.role(), Role::Candidate, "2 of 5 is not a majority");
    s.recv(msg(3, 1, 1, Body::VoteResp { granted: false }));
    s.recv(msg(2, 1, 1, Body::VoteResp { granted: true })); // duplicates count once
    assert_eq!(s.node.role(), Role::Candidate);
    s.recv(msg(4, 1, 1, Body::VoteResp { granted: true }));
    assert_eq!(s.node.role(), Role::Leader, "3 of 5");
    assert_eq!(s.node.leader(), Some(1));
    // §5.2: "It then sends heartbeat messages to all of the other servers"; here the new leader's
    // no-op entry (§8) goes out at once to every member.
    let to: BTreeSet<u64> = s
        .take_msgs()
        .iter()
        .filter(|m| matches!(m.body, Body::Append { .. }))
        .map(|m| m.to)
        .collect();
    assert_eq!(to, BTreeSet::from([2, 3, 4, 5]));
}

// Raft §5.2: a candidate that cannot win any more (a majority refused) gives up and waits as a
// follower.
#[test]
fn candidate_loses_on_majority_reject() {
    let mut s = Solo::new(no_prevote(1), Membership::with_voters([1, 2, 3, 4, 5]));
    s.step(Input::Campaign).unwrap();
    s.recv(msg(2, 1, 1, Body::VoteResp { granted: false }));
    s.recv(msg(3, 1, 1, Body::VoteResp { granted: false }));
    assert_eq!(
        s.node.role(),
        Role::Candidate,
        "2 refusals of 5: still possible"
    );
    s.recv(msg(4, 1, 1, Body::VoteResp { granted: false }));
    assert_eq!(s.node.role(), Role::Follower);
    assert_eq!(s.node.term(), 1, "stays in the term it lost");
}

// Raft §5.2: "If the leader's term ... is at least as large as the candidate's current term, then
// the candidate recognizes the leader as legitimate and returns to follower state."
#[test]
fn candidate_steps_down_on_append_from_leader_of_its_term() {
    let mut s = Solo::new(no_prevote(1), three());
    s.step(Input::Campaign).unwrap();
    s.take_msgs();
    s.recv(append(2, 1, 1, (0, 0), vec![ent(1, 1)], 1));
    assert_eq!((s.node.role(), s.node.term()), (Role::Follower, 1));
    assert_eq!(s.node.leader(), Some(2));
    assert_eq!(
        s.node.log().last_index(),
        1,
        "and takes the leader's entries"
    );
    assert_eq!(s.node.log().committed(), 1);
    let out = s.take_msgs();
    assert!(matches!(
        out[0].body,
        Body::AppendResp {
            index: 1,
            reject: false,
            ..
        }
    ));
}

// Raft §5.2: a split vote leaves a term without a leader; randomized timeouts then let one node
// start the next election first and win it.
#[test]
fn split_vote_then_later_election_succeeds() {
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3, 4]), no_prevote);
    // 1 and 2 campaign at once; 3 hears 1 first, 4 hears 2 first.
    net.hold(1, 4);
    net.hold(2, 3);
    net.campaign(1);
    net.campaign(2);
    net.deliver();
    net.release(1, 4);
    net.release(2, 3);
    net.deliver();
    for id in net.ids() {
        assert_eq!(net.node(id).term(), 1);
        assert_ne!(net.node(id).role(), Role::Leader, "nobody has 3 of 4 votes");
    }
    assert_eq!(net.node(3).vote(), Some(1));
    assert_eq!(net.node(4).vote(), Some(2));
    // Let time run: the earliest timeout starts term 2 alone and wins.
    net.run(400);
    let leader = net.leader().expect("a leader after the split");
    assert!(net.node(leader).term() >= 2);
    assert_eq!(
        net.ids()
            .iter()
            .filter(|&&id| net.node(id).role() == Role::Leader)
            .count(),
        1
    );
}

// Dissertation §4.2.1: learners (non-voting members) receive the log but never campaign, whatever
// the timers or a Campaign request say. The same holds for a node outside the configuration.
#[test]
fn learners_and_non_members_never_campaign() {
    let membership = Membership {
        voters: [1, 2, 3].into(),
        learners: [4].into(),
        outgoing: Default::default(),
    };
    let mut learner = Solo::new(config(4), membership.clone());
    assert_eq!(learner.node.role(), Role::Learner);
    assert!(!learner.node.is_promotable());
    assert_eq!(
        learner.node.ticks_until_timer(),
        u64::MAX,
        "no election timer"
    );
    for _ in 0..10 {
        learner.step(Input::Tick(1000)).unwrap();
    }
    learner.step(Input::Campaign).unwrap();
    learner.recv(msg(1, 4, 0, Body::TimeoutNow));
    assert_eq!(learner.node.role(), Role::Learner);
    assert_eq!(learner.node.term(), 0);
    assert!(learner.take_msgs().is_empty(), "sent nothing");

    let mut outsider = Solo::new(config(9), three());
    outsider.step(Input::Tick(10_000)).unwrap();
    outsider.step(Input::Campaign).unwrap();
    assert_eq!(outsider.node.term(), 0);
    assert!(outsider.take_msgs().is_empty());

    // In a running cluster the learner follows the leader and gets the log.
    let mut net = Network::with_config(membership, config);
    net.elect(1);
    net.propose(1, b"x").unwrap();
    net.deliver();
    net.run(1000);
    assert_eq!(net.node(4).role(), Role::Learner);
    assert_eq!(net.node(4).log().last_index(), 2);
    assert!(!net
        .history
        .iter()
        .any(|m| m.from == 4 && matches!(m.body, Body::Vote { .. } | Body::PreVote { .. })));
}

// Dissertation §4.2.1 with §4.3: a learner answers vote requests like a follower, because it may
// already have been promoted by an entry it has not received; a candidate counts only the votes
// of voters in its own configuration, so a learner's vote elects nobody.
#[test]
fn a_learner_answers_vote_requests_but_its_vote_is_not_counted() {
    let membership = Membership {
        voters: [1, 2, 3].into(),
        learners: [4].into(),
        outgoing: Default::default(),
    };
    let mut learner = Solo::new(config(4), membership.clone());
    learner.recv(msg(
        2,
        4,
        1,
        Body::Vote {
            last_index: 0,
            last_term: 0,
            transfer: false,
        },
    ));
    let out = learner.take_msgs();
    assert!(
        out.iter()
            .any(|m| m.to == 2 && matches!(m.body, Body::VoteResp { granted: true })),
        "{out:?}"
    );
    assert_eq!(learner.node.role(), Role::Learner);

    // Candidate 2 of {1, 2, 3} with the learner's vote and its own is still one short.
    let mut cand = Solo::new(config(2), membership);
    cand.step(Input::Campaign).unwrap();
    let term = cand.node.term();
    cand.recv(msg(4, 2, term, Body::PreVoteResp { granted: true }));
    let term = cand.node.term();
    cand.recv(msg(4, 2, term, Body::VoteResp { granted: true }));
    assert_ne!(cand.node.role(), Role::Leader);
}

// Dissertation §4.2.1 (learners) and §4.1 (a configuration takes effect when appended): a
// learner promoted by an appended entry becomes a follower at once, and says so with a
// RoleChanged event like any other role change, so callers and traces see the promotion.
#[test]
fn a_learner_promoted_by_an_appended_entry_reports_its_new_role() {
    let membership = Membership {
        voters: [1, 2, 3].into(),
        learners: [4].into(),
        outgoing: Default::default(),
    };
    let mut learner = Solo::new(config(4), membership);
    let promoted = Membership::with_voters([1, 2, 3, 4]);
    let entry = Entry {
        term: 1,
        index: 1,
        payload: Payload::Membership(promoted.into()),
    };
    learner.recv(append(1, 4, 1, (0, 0), vec![entry], 0));
    assert_eq!(learner.node.role(), Role::Follower);
    let events = learner.take_events();
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::RoleChanged {
                role: Role::Follower,
                term: 1
            }
        )),
        "{events:?}"
    );
}

// Raft §5.2: a leader keeps its authority with heartbeats; while they arrive, no follower starts
// an election, however long the cluster runs.
#[test]
fn heartbeats_keep_followers_from_campaigning() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.history.clear();
    net.run(3000);
    assert_eq!(net.leader(), Some(1));
    for id in net.ids() {
        assert_eq!(net.node(id).term(), 1);
    }
    let hb = net.sent(|m| m.from == 1 && matches!(m.body, Body::Heartbeat { .. }));
    assert_eq!(
        hb.len(),
        2 * 3000 / 50,
        "one heartbeat per interval per follower"
    );
    assert!(net
        .sent(|m| matches!(m.body, Body::PreVote { .. }))
        .is_empty());
    assert!(!net
        .events(2)
        .iter()
        .any(|e| matches!(e, Event::ElectionStarted { .. })));
}

// Raft §5.2 (Figure 2, Followers): granting a vote resets the election timer, so a voter does not
// start a competing election right after voting.
#[test]
fn granting_a_vote_resets_the_election_timer() {
    let mut s = Solo::new(config(1), three());
    let t = s.node.election_timeout();
    s.step(Input::Tick(t - 1)).unwrap();
    s.recv(vote(2, 1, 1, (0, 0)));
    assert_eq!(s.node.election_elapsed(), 0);
    s.step(Input::Tick(1)).unwrap();
    assert_eq!(s.node.role(), Role::Follower);
}

// Raft §5.2 (Figure 2, Followers): "If election timeout elapses without receiving AppendEntries
// RPC from current leader or granting vote to candidate: convert to candidate". A vote request
// the follower refuses (the candidate's log is behind, §5.4.1) makes it take the newer term but
// restarts nothing: it campaigns when its own timer runs out. Found by `./x search` (swarm
// seeds 11018589, 11321366 and 11439136, PreVote off): every stale candidate's request restarted
// the one node whose log could win, so for 5 s after the heal it never campaigned first.
#[test]
fn a_refused_vote_request_does_not_restart_the_election_timer() {
    let mut s = Solo::restore(no_prevote(1), persisted(1, &[1, 1], &three()));
    let t = s.node.election_timeout();
    s.step(Input::Tick(t - 1)).unwrap();
    // Node 2 campaigns in term 5 with a log that ends before ours: refused.
    s.recv(vote(2, 1, 5, (1, 1)));
    assert_eq!(s.node.term(), 5, "the newer term is taken");
    assert_eq!(s.node.vote(), None, "and no vote is cast");
    assert_eq!(s.node.election_elapsed(), t - 1, "the timer keeps running");
    s.step(Input::Tick(1)).unwrap();
    assert_eq!(
        s.node.role(),
        Role::Candidate,
        "and runs out as it would have"
    );
    assert_eq!(s.node.term(), 6);
}
