//! The trace: one record per thing that happened, in order, with virtual time. Written as JSON
//! Lines by the `raft-sim` tool (format documented in `docs/formats.md`). A running hash of every
//! record is kept even when records are not stored, so determinism can be checked cheaply.

use alloc::string::String;
use alloc::vec::Vec;

use crate::entry::Entry;
use crate::message::Message;
use crate::sim::actions::Action;
use crate::sim::app::{Op, Reply};
use crate::sim::checker::Violation;
use crate::types::{Index, NodeId, Role, Term};

/// Trace format version, written in every trace header.
pub const TRACE_VERSION: u32 = 1;

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "kind", rename_all = "snake_case"))]
pub enum TraceEvent {
    /// A node handed a message to the network.
    Send {
        /// Message id.
        id: u64,
        /// The message.
        msg: Message,
        /// Arrival time (absent while parked on a held link).
        deliver_at: Option<u64>,
    },
    /// A message arrived and was handed to its recipient.
    Deliver {
        /// Message id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
    },
    /// A message was lost.
    Drop {
        /// Message id.
        id: u64,
        /// Sender.
        from: NodeId,
        /// Recipient.
        to: NodeId,
        /// "loss", "cut", "node down" or "dropped by user".
        reason: String,
    },
    /// The network duplicated a message.
    Duplicate {
        /// Original id.
        id: u64,
        /// Id of the copy.
        copy: u64,
    },
    /// A node's timer fired (election timeout, or heartbeat/CheckQuorum on a leader).
    Timeout {
        /// Node.
        node: NodeId,
    },
    /// A node's role or term changed.
    Role {
        /// Node.
        node: NodeId,
        /// New role.
        role: Role,
        /// Term.
        term: Term,
    },
    /// A node persisted a new term and vote.
    HardState {
        /// Node.
        node: NodeId,
        /// Term.
        term: Term,
        /// Vote in that term.
        vote: Option<NodeId>,
    },
    /// A node persisted entries, replacing its log from the first one's index.
    Append {
        /// Node.
        node: NodeId,
        /// The entries.
        entries: Vec<Entry>,
    },
    /// A node's commit index advanced.
    Commit {
        /// Node.
        node: NodeId,
        /// New commit index.
        index: Index,
    },
    /// A node's state machine applied an entry.
    Apply {
        /// Node.
        node: NodeId,
        /// Index.
        index: Index,
        /// Term of the entry.
        term: Term,
    },
    /// A node took a snapshot (`installed: false`, compaction) or installed the leader's.
    Snapshot {
        /// Node.
        node: NodeId,
        /// Last index covered.
        index: Index,
        /// Its term.
        term: Term,
        /// True when received from the leader (the state machine was replaced).
        installed: bool,
    },
    /// A node crashed (volatile state lost).
    Crash {
        /// Node.
        node: NodeId,
    },
    /// A node restarted from its durable state.
    Restart {
        /// Node.
        node: NodeId,
    },
    /// A person (or scenario) acted on the world.
    Action {
        /// The action.
        action: Action,
    },
    /// A client invoked an operation.
    Invoke {
        /// Client id.
        client: u64,
        /// Operation id (index in the history).
        op_id: u64,
        /// The operation.
        op: Op,
    },
    /// A client's operation completed.
    Complete {
        /// Client id.
        client: u64,
        /// Operation id.
        op_id: u64,
        /// The answer.
        reply: Reply,
    },
    /// A property broke (recorded the first time for each). The run stops there, except after
    /// the properties of [`crate::sim::checker::RUNS_ON_WITH_BREAK_IT`] with a break-it switch on.
    Violation {
        /// What broke.
        violation: Violation,
    },
}

/// One trace line: the virtual time and the event.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct TraceRecord {
    /// Virtual time in ms.
    pub t: u64,
    /// What happened.
    #[cfg_attr(feature = "serde", serde(flatten))]
    pub event: TraceEvent,
}

/// FNV-1a over the `Debug` rendering of records: platform-independent text, so the same run
/// hashes the same on native and wasm32.
#[derive(Debug, Clone)]
pub struct TraceHash(pub u64);

impl Default for TraceHash {
    fn default() -> Self {
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl core::fmt::Write for TraceHash {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        for &b in s.as_bytes() {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

/// A JSON Lines trace file read back: enough to re-derive the run (format in `docs/formats.md`).
#[cfg(feature = "serde")]
#[derive(Debug, Clone)]
pub struct TraceFile {
    /// Cluster options from the header (with `keep_trace` on, to re-derive the records).
    pub options: crate::sim::SimOptions,
    /// The actions, with their times, from the `action` records.
    pub actions: Vec<(u64, Action)>,
    /// End time from the footer.
    pub end: u64,
    /// Number of records the footer announces (and the file holds).
    pub records: u64,
    /// Running hash the footer announces, 16 hex digits.
    pub hash: String,
}

/// Writes a world's trace as JSON Lines: a header (format, version, options), one line per
/// record, and a footer (end time, record count, running hash).
#[cfg(feature = "serde")]
pub fn write_jsonl(w: &crate::sim::World) -> String {
    use alloc::string::ToString;
    use core::fmt::Write as _;
    let mut out = String::new();
    let header = serde_json::json!({"kind": "header", "format": "raft-trace", "version": TRACE_VERSION, "options": w.options()});
    let _ = writeln!(out, "{header}");
    for r in w.trace() {
        let line = serde_json::to_string(r).unwrap_or_else(|e| e.to_string());
        let _ = writeln!(out, "{line}");
    }
    let footer = serde_json::json!({"kind": "footer", "end": w.now(), "records": w.trace().len(), "hash": alloc::format!("{:016x}", w.trace_hash())});
    let _ = writeln!(out, "{footer}");
    out
}

/// Reads a JSON Lines trace, naming the first malformed line.
#[cfg(feature = "serde")]
pub fn parse_jsonl(text: &str) -> Result<TraceFile, String> {
    use alloc::format;
    use alloc::string::ToString;
    use serde_json::Value;
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let (_, first) = lines.next().ok_or("empty trace file")?;
    let header: Value =
        serde_json::from_str(first).map_err(|e| format!("line 1: not JSON: {e}"))?;
    if header["kind"] != "header" || header["format"] != "raft-trace" {
        return Err("line 1: not a raft-trace header".into());
    }
    if header["version"] != serde_json::json!(TRACE_VERSION) {
        return Err(format!(
            "line 1: trace version {} is not supported (expected {TRACE_VERSION})",
            header["version"]
        ));
    }
    let mut options: crate::sim::SimOptions = serde_json::from_value(header["options"].clone())
        .map_err(|e| format!("line 1: bad options: {e}"))?;
    options.keep_trace = true;
    let mut actions = Vec::new();
    for (count, (n, line)) in lines.enumerate() {
        let count = count as u64;
        let v: Value =
            serde_json::from_str(line).map_err(|e| format!("line {}: not JSON: {e}", n + 1))?;
        if v["kind"] == "footer" {
            let field = |name: &str| {
                v[name]
                    .as_u64()
                    .ok_or_else(|| format!("line {}: footer without {name}", n + 1))
            };
            let (end, records) = (field("end")?, field("records")?);
            let hash = v["hash"]
                .as_str()
                .ok_or_else(|| format!("line {}: footer without hash", n + 1))?
                .to_string();
            if records != count {
                return Err(format!(
                    "footer announces {records} records but the file has {count}"
                ));
            }
            return Ok(TraceFile {
                options,
                actions,
                end,
                records,
                hash,
            });
        }
        let r: TraceRecord =
            serde_json::from_value(v).map_err(|e| format!("line {}: bad record: {e}", n + 1))?;
        if let TraceEvent::Action { action } = r.event {
            actions.push((r.t, action));
        }
    }
    Err("truncated trace: no footer line".into())
}
