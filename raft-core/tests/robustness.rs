//! Robustness: whatever a node is fed (well-formed, malformed or hostile messages, huge terms and
//! indexes, ticks of any size, requests in any role, crashes), it never panics and its own
//! invariants hold after every step. Then whole clusters under random fault schedules keep Raft's
//! safety properties (Figure 3) and, once the faults stop, elect a leader and commit.

mod common;

use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use raft_core::{
    Body, Config, Entry, Event, HardState, Index, Input, MemStorage, Membership, Message, Node,
    NodeId, Payload, ReadMode, RejectReason, Role, Storage, Term,
};

/// Case count: the default keeps the suite fast; `RAFT_PROPTEST_CASES=5000` searches deeper.
fn cases(default: u32) -> u32 {
    std::env::var("RAFT_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ----- one node, arbitrary input ------------------------------------------------------------------

#[derive(Debug, Clone)]
enum Op {
    Input(Input),
    /// Crash and restart from storage.
    Reboot,
}

fn term() -> impl Strategy<Value = Term> {
    prop_oneof![
        8 => 0u64..6,
        1 => Just(u64::MAX),
        1 => Just(u64::MAX - 1),
        1 => any::<u64>(),
    ]
}

fn index() -> impl Strategy<Value = Index> {
    prop_oneof![
        8 => 0u64..12,
        1 => Just(u64::MAX),
        1 => any::<u64>(),
    ]
}

fn node_id() -> impl Strategy<Value = NodeId> {
    prop_oneof![
        8 => 2u64..=3,
        1 => Just(0u64),
        1 => Just(1u64),
        1 => Just(4u64),
        1 => any::<u64>(),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        Just(Payload::Noop),
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(Payload::Command),
    ]
}

fn entry() -> impl Strategy<Value = Entry> {
    (term(), index(), payload()).prop_map(|(term, index, payload)| Entry {
        term,
        index,
        payload,
    })
}

/// Entries a real leader could send after (prev_index, prev_term) in `term`: consecutive, terms
/// non-decreasing from prev_term up to the message term.
fn plausible_entries(
    prev_index: Index,
    prev_term: Term,
    term: Term,
) -> impl Strategy<Value = Vec<Entry>> {
    proptest::collection::vec((0u64..3, payload()), 0..4).prop_map(move |steps| {
        let mut t = prev_term.max(1);
        steps
            .into_iter()
            .enumerate()
            .filter_map(|(k, (bump, payload))| {
                t = t.saturating_add(bump).min(term.max(1));
                let index = prev_index.checked_add(k as Index + 1)?;
                Some(Entry {
                    term: t,
                    index,
                    payload,
                })
            })
            .collect()
    })
}

fn body() -> impl Strategy<Value = (Term, Body)> {
    let append = (term(), index(), term(), index())
        .prop_flat_map(|(t, prev_index, prev_term, commit)| {
            let entries = prop_oneof![
                plausible_entries(prev_index, prev_term.min(t), t),
                proptest::collection::vec(entry(), 0..4),
            ];
            entries.prop_map(move |entries| {
                (
                    t,
                    Body::Append {
                        prev_index,
                        prev_term: prev_term.min(t),
                        entries,
                        commit,
                    },
                )
            })
        })
        .boxed();
    prop_oneof![
        (term(), index(), term()).prop_map(|(t, last_index, last_term)| (
            t,
            Body::PreVote {
                last_index,
                last_term
            }
        )),
        (term(), any::<bool>()).prop_map(|(t, granted)| (t, Body::PreVoteResp { granted })),
        (term(), index(), term(), any::<bool>()).prop_map(
            |(t, last_index, last_term, transfer)| (
                t,
                Body::Vote {
                    last_index,
                    last_term,
                    transfer
                }
            )
        ),
        (term(), any::<bool>()).prop_map(|(t, granted)| (t, Body::VoteResp { granted })),
        append,
        (term(), index(), any::<bool>(), index(), term()).prop_map(
            |(t, index, reject, hint_index, hint_term)| (
                t,
                Body::AppendResp {
                    index,
                    reject,
                    hint_index,
                    hint_term
                }
            )
        ),
        (term(), index(), 0u64..4)
            .prop_map(|(t, commit, read_ctx)| (t, Body::Heartbeat { commit, read_ctx })),
        (term(), prop_oneof![0u64..4, any::<u64>()])
            .prop_map(|(t, read_ctx)| (t, Body::HeartbeatResp { read_ctx })),
        term().prop_map(|t| (t, Body::TimeoutNow)),
    ]
}

fn message() -> impl Strategy<Value = Message> {
    (
        node_id(),
        prop_oneof![8 => Just(1u64), 1 => node_id()],
        body(),
    )
        .prop_map(|(from, to, (term, body))| Message {
            from,
            to,
            term,
            body,
        })
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => message().prop_map(|m| Op::Input(Input::Message(m))),
        4 => prop_oneof![8 => 1u64..30, 1 => Just(u64::MAX), 1 => any::<u64>()]
            .prop_map(|n| Op::Input(Input::Tick(n))),
        2 => proptest::collection::vec(any::<u8>(), 0..6).prop_map(|d| Op::Input(Input::Propose(d))),
        1 => any::<u64>().prop_map(|id| Op::Input(Input::ReadIndex(id))),
        1 => node_id().prop_map(|id| Op::Input(Input::TransferLeader(id))),
        2 => Just(Op::Input(Input::Campaign)),
        1 => Just(Op::Reboot),
        1 => (index(), proptest::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(index, data)| Op::Input(Input::Compact { index, data })),
        1 => (0u8..6, 1u64..6).prop_map(|(kind, node)| {
            use raft_core::confchange::ConfChange;
            Op::Input(Input::ChangeMembership(match kind {
                0 => ConfChange::AddLearner { node },
                1 => ConfChange::Promote { node },
                2 => ConfChange::AddVoter { node },
                3 => ConfChange::Remove { node },
                4 => ConfChange::EnterJoint {
                    voters: [1, node].into(),
                },
                _ => ConfChange::LeaveJoint,
            }))
        }),
    ]
}

fn fuzz_config() -> impl Strategy<Value = (Config, Membership)> {
    (
        any::<bool>(),
        any::<bool>(),
        1usize..4,
        prop_oneof![Just(1u64), Just(64), Just(u64::MAX)],
        any::<bool>(),
        any::<u64>(),
        0usize..4,
    )
        .prop_map(
            |(pre_vote, check_quorum, max_inflight, max_msg_bytes, lease, seed, shape)| {
                let mut c = Config::new(1);
                c.election_timeout_min = 10;
                c.election_timeout_max = 20;
                c.heartbeat_interval = 3;
                c.pre_vote = pre_vote;
                c.check_quorum = check_quorum;
                c.max_inflight = max_inflight;
                c.max_msg_bytes = max_msg_bytes;
                c.read_mode = if lease && check_quorum {
                    ReadMode::Lease
                } else {
                    ReadMode::Safe
                };
                c.seed = seed;
                let m = match shape {
                    0 => Membership::with_voters([1]),
                    1 => Membership {
                        voters: [1, 2, 3].into(),
                        learners: [4].into(),
                        outgoing: Default::default(),
                    },
                    2 => Membership {
                        voters: [2, 3, 4].into(),
                        learners: [1].into(),
                        outgoing: Default::default(),
                    },
                    _ => Membership::with_voters([1, 2, 3]),
                };
                (c, m)
            },
        )
}

/// Feeds `ops` to one node, handling every Ready like a driver, and checks after each step:
/// the term never decreases (also across restarts); the vote never changes within a term;
/// `applied <= commit <= last index`; committed entries never change while the node runs;
/// the durable state equals the in-memory state; committed entries are handed out once, in
/// order; a leader or candidate has voted for itself.
fn check_node(cfg: Config, membership: Membership, ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut storage = MemStorage::new(membership.clone());
    let mut node = Node::new(cfg.clone(), membership).expect("valid config");
    let mut max_term = 0;
    let mut last_hs = HardState::default();
    let mut next_apply: Index = 1;
    let mut committed_prefix: Vec<Entry> = Vec::new();
    for op in ops {
        match op {
            Op::Input(input) => {
                let _ = node.step(input);
            }
            Op::Reboot => {
                node = Node::restore(cfg.clone(), storage.load())
                    .map_err(|e| TestCaseError::fail(format!("restart failed: {e}")))?;
                // The application restarts from the snapshot, if any (the driver loads it).
                next_apply = node.log().snapshot_index() + 1;
                committed_prefix.clear();
            }
        }
        let ready = node.ready();
        storage.persist(&ready);
        if ready.restore_snapshot {
            let snap = ready.snapshot.as_ref().expect("a snapshot to restore");
            next_apply = snap.meta.index + 1;
        }
        for e in &ready.committed {
            prop_assert_eq!(e.index, next_apply, "committed entries handed out in order");
            next_apply += 1;
        }
        for ev in &ready.events {
            if let Event::Rejected { why, .. } = ev {
                prop_assert!(!why.as_str().is_empty());
            }
        }
        let hs = node.hard_state();
        prop_assert!(
            hs.term >= max_term,
            "term went back: {} < {}",
            hs.term,
            max_term
        );
        if hs.term == last_hs.term {
            if let Some(v) = last_hs.vote {
                prop_assert_eq!(hs.vote, Some(v), "vote changed within term {}", hs.term);
            }
        }
        max_term = hs.term;
        last_hs = hs;
        prop_assert_eq!(storage.state().hard_state, hs, "durable hard state");
        prop_assert_eq!(
            storage.state().entries.as_slice(),
            node.log().entries(),
            "durable log"
        );
        let log = node.log();
        prop_assert!(log.committed() <= log.last_index());
        prop_assert!(log.applied() <= log.committed());
        prop_assert!(log.snapshot_index() <= log.applied());
        prop_assert_eq!(log.applied() + 1, next_apply);
        for w in log.entries().windows(2) {
            prop_assert_eq!(w[1].index, w[0].index + 1);
            prop_assert!(w[1].term >= w[0].term, "terms never decrease along the log");
        }
        prop_assert!(log.last_term() <= hs.term, "no entry from a future term");
        // Committed entries are never changed or removed while the node runs (compaction only
        // moves them into the snapshot).
        for e in &committed_prefix {
            if e.index > log.snapshot_index() {
                prop_assert_eq!(log.entry(e.index), Some(e), "committed entry changed");
            }
        }
        committed_prefix =
            log.entries()[..(log.committed() - log.snapshot_index()) as usize].to_vec();
        if matches!(node.role(), Role::Leader | Role::Candidate) {
            prop_assert_eq!(hs.vote, Some(node.id()));
            prop_assert!(node.is_promotable());
        }
        if node.role() == Role::Learner {
            prop_assert!(node.membership().is_learner(node.id()));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(800), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_inputs_never_break_a_node(
        (cfg, membership) in fuzz_config(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        check_node(cfg, membership, ops)?;
    }
}

// Raft §5.1: the term is a u64 that only grows. At u64::MAX a node cannot campaign any more; it
// must say so rather than wrap around to term 0 or panic.
#[test]
fn term_u64_max_does_not_overflow() {
    let mut cfg = config(1);
    cfg.election_timeout_min = 10;
    cfg.election_timeout_max = 20;
    cfg.heartbeat_interval = 3;
    for with_pre_vote in [true, false] {
        cfg.pre_vote = with_pre_vote;
        let mut s = Solo::new(cfg.clone(), three());
        s.recv(msg(
            2,
            1,
            u64::MAX,
            Body::Heartbeat {
                commit: 0,
                read_ctx: 0,
            },
        ));
        assert_eq!(s.node.term(), u64::MAX);
        s.step(Input::Tick(1000)).unwrap();
        assert_eq!(
            s.step(Input::Campaign),
            Err(raft_core::Error::TermOverflow(u64::MAX))
        );
        assert_eq!(s.node.term(), u64::MAX);
        assert_eq!(s.node.role(), Role::Follower);
        assert!(s.take_events().iter().any(|e| matches!(
            e,
            Event::Rejected {
                why: RejectReason::TermOverflow,
                ..
            }
        )));
        assert!(s
            .take_msgs()
            .iter()
            .all(|m| !matches!(m.body, Body::Vote { .. } | Body::PreVote { .. })));
        // Requests at the maximal term are still answered.
        s.recv(pre_vote(3, 1, u64::MAX, (0, 0)));
        s.recv(vote(3, 1, u64::MAX, (5, 5)));
        assert_eq!(s.node.term(), u64::MAX);
    }
    // A candidate in term MAX - 1 reaches MAX and can still win.
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let mut s = Solo::restore(
        cfg,
        raft_core::PersistentState {
            hard_state: HardState {
                term: u64::MAX - 1,
                vote: None,
            },
            membership: three(),
            ..Default::default()
        },
    );
    s.make_leader();
    assert_eq!(s.node.term(), u64::MAX);
    let i = s.step(Input::Propose(b"x".to_vec())).unwrap().unwrap();
    assert_eq!(s.node.log().term(i), Some(u64::MAX));
}

// Malformed appends are ignored with an event, never stored: entries that are not consecutive,
// entries of term 0, entries from a term after the message's, terms going down, prev_term after
// the message's term, and an index overflow.
#[test]
fn malformed_appends_are_rejected_with_an_event() {
    let e = |index, term| Entry {
        term,
        index,
        payload: Payload::Noop,
    };
    use RejectReason::*;
    let cases: Vec<(&str, Message, RejectReason)> = vec![
        (
            "gap",
            append(2, 1, 2, (0, 0), vec![e(1, 1), e(3, 1)], 0),
            EntriesNotConsecutive,
        ),
        (
            "term 0",
            append(2, 1, 2, (0, 0), vec![e(1, 0)], 0),
            EntryTermsOutOfOrder,
        ),
        (
            "future term",
            append(2, 1, 2, (0, 0), vec![e(1, 3)], 0),
            EntryTermsOutOfOrder,
        ),
        (
            "terms down",
            append(2, 1, 2, (0, 0), vec![e(1, 2), e(2, 1)], 0),
            EntryTermsOutOfOrder,
        ),
        (
            "prev_term ahead",
            append(2, 1, 2, (0, 3), vec![], 0),
            PrevTermAfterTerm,
        ),
        (
            "overflow",
            append(2, 1, 2, (u64::MAX, 1), vec![e(0, 1)], 0),
            IndexOverflow,
        ),
    ];
    for (name, m, why) in cases {
        let mut s = Solo::new(config(1), three());
        s.recv(m);
        assert_eq!(s.node.log().last_index(), 0, "{name}: nothing stored");
        assert_eq!(
            s.take_events(),
            vec![Event::Rejected { from: 2, why }],
            "{name}: reported"
        );
    }
}

// A malformed message changes nothing, not even the term or the known leader (README: "Malformed
// messages are reported as Event::Rejected and change nothing"). The shape is checked before the
// message's term is adopted (Figure 2's term rule applies to messages, not to garbage).
#[test]
fn a_malformed_message_does_not_even_raise_the_term() {
    let e = |index, term| Entry {
        term,
        index,
        payload: Payload::Noop,
    };
    let snap = |index, term, offset, total, data: Vec<u8>| {
        msg(
            2,
            1,
            5,
            Body::Snapshot {
                index,
                term,
                membership: three(),
                offset,
                total,
                data,
            },
        )
    };
    use RejectReason::*;
    let cases: Vec<(&str, Message, RejectReason)> = vec![
        (
            "append gap",
            append(2, 1, 5, (0, 0), vec![e(1, 1), e(3, 1)], 0),
            EntriesNotConsecutive,
        ),
        (
            "append overflow",
            append(2, 1, 5, (u64::MAX - 1, 1), vec![e(u64::MAX, 1)], 0),
            IndexOverflow,
        ),
        (
            "snapshot index 0",
            snap(0, 1, 0, 1, vec![1]),
            MalformedSnapshotChunk,
        ),
        (
            "snapshot index MAX",
            snap(u64::MAX, 1, 0, 1, vec![1]),
            MalformedSnapshotChunk,
        ),
        (
            "snapshot term ahead",
            snap(3, 9, 0, 1, vec![1]),
            MalformedSnapshotChunk,
        ),
        (
            "snapshot chunk past total",
            snap(3, 1, 1, 1, vec![1]),
            MalformedSnapshotChunk,
        ),
    ];
    for (name, m, why) in cases {
        let mut s = Solo::new(config(1), three());
        s.recv(m);
        assert_eq!(s.node.term(), 0, "{name}: term unchanged");
        assert_eq!(s.node.leader(), None, "{name}: no leader believed");
        assert_eq!(s.node.log().last_index(), 0, "{name}: nothing stored");
        assert_eq!(
            s.take_events(),
            vec![Event::Rejected { from: 2, why }],
            "{name}: reported"
        );
        // And the node goes on working: it can still be elected.
        s.make_leader();
        assert_eq!(s.node.role(), Role::Leader, "{name}");
    }
}

// Messages not addressed from a peer to this node are ignored: from 0 ("nobody"), from itself,
// or addressed to another node.
#[test]
fn misaddressed_messages_are_ignored() {
    for (from, to) in [(0, 1), (1, 1), (2, 3), (2, 0)] {
        let mut s = Solo::new(config(1), three());
        s.recv(vote(from, to, 5, (9, 9)));
        assert_eq!((s.node.term(), s.node.vote()), (0, None), "{from}->{to}");
        assert!(s.take_msgs().is_empty());
        assert!(s.take_events().iter().any(|e| matches!(
            e,
            Event::Rejected {
                why: RejectReason::NotAddressed,
                ..
            }
        )));
    }
}

// A hostile rejection hint (u64::MAX) must not overflow the leader's arithmetic.
#[test]
fn hostile_rejection_hints_do_not_overflow() {
    let mut s = Solo::new(config(1), three());
    s.make_leader();
    let next_minus_one = s.node.progress().unwrap()[&2].next - 1;
    for (hint_index, hint_term) in [(u64::MAX, 0), (u64::MAX, u64::MAX), (0, u64::MAX)] {
        s.recv(msg(
            2,
            1,
            1,
            Body::AppendResp {
                index: next_minus_one,
                reject: true,
                hint_index,
                hint_term,
            },
        ));
        let pr = &s.node.progress().unwrap()[&2];
        assert!(pr.next >= 1 && pr.next <= s.node.log().last_index() + 1);
        assert!(pr.matched < pr.next);
    }
}

// ----- whole clusters under random faults ---------------------------------------------------------

#[derive(Debug, Clone)]
enum Fault {
    Tick(usize, u64),
    TickAll(u64),
    Deliver(usize),
    DeliverAll,
    DropOne(usize),
    Propose(usize),
    Campaign(usize),
    Isolate(usize),
    Cut(usize, usize),
    Heal,
    Crash(usize),
    Restart(usize),
    Transfer(usize, usize),
    Read(usize),
}

fn fault(n: usize) -> impl Strategy<Value = Fault> {
    prop_oneof![
        6 => (0..n, 1u64..60).prop_map(|(i, t)| Fault::Tick(i, t)),
        6 => (1u64..60).prop_map(Fault::TickAll),
        8 => (1usize..20).prop_map(Fault::Deliver),
        4 => Just(Fault::DeliverAll),
        2 => (0usize..50).prop_map(Fault::DropOne),
        5 => (0..n).prop_map(Fault::Propose),
        1 => (0..n).prop_map(Fault::Campaign),
        1 => (0..n).prop_map(Fault::Isolate),
        1 => (0..n, 0..n).prop_map(|(a, b)| Fault::Cut(a, b)),
        2 => Just(Fault::Heal),
        1 => (0..n).prop_map(Fault::Crash),
        2 => (0..n).prop_map(Fault::Restart),
        1 => (0..n, 0..n).prop_map(|(a, b)| Fault::Transfer(a, b)),
        1 => (0..n).prop_map(Fault::Read),
    ]
}

/// Log Matching (Figure 3): if two logs hold an entry with the same index and term, they are
/// identical up to that index. Leader Completeness: a leader holds every entry committed in its
/// term or an earlier one (a stale leader of an older term, cut off, may lack newer ones).
fn check_logs(net: &Network) -> Result<(), TestCaseError> {
    let logs: BTreeMap<NodeId, Vec<Entry>> = net
        .ids()
        .into_iter()
        .filter(|&id| net.is_up(id))
        .map(|id| (id, net.node(id).log().entries().to_vec()))
        .collect();
    for (a, la) in &logs {
        for (b, lb) in &logs {
            if a >= b {
                continue;
            }
            let common = la.len().min(lb.len());
            if let Some(k) = (0..common).rev().find(|&k| la[k].term == lb[k].term) {
                prop_assert_eq!(&la[..=k], &lb[..=k], "Log Matching between {} and {}", a, b);
            }
        }
    }
    for id in net.ids() {
        if !net.is_up(id) || net.node(id).role() != Role::Leader {
            continue;
        }
        let term = net.node(id).term();
        for other in net.ids() {
            for e in &net.peer(other).applied {
                if net.commit_terms[&e.index] > term {
                    continue;
                }
                prop_assert_eq!(
                    net.node(id).log().entry(e.index),
                    Some(e),
                    "Leader Completeness: leader {} of term {} lacks applied entry {}",
                    id,
                    term,
                    e.index
                );
            }
        }
    }
    Ok(())
}

fn cluster_config(pre_vote: bool, check_quorum: bool, seed: u64) -> impl Fn(NodeId) -> Config {
    move |id| {
        let mut c = config(id);
        c.election_timeout_min = 20;
        c.election_timeout_max = 40;
        c.heartbeat_interval = 5;
        c.pre_vote = pre_vote;
        c.check_quorum = check_quorum;
        c.max_inflight = 2;
        c.max_msg_bytes = 64;
        c.seed = seed;
        c
    }
}

fn run_schedule(
    n: usize,
    pre_vote: bool,
    check_quorum: bool,
    seed: u64,
    faults: Vec<Fault>,
) -> Result<(), TestCaseError> {
    let ids: Vec<NodeId> = (1..=n as NodeId).collect();
    let mut net = Network::with_config(
        Membership::with_voters(ids.iter().copied()),
        cluster_config(pre_vote, check_quorum, seed),
    );
    let id = |i: usize| ids[i];
    let mut proposals = 0u32;
    for f in faults {
        match f {
            Fault::Tick(i, t) if net.is_up(id(i)) => net.tick(id(i), t),
            Fault::TickAll(t) => net.tick_all(t),
            Fault::Deliver(k) => {
                for _ in 0..k {
                    net.deliver_one();
                }
            }
            Fault::DeliverAll => {
                net.deliver();
            }
            Fault::DropOne(k) if !net.queue().is_empty() => {
                net.drop_nth(k % net.queue().len());
            }
            Fault::Propose(i) if net.is_up(id(i)) => {
                proposals += 1;
                let _ = net.propose(id(i), &proposals.to_be_bytes());
            }
            Fault::Campaign(i) if net.is_up(id(i)) => net.campaign(id(i)),
            Fault::Isolate(i) => net.isolate(id(i)),
            Fault::Cut(a, b) if a != b => net.cut(id(a), id(b)),
            Fault::Heal => net.heal(),
            Fault::Crash(i) if net.is_up(id(i)) => net.crash(id(i)),
            Fault::Restart(i) if !net.is_up(id(i)) => net.restart(id(i)),
            Fault::Transfer(a, b) if net.is_up(id(a)) => {
                let _ = net.step(id(a), Input::TransferLeader(id(b)));
            }
            Fault::Read(i) if net.is_up(id(i)) => {
                let _ = net.step(id(i), Input::ReadIndex(7));
            }
            _ => {}
        }
        check_logs(&net)?;
    }
    // Liveness once the faults stop: everyone back, links healed, time passes.
    net.heal();
    for i in 0..n {
        if !net.is_up(id(i)) {
            net.restart(id(i));
        }
    }
    net.run(1500);
    check_logs(&net)?;
    let leader = net.leader();
    prop_assert!(leader.is_some(), "no leader after the faults stopped");
    let leader = leader.unwrap();
    let i = net
        .propose(leader, b"final")
        .map_err(|e| TestCaseError::fail(format!("leader refused: {e}")))?;
    net.run(300);
    for nid in net.ids() {
        prop_assert!(
            net.node(nid).log().committed() >= i,
            "node {} did not commit the final entry",
            nid
        );
    }
    check_logs(&net)?;
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), ..ProptestConfig::default() })]

    // Election Safety, Log Matching, Leader Completeness and State Machine Safety (Figure 3) under
    // random drops, partitions, crashes, transfers and reads; then liveness once healed.
    #[test]
    fn random_fault_schedules_keep_raft_safe(
        n in prop_oneof![Just(3usize), Just(5usize)],
        pre_vote in any::<bool>(),
        check_quorum in any::<bool>(),
        seed in any::<u64>(),
        faults in proptest::collection::vec(fault(5), 0..150),
    ) {
        let faults = faults
            .into_iter()
            .map(|f| match f {
                Fault::Tick(i, t) => Fault::Tick(i % n, t),
                Fault::Propose(i) => Fault::Propose(i % n),
                Fault::Campaign(i) => Fault::Campaign(i % n),
                Fault::Isolate(i) => Fault::Isolate(i % n),
                Fault::Cut(a, b) => Fault::Cut(a % n, b % n),
                Fault::Crash(i) => Fault::Crash(i % n),
                Fault::Restart(i) => Fault::Restart(i % n),
                Fault::Transfer(a, b) => Fault::Transfer(a % n, b % n),
                Fault::Read(i) => Fault::Read(i % n),
                other => other,
            })
            .collect();
        run_schedule(n, pre_vote, check_quorum, seed, faults)?;
    }
}
