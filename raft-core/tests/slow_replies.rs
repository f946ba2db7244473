//! Liveness when answers come back later than the election timeout (issue 13): with replies
//! delayed by 200–2,200 ms and timeouts of 150–300 ms, a candidate's timer fires before its
//! answers arrive. What is still valid when they do arrive is used: a vote binds its voter for
//! the whole term (§5.2), a pre-vote grant answers the same question again as long as the
//! pre-candidate's term and log are unchanged (dissertation §9.6), and a new leader counts the
//! voters that just elected it as heard from in its first CheckQuorum round (dissertation §6.2).

mod common;

use common::*;
use raft_core::{Body, Event, Message, Role};

// §5.2: "each server will vote for at most one candidate in a given term". Votes for S1 in
// term 1 that arrive after S1's timer started a new pre-vote round of term 1 still bind their
// voters, so a majority of them makes S1 the leader of term 1.
#[test]
fn late_votes_of_the_current_term_still_elect_the_candidate() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    campaign_with_votes_held(&mut net);
    // S1's timer fires first: a new pre-vote round, same term.
    fire_election_timer(&mut net, 1);
    assert_eq!(net.node(1).role(), Role::PreCandidate);
    assert_eq!(net.node(1).term(), 1);
    net.drop_where(|m| matches!(m.body, Body::PreVote { .. }));
    // The late votes arrive.
    net.deliver_where(is_vote_resp);
    assert_eq!(
        net.node(1).role(),
        Role::Leader,
        "a majority voted for S1 in term 1"
    );
    assert_eq!(net.node(1).term(), 1);
    // Through the candidate state, as every election ends.
    let roles: Vec<Role> = net
        .events(1)
        .iter()
        .filter_map(|e| match e {
            Event::RoleChanged { role, .. } => Some(*role),
            _ => None,
        })
        .collect();
    assert!(
        roles.ends_with(&[Role::PreCandidate, Role::Candidate, Role::Leader]),
        "{roles:?}"
    );
}

// §5.2 and §5.4.1 still hold: late votes from a minority do not make a leader, and votes of an
// older term never count.
#[test]
fn late_votes_from_a_minority_or_an_older_term_do_not_elect() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.campaign(1);
    net.deliver_where(|m| !is_vote_resp(m));
    fire_election_timer(&mut net, 1);
    net.drop_where(|m| matches!(m.body, Body::PreVote { .. }));
    // Only S2's vote arrives: S1 and S2 are two of five.
    net.deliver_where(|m| is_vote_resp(m) && m.from == 2);
    assert_eq!(net.node(1).role(), Role::PreCandidate);
    // S1 learns of term 2 (S3 asks for its vote there) and the remaining votes of term 1
    // arrive.
    net.deliver_msg(Message {
        from: 3,
        to: 1,
        term: 2,
        body: Body::Vote {
            last_index: 0,
            last_term: 0,
            transfer: false,
        },
    });
    assert_eq!(net.node(1).term(), 2);
    net.deliver_where(|m| is_vote_resp(m) && m.term == 1);
    assert_ne!(net.node(1).role(), Role::Leader);
}

// Dissertation §9.6 asks a server that heard from a leader to refuse pre-votes for a baseline
// election timeout; a server that just voted for a candidate does the same, so that slow answers
// to that candidate are not overtaken by another pre-candidate's round (issue 13).
#[test]
fn a_voter_backs_its_candidate_for_a_baseline_timeout_before_granting_pre_votes() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.campaign(1);
    net.deliver_where(|m| !is_vote_resp(m));
    assert_eq!(net.node(3).vote(), Some(1));
    let pre_vote = |from| Message {
        from,
        to: 3,
        term: 2,
        body: Body::PreVote {
            last_index: 0,
            last_term: 0,
        },
    };
    let answer = |net: &Network| {
        net.queue()
            .iter()
            .rev()
            .find(|m| m.from == 3 && is_pre_vote_resp(m))
            .map(|m| matches!(m.body, Body::PreVoteResp { granted: true }))
    };
    net.deliver_msg(pre_vote(2));
    assert_eq!(answer(&net), Some(false), "S3 backs S1 for now");
    net.drop_all();
    let min = net.node(3).config().election_timeout_min;
    net.tick(3, min - 1);
    net.deliver_msg(pre_vote(2));
    assert_eq!(answer(&net), Some(false));
    net.drop_all();
    net.tick(3, 1);
    net.drop_all();
    net.deliver_msg(pre_vote(2));
    assert_eq!(
        answer(&net),
        Some(true),
        "a baseline timeout later, S3 supports S2"
    );
}

// A leader that stepped down (CheckQuorum, dissertation §6.2) does not take the late votes of its
// own term as a new election: it stepped down because it could not reach a majority.
#[test]
fn late_votes_do_not_bring_back_a_leader_that_stepped_down() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.campaign(1);
    // S1 wins with S2's and S3's votes; S4's and S5's wait.
    net.deliver_where(|m| !(is_vote_resp(m) && (m.from == 4 || m.from == 5)));
    assert_eq!(net.node(1).role(), Role::Leader);
    let late: Vec<Message> = net
        .queue()
        .iter()
        .filter(|m| is_vote_resp(m))
        .cloned()
        .collect();
    assert_eq!(late.len(), 2);
    net.drop_all();
    net.isolate(1);
    let max = net.node(1).config().election_timeout_max;
    for _ in 0..2 * max {
        net.tick(1, 1);
        net.drop_all();
    }
    assert_ne!(
        net.node(1).role(),
        Role::Leader,
        "CheckQuorum stepped it down"
    );
    fire_election_timer(&mut net, 1);
    assert_eq!(net.node(1).role(), Role::PreCandidate);
    assert_eq!(net.node(1).term(), 1);
    for m in late {
        net.deliver_msg(m);
    }
    assert_ne!(net.node(1).role(), Role::Leader);
}

// Dissertation §9.6: a pre-candidate whose timer fires before its answers arrive keeps the
// grants of its earlier round of the same term, so answers slower than one timeout still add up
// to a majority.
#[test]
fn pre_vote_grants_survive_a_new_round_of_the_same_term() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.campaign(1);
    assert_eq!(net.node(1).role(), Role::PreCandidate);
    // Every pre-vote request is answered; the answers wait.
    net.deliver_where(|m| matches!(m.body, Body::PreVote { .. }));
    net.deliver_where(|m| is_pre_vote_resp(m) && m.from == 2);
    assert_eq!(net.node(1).role(), Role::PreCandidate, "two of five so far");
    fire_election_timer(&mut net, 1);
    assert_eq!(net.node(1).role(), Role::PreCandidate);
    assert_eq!(net.node(1).term(), 0, "a pre-vote round raises no term");
    net.drop_where(|m| matches!(m.body, Body::PreVote { .. }));
    // S3's grant from the first round arrives: with S2's, a majority.
    net.deliver_where(|m| is_pre_vote_resp(m) && m.from == 3);
    assert_eq!(net.node(1).role(), Role::Candidate);
    assert_eq!(net.node(1).term(), 1);
}

// Dissertation §6.2 (CheckQuorum) with slow answers: a new leader whose followers answer every
// heartbeat, but 200 ms late (longer than its CheckQuorum round of 150 ms), keeps its leadership:
// its electors count in the first round, and later rounds hear the late answers.
#[test]
fn a_leader_whose_answers_come_back_late_keeps_leading() {
    const DELAY: u64 = 200;
    let mut net = Network::new(&[1, 2, 3]);
    net.campaign(1);
    net.deliver_while(|n, _| n.node(1).role() != Role::Leader);
    assert_eq!(net.node(1).role(), Role::Leader);
    let min = net.node(1).config().election_timeout_min;
    let max = net.node(1).config().election_timeout_max;
    assert!(min < DELAY && DELAY < max);
    let to_leader = |m: &Message| m.to == 1 && m.from != 1;
    let mut late: Vec<(u64, Message)> = Vec::new();
    for t in 0..3_000u64 {
        net.tick_all(1);
        loop {
            let held: Vec<Message> = net
                .queue()
                .iter()
                .filter(|m| to_leader(m))
                .cloned()
                .collect();
            net.drop_where(to_leader);
            late.extend(held.into_iter().map(|m| (t + DELAY, m)));
            if net.deliver_where(|m| !to_leader(m)) == 0 {
                break;
            }
        }
        let (due, rest): (Vec<_>, Vec<_>) = late.into_iter().partition(|&(at, _)| at <= t);
        late = rest;
        for (_, m) in due {
            net.send(m);
        }
        net.deliver_where(to_leader);
    }
    assert_eq!(net.node(1).role(), Role::Leader);
    assert!(!net
        .events(1)
        .iter()
        .any(|e| matches!(e, Event::QuorumLost { .. })));
}

// §5.2: a server becomes leader only as a candidate, and becomes a candidate only by starting
// an election in a new term; a server that restarts is a follower. Votes for S1 in term 1 that
// were held up in the network while S1 crashed and restarted (its term and vote persisted, its
// candidacy not) must not make the restarted S1 leader of term 1: it cannot know whether it
// already led term 1 before the crash, and a second reign of term 1 with its commit index back
// at zero once passed ReadIndex's "entry of my term committed" test on an entry of its first
// reign and served a stale read (raft-sim check --nodes 3 --schedule swarm --duration-ms 6000,
// seed 8007679).
#[test]
fn votes_from_before_a_restart_do_not_elect_the_restarted_node() {
    late_votes_from_before_a_restart_do_not_elect(&config);
}

// §5.2, Election Safety: "at most one leader can be elected in a given term". A node that has
// followed another leader of its term has lost that term's election, whatever votes for it
// arrive later: grants of one configuration cannot elect two leaders (its majorities
// intersect), but the node may have learned a new configuration from that leader in which its
// old grants are a majority (raft-sim check --nodes 7 --schedule swarm --duration-ms 10000,
// seed 14422601: a second leader of term 3). The heartbeat from S2 below stands for that
// leader, elected under another configuration.
#[test]
fn late_votes_do_not_elect_a_node_that_followed_another_leader_of_the_term() {
    late_votes_do_not_elect_after_following_another_leader(&config);
}
