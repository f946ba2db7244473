//! Robustness: whatever a node is fed (well-formed, malformed or hostile messages, huge terms and
//! indexes, ticks of any size, requests in any role, crashes), it never panics and its own
//! invariants hold after every step. Then whole clusters under random fault schedules keep Raft's
//! safety properties (Figure 3) and, once the faults stop, elect a leader and commit.

mod common;

use common::*;
use proptest::prelude::*;
use raft_core::{
    Body, Config, Entry, Event, HardState, Index, Input, Membership, Message, NodeId, Payload,
    RejectReason, Role, Term,
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
        proptest::collection::vec(any::<u8>(), 0..8).prop_map(|v| Payload::Command(v.into())),
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
                        entries: entries.into(),
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
        1 => node_id().prop_map(|id| Op::Input(Input::Unreachable(id))),
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
        0u8..4,
    )
        .prop_map(
            |(pre_vote, check_quorum, max_inflight, max_msg_bytes, lease, seed, shape)| {
                let mut c = quick_config(1, pre_vote, check_quorum, lease, seed);
                c.max_inflight = max_inflight;
                c.max_msg_bytes = max_msg_bytes;
                (c, solo_membership(shape))
            },
        )
}

/// Feeds `ops` to one node through the harness's [`Solo`], which handles every Ready like a
/// driver and checks the node's own invariants after each step ([`NodeChecks`]; a violation
/// panics, and proptest shrinks the schedule).
fn check_node(cfg: Config, membership: Membership, ops: Vec<Op>) {
    let mut s = Solo::new(cfg, membership);
    for op in ops {
        match op {
            Op::Input(input) => {
                let _ = s.step(input);
            }
            Op::Reboot => s.reboot(),
        }
        s.take_msgs();
        s.take_events();
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(800), ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_inputs_never_break_a_node(
        (cfg, membership) in fuzz_config(),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        check_node(cfg, membership, ops);
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
    let at = |term| raft_core::PersistentState {
        hard_state: HardState { term, vote: None },
        membership: three(),
        ..Default::default()
    };
    for with_pre_vote in [true, false] {
        cfg.pre_vote = with_pre_vote;
        // A message at u64::MAX is refused (hostile_peers.rs); a node restored at the bound
        // (MAX_TERM) refuses to campaign past it.
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
        assert_eq!(s.node.term(), 0);
        let mut s = Solo::restore(cfg.clone(), at(raft_core::MAX_TERM));
        s.step(Input::Tick(1000)).unwrap();
        assert_eq!(
            s.step(Input::Campaign),
            Err(raft_core::Error::TermOverflow(raft_core::MAX_TERM))
        );
        assert_eq!(s.node.term(), raft_core::MAX_TERM);
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
        s.recv(pre_vote(3, 1, raft_core::MAX_TERM, (0, 0)));
        s.recv(vote(3, 1, raft_core::MAX_TERM, (5, 5)));
        assert_eq!(s.node.term(), raft_core::MAX_TERM);
    }
    // A candidate in term MAX_TERM - 1 reaches MAX_TERM and can still win.
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let mut s = Solo::restore(cfg, at(raft_core::MAX_TERM - 1));
    s.make_leader();
    assert_eq!(s.node.term(), raft_core::MAX_TERM);
    let i = s.step(Input::Propose(b"x".to_vec())).unwrap().unwrap();
    assert_eq!(s.node.log().term(i), Some(raft_core::MAX_TERM));
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
                membership: Box::new(three()),
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
        1 => (0..n, 0..n).prop_map(|(a, b)| Fault::Unreachable(a, b)),
    ]
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
    for f in &faults {
        net.apply(f);
        net.check_logs().map_err(TestCaseError::fail)?;
    }
    // Liveness once the faults stop: everyone back, links healed, time passes.
    net.heal();
    for i in 0..n {
        if !net.is_up(id(i)) {
            net.restart(id(i));
        }
    }
    net.run(1500);
    net.check_logs().map_err(TestCaseError::fail)?;
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
    net.check_logs().map_err(TestCaseError::fail)?;
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
        run_schedule(n, pre_vote, check_quorum, seed, faults)?;
    }
}

// ----- bounded uncommitted proposals -------------------------------------------------------------

/// A leader that cannot reach a quorum (CheckQuorum off, so it stays leader) accepts commands
/// only up to `Config::max_uncommitted_bytes`, refuses the next with `UncommittedLimit`, and takes
/// proposals again once the backlog commits. Without the bound its memory would grow with every
/// proposal for as long as the partition lasts (etcd `TestUncommittedEntryLimit` protects the
/// same). A single command larger than the limit still goes through when nothing is held.
#[test]
fn a_leader_without_a_quorum_holds_at_most_its_uncommitted_limit() {
    let limit = 10 * (16 + 100);
    let mut net = Network::with_config(Membership::with_voters([1, 2, 3]), |id| Config {
        check_quorum: false,
        max_uncommitted_bytes: limit,
        ..config(id)
    });
    net.elect(1);
    net.isolate(1);
    let mut accepted = 0;
    let refused = loop {
        match net.propose(1, &[7; 100]) {
            Ok(_) => accepted += 1,
            Err(e) => break e,
        }
        assert!(accepted <= 10, "accepted past the limit");
    };
    assert_eq!(accepted, 10);
    assert_eq!(refused, raft_core::Error::UncommittedLimit { held: limit });
    assert!(refused.to_string().contains("uncommitted"), "{refused}");
    assert_eq!(net.node(1).role(), Role::Leader);
    // Healed, the backlog commits and proposals are taken again.
    net.heal();
    net.run(200);
    let last = net.node(1).log().last_index();
    assert_eq!(net.node(1).log().committed(), last);
    let i = net
        .propose(1, &[8; 100])
        .expect("taken again after the commit");
    // A command larger than the limit goes through when nothing is held.
    net.run(200);
    assert_eq!(net.node(1).log().committed(), i);
    net.propose(1, &vec![9; 2 * limit as usize])
        .expect("one oversized command when nothing is held");
}
