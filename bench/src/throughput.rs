//! Core throughput: one client workload through an in-memory cluster in one process.
//!
//! The harness is the same for every library ([`Cluster`]): five nodes, node 1 elected leader
//! before the clock starts; then, round after round, the client proposes up to `batch` entries at
//! the leader, every node in id order hands over its output (persist to memory, queue the
//! messages, apply the committed entries), and the harness delivers every queued message. No
//! time passes (no ticks) unless a round moves nothing, which would be a stall and is counted.
//! The clock stops when every node has applied every entry.

use raft_core::{Config, Input, MemStorage, Membership, Message, Node, Payload, Role, Storage};

/// A cluster driven by the harness. One implementation per Raft library.
pub trait Cluster {
    /// Library name, as printed in the table.
    const NAME: &'static str;
    /// `n` fresh nodes with ids `1..=n`, with the flow-control limits both libraries share.
    fn new(n: u64, limits: Limits) -> Self;
    /// Makes node 1 campaign (no timer needed).
    fn campaign(&mut self);
    /// True once node 1 leads.
    fn leader_ready(&self) -> bool;
    /// Proposes one entry at node 1.
    fn propose(&mut self, data: Vec<u8>);
    /// One round: every node's output handled in id order (persist, queue messages, apply), then
    /// every queued message delivered. Returns the number of messages delivered.
    fn round(&mut self) -> usize;
    /// Lets the heartbeat timer fire on every node (only used to get out of a stall).
    fn tick(&mut self);
    /// The fewest client entries any node has applied.
    fn min_applied(&self) -> u64;
    /// Sum of the applied payload bytes over all nodes (a check that the work was done).
    fn checksum(&self) -> u64;
    /// Drops every node but keeps its storage (the "disk"): what this frees is the memory the
    /// nodes themselves held, for the node-memory figure.
    fn drop_nodes(&mut self);
}

/// Flow-control settings given to both libraries alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Append messages in flight per follower (raft-core `max_inflight`, raft-rs
    /// `max_inflight_msgs`).
    pub max_inflight: usize,
    /// Soft byte limit per Append message (raft-core `max_msg_bytes`, raft-rs `max_size_per_msg`).
    pub max_msg_bytes: u64,
    /// raft-core only: stable entries its log keeps in memory (`Config::log_cache_entries`;
    /// raft-rs has no such cache: it keeps only unstable entries). For the node-memory row's
    /// breakdown (`node-memory --log-cache-entries N`).
    pub log_cache_entries: usize,
}

impl Default for Limits {
    /// raft-core's defaults: 64 messages in flight, 64 KiB per message.
    fn default() -> Self {
        Limits {
            max_inflight: 64,
            max_msg_bytes: 64 * 1024,
            log_cache_entries: raft_core::LOG_CACHE_ENTRIES,
        }
    }
}

/// The workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Workload {
    /// Entries the client proposes.
    pub entries: u64,
    /// Payload bytes per entry.
    pub entry_bytes: usize,
    /// Proposals per round (the batching window).
    pub batch: u64,
    /// Cluster size.
    pub nodes: u64,
}

impl Default for Workload {
    /// 100,000 entries of 16 bytes, 64 per round, 5 nodes.
    fn default() -> Self {
        Workload {
            entries: 100_000,
            entry_bytes: 16,
            batch: 64,
            nodes: 5,
        }
    }
}

/// What one timed run did (the wall time is measured by the caller around [`run`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Rounds of the harness loop.
    pub rounds: u64,
    /// Messages delivered.
    pub messages: u64,
    /// Rounds that moved nothing and needed a tick. raft-core has one at the end: its followers
    /// learn the final commit index from the leader's next heartbeat (it sends no Append just
    /// for that), and the harness lets the heartbeat fire when nothing else moves. More than one
    /// is a stall.
    pub stalls: u64,
    /// Applied payload bytes over all nodes.
    pub checksum: u64,
}

/// Builds the cluster and elects node 1 (not part of the timed run).
///
/// # Panics
/// If node 1 is not leader after 1,000 rounds (a broken harness).
pub fn setup<C: Cluster>(w: &Workload, limits: Limits) -> C {
    let mut c = C::new(w.nodes, limits);
    c.campaign();
    for _ in 0..1_000 {
        if c.round() == 0 && c.leader_ready() {
            return c;
        }
    }
    panic!("{}: node 1 did not become leader", C::NAME);
}

/// The timed part: proposes `w.entries` entries in rounds of `w.batch` until every node applied
/// them all.
///
/// # Panics
/// If the cluster stops making progress (more than 1,000 stalls in a row).
pub fn run<C: Cluster>(c: &mut C, w: &Workload) -> Outcome {
    let mut proposed = 0u64;
    let mut out = Outcome {
        rounds: 0,
        messages: 0,
        stalls: 0,
        checksum: 0,
    };
    let mut stalled_in_a_row = 0;
    while c.min_applied() < w.entries {
        let n = w.batch.min(w.entries - proposed);
        for _ in 0..n {
            c.propose(payload(proposed, w.entry_bytes));
            proposed += 1;
        }
        let moved = c.round();
        out.rounds += 1;
        out.messages += moved as u64;
        if moved == 0 && n == 0 {
            out.stalls += 1;
            stalled_in_a_row += 1;
            assert!(stalled_in_a_row < 1_000, "{}: no progress", C::NAME);
            c.tick();
        } else {
            stalled_in_a_row = 0;
        }
    }
    out.checksum = c.checksum();
    out
}

/// Entry `k`'s payload: its number in the first 8 bytes, then zeros.
fn payload(k: u64, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    let n = len.min(8);
    v[..n].copy_from_slice(&k.to_le_bytes()[..n]);
    v
}

/// raft-core driven by the harness, each node owning a [`MemStorage`] that it reads its stable
/// entries back from (raft-core's storage-backed log).
#[derive(Debug)]
pub struct RaftCore {
    nodes: Vec<Node>,
    /// The nodes' storages once [`Cluster::drop_nodes`] took them out of the dropped nodes.
    stores: Vec<MemStorage>,
    outbox: Vec<Message>,
    applied: Vec<u64>,
    bytes: u64,
}

impl Cluster for RaftCore {
    const NAME: &'static str = "raft-core";

    fn new(n: u64, limits: Limits) -> Self {
        let membership = Membership::with_voters(1..=n);
        let nodes = (1..=n)
            .map(|id| {
                let mut cfg = Config::new(id);
                cfg.max_inflight = limits.max_inflight;
                cfg.max_msg_bytes = limits.max_msg_bytes;
                cfg.log_cache_entries = limits.log_cache_entries;
                Node::new(cfg, membership.clone()).expect("valid configuration")
            })
            .collect();
        RaftCore {
            nodes,
            stores: Vec::new(),
            outbox: Vec::new(),
            applied: vec![0; n as usize],
            bytes: 0,
        }
    }

    fn campaign(&mut self) {
        self.nodes[0]
            .step(Input::Campaign)
            .expect("campaign is always accepted");
    }

    fn leader_ready(&self) -> bool {
        let n = &self.nodes[0];
        n.role() == Role::Leader && n.log().committed() == n.log().last_index()
    }

    fn propose(&mut self, data: Vec<u8>) {
        self.nodes[0]
            .step(Input::Propose(data))
            .expect("node 1 leads");
    }

    fn round(&mut self) -> usize {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            let mut ready = node.ready();
            node.storage_mut().persist(&ready);
            self.outbox.append(&mut ready.messages);
            for e in &ready.committed {
                if let Payload::Command(c) = &e.payload {
                    self.applied[i] += 1;
                    self.bytes += c.len() as u64;
                }
            }
            // The Ready's vectors go back to the node for the next one.
            node.advance(ready);
        }
        let mut msgs = core::mem::take(&mut self.outbox);
        let n = msgs.len();
        for m in msgs.drain(..) {
            let to = (m.to - 1) as usize;
            let _ = self.nodes[to].step(Input::Message(m));
        }
        // The outbox's memory is reused by the next round (the raft-rs harness does the same).
        self.outbox = msgs;
        n
    }

    fn tick(&mut self) {
        for n in &mut self.nodes {
            let hb = n.config().heartbeat_interval;
            let _ = n.step(Input::Tick(hb));
        }
    }

    fn min_applied(&self) -> u64 {
        self.applied.iter().copied().min().unwrap_or(0)
    }

    fn checksum(&self) -> u64 {
        self.bytes
    }

    fn drop_nodes(&mut self) {
        // The nodes go, their storages stay.
        self.stores = core::mem::take(&mut self.nodes)
            .into_iter()
            .map(Node::into_storage)
            .collect();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raft_core_commits_and_applies_everything_on_every_node() {
        let w = Workload {
            entries: 1_000,
            ..Workload::default()
        };
        let mut c: RaftCore = setup(&w, Limits::default());
        let out = run(&mut c, &w);
        assert_eq!(c.min_applied(), 1_000);
        assert_eq!(out.checksum, 5 * 1_000 * 16);
        assert_eq!(
            out.stalls, 1,
            "only the heartbeat that carries the final commit"
        );
    }
}
