//! Fuzz target: decodes the input bytes into a schedule and runs it.
//!
//! * `Schedule::Node`: one node fed arbitrary inputs, malformed messages included (wrong
//!   recipients, sender 0, terms up to `u64::MAX`, indexes past the log, entries out of order or of
//!   term 0), ticks of any size and crashes. It must never panic, and its local invariants must hold
//!   after every step (term never decreases, vote fixed within a term, `applied <= commit <= last`,
//!   committed entries never change, durable state equal to the in-memory state).
//! * `Schedule::Cluster`: a cluster whose network the fuzzer controls (delivery order, drops,
//!   partitions, crashes, timing, client requests), driven by the test harness of
//!   `tests/common/mod.rs`, which panics on any violation of Raft's safety properties.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use raft_core::{
    Body, Config, Entry, Index, Input, MemStorage, Membership, Message, Node, NodeId, Payload,
    ReadMode, Role, Storage, Term,
};

#[allow(dead_code, clippy::all)]
#[path = "../../tests/common/mod.rs"]
mod common;

#[derive(Debug, Arbitrary)]
enum Schedule {
    Node(NodeSetup, Vec<NodeOp>),
    Cluster(ClusterSetup, Vec<ClusterOp>),
}

#[derive(Debug, Arbitrary)]
struct NodeSetup {
    pre_vote: bool,
    check_quorum: bool,
    lease_reads: bool,
    max_inflight: u8,
    max_msg_bytes: u16,
    seed: u64,
    /// 0: voters {1}; 1: voters {1,2,3}; 2: voters {1,2,3} + learner 4; 3: learner in {2,3,4}.
    shape: u8,
}

#[derive(Debug, Arbitrary)]
enum NodeOp {
    Tick(u16),
    HugeTick,
    Message(FuzzMessage),
    Propose(Vec<u8>),
    ReadIndex(u64),
    TransferLeader(u64),
    Campaign,
    Reboot,
    Compact(u64, Vec<u8>),
    ChangeMembership(u8, u8),
}

#[derive(Debug, Arbitrary)]
struct FuzzMessage {
    from: u64,
    to_self: bool,
    to: u64,
    term: FuzzTerm,
    body: FuzzBody,
}

/// Terms: mostly small (so that messages interact), sometimes at the edge of `u64`.
#[derive(Debug, Arbitrary)]
enum FuzzTerm {
    Small(u8),
    Max,
    Any(u64),
}

impl FuzzTerm {
    fn get(&self) -> Term {
        match self {
            FuzzTerm::Small(t) => u64::from(*t % 8),
            FuzzTerm::Max => u64::MAX,
            FuzzTerm::Any(t) => *t,
        }
    }
}

#[derive(Debug, Arbitrary)]
struct FuzzEntry {
    term: FuzzTerm,
    index: u64,
    noop: bool,
    data: Vec<u8>,
}

#[derive(Debug, Arbitrary)]
enum FuzzBody {
    PreVote {
        last_index: u64,
        last_term: FuzzTerm,
    },
    PreVoteResp {
        granted: bool,
    },
    Vote {
        last_index: u64,
        last_term: FuzzTerm,
        transfer: bool,
    },
    VoteResp {
        granted: bool,
    },
    Append {
        prev_index: u64,
        prev_term: FuzzTerm,
        entries: Vec<FuzzEntry>,
        commit: u64,
    },
    /// Entries a real leader could send: consecutive after `prev_index`.
    PlausibleAppend {
        prev_index: u8,
        prev_term: u8,
        terms: Vec<u8>,
        commit: u8,
    },
    AppendResp {
        index: u64,
        reject: bool,
        hint_index: u64,
        hint_term: FuzzTerm,
    },
    Heartbeat {
        commit: u64,
        read_ctx: u64,
    },
    HeartbeatResp {
        read_ctx: u64,
    },
    TimeoutNow,
}

fn small(i: u64) -> u64 {
    // Indexes: keep most near the log so that they interact with it; one in four unchanged.
    match i % 4 {
        0 => i,
        _ => i % 16,
    }
}

fn body(b: &FuzzBody, term: Term) -> Body {
    match b {
        FuzzBody::PreVote {
            last_index,
            last_term,
        } => Body::PreVote {
            last_index: small(*last_index),
            last_term: last_term.get(),
        },
        FuzzBody::PreVoteResp { granted } => Body::PreVoteResp { granted: *granted },
        FuzzBody::Vote {
            last_index,
            last_term,
            transfer,
        } => Body::Vote {
            last_index: small(*last_index),
            last_term: last_term.get(),
            transfer: *transfer,
        },
        FuzzBody::VoteResp { granted } => Body::VoteResp { granted: *granted },
        FuzzBody::Append {
            prev_index,
            prev_term,
            entries,
            commit,
        } => Body::Append {
            prev_index: small(*prev_index),
            prev_term: prev_term.get(),
            entries: entries
                .iter()
                .map(|e| Entry {
                    term: e.term.get(),
                    index: small(e.index),
                    payload: if e.noop {
                        Payload::Noop
                    } else {
                        Payload::Command(e.data.clone())
                    },
                })
                .collect(),
            commit: small(*commit),
        },
        FuzzBody::PlausibleAppend {
            prev_index,
            prev_term,
            terms,
            commit,
        } => {
            let prev_index = u64::from(*prev_index % 16);
            let prev_term = u64::from(*prev_term % 8).min(term);
            let mut t = prev_term.max(1);
            let entries = terms
                .iter()
                .enumerate()
                .map(|(k, bump)| {
                    t = (t + u64::from(*bump % 2)).min(term.max(1));
                    Entry {
                        term: t,
                        index: prev_index + 1 + k as Index,
                        payload: Payload::Noop,
                    }
                })
                .collect();
            Body::Append {
                prev_index,
                prev_term,
                entries,
                commit: u64::from(*commit % 16),
            }
        }
        FuzzBody::AppendResp {
            index,
            reject,
            hint_index,
            hint_term,
        } => Body::AppendResp {
            index: small(*index),
            reject: *reject,
            hint_index: small(*hint_index),
            hint_term: hint_term.get(),
        },
        FuzzBody::Heartbeat { commit, read_ctx } => Body::Heartbeat {
            commit: small(*commit),
            read_ctx: *read_ctx % 4,
        },
        FuzzBody::HeartbeatResp { read_ctx } => Body::HeartbeatResp {
            read_ctx: *read_ctx % 4,
        },
        FuzzBody::TimeoutNow => Body::TimeoutNow,
    }
}

fn node_config(s: &NodeSetup) -> (Config, Membership) {
    let mut c = Config::new(1);
    c.election_timeout_min = 10;
    c.election_timeout_max = 20;
    c.heartbeat_interval = 3;
    c.pre_vote = s.pre_vote;
    c.check_quorum = s.check_quorum;
    c.read_mode = if s.lease_reads && s.check_quorum {
        ReadMode::Lease
    } else {
        ReadMode::Safe
    };
    c.max_inflight = usize::from(s.max_inflight % 8) + 1;
    c.max_msg_bytes = u64::from(s.max_msg_bytes);
    c.seed = s.seed;
    let m = match s.shape % 4 {
        0 => Membership::with_voters([1]),
        1 => Membership::with_voters([1, 2, 3]),
        2 => Membership {
            voters: [1, 2, 3].into(),
            learners: [4].into(),
            ..Default::default()
        },
        _ => Membership {
            voters: [2, 3, 4].into(),
            learners: [1].into(),
            ..Default::default()
        },
    };
    (c, m)
}

fn run_node(setup: &NodeSetup, ops: &[NodeOp]) {
    let (cfg, membership) = node_config(setup);
    let mut storage = MemStorage::new(membership.clone());
    let mut node = Node::new(cfg.clone(), membership).expect("valid config");
    let (mut max_term, mut last_vote) = (0u64, None);
    let mut next_apply: Index = 1;
    let mut committed: Vec<Entry> = Vec::new();
    for op in ops.iter().take(256) {
        let input = match op {
            NodeOp::Tick(n) => Input::Tick(u64::from(*n)),
            NodeOp::HugeTick => Input::Tick(u64::MAX),
            NodeOp::Message(m) => {
                let term = m.term.get();
                Input::Message(Message {
                    from: m.from % 6,
                    to: if m.to_self { 1 } else { m.to },
                    term,
                    body: body(&m.body, term),
                })
            }
            NodeOp::Propose(d) => Input::Propose(d.clone()),
            NodeOp::ReadIndex(id) => Input::ReadIndex(*id),
            NodeOp::TransferLeader(to) => Input::TransferLeader(*to % 6),
            NodeOp::Campaign => Input::Campaign,
            NodeOp::Compact(index, data) => Input::Compact {
                index: small(*index),
                data: data.clone(),
            },
            NodeOp::ChangeMembership(kind, node) => {
                use raft_core::confchange::ConfChange;
                let node = u64::from(*node % 6);
                Input::ChangeMembership(match kind % 6 {
                    0 => ConfChange::AddLearner { node },
                    1 => ConfChange::Promote { node },
                    2 => ConfChange::AddVoter { node },
                    3 => ConfChange::Remove { node },
                    4 => ConfChange::EnterJoint {
                        voters: [1, node].into(),
                    },
                    _ => ConfChange::LeaveJoint,
                })
            }
            NodeOp::Reboot => {
                node = Node::restore(cfg.clone(), storage.load()).expect("restart from storage");
                // The application restarts from the snapshot, if any (the driver loads it).
                next_apply = node.log().snapshot_index() + 1;
                committed.clear();
                continue;
            }
        };
        let _ = node.step(input);
        let ready = node.ready();
        storage.persist(&ready);
        if ready.restore_snapshot {
            next_apply = ready
                .snapshot
                .as_ref()
                .expect("snapshot to restore")
                .meta
                .index
                + 1;
        }
        for e in &ready.committed {
            assert_eq!(e.index, next_apply, "committed entries handed out in order");
            next_apply += 1;
        }
        let hs = node.hard_state();
        assert!(hs.term >= max_term, "term went back");
        if hs.term == max_term && last_vote.is_some() {
            assert_eq!(hs.vote, last_vote, "vote changed within a term");
        }
        max_term = hs.term;
        last_vote = hs.vote;
        assert_eq!(storage.state().hard_state, hs, "durable hard state");
        assert_eq!(
            storage.state().entries.as_slice(),
            node.log().entries(),
            "durable log"
        );
        let log = node.log();
        assert!(log.applied() <= log.committed() && log.committed() <= log.last_index());
        assert!(log.snapshot_index() <= log.applied());
        assert_eq!(log.applied() + 1, next_apply, "applied index as handed out");
        for e in committed.iter().filter(|e| e.index > log.snapshot_index()) {
            assert_eq!(log.entry(e.index), Some(e), "committed entry changed");
        }
        committed = log.entries()[..(log.committed() - log.snapshot_index()) as usize].to_vec();
        if matches!(node.role(), Role::Leader | Role::Candidate) {
            assert_eq!(
                hs.vote,
                Some(node.id()),
                "leaders and candidates voted for themselves"
            );
        }
    }
}

#[derive(Debug, Arbitrary)]
struct ClusterSetup {
    five: bool,
    pre_vote: bool,
    check_quorum: bool,
    seed: u64,
}

#[derive(Debug, Arbitrary)]
enum ClusterOp {
    Tick(u8, u8),
    TickAll(u8),
    DeliverOne,
    Deliver(u8),
    DeliverAll,
    Drop(u8),
    Propose(u8),
    Campaign(u8),
    Isolate(u8),
    Cut(u8, u8),
    Heal,
    Crash(u8),
    Restart(u8),
    Transfer(u8, u8),
    Read(u8),
}

fn run_cluster(setup: &ClusterSetup, ops: &[ClusterOp]) {
    let n: u64 = if setup.five { 5 } else { 3 };
    let ids: Vec<NodeId> = (1..=n).collect();
    let (pre_vote, check_quorum, seed) = (setup.pre_vote, setup.check_quorum, setup.seed);
    let mut net = common::Network::with_config(Membership::with_voters(ids.clone()), move |id| {
        let mut c = Config::new(id);
        c.election_timeout_min = 10;
        c.election_timeout_max = 20;
        c.heartbeat_interval = 3;
        c.pre_vote = pre_vote;
        c.check_quorum = check_quorum;
        c.max_inflight = 2;
        c.seed = seed;
        c
    });
    let id = |k: &u8| u64::from(*k) % n + 1;
    let mut proposal = 0u32;
    for op in ops.iter().take(512) {
        match op {
            ClusterOp::Tick(k, t) if net.is_up(id(k)) => net.tick(id(k), u64::from(*t % 32) + 1),
            ClusterOp::TickAll(t) => net.tick_all(u64::from(*t % 32) + 1),
            ClusterOp::DeliverOne => {
                net.deliver_one();
            }
            ClusterOp::Deliver(k) => {
                for _ in 0..*k % 16 {
                    net.deliver_one();
                }
            }
            ClusterOp::DeliverAll => {
                net.deliver();
            }
            ClusterOp::Drop(k) if !net.queue().is_empty() => {
                net.drop_nth(usize::from(*k) % net.queue().len());
            }
            ClusterOp::Propose(k) if net.is_up(id(k)) => {
                proposal += 1;
                let _ = net.propose(id(k), &proposal.to_be_bytes());
            }
            ClusterOp::Campaign(k) if net.is_up(id(k)) => net.campaign(id(k)),
            ClusterOp::Isolate(k) => net.isolate(id(k)),
            ClusterOp::Cut(a, b) if id(a) != id(b) => net.cut(id(a), id(b)),
            ClusterOp::Heal => net.heal(),
            ClusterOp::Crash(k) if net.is_up(id(k)) => net.crash(id(k)),
            ClusterOp::Restart(k) if !net.is_up(id(k)) => net.restart(id(k)),
            ClusterOp::Transfer(a, b) if net.is_up(id(a)) => {
                let _ = net.step(id(a), Input::TransferLeader(id(b)));
            }
            ClusterOp::Read(k) if net.is_up(id(k)) => {
                let _ = net.step(id(k), Input::ReadIndex(1));
            }
            _ => {}
        }
    }
}

fuzz_target!(|schedule: Schedule| {
    match &schedule {
        Schedule::Node(setup, ops) => run_node(setup, ops),
        Schedule::Cluster(setup, ops) => run_cluster(setup, ops),
    }
});
