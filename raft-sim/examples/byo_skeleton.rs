//! Starter kit: a Raft node in Rust for `raft-sim grade`, with the protocol plumbing done and
//! the Raft rules left for you to write (look for TODO).
//!
//! ```text
//! cargo build -p raft-sim --example byo_skeleton
//! raft-sim grade --node target/debug/examples/byo_skeleton
//! ```
//!
//! The node implements [`raft_sim::byo::ByoNode`]: one [`Input`] in, one [`Output`] out.
//! [`raft_sim::byo::serve`] runs it over stdin/stdout (JSON lines), making a new node at every
//! `init`. As it is, it never elects a leader, so the grader reports "Liveness: no leader".
//! The protocol is in `docs/classroom.md`; the rules are in Figure 2 of the Raft paper.
//!
//! Rules of the game: draw random numbers only from the seed in `init` (here a small PCG);
//! read no clock (the time is `now`, virtual ms); persist through [`Output::persist`] before
//! acting on it; report the truth in [`Output::state`].

use raft_sim::byo::{
    Applied, ByoNode, ClientReply, Input, LogEntry, NodeFault, NodeState, Output, Persist, RoleName,
};
use raft_sim::SimRng;
use serde_json::{json, Value};

/// Heartbeat interval, virtual ms.
#[allow(dead_code)]
const HEARTBEAT_MS: u64 = 50;

/// A Raft node (the parts to write are marked TODO).
#[derive(Debug, Default)]
pub struct Skeleton {
    id: u64,
    peers: Vec<u64>,
    rng: Option<SimRng>,
    now: u64,
    // Persistent state (Figure 2).
    term: u64,
    vote: Option<u64>,
    log: Vec<LogEntry>,
    // Volatile state.
    role: RoleName,
    leader: Option<u64>,
    commit: u64,
    applied: u64,
    deadline: u64,
    kv: std::collections::BTreeMap<String, String>,
    /// (client, seq) of requests this node appended and must answer once applied.
    pending: std::collections::BTreeSet<(u64, u64)>,
    // The answer being built.
    out: Output,
    hard_state_changed: bool,
    log_from: Option<u64>,
}

impl Skeleton {
    /// Sends `msg` to `to`; `kind` is RequestVote, RequestVoteReply, AppendEntries or
    /// AppendEntriesReply.
    #[allow(dead_code)]
    fn send(&mut self, to: u64, kind: &str, mut msg: Value) {
        msg["type"] = json!(kind);
        msg["term"] = json!(self.term);
        self.out.send.push(raft_sim::byo::OutMessage {
            to,
            kind: kind.into(),
            term: self.term,
            msg,
        });
    }

    /// Changes currentTerm and votedFor; persisted at the end of the step.
    #[allow(dead_code)]
    fn set_hard_state(&mut self, term: u64, vote: Option<u64>) {
        if (term, vote) != (self.term, self.vote) {
            (self.term, self.vote) = (term, vote);
            self.hard_state_changed = true;
        }
    }

    /// Call after changing `self.log` at `index` or later; persisted at the end of the step.
    #[allow(dead_code)]
    fn log_changed(&mut self, index: u64) {
        self.log_from = Some(self.log_from.map_or(index, |f| f.min(index)));
    }

    fn reset_timer(&mut self) {
        let draw = self.rng.as_mut().map_or(150, |r| r.range(150, 300));
        self.deadline = self.now + draw;
    }

    fn on_tick(&mut self) {
        // TODO (§5.2): a follower or candidate whose timer ran out (now >= deadline) starts an
        // election: new term, vote for itself, RequestVote to every peer.
        // TODO (§5.3): a leader sends AppendEntries (heartbeats) every HEARTBEAT_MS.
    }

    fn on_message(&mut self, _from: u64, msg: &Value) {
        // TODO (Figure 2): a message with a higher term makes this node a follower of it.
        match msg["type"].as_str() {
            Some("RequestVote") => {}        // TODO (§5.2, §5.4.1)
            Some("RequestVoteReply") => {}   // TODO (§5.2)
            Some("AppendEntries") => {}      // TODO (§5.3)
            Some("AppendEntriesReply") => {} // TODO (§5.3, §5.4.2)
            _ => {}
        }
    }

    fn on_request(&mut self, client: u64, seq: u64, _op: &raft_sim::Op) {
        if self.role != RoleName::Leader {
            self.out.replies.push(ClientReply {
                client,
                seq,
                not_leader: true,
                leader: self.leader,
                ok: false,
                value: None,
            });
        }
        // TODO (§5.3): append {"term", "cmd": {"client", "seq", "op"}} (log_changed!),
        // remember (client, seq) in self.pending, replicate.
    }

    /// Applies entries up to the commit index and answers the clients this node must answer.
    fn apply_committed(&mut self) {
        while self.applied < self.commit {
            self.applied += 1;
            let e = self.log[(self.applied - 1) as usize].clone();
            self.out.applied.push(Applied {
                index: self.applied,
                term: e.term,
                cmd: e.cmd.clone(),
            });
            let Some(c) = raft_sim::byo::command_from_json(&e.cmd) else {
                continue;
            };
            let value = match &c.op {
                raft_sim::Op::Put { key, value } => {
                    self.kv.insert(key.clone(), value.clone());
                    Some(value.clone())
                }
                raft_sim::Op::Append { key, value } => {
                    let v = self.kv.entry(key.clone()).or_default();
                    v.push_str(value);
                    Some(v.clone())
                }
                op => self.kv.get(op.key()).cloned(),
            };
            if self.pending.remove(&(c.client, c.seq)) {
                self.out.replies.push(ClientReply {
                    client: c.client,
                    seq: c.seq,
                    not_leader: false,
                    leader: None,
                    ok: true,
                    value,
                });
            }
        }
    }
}

impl ByoNode for Skeleton {
    fn handle(&mut self, input: &Input) -> Result<Output, NodeFault> {
        self.out = Output::default();
        self.hard_state_changed = false;
        self.log_from = None;
        match input {
            Input::Init {
                id,
                peers,
                seed,
                now,
                state,
                ..
            } => {
                *self = Skeleton {
                    id: *id,
                    peers: peers.iter().copied().filter(|p| p != id).collect(),
                    rng: Some(SimRng::new(*seed)),
                    now: *now,
                    term: state.term,
                    vote: state.vote,
                    log: state.log.clone(),
                    ..Skeleton::default()
                };
                self.reset_timer();
            }
            Input::Tick { now } => {
                self.now = *now;
                self.on_tick();
            }
            Input::Message { now, from, msg } => {
                self.now = *now;
                self.on_message(*from, msg);
            }
            Input::Request {
                now,
                client,
                seq,
                op,
            } => {
                self.now = *now;
                self.on_request(*client, *seq, op);
            }
        }
        self.apply_committed();
        let mut out = std::mem::take(&mut self.out);
        if self.hard_state_changed || self.log_from.is_some() {
            let from = self.log_from;
            out.persist = Some(Persist {
                term: self.term,
                vote: self.vote,
                log_from: from,
                entries: from.map_or_else(Vec::new, |f| self.log[(f - 1) as usize..].to_vec()),
            });
        }
        out.state = NodeState {
            role: self.role,
            term: self.term,
            commit: self.commit,
        };
        let _ = (self.id, &self.peers);
        Ok(out)
    }
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    raft_sim::byo::serve(Skeleton::default)
}
