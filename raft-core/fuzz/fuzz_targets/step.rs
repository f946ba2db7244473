//! Fuzz target: decodes the input bytes into a schedule and runs it.
//!
//! Both schedules run on the integration tests' harness, `tests/common/mod.rs` (included below by
//! path), so the fuzzer and the property tests of `tests/robustness.rs` check the same things:
//!
//! * `Schedule::Node`: one node fed arbitrary inputs, malformed messages included (wrong
//!   recipients, sender 0, terms up to `u64::MAX`, indexes past the log, entries out of order or of
//!   term 0), ticks of any size and crashes, through the harness's `Solo`. It must never panic,
//!   and its own invariants (`NodeChecks`) must hold after every step.
//! * `Schedule::Cluster`: a cluster whose network the fuzzer controls (delivery order, drops,
//!   partitions, crashes, timing, client requests): each operation is one of the harness's
//!   `Fault`s, applied by `Network::apply`; the harness panics on any violation of Raft's safety
//!   properties, and Log Matching and Leader Completeness are checked after every operation.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use raft_core::{Body, Entry, Index, Input, Membership, Message, NodeId, Payload, Term};

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
                        Payload::Command(e.data.clone().into())
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

fn run_node(setup: &NodeSetup, ops: &[NodeOp]) {
    let mut cfg = common::quick_config(
        1,
        setup.pre_vote,
        setup.check_quorum,
        setup.lease_reads,
        setup.seed,
    );
    cfg.max_inflight = usize::from(setup.max_inflight % 8) + 1;
    cfg.max_msg_bytes = u64::from(setup.max_msg_bytes).max(1);
    let mut s = common::Solo::new(cfg, common::solo_membership(setup.shape));
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
                s.reboot();
                continue;
            }
        };
        // Refusals are expected outcomes; the harness checks the node after the step.
        let _ = s.step(input);
        s.take_msgs();
        s.take_events();
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

/// The harness's fault for a fuzzer operation (node numbers are taken modulo the cluster size).
fn fault(op: &ClusterOp) -> common::Fault {
    use common::Fault;
    let k = |k: &u8| usize::from(*k);
    let ticks = |t: &u8| u64::from(*t % 32) + 1;
    match op {
        ClusterOp::Tick(i, t) => Fault::Tick(k(i), ticks(t)),
        ClusterOp::TickAll(t) => Fault::TickAll(ticks(t)),
        ClusterOp::DeliverOne => Fault::Deliver(1),
        ClusterOp::Deliver(n) => Fault::Deliver(k(n) % 16),
        ClusterOp::DeliverAll => Fault::DeliverAll,
        ClusterOp::Drop(i) => Fault::DropOne(k(i)),
        ClusterOp::Propose(i) => Fault::Propose(k(i)),
        ClusterOp::Campaign(i) => Fault::Campaign(k(i)),
        ClusterOp::Isolate(i) => Fault::Isolate(k(i)),
        ClusterOp::Cut(a, b) => Fault::Cut(k(a), k(b)),
        ClusterOp::Heal => Fault::Heal,
        ClusterOp::Crash(i) => Fault::Crash(k(i)),
        ClusterOp::Restart(i) => Fault::Restart(k(i)),
        ClusterOp::Transfer(a, b) => Fault::Transfer(k(a), k(b)),
        ClusterOp::Read(i) => Fault::Read(k(i)),
    }
}

fn run_cluster(setup: &ClusterSetup, ops: &[ClusterOp]) {
    let n: u64 = if setup.five { 5 } else { 3 };
    let ids: Vec<NodeId> = (1..=n).collect();
    let (pre_vote, check_quorum, seed) = (setup.pre_vote, setup.check_quorum, setup.seed);
    let mut net = common::Network::with_config(Membership::with_voters(ids), move |id| {
        let mut c = common::quick_config(id, pre_vote, check_quorum, false, seed);
        c.max_inflight = 2;
        c
    });
    for op in ops.iter().take(512) {
        net.apply(&fault(op));
        if let Err(e) = net.check_logs() {
            panic!("{e}");
        }
    }
}

fuzz_target!(|schedule: Schedule| {
    match &schedule {
        Schedule::Node(setup, ops) => run_node(setup, ops),
        Schedule::Cluster(setup, ops) => run_cluster(setup, ops),
    }
});
