//! Raft §5.3: log replication. The AppendEntries consistency check, conflict truncation, the
//! leader bringing every follower's log in line with its own (Figure 7), fast backtracking,
//! commit index propagation, and the flow control that bounds what a leader has in flight.

mod common;

use common::*;
use raft_core::{
    Body, Config, Entry, Event, Index, Input, Membership, Message, NodeId, Payload, ProgressState,
    RejectReason, Role, Term,
};

fn append_resp(m: &Message) -> Option<(Index, bool)> {
    match m.body {
        Body::AppendResp { index, reject, .. } => Some((index, reject)),
        _ => None,
    }
}

fn is_append_to(m: &Message, from: NodeId, to: NodeId) -> bool {
    m.from == from && m.to == to && matches!(m.body, Body::Append { .. })
}

fn append_entries(m: &Message) -> &[Entry] {
    match &m.body {
        Body::Append { entries, .. } => entries,
        _ => &[],
    }
}

/// A follower (node 1 of three) holding the log with these terms, at term `term`.
fn follower_with(term: Term, terms: &[Term]) -> Solo {
    Solo::restore(config(1), persisted(term, terms, &three()))
}

// Raft §5.3: "If the follower does not find an entry in its log with the same index and term,
// then it refuses the new entries." Case 1: the follower's log is too short.
#[test]
fn consistency_check_rejects_missing_prev_entry() {
    let mut s = follower_with(1, &[1]);
    s.recv(append(2, 1, 1, (2, 1), vec![ent(3, 1)], 3));
    assert_eq!(terms_of(&s.node), vec![1], "nothing stored");
    assert_eq!(s.node.log().committed(), 0, "nothing committed");
    let out = s.take_msgs();
    assert_eq!(
        out[0].body,
        Body::AppendResp {
            index: 2,
            reject: true,
            hint_index: 1,
            hint_term: 1
        },
        "rejects prev 2 and hints its last entry"
    );
}

// Raft §5.3, consistency check case 2: an entry exists at prev_index but with another term.
#[test]
fn consistency_check_rejects_term_mismatch() {
    let mut s = follower_with(2, &[1, 1, 2]);
    s.recv(append(2, 1, 3, (3, 3), vec![ent(4, 3)], 0));
    assert_eq!(terms_of(&s.node), vec![1, 1, 2]);
    assert_eq!(
        s.take_msgs()[0].body,
        Body::AppendResp {
            index: 3,
            reject: true,
            hint_index: 3,
            hint_term: 2
        }
    );
}

// Raft §5.3 / Figure 2 AppendEntries receiver rules 3–5: append what is new, and set the commit
// index to min(leaderCommit, index of last new entry).
#[test]
fn matching_append_is_accepted_and_commit_bounded_by_last_new_entry() {
    let mut s = follower_with(1, &[1]);
    s.recv(append(2, 1, 1, (1, 1), vec![ent(2, 1), ent(3, 1)], 10));
    assert_eq!(terms_of(&s.node), vec![1, 1, 1]);
    assert_eq!(s.node.log().committed(), 3, "min(10, 3)");
    assert_eq!(
        s.take_msgs()[0].body,
        Body::AppendResp {
            index: 3,
            reject: false,
            hint_index: 0,
            hint_term: 0
        }
    );
    assert_eq!(
        s.storage.state().entries.len(),
        3,
        "persisted before the ack"
    );
}

// Figure 2 AppendEntries rule 5 bounds by the last *new* entry: an empty append with a high
// commit index only commits what is known to match the leader (up to prev_index).
#[test]
fn empty_append_commits_only_up_to_prev_index() {
    let mut s = follower_with(1, &[1, 1, 1, 1]);
    s.recv(append(2, 1, 1, (2, 1), vec![], 4));
    assert_eq!(s.node.log().committed(), 2);
}

// Raft §5.3: "If an existing entry conflicts with a new one (same index but different terms),
// delete the existing entry and all that follow it."
#[test]
fn conflicting_entries_are_truncated() {
    let mut s = follower_with(1, &[1, 1, 1, 1]);
    s.recv(append(2, 1, 2, (1, 1), vec![ent(2, 2)], 0));
    assert_eq!(
        terms_of(&s.node),
        vec![1, 2],
        "2..4 replaced by the leader's entry 2"
    );
    assert_eq!(
        s.storage.state().entries,
        s.node.log().collect_entries(),
        "the truncation reached storage"
    );
}

// Figure 2 AppendEntries rule 3 only truncates on a conflict: a delayed, shorter append that
// matches must not cut entries the follower already acknowledged.
#[test]
fn stale_matching_append_does_not_truncate() {
    let mut s = follower_with(1, &[1, 1, 1]);
    s.recv(append(2, 1, 1, (0, 0), vec![ent(1, 1)], 0));
    assert_eq!(terms_of(&s.node), vec![1, 1, 1]);
    assert_eq!(append_resp(&s.take_msgs()[0]), Some((1, false)));
}

const FIGURE_7_LEADER: [Term; 10] = [1, 1, 1, 4, 4, 5, 5, 6, 6, 6];

/// The follower logs (a)–(f) of Raft Figure 7.
fn figure_7_followers() -> Vec<(&'static str, Vec<Term>)> {
    vec![
        ("a", vec![1, 1, 1, 4, 4, 5, 5, 6, 6]),
        ("b", vec![1, 1, 1, 4]),
        ("c", vec![1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6]),
        ("d", vec![1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7]),
        ("e", vec![1, 1, 1, 4, 4, 4, 4]),
        ("f", vec![1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]),
    ]
}

/// Leader 1 with the Figure 7 leader log, follower 2 with `follower`, and a third voter whose
// log equals the leader's (so that node 1 can win term 8 even when 2 refuses).
fn figure_7_network(follower: &[Term]) -> Network {
    let m = three();
    let follower_term = follower.iter().copied().max().unwrap();
    Network::from_states(
        vec![
            (1, persisted(7, &FIGURE_7_LEADER, &m)),
            (2, persisted(follower_term, follower, &m)),
            (3, persisted(7, &FIGURE_7_LEADER, &m)),
        ],
        config,
    )
}

// Raft §5.3, Figure 7: "the leader handles inconsistencies by forcing the followers' logs to
// duplicate its own". Each follower log (a)–(f) converges to the leader's log of term 8, whether it
// is missing entries (a, b, e), has extra uncommitted ones (c, d) or both (f).
#[test]
fn figure_7_followers_converge_to_the_leader_log() {
    let mut expected: Vec<Term> = FIGURE_7_LEADER.to_vec();
    expected.push(8); // the term-8 leader's no-op (§8)
    for (name, follower) in figure_7_followers() {
        let mut net = figure_7_network(&follower);
        net.campaign(1); // pre-vote at term 8, then term 8
        net.deliver();
        assert_eq!(net.node(1).role(), Role::Leader, "({name})");
        assert_eq!(net.node(1).term(), 8, "({name})");
        assert_eq!(
            terms_of(net.node(2)),
            expected,
            "({name}) follower converged"
        );
        assert_eq!(
            net.node(2).log().collect_entries(),
            net.node(1).log().collect_entries(),
            "({name}) entry for entry, payloads included"
        );
        // A follower whose ack arrives after the commit learns the commit index from the
        // next heartbeat (§5.3: "eventually find out").
        net.run(60);
        assert_eq!(
            net.node(2).log().committed(),
            11,
            "({name}) and knows the commit index"
        );
        assert_eq!(
            net.peer(2).storage.state().entries,
            net.node(1).log().collect_entries(),
            "({name}) durably"
        );
    }
}

// Fast backtracking's building block: the largest index at or below a given one whose term is at
// most a given term (used by the follower for its hint and by the leader to skip a whole term).
#[test]
fn find_conflict_by_term_on_figure_7_leader_log() {
    let log = raft_core::RaftLog::restore(0, 0, log_of_terms(&FIGURE_7_LEADER)).unwrap();
    assert_eq!(
        log.find_conflict_by_term(10, 6),
        (10, 6),
        "term 6 at 10 already fits"
    );
    assert_eq!(
        log.find_conflict_by_term(10, 5),
        (7, 5),
        "skips the three term-6 entries"
    );
    assert_eq!(
        log.find_conflict_by_term(10, 3),
        (3, 1),
        "no term 2 or 3: back to term 1"
    );
    assert_eq!(
        log.find_conflict_by_term(10, 0),
        (0, 0),
        "back to the start"
    );
    assert_eq!(
        log.find_conflict_by_term(50, 9),
        (10, 6),
        "clamped to the last index"
    );
    assert_eq!(log.find_conflict_by_term(5, 4), (5, 4));
}

fn rejections_to(net: &Network, leader: NodeId) -> usize {
    net.sent(|m| m.to == leader && matches!(append_resp(m), Some((_, true))))
        .len()
}

// Fast backtracking (§5.3, "the protocol can be optimized to reduce the number of rejected
// AppendEntries RPCs"): with the follower's hint, the leader skips a whole conflicting term per
// round trip. For Figure 7 each follower needs at most one rejection.
#[test]
fn figure_7_needs_at_most_one_rejection_per_follower() {
    for (name, follower) in figure_7_followers() {
        let mut net = figure_7_network(&follower);
        net.campaign(1);
        net.deliver();
        let rejected = net
            .sent(|m| m.from == 2 && m.to == 1 && matches!(append_resp(m), Some((_, true))))
            .len();
        assert!(rejected <= 1, "({name}): {rejected} rejections");
    }
}

// Fast backtracking over long divergent logs: one entry per round trip would need ~200
// rejections here; with hints it is a handful.
#[test]
fn fast_backtracking_takes_few_round_trips() {
    let m = three();
    let mut leader_log = vec![1u64; 3];
    leader_log.extend([4u64; 100]);
    leader_log.extend([5u64; 100]);
    let mut follower_log = vec![1u64; 3];
    follower_log.extend([2u64; 100]);
    follower_log.extend([3u64; 150]);
    let mut net = Network::from_states(
        vec![
            (1, persisted(5, &leader_log, &m)),
            (2, persisted(3, &follower_log, &m)),
            (3, persisted(5, &leader_log, &m)),
        ],
        config,
    );
    net.campaign(1);
    net.deliver();
    assert_eq!(net.node(1).role(), Role::Leader);
    assert_eq!(terms_of(net.node(2)), terms_of(net.node(1)));
    let rejected = net
        .sent(|m| m.from == 2 && matches!(append_resp(m), Some((_, true))))
        .len();
    assert!(rejected <= 2, "{rejected} rejections");

    // A follower far behind (empty log) costs one rejection, not 203.
    let mut net = Network::from_states(
        vec![
            (1, persisted(5, &leader_log, &m)),
            (2, persisted(0, &[], &m)),
            (3, persisted(5, &leader_log, &m)),
        ],
        config,
    );
    net.campaign(1);
    net.deliver();
    assert_eq!(terms_of(net.node(2)), terms_of(net.node(1)));
    assert_eq!(rejections_to(&net, 1), 1);
}

// Raft §5.3: "The leader keeps track of the highest index it knows to be committed, and it
// includes that index in future AppendEntries RPCs (including heartbeats) so that the other
// servers eventually find out." The commit index rides on the next Append, or on the next
// heartbeat when there is nothing to send: a follower learns the final commit (after the last
// proposal) within one heartbeat interval, and no Append is sent just to carry it.
#[test]
fn commit_index_propagates_to_followers() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    let heartbeat = net.node(1).config().heartbeat_interval;
    let i = net.propose(1, b"x").unwrap();
    net.deliver();
    assert_eq!(net.node(1).log().committed(), i);
    assert!(
        net.queue().is_empty(),
        "no Append just to carry the commit index"
    );
    for id in [2, 3] {
        assert!(
            net.node(id).log().committed() < i,
            "node {id} cannot know yet"
        );
    }
    // On the next Append: the leader's Appends for `j` carry commit `i`.
    let j = net.propose(1, b"y").unwrap();
    net.deliver_where(|m| m.from == 1);
    for id in [2, 3] {
        assert_eq!(net.node(id).log().committed(), i, "node {id}");
        assert_eq!(net.peer(id).applied.last().map(|e| e.index), Some(i));
    }
    // `j` is the last proposal: the followers learn that it committed from the next heartbeat.
    net.deliver();
    assert_eq!(net.node(1).log().committed(), j);
    assert!(net.queue().is_empty());
    net.tick(1, heartbeat);
    net.deliver();
    for id in [2, 3] {
        assert_eq!(net.node(id).log().committed(), j, "node {id}");
        assert_eq!(net.peer(id).applied.last().map(|e| e.index), Some(j));
    }
}

// Raft §5.3, the cost of the rule above: ten agreements among three servers, counted from the
// first election through the heartbeat that tells the followers the last commit, take no more
// requests than the classic lab budget, (10 + 1 + 3) × 3 = 42 (MIT 6.824's RPC count test).
// An extra empty Append per commit advance made it 48 to 52.
#[test]
fn ten_agreements_fit_the_classic_budget_of_42_requests() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    for k in 0..10u8 {
        net.propose(1, &[k]).unwrap();
        net.deliver();
    }
    let heartbeat = net.node(1).config().heartbeat_interval;
    net.tick(1, heartbeat);
    net.deliver();
    let last = net.node(1).log().last_index();
    for id in [2, 3] {
        assert_eq!(net.node(id).log().committed(), last, "node {id}");
    }
    let requests = net
        .history
        .iter()
        .filter(|m| {
            matches!(
                m.body,
                Body::PreVote { .. }
                    | Body::Vote { .. }
                    | Body::Append { .. }
                    | Body::Heartbeat { .. }
                    | Body::Snapshot { .. }
                    | Body::TimeoutNow
            )
        })
        .count();
    println!("requests for an election and ten agreements: {requests}");
    assert!(requests <= 42, "{requests} requests");
}

// A proposal is replicated at once, not at the next heartbeat: commit latency is one round trip.
#[test]
fn proposal_is_sent_immediately() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    assert!(net.queue().is_empty());
    let i = net.propose(1, b"now").unwrap();
    let sent: Vec<NodeId> = net
        .queue()
        .iter()
        .filter(|m| append_entries(m).iter().any(|e| e.index == i))
        .map(|m| m.to)
        .collect();
    assert_eq!(sent, vec![2, 3], "no tick needed");
    net.deliver();
    assert_eq!(net.node(1).log().committed(), i);
}

// Batching: the leader packs entries into one AppendEntries up to max_msg_bytes (at least one entry
// per message, so a single large entry still moves).
#[test]
fn batching_respects_max_msg_bytes() {
    let cfg = |id| {
        let mut c = config(id);
        c.max_msg_bytes = 100;
        c
    };
    let mut net = Network::with_config(three(), cfg);
    net.elect(1);
    net.isolate(3);
    for k in 0..10u8 {
        net.propose(1, &[k; 40]).unwrap(); // 56 bytes each with the entry header
    }
    net.propose(1, &[9; 500]).unwrap(); // bigger than the limit on its own
    net.deliver();
    net.heal();
    net.history.clear();
    net.run(200);
    assert_eq!(
        net.node(3).log().collect_entries(),
        net.node(1).log().collect_entries()
    );
    let batches: Vec<&Message> =
        net.sent(|m| is_append_to(m, 1, 3) && !append_entries(m).is_empty());
    assert!(batches.len() >= 11);
    for m in batches {
        let e = append_entries(m);
        let bytes: u64 = e.iter().map(Entry::size).sum();
        assert!(
            e.len() == 1 || bytes <= 100,
            "{} entries, {bytes} bytes",
            e.len()
        );
    }

    // With the default limit the same backlog goes in one message.
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for k in 0..10u8 {
        net.propose(1, &[k; 40]).unwrap();
    }
    net.deliver();
    net.heal();
    net.history.clear();
    net.run(200);
    assert_eq!(net.node(3).log().last_index(), 11);
    let batches = net.sent(|m| is_append_to(m, 1, 3) && !append_entries(m).is_empty());
    assert_eq!(batches.len(), 1);
}

fn window_cfg(max_inflight: usize) -> impl Fn(NodeId) -> Config {
    move |id| {
        let mut c = config(id);
        c.max_inflight = max_inflight;
        c
    }
}

// Flow control: in replicate state the leader streams appends without waiting for answers, but
// never has more than max_inflight unanswered appends to one follower.
#[test]
fn replicate_state_limits_appends_in_flight() {
    let mut net = Network::with_config(three(), window_cfg(3));
    net.elect(1);
    assert_eq!(
        net.node(1).progress().unwrap()[&2].state,
        ProgressState::Replicate
    );
    net.hold(1, 2);
    for k in 0..10u8 {
        net.propose(1, &[k]).unwrap();
    }
    let to2 = net.queue().iter().filter(|m| is_append_to(m, 1, 2)).count();
    assert_eq!(to2, 3, "window of 3");
    let pr = &net.node(1).progress().unwrap()[&2];
    assert_eq!(pr.inflight.len(), 3);
    assert!(pr.is_paused(3));
    // Node 3 is unaffected and the entries commit with it.
    net.deliver();
    assert_eq!(net.node(1).log().committed(), 11);
    // Releasing the held appends opens the window again and 2 catches up, in batches.
    net.release(1, 2);
    net.deliver();
    assert_eq!(
        net.node(2).log().collect_entries(),
        net.node(1).log().collect_entries()
    );
    assert!(net.node(1).progress().unwrap()[&2].inflight.is_empty());
}

// Flow control: in probe state (the leader does not know where the follower's log matches) only
// one append is outstanding at a time (§5.3 backtracking, one probe per round trip).
#[test]
fn probe_state_sends_one_append_at_a_time() {
    let mut net = Network::new(&[1, 2, 3]);
    net.hold(1, 2);
    net.elect(1); // 2 voted; its no-op append is held
    let pr = &net.node(1).progress().unwrap()[&2];
    assert_eq!(pr.state, ProgressState::Probe);
    for k in 0..5u8 {
        net.propose(1, &[k]).unwrap();
    }
    assert_eq!(
        net.queue().iter().filter(|m| is_append_to(m, 1, 2)).count(),
        1
    );
    net.release(1, 2);
    net.deliver();
    assert_eq!(net.node(2).log().last_index(), 6);
}

// Flow control recovery: if every append of a full window is lost in replicate state, the next
// heartbeat response frees the window, the follower rejects the next append, and the leader
// falls back to probing from the last match.
#[test]
fn lost_full_window_recovers_through_heartbeat_response() {
    let mut net = Network::with_config(three(), window_cfg(2));
    net.elect(1);
    net.propose(1, b"a").unwrap();
    net.propose(1, b"b").unwrap();
    assert_eq!(net.drop_where(|m| is_append_to(m, 1, 2)), 2);
    net.propose(1, b"c").unwrap();
    assert!(
        !net.queue().iter().any(|m| is_append_to(m, 1, 2)),
        "window full: nothing more sent to 2"
    );
    net.deliver();
    assert_eq!(net.node(2).log().last_index(), 1, "2 only has the no-op");
    net.run(120);
    assert_eq!(
        net.node(2).log().collect_entries(),
        net.node(1).log().collect_entries()
    );
    assert_eq!(net.node(2).log().committed(), 4);
}

// Same, when the lost appends do not fill the window and nothing new is proposed afterwards: the
// heartbeat response must still make the leader resend (an empty append that the follower
// rejects, which sends the leader back to probing), or the follower stays behind until the next
// client write. Here every message to 3 is lost, including the append that carried the new
// commit index.
#[test]
fn lost_append_recovers_without_new_proposals() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    net.propose(1, b"a").unwrap();
    net.deliver();
    assert_eq!(net.node(1).log().committed(), 2, "committed with 2");
    assert_eq!(net.node(3).log().last_index(), 1);
    assert_eq!(
        net.node(1).progress().unwrap()[&3].state,
        ProgressState::Replicate,
        "the leader still streams to 3, unaware of the loss"
    );
    net.heal();
    net.run(120); // two heartbeat rounds, no proposals
    assert_eq!(
        net.node(3).log().collect_entries(),
        net.node(1).log().collect_entries()
    );
    assert_eq!(net.node(3).log().committed(), 2);
}

// Raft §5.3: a follower that crashed and restarted (losing its volatile commit index) gets the
// commit index back from the leader and re-applies the committed entries in order.
#[test]
fn restarted_follower_relearns_commit_index() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    for k in 0..3u8 {
        net.propose(1, &[k]).unwrap();
    }
    net.deliver();
    net.reboot(2);
    assert_eq!(net.node(2).log().committed(), 0, "commit index is volatile");
    assert_eq!(net.node(2).log().last_index(), 4, "the log is durable");
    net.run(60);
    assert_eq!(net.node(2).log().committed(), 4);
    let applied: Vec<Index> = net.peer(2).applied.iter().map(|e| e.index).collect();
    assert_eq!(applied, vec![1, 2, 3, 4]);
}

// Raft §5.3: entries are applied in log order, exactly once per node, and every node applies the
// same entries (the harness also checks this on every step).
#[test]
fn every_node_applies_the_same_entries_in_order() {
    let mut net = Network::new(&[1, 2, 3, 4, 5]);
    net.elect(2);
    for k in 0..20u8 {
        net.propose(2, &[k]).unwrap();
        if k % 3 == 0 {
            net.deliver();
        }
    }
    net.run(100);
    let reference = net.peer(2).applied.clone();
    assert_eq!(reference.len(), 21);
    assert_eq!(reference[0].payload, Payload::Noop);
    for id in net.ids() {
        assert_eq!(net.peer(id).applied, reference, "node {id}");
    }
}

// Raft §5.3: an append acknowledgement for an index the leader does not have is malformed and
// ignored (it must not move the commit index).
#[test]
fn leader_ignores_ack_past_its_log() {
    let mut s = Solo::new(config(1), three());
    s.make_leader();
    s.recv(msg(
        2,
        1,
        1,
        Body::AppendResp {
            index: 50,
            reject: false,
            hint_index: 0,
            hint_term: 0,
        },
    ));
    assert_eq!(s.node.log().committed(), 0);
    assert!(s.take_events().iter().any(|e| matches!(
        e,
        Event::Rejected {
            from: 2,
            why: RejectReason::AckPastLastIndex
        }
    )));
}

// The leader never changes or deletes entries in its own log (Figure 3, Leader Append-Only),
// whatever its followers hold.
#[test]
fn leader_log_is_append_only() {
    for (name, follower) in figure_7_followers() {
        let mut net = figure_7_network(&follower);
        net.campaign(1);
        net.deliver();
        assert_eq!(&terms_of(net.node(1))[..10], &FIGURE_7_LEADER, "({name})");
    }
}

// Input check: proposals are for the leader only; a follower answers with its leader hint.
#[test]
fn follower_refuses_proposals_with_leader_hint() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(3);
    assert_eq!(
        net.step(2, Input::Propose(b"x".to_vec())),
        Err(raft_core::Error::NotLeader { leader: Some(3) })
    );
    let mut fresh = Solo::new(config(1), three());
    assert_eq!(
        fresh.step(Input::Propose(vec![])),
        Err(raft_core::Error::NotLeader { leader: None })
    );
    let _ = Membership::default();
}
