//! Raft §5.4: safety. The election restriction (§5.4.1) keeps a node without every committed
//! entry from becoming leader; the commitment rule (§5.4.2, Figure 8) counts replicas only for
//! entries of the leader's current term; committed entries are never truncated.

mod common;

use common::*;
use raft_core::{
    Body, BreakIt, Config, Event, Input, Membership, Message, RejectReason, Role, Term,
};

/// A voter (node 1 of five) holding a log with these terms.
fn voter_with(terms: &[Term]) -> Solo {
    let term = terms.iter().copied().max().unwrap_or(0);
    Solo::restore(
        config(1),
        persisted(term, terms, &Membership::with_voters([1, 2, 3, 4, 5])),
    )
}

fn answer(s: &mut Solo, m: Message) -> bool {
    s.recv(m);
    let out = s.take_msgs();
    assert_eq!(out.len(), 1, "one answer: {out:?}");
    match out[0].body {
        Body::VoteResp { granted } | Body::PreVoteResp { granted } => granted,
        ref b => panic!("unexpected {b:?}"),
    }
}

// Raft §5.4.1: "If the logs have last entries with different terms, then the log with the later
// term is more up-to-date." A longer log whose last term is older loses.
#[test]
fn vote_refused_to_log_with_older_last_term() {
    let mut s = voter_with(&[1, 2]);
    assert!(
        !answer(&mut s, vote(2, 1, 3, (50, 1))),
        "last term 1 < 2, though longer"
    );
    let mut s = voter_with(&[1, 2]);
    assert!(
        answer(&mut s, vote(2, 1, 3, (1, 3))),
        "last term 3 > 2, though shorter"
    );
}

// Raft §5.4.1: "If the logs end with the same term, then whichever log is longer is more
// up-to-date."
#[test]
fn vote_refused_to_shorter_log_with_same_last_term() {
    let mut s = voter_with(&[1, 1, 1]);
    assert!(!answer(&mut s, vote(2, 1, 2, (2, 1))), "shorter");
    let mut s = voter_with(&[1, 1, 1]);
    assert!(
        answer(&mut s, vote(2, 1, 2, (3, 1))),
        "as long: at least as up-to-date"
    );
    let mut s = voter_with(&[1, 1, 1]);
    assert!(answer(&mut s, vote(2, 1, 2, (4, 1))), "longer");
}

// Dissertation §9.6: PreVote applies the same restriction, so a node that could not win the real
// election does not even get past the pre-election.
#[test]
fn pre_vote_applies_the_election_restriction() {
    let mut s = voter_with(&[1, 2]);
    assert!(!answer(&mut s, pre_vote(2, 1, 3, (9, 1))));
    assert!(!answer(&mut s, pre_vote(2, 1, 3, (1, 2))));
    assert!(answer(&mut s, pre_vote(2, 1, 3, (2, 2))));
    assert_eq!(s.node.term(), 2, "pre-votes change nothing");
}

// The teaching switch that skips the up-to-date check does what it says.
#[test]
fn skip_up_to_date_check_switch_grants_stale_candidates() {
    let mut cfg = config(1);
    cfg.break_it = BreakIt {
        skip_up_to_date_check: true,
        ..Default::default()
    };
    let mut s = Solo::restore(cfg, persisted(2, &[1, 2], &three()));
    assert!(answer(&mut s, vote(2, 1, 3, (0, 0))));
}

// Raft §5.4.1, consequence (Leader Completeness): an entry committed on a majority can only be
// lost if a node without it is elected, which the restriction prevents. Nodes 4 and 5 missed the
// committed entries; with the leader gone, neither can win, and the new leader has every entry.
#[test]
fn nodes_missing_committed_entries_cannot_win() {
    let cfg = |id| {
        let mut c = config(id);
        c.pre_vote = false;
        c.check_quorum = false;
        c
    };
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3, 4, 5]), cfg);
    net.elect(1);
    net.isolate(4);
    net.isolate(5);
    for k in 0..3u8 {
        net.propose(1, &[k]).unwrap();
    }
    net.deliver();
    assert_eq!(net.node(1).log().committed(), 4, "committed on 1, 2, 3");
    net.crash(1);
    net.heal();
    for candidate in [4, 5] {
        net.campaign(candidate);
        net.deliver();
        assert_ne!(
            net.node(candidate).role(),
            Role::Leader,
            "{candidate} lacks entries"
        );
    }
    net.campaign(2);
    net.deliver();
    assert_eq!(net.node(2).role(), Role::Leader);
    assert!(net.node(2).log().last_index() >= 4);
}

/// Figure 8, just before (c): S1 has [1, 2] (entry 2 from its term-2 leadership), S2 and S3 have
/// [1], S4 has [1], S5 has [1, 3] (accepted while it led term 3). S1 is about to lead term 4.
/// One entry per append (tiny max_msg_bytes) so that entry 2 and S1's term-4 no-op travel apart.
fn figure_8(break_it: BreakIt) -> Network {
    let m = Membership::with_voters([1, 2, 3, 4, 5]);
    let cfg = move |id| {
        let mut c: Config = config(id);
        c.pre_vote = false;
        c.check_quorum = false;
        c.max_msg_bytes = 1;
        c.break_it = break_it;
        c
    };
    Network::from_states(
        vec![
            (1, persisted(3, &[1, 2], &m)),
            (2, persisted(3, &[1], &m)),
            (3, persisted(3, &[1], &m)),
            (4, persisted(3, &[1], &m)),
            (5, persisted(3, &[1, 3], &m)),
        ],
        cfg,
    )
}

/// True if delivering `m` would store an entry of `term` (its consistency check would pass).
fn stores_entry_of_term(net: &Network, m: &Message, term: Term) -> bool {
    match &m.body {
        Body::Append {
            prev_index,
            prev_term,
            entries,
            ..
        } => {
            entries.iter().any(|e| e.term == term)
                && net.node(m.to).log().term(*prev_index) == Some(*prev_term)
        }
        _ => false,
    }
}

/// Elects S1 in term 4 and replicates its term-2 entry to S2 and S3 (a majority with S1), but
/// none of its term-4 no-op yet.
fn old_entry_on_majority(net: &mut Network) {
    net.hold(1, 4);
    net.hold(1, 5);
    net.campaign(1);
    net.deliver_while(|net, m| !stores_entry_of_term(net, m, 4));
    assert_eq!(net.node(1).role(), Role::Leader);
    assert_eq!(net.node(1).term(), 4);
    assert_eq!(
        terms_of(net.node(1)),
        vec![1, 2, 4],
        "S1 appended its no-op"
    );
    for id in [2, 3] {
        assert_eq!(
            terms_of(net.node(id)),
            vec![1, 2],
            "node {id} holds 2@2, not 3@4"
        );
    }
}

/// S1 crashes (its unsent messages are lost with it) and S5 campaigns until it wins: its last
/// term, 3, beats the others' 2 and 1, so S2, S3 and S4 vote for it once the term is free.
fn crash_s1_and_elect_s5(net: &mut Network) {
    net.crash(1);
    net.drop_where(|m| m.from == 1);
    net.release(1, 4);
    net.release(1, 5);
    for _ in 0..3 {
        net.campaign(5);
        net.deliver();
        if net.node(5).role() == Role::Leader {
            return;
        }
    }
    panic!("S5 should win an election");
}

// Raft §5.4.2, Figure 8: "Raft never commits log entries from previous terms by counting
// replicas." Entry 2 (term 2) is on S1, S2 and S3, a majority of five, and is still not committed;
// it commits only once the leader's term-4 entry reaches a majority.
#[test]
fn figure_8_old_term_entry_on_majority_is_not_committed() {
    let mut net = figure_8(BreakIt::default());
    old_entry_on_majority(&mut net);
    let pr = net.node(1).progress().unwrap();
    assert_eq!((pr[&2].matched, pr[&3].matched), (2, 2));
    assert_eq!(net.node(1).log().committed(), 0, "not by counting replicas");

    // Figure 8 (d): had S1 crashed now, S5 could win term 5 (its last term 3 beats 2) and
    // overwrite entry 2 everywhere, which is fine precisely because it was never committed.
    let mut alt = figure_8(BreakIt::default());
    old_entry_on_majority(&mut alt);
    crash_s1_and_elect_s5(&mut alt);
    assert_eq!(terms_of(alt.node(2)), vec![1, 3, 5], "entry 2 overwritten");
    assert!(alt.violations.is_empty());

    // Figure 8 (e): the term-4 entry reaches the majority; it commits, and entry 2 with it.
    net.deliver();
    assert_eq!(net.node(1).log().committed(), 3);
    let applied: Vec<(u64, u64)> = net
        .peer(1)
        .applied
        .iter()
        .map(|e| (e.index, e.term))
        .collect();
    assert_eq!(applied, vec![(1, 1), (2, 2), (3, 4)]);
}

// The same schedule with the teaching switch that commits old-term entries by counting replicas:
// entry 2 commits at once, and Figure 8 (d) then overwrites a committed entry: S5 applies a
// different entry at index 2 than S1 did, a State Machine Safety violation the harness reports.
#[test]
fn figure_8_with_commit_old_terms_switch_loses_a_committed_entry() {
    let broken = BreakIt {
        commit_old_terms: true,
        ..Default::default()
    };
    let mut net = figure_8(broken);
    net.strict = false;
    old_entry_on_majority(&mut net);
    assert_eq!(
        net.node(1).log().committed(),
        2,
        "committed by counting replicas"
    );
    assert_eq!(
        net.peer(1).applied.last().map(|e| (e.index, e.term)),
        Some((2, 2))
    );
    assert!(net.violations.is_empty());

    crash_s1_and_elect_s5(&mut net);
    net.run(100);
    assert!(net.node(5).log().committed() >= 2);
    assert!(
        net.violations
            .iter()
            .any(|v| v.contains("State Machine Safety")),
        "{:?}",
        net.violations
    );
}

// Raft §5.4 (Log Matching, Leader Completeness): a committed entry is in every future leader's
// log, so a follower never deletes one. An append that would truncate committed entries can only
// come from a broken leader; the follower ignores it and reports it.
#[test]
fn follower_never_truncates_committed_entries() {
    let mut s = Solo::restore(config(1), persisted(1, &[], &three()));
    s.recv(append(
        2,
        1,
        1,
        (0, 0),
        vec![ent(1, 1), ent(2, 1), ent(3, 1)],
        3,
    ));
    assert_eq!(s.node.log().committed(), 3);
    s.take_msgs();
    s.take_events();

    // A "leader" of term 2 claims entry 2 is from term 2 (prev 1@1 matches).
    s.recv(append(3, 1, 2, (1, 1), vec![ent(2, 2)], 0));
    assert_eq!(terms_of(&s.node), vec![1, 1, 1], "committed entries kept");
    assert_eq!(s.node.log().committed(), 3);
    assert!(
        s.take_events().iter().any(|e| matches!(
            e,
            Event::Rejected {
                from: 3,
                why: RejectReason::ContradictsCommitted
            }
        )),
        "reported as rejected"
    );
    assert!(
        !s.take_msgs()
            .iter()
            .any(|m| matches!(m.body, Body::AppendResp { reject: false, .. })),
        "and not acknowledged as matching"
    );

    // A prev entry contradicting a committed one is just as impossible.
    s.recv(append(3, 1, 2, (2, 2), vec![ent(3, 2)], 0));
    assert_eq!(terms_of(&s.node), vec![1, 1, 1]);
    assert!(s.take_events().iter().any(|e| matches!(
        e,
        Event::Rejected {
            from: 3,
            why: RejectReason::ContradictsCommitted
        }
    )));

    // A delayed but honest append below the commit index is still acknowledged: everything up to
    // the commit index matches the leader.
    s.recv(append(2, 1, 2, (1, 1), vec![ent(2, 1)], 0));
    assert_eq!(terms_of(&s.node), vec![1, 1, 1]);
    assert!(s.take_msgs().iter().any(|m| m.body
        == Body::AppendResp {
            index: 3,
            reject: false,
            hint_index: 0,
            hint_term: 0
        }));
}

// Raft §5.4.3 (State Machine Safety), end to end: leaders change several times, with crashes,
// and every node applies the same entry at every index (the harness checks each application).
#[test]
fn state_machine_safety_across_leader_changes() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    let mut leader = 1;
    net.elect(leader);
    for round in 0..6u8 {
        for k in 0..3u8 {
            net.propose(leader, &[round, k]).unwrap();
        }
        net.deliver();
        net.crash(leader);
        net.run(700);
        let next = net.leader().expect("a new leader among the four others");
        net.restart(leader);
        leader = next;
        net.run(100);
    }
    net.run(200);
    let reference = net.peer(leader).applied.clone();
    assert!(reference.len() >= 18 + 6);
    for id in net.ids() {
        let applied = &net.peer(id).applied;
        assert_eq!(applied[..], reference[..applied.len()], "node {id}");
    }
    let _ = Input::Campaign;
}
