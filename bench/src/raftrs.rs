//! tikv's `raft` crate (raft-rs 0.7) driven by the same harness as raft-core, following the
//! `Ready` handling of its own examples: send `messages`, apply `committed_entries`, persist
//! `entries` and the hard state, send `persisted_messages`, `advance`, then handle the
//! `LightReady` (commit index, messages, committed entries) and `advance_apply`.

use raft::prelude::{ConfState, EntryType, Message, RawNode};
use raft::storage::MemStorage;

use crate::throughput::{Cluster, Limits};

/// raft-rs driven by the harness, each node with raft-rs's own in-memory [`MemStorage`].
pub struct RaftRs {
    nodes: Vec<RawNode<MemStorage>>,
    /// Handles on the nodes' stores once the nodes are dropped ([`Cluster::drop_nodes`]).
    kept: Vec<MemStorage>,
    outbox: Vec<Message>,
    applied: Vec<u64>,
    bytes: u64,
}

impl std::fmt::Debug for RaftRs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RaftRs")
            .field("nodes", &self.nodes.len())
            .field("applied", &self.applied)
            .finish()
    }
}

impl RaftRs {
    fn apply(applied: &mut u64, bytes: &mut u64, entries: Vec<raft::prelude::Entry>) {
        for e in entries {
            if e.get_entry_type() == EntryType::EntryNormal && !e.data.is_empty() {
                *applied += 1;
                *bytes += e.data.len() as u64;
            }
        }
    }
}

impl Cluster for RaftRs {
    const NAME: &'static str = "raft-rs 0.7";

    fn new(n: u64, limits: Limits) -> Self {
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let voters: Vec<u64> = (1..=n).collect();
        let nodes = (1..=n)
            .map(|id| {
                // The same settings as raft-core's defaults where they matter here: PreVote,
                // CheckQuorum, flow control. Timers do not run during the measurement.
                let cfg = raft::Config {
                    id,
                    election_tick: 10,
                    heartbeat_tick: 3,
                    max_inflight_msgs: limits.max_inflight,
                    max_size_per_msg: limits.max_msg_bytes,
                    pre_vote: true,
                    check_quorum: true,
                    ..Default::default()
                };
                let store = MemStorage::new_with_conf_state(ConfState::from((voters.clone(), [])));
                RawNode::new(&cfg, store, &logger).expect("valid configuration")
            })
            .collect();
        RaftRs {
            nodes,
            kept: Vec::new(),
            outbox: Vec::new(),
            applied: vec![0; n as usize],
            bytes: 0,
        }
    }

    fn campaign(&mut self) {
        self.nodes[0].campaign().expect("campaign is accepted");
    }

    fn leader_ready(&self) -> bool {
        let r = &self.nodes[0].raft;
        r.state == raft::StateRole::Leader && r.raft_log.committed == r.raft_log.last_index()
    }

    fn propose(&mut self, data: Vec<u8>) {
        self.nodes[0]
            .propose(Vec::new(), data)
            .expect("node 1 leads");
    }

    fn round(&mut self) -> usize {
        for (i, node) in self.nodes.iter_mut().enumerate() {
            if !node.has_ready() {
                continue;
            }
            let mut rd = node.ready();
            // A leader may send before persisting (raft thesis §10.2.1); raft-rs puts those here.
            self.outbox.extend(rd.take_messages());
            Self::apply(
                &mut self.applied[i],
                &mut self.bytes,
                rd.take_committed_entries(),
            );
            {
                let store = node.mut_store();
                let mut core = store.wl();
                if !rd.entries().is_empty() {
                    core.append(rd.entries()).expect("append to memory");
                }
                if let Some(hs) = rd.hs() {
                    core.set_hardstate(hs.clone());
                }
            }
            self.outbox.extend(rd.take_persisted_messages());
            let mut light = node.advance(rd);
            if let Some(commit) = light.commit_index() {
                node.mut_store().wl().mut_hard_state().set_commit(commit);
            }
            self.outbox.extend(light.take_messages());
            Self::apply(
                &mut self.applied[i],
                &mut self.bytes,
                light.take_committed_entries(),
            );
            node.advance_apply();
        }
        let mut msgs = std::mem::take(&mut self.outbox);
        let n = msgs.len();
        for m in msgs.drain(..) {
            let to = (m.to - 1) as usize;
            let _ = self.nodes[to].step(m);
        }
        // The outbox's memory is reused by the next round (as in the raft-core harness).
        self.outbox = msgs;
        n
    }

    fn tick(&mut self) {
        for n in &mut self.nodes {
            for _ in 0..3 {
                n.tick();
            }
        }
    }

    fn min_applied(&self) -> u64 {
        self.applied.iter().copied().min().unwrap_or(0)
    }

    fn checksum(&self) -> u64 {
        self.bytes
    }

    fn drop_nodes(&mut self) {
        // raft-rs's MemStorage is a shared handle: keep one, drop the node.
        self.kept = self.nodes.iter().map(|n| n.store().clone()).collect();
        self.nodes = Vec::new();
    }
}

/// raft-rs given each round's proposals as one `MsgPropose` of up to 64 entries (one Append
/// per follower per round, as raft-core sends), rather than one `propose` call per entry: the
/// closest like-for-like batching raft-rs offers, for a second comparison row.
#[derive(Debug)]
pub struct RaftRsBatched {
    inner: RaftRs,
    pending: Vec<raft::prelude::Entry>,
}

impl Cluster for RaftRsBatched {
    const NAME: &'static str = "raft-rs 0.7 (64 per MsgPropose)";

    fn new(n: u64, limits: Limits) -> Self {
        RaftRsBatched {
            inner: RaftRs::new(n, limits),
            pending: Vec::new(),
        }
    }

    fn campaign(&mut self) {
        self.inner.campaign();
    }

    fn leader_ready(&self) -> bool {
        self.inner.leader_ready()
    }

    fn propose(&mut self, data: Vec<u8>) {
        self.pending.push(raft::prelude::Entry {
            data: data.into(),
            ..Default::default()
        });
    }

    fn round(&mut self) -> usize {
        if !self.pending.is_empty() {
            let mut m = Message::default();
            m.set_msg_type(raft::prelude::MessageType::MsgPropose);
            m.from = 1;
            m.set_entries(std::mem::take(&mut self.pending).into());
            self.inner.nodes[0].step(m).expect("node 1 leads");
        }
        self.inner.round()
    }

    fn tick(&mut self) {
        self.inner.tick();
    }

    fn min_applied(&self) -> u64 {
        self.inner.min_applied()
    }

    fn checksum(&self) -> u64 {
        self.inner.checksum()
    }

    fn drop_nodes(&mut self) {
        self.inner.drop_nodes();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::throughput::{run, setup, Workload};

    #[test]
    fn raft_rs_commits_and_applies_everything_on_every_node() {
        let w = Workload {
            entries: 1_000,
            ..Workload::default()
        };
        let mut c: RaftRs = setup(&w, Limits::default());
        let out = run(&mut c, &w);
        assert_eq!(c.min_applied(), 1_000);
        assert_eq!(out.checksum, 5 * 1_000 * 16);
        assert_eq!(out.stalls, 0);
    }
}
