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
//!
//! Snapshots (protocol version 2, the `snapshot-*` tests): the plumbing is here too. The log
//! holds the entries after `snap_index` (use [`Skeleton::entry`] and [`Skeleton::term_at`]);
//! [`Skeleton::save_snapshot`] trims the log and persists a snapshot; a restart hands the
//! snapshot back and the state machine resumes from it. When to take one, and InstallSnapshot,
//! are yours to write (TODO, §7).

use raft_sim::byo::{
    Applied, ByoNode, ClientReply, Input, LogEntry, NodeFault, NodeState, Output, Persist,
    RoleName, SnapshotState,
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
    /// The entries after the snapshot: entry `k` has index `snap_index + k + 1`.
    log: Vec<LogEntry>,
    /// The last snapshot: lastIncludedIndex, lastIncludedTerm, the state machine's state then.
    snap_index: u64,
    snap_term: u64,
    snap_data: Value,
    /// Version 2: take a snapshot once more than this many applied entries follow it.
    max_log: Option<u64>,
    // Volatile state.
    role: RoleName,
    leader: Option<u64>,
    commit: u64,
    applied: u64,
    deadline: u64,
    kv: std::collections::BTreeMap<String, String>,
    /// Client -> (last seq applied, its result): answers a resent request without running it
    /// twice (dissertation §6.3). Part of the state machine, so part of a snapshot.
    sessions: std::collections::BTreeMap<u64, (u64, Option<String>)>,
    /// (client, seq) of requests this node appended and must answer once applied.
    pending: std::collections::BTreeSet<(u64, u64)>,
    // The answer being built.
    out: Output,
    hard_state_changed: bool,
    log_from: Option<u64>,
    snapshot_changed: bool,
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

    /// Index of the last log entry (the snapshot's when the log is empty).
    #[allow(dead_code)]
    fn last_index(&self) -> u64 {
        self.snap_index + self.log.len() as u64
    }

    /// Term of the entry at `index` (the snapshot's at `snap_index`; 0 if not held).
    #[allow(dead_code)]
    fn term_at(&self, index: u64) -> u64 {
        if index == self.snap_index {
            return self.snap_term;
        }
        self.entry(index).map_or(0, |e| e.term)
    }

    /// The entry at `index`, if the log holds it (not compacted, not beyond the end).
    fn entry(&self, index: u64) -> Option<&LogEntry> {
        let k = index.checked_sub(self.snap_index + 1)?;
        self.log.get(k as usize)
    }

    /// The state machine's state, as a snapshot's data.
    #[allow(dead_code)]
    fn sm_state(&self) -> Value {
        json!({"kv": self.kv, "sessions": self.sessions})
    }

    /// Replaces the state machine by a snapshot's data (at a restart, or from InstallSnapshot).
    fn restore_sm(&mut self, data: &Value) {
        self.kv = serde_json::from_value(data["kv"].clone()).unwrap_or_default();
        self.sessions = serde_json::from_value(data["sessions"].clone()).unwrap_or_default();
    }

    /// Stores a snapshot covering the log up to `index` (of term `term`), persisted at the end
    /// of the step: the log keeps the entries after `index` if it holds `index` with `term`,
    /// and is emptied otherwise (Figure 13, steps 6 and 7). `data` is the state machine at
    /// `index`: [`Skeleton::sm_state`] when compacting (index = applied), or the leader's data
    /// for InstallSnapshot (then also call `restore_sm` and set applied and commit).
    #[allow(dead_code)]
    fn save_snapshot(&mut self, index: u64, term: u64, data: Value) {
        if index <= self.snap_index {
            return;
        }
        if index <= self.last_index() && self.term_at(index) == term {
            self.log.drain(..(index - self.snap_index) as usize);
        } else {
            self.log.clear();
        }
        (self.snap_index, self.snap_term, self.snap_data) = (index, term, data);
        self.snapshot_changed = true;
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
            Some("RequestVote") => {}          // TODO (§5.2, §5.4.1)
            Some("RequestVoteReply") => {}     // TODO (§5.2)
            Some("AppendEntries") => {}        // TODO (§5.3)
            Some("AppendEntriesReply") => {}   // TODO (§5.3, §5.4.2)
            Some("InstallSnapshot") => {}      // TODO (§7, Figure 13; version 2 only)
            Some("InstallSnapshotReply") => {} // TODO (§7)
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
    /// Answers client `client`'s request `seq` with `value`, if it is waiting here.
    fn reply_ok(&mut self, client: u64, seq: u64, value: Option<String>) {
        if self.pending.remove(&(client, seq)) {
            self.out.replies.push(ClientReply {
                client,
                seq,
                not_leader: false,
                leader: None,
                ok: true,
                value,
            });
        }
    }

    fn apply_committed(&mut self) {
        while self.applied < self.commit {
            let Some(e) = self.entry(self.applied + 1).cloned() else {
                break;
            };
            self.applied += 1;
            self.out.applied.push(Applied {
                index: self.applied,
                term: e.term,
                cmd: e.cmd.clone(),
                duplicate: false,
            });
            let Some(c) = raft_sim::byo::command_from_json(&e.cmd) else {
                continue;
            };
            if let Some((seq, result)) = self.sessions.get(&c.client).cloned() {
                if c.seq <= seq {
                    // A resent request: answer it, never run it twice (§6.3).
                    if let Some(a) = self.out.applied.last_mut() {
                        a.duplicate = true; // tells the grader it did not run again
                    }
                    self.reply_ok(c.client, c.seq, result);
                    continue;
                }
            }
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
            self.sessions.insert(c.client, (c.seq, value.clone()));
            self.reply_ok(c.client, c.seq, value);
        }
    }
}

impl ByoNode for Skeleton {
    fn handle(&mut self, input: &Input) -> Result<Output, NodeFault> {
        self.out = Output::default();
        self.hard_state_changed = false;
        self.log_from = None;
        self.snapshot_changed = false;
        match input {
            Input::Init {
                id,
                peers,
                seed,
                now,
                state,
                max_log,
                ..
            } => {
                let snap = state.snapshot.clone().unwrap_or_default();
                *self = Skeleton {
                    id: *id,
                    peers: peers.iter().copied().filter(|p| p != id).collect(),
                    rng: Some(SimRng::new(*seed)),
                    now: *now,
                    term: state.term,
                    vote: state.vote,
                    log: state.log.clone(),
                    snap_index: snap.index,
                    snap_term: snap.term,
                    max_log: *max_log,
                    // The state machine resumes from the snapshot.
                    commit: snap.index,
                    applied: snap.index,
                    ..Skeleton::default()
                };
                self.restore_sm(&snap.data);
                self.snap_data = snap.data;
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
        // TODO (§7, version 2): when max_log is set and more than max_log applied entries
        // follow the snapshot, take one: save_snapshot(applied, term_at(applied), sm_state()).
        let _ = self.max_log;
        let mut out = std::mem::take(&mut self.out);
        if self.hard_state_changed || self.log_from.is_some() || self.snapshot_changed {
            // The log is written after the snapshot, so from after its index.
            let from = self.log_from.map(|f| f.max(self.snap_index + 1));
            out.persist = Some(Persist {
                term: self.term,
                vote: self.vote,
                snapshot: self.snapshot_changed.then(|| SnapshotState {
                    index: self.snap_index,
                    term: self.snap_term,
                    data: self.snap_data.clone(),
                }),
                log_from: from,
                entries: from.map_or_else(Vec::new, |f| {
                    self.log[(f - self.snap_index - 1) as usize..].to_vec()
                }),
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
