//! "Bring your own Raft": the node protocol through which the grader ([`crate::grade`]) runs a
//! Raft node written by someone else, in any language. Documented for students in
//! `docs/classroom.md`.
//!
//! The shape is raft-core's sans-IO shape: the simulator owns time, the network, the disk and
//! the clients, and feeds the node one [`Input`] at a time; the node answers each with one
//! [`Output`]: what to persist, what to send, what it applied, what it answers clients, and its
//! role, term and commit index. The simulator stores what the node persists (it *is* the disk)
//! and hands it back in [`Input::Init`] when the node restarts after a crash.
//!
//! Three implementations of [`ByoNode`] exist: [`Reference`] (raft-core behind the protocol,
//! the node every graded test must pass with), [`crate::byo_process::Process`] (a child
//! process speaking the protocol as JSON lines on stdin/stdout), and any Rust type a student
//! writes (see `raft-sim/examples/byo_skeleton.rs`, served over stdin/stdout by [`serve`]).
//!
//! Determinism: the run is a function of the seed *and of the node's answers*. A node that
//! draws its randomness only from the seed it is given, and reads no clock, gives the same
//! answers to the same inputs, so the whole run replays. The grader runs every test twice and
//! reports the first input whose answer differed ([`crate::grade`]).

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::app::{Command, KvStore, Op, Reply};
use raft_core::entry::{Entry, HardState, Payload};
use raft_core::message::{Body, Message};
use raft_core::types::{Index, NodeId, Role, Term};

/// Version of the protocol sent in [`Input::Init`] by tests without snapshots: nothing in
/// its inputs is about snapshots, so a node written for version 1 runs them unchanged.
pub const PROTOCOL_VERSION: u32 = 1;
/// Version sent by the snapshot tests: `init` carries `max_log` (and, after a restart, the
/// persisted `snapshot`), and a node persists snapshots ([`Persist::snapshot`]). Version 2 is
/// version 1 plus these optional fields, so a version-2 node also runs every version-1 test.
pub const PROTOCOL_VERSION_SNAPSHOTS: u32 = 2;

/// Longest line a node may answer with, in bytes (1 MiB).
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Most messages a node may send in one answer.
pub const MAX_SENDS: usize = 1_024;
/// Most log entries a node may persist in one answer.
pub const MAX_PERSIST_ENTRIES: usize = 4_096;
/// Most entries a node may report applied in one answer.
pub const MAX_APPLIED: usize = 4_096;
/// Most client replies in one answer.
pub const MAX_REPLIES: usize = 1_024;
/// Longest message `kind`, in bytes.
pub const MAX_KIND_BYTES: usize = 64;
/// Largest term, index or id a node may report: 2^53 - 1, so that JavaScript nodes and the
/// trace format hold every number exactly.
pub const MAX_NUMBER: u64 = (1 << 53) - 1;

/// What the simulator tells a node. One JSON object per line, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Input {
    /// The node (re)starts: first thing a process reads. After a crash the simulator starts a
    /// new process (or a new value, in Rust) and sends `init` with what the node persisted.
    Init {
        /// [`PROTOCOL_VERSION`].
        version: u32,
        /// This node's id.
        id: NodeId,
        /// Every node of the cluster, this one included, in increasing order.
        peers: Vec<NodeId>,
        /// The seed of every random draw the node makes (election timeouts): a node that draws
        /// from anything else is not deterministic, and the grader will say so.
        seed: u64,
        /// Virtual time now, ms.
        now: u64,
        /// What the node persisted before it crashed (empty at the first start).
        state: Persisted,
        /// Version 2 only (snapshot tests): take a snapshot (persist [`Persist::snapshot`])
        /// once more than this many applied entries follow the last snapshot (Raft §7). The
        /// grader fails a node whose log keeps more than
        /// [`crate::grade::COMPACTION_SLACK`] times this many applied entries.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max_log: Option<u64>,
    },
    /// Virtual time has advanced to `now` (every [`crate::grade::TICK_MS`] ms).
    Tick {
        /// Virtual time now, ms.
        now: u64,
    },
    /// A message from a peer, exactly as that peer sent it in [`OutMessage::msg`].
    Message {
        /// Virtual time now, ms.
        now: u64,
        /// Sender.
        from: NodeId,
        /// The message (opaque to the simulator).
        msg: Value,
    },
    /// A client asks the node to run `op`; answer with a [`ClientReply`] (now if not leader,
    /// or once the command is applied).
    Request {
        /// Virtual time now, ms.
        now: u64,
        /// Client id.
        client: u64,
        /// The client's sequence number: a new one for each new request; the same one when a
        /// client sends a request again (tests with `resend`), which must not run twice.
        seq: u64,
        /// The operation.
        op: Op,
    },
}

/// What a node persisted: its term, its vote, its snapshot (version 2) and its log.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persisted {
    /// currentTerm.
    pub term: Term,
    /// votedFor in `term`.
    pub vote: Option<NodeId>,
    /// The last snapshot persisted, if any (version 2): the log starts after its index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotState>,
    /// log[]: entry `k` has index `snapshot.index + k + 1` (`k + 1` without a snapshot).
    pub log: Vec<LogEntry>,
}

impl Persisted {
    /// Index of the last entry the snapshot covers (0 without one).
    pub fn snapshot_index(&self) -> Index {
        self.snapshot.as_ref().map_or(0, |s| s.index)
    }

    /// Index of the last stored entry (the snapshot's when the log is empty).
    pub fn last_index(&self) -> Index {
        self.snapshot_index() + self.log.len() as Index
    }
}

/// A snapshot (Raft §7, Figure 13): the state machine after applying every entry up to
/// `index`, which was of term `term`. `data` is the node's own encoding of its state machine
/// (key-value pairs, and the table of clients' last requests), any JSON; the grader compares
/// the snapshots of every node at the same index (they must be equal) and hands a restarted
/// node its own back.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotState {
    /// lastIncludedIndex.
    pub index: Index,
    /// lastIncludedTerm: the term of the entry at `index`.
    pub term: Term,
    /// The state machine's state at `index`.
    #[serde(default)]
    pub data: Value,
}

/// A log entry as nodes exchange it with the simulator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogEntry {
    /// Term of the leader that created it.
    pub term: Term,
    /// The command: `{"client", "seq", "op"}` for a client request, `null` for a no-op; any
    /// other JSON is allowed and compared as it is written (keys sorted).
    #[serde(default)]
    pub cmd: Value,
}

/// A node's answer to one [`Input`]. Every field but `state` may be left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// New durable state, stored before anything is sent (Figure 2: "respond to RPCs only
    /// after updating stable storage").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persist: Option<Persist>,
    /// Messages to send, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub send: Vec<OutMessage>,
    /// Entries applied to the state machine by this step, in index order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub applied: Vec<Applied>,
    /// Answers to clients.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<ClientReply>,
    /// Role, term and commit index after this step.
    pub state: NodeState,
}

/// New durable state: the whole hard state, and optionally the log from one index on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persist {
    /// currentTerm.
    pub term: Term,
    /// votedFor (in `term`).
    pub vote: Option<NodeId>,
    /// Version 2: a new snapshot, stored before `log_from` is: taken by this node (compaction,
    /// `index` at most its applied index), or received from the leader (InstallSnapshot,
    /// `index` above its applied index: its state machine is then replaced by `data`). The
    /// stored log keeps the entries after `index` if it holds an entry at `index` of term
    /// `term`, and is emptied otherwise (Figure 13, steps 6 and 7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotState>,
    /// With `entries`: the stored log from this index on is replaced by `entries` (at most one
    /// past the stored log's end, and above the snapshot's index). Absent: the log is
    /// unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_from: Option<Index>,
    /// The entries stored from `log_from` on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entries: Vec<LogEntry>,
}

/// A message to a peer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutMessage {
    /// Recipient: a peer, not the node itself.
    pub to: NodeId,
    /// What kind of message, for the views and the network's reply delays:
    /// `RequestVote`, `RequestVoteReply`, `AppendEntries`, `AppendEntriesReply`, or any name
    /// (a name ending in `Reply` is treated as a reply).
    pub kind: String,
    /// The sender's current term, for the views.
    pub term: Term,
    /// The message itself, handed to the recipient unchanged.
    pub msg: Value,
}

/// An entry applied to the state machine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Applied {
    /// Its index.
    pub index: Index,
    /// Its term.
    pub term: Term,
    /// Its command, as in the log.
    #[serde(default)]
    pub cmd: Value,
    /// True for a client request the state machine had already run (a resent request, in the
    /// log twice): answered from the session table, not run again.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub duplicate: bool,
}

/// An answer to a client request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientReply {
    /// The client.
    pub client: u64,
    /// The request's sequence number.
    pub seq: u64,
    /// True: this node is not the leader and did not (and will not) put the request in its
    /// log; `leader` may name who is.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub not_leader: bool,
    /// The leader this node knows of, with `not_leader`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leader: Option<NodeId>,
    /// Otherwise: whether the operation took effect.
    #[serde(default)]
    pub ok: bool,
    /// Otherwise: the key's value after the operation (the value read, for `get`).
    #[serde(default)]
    pub value: Option<String>,
}

/// Role, term and commit index.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeState {
    /// `follower`, `candidate` or `leader`.
    pub role: RoleName,
    /// currentTerm (must be the persisted one).
    pub term: Term,
    /// commitIndex.
    pub commit: Index,
}

/// A role as the protocol spells it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    /// Follower.
    #[default]
    Follower,
    /// Candidate.
    Candidate,
    /// Leader.
    Leader,
}

impl RoleName {
    /// raft-core's role (for the checker and the trace).
    pub fn role(self) -> Role {
        match self {
            RoleName::Follower => Role::Follower,
            RoleName::Candidate => Role::Candidate,
            RoleName::Leader => Role::Leader,
        }
    }
}

/// Why a node could not be run: reported per node, with the step it happened at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeFault {
    /// The node could not be started.
    Spawn(String),
    /// No answer within the per-step limit, in ms; the process was killed.
    Timeout(u64),
    /// The process exited (or closed its output) without answering; the string says how.
    Exited(String),
    /// An answer longer than [`MAX_LINE_BYTES`].
    TooLong,
    /// An answer that is not the JSON of an [`Output`]; the string is the parser's message.
    Malformed(String),
    /// A well-formed answer that breaks the protocol (an unknown recipient, too many messages,
    /// a log write past the end…); the string says which rule.
    Protocol(String),
    /// A node running in the grader's own process (JavaScript in the page's worker) threw an
    /// exception instead of answering; the string is the exception's text, with the line.
    Threw(String),
}

impl core::fmt::Display for NodeFault {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            NodeFault::Spawn(e) => write!(f, "could not be started: {e}"),
            NodeFault::Timeout(ms) => write!(
                f,
                "did not answer within {ms} ms of wall-clock time (stuck or too slow); it was killed"
            ),
            NodeFault::Exited(how) => write!(f, "exited without answering ({how})"),
            NodeFault::TooLong => write!(
                f,
                "answered with a line longer than {MAX_LINE_BYTES} bytes (the limit)"
            ),
            NodeFault::Malformed(e) => write!(f, "answered with malformed JSON: {e}"),
            NodeFault::Protocol(e) => write!(f, "broke the protocol: {e}"),
            NodeFault::Threw(e) => write!(f, "threw an exception instead of answering: {e}"),
        }
    }
}

/// A Raft node behind the protocol. The grader creates one value per start of a node (a new
/// one after each crash), feeds it [`Input::Init`] first, then ticks, messages and requests.
pub trait ByoNode {
    /// Handles one input and answers.
    fn handle(&mut self, input: &Input) -> Result<Output, NodeFault>;
    /// The node crashes (or the run ends): a process is killed. Volatile state is lost anyway,
    /// since the grader drops the value.
    fn stop(&mut self) {}
}

/// Makes the node for one start of node `id` (first start or restart).
pub type NodeFactory = Box<dyn FnMut(NodeId) -> Result<Box<dyn ByoNode>, NodeFault>>;

/// The command of a client request, as it goes in a [`LogEntry::cmd`].
pub fn command_json(cmd: &Command) -> Value {
    serde_json::json!({"client": cmd.client, "seq": cmd.seq, "op": cmd.op})
}

/// Reads a client command back from a [`LogEntry::cmd`] (`None` for anything else).
pub fn command_from_json(cmd: &Value) -> Option<Command> {
    Some(Command {
        client: cmd.get("client")?.as_u64()?,
        seq: cmd.get("seq")?.as_u64()?,
        op: serde_json::from_value(cmd.get("op")?.clone()).ok()?,
    })
}

/// The raft-core entry the checker sees for a protocol entry at `index`: a no-op for `null`,
/// else a command holding the canonical JSON text of `cmd` (object keys sorted, since
/// serde_json's map is ordered), so two nodes agree on an entry exactly when they agree on
/// its term and JSON value.
pub fn checker_entry(index: Index, term: Term, cmd: &Value) -> Entry {
    let payload = if cmd.is_null() {
        Payload::Noop
    } else {
        Payload::Command(
            serde_json::to_string(cmd)
                .unwrap_or_default()
                .into_bytes()
                .into(),
        )
    };
    Entry {
        term,
        index,
        payload,
    }
}

/// The message kind of a raft-core body, as the protocol names kinds.
fn kind_of(body: &Body) -> &'static str {
    match body {
        Body::PreVote { .. } => "PreVote",
        Body::PreVoteResp { .. } => "PreVoteReply",
        Body::Vote { .. } => "RequestVote",
        Body::VoteResp { .. } => "RequestVoteReply",
        Body::Append { .. } => "AppendEntries",
        Body::AppendResp { .. } => "AppendEntriesReply",
        Body::Heartbeat { .. } => "Heartbeat",
        Body::HeartbeatResp { .. } => "HeartbeatReply",
        Body::Snapshot { .. } => "InstallSnapshot",
        Body::SnapshotResp { .. } => "InstallSnapshotReply",
        _ => "Other",
    }
}

/// The reference node: raft-core (with the simulator's key-value store) behind the protocol.
/// Every graded test passes with it; its election timeouts (150–300 ms, uniform) and heartbeat
/// (50 ms) are raft-core's defaults, drawn from the seed in [`Input::Init`]. With `max_log`
/// (protocol version 2) it compacts its log once `max_log` applied entries follow its
/// snapshot, except while it sends a follower a snapshot (compacting then would leave that
/// follower needing yet another one); its snapshot data is the key-value store's bytes
/// ([`KvStore::snapshot`]) in hex.
#[derive(Debug)]
pub struct Reference {
    node: Option<raft_core::Node>,
    kv: Machine,
    /// `max_log` from init: compact past this many applied entries (None: never).
    max_log: Option<u64>,
    /// Requests this node proposed and has not answered yet.
    pending: BTreeSet<(u64, u64)>,
    /// Virtual time of the last input, ms.
    now: u64,
}

impl Default for Reference {
    fn default() -> Self {
        Self::new()
    }
}

impl Reference {
    /// A node waiting for [`Input::Init`].
    pub fn new() -> Self {
        Reference {
            node: None,
            kv: Machine::default(),
            max_log: None,
            pending: BTreeSet::new(),
            now: 0,
        }
    }

    /// A factory of reference nodes, for the grader.
    pub fn factory() -> NodeFactory {
        Box::new(|_| Ok(Box::new(Reference::new()) as Box<dyn ByoNode>))
    }

    fn init(
        &mut self,
        id: NodeId,
        peers: &[NodeId],
        seed: u64,
        now: u64,
        state: &Persisted,
        max_log: Option<u64>,
    ) -> Result<(), NodeFault> {
        self.max_log = max_log;
        let membership = raft_core::Membership::with_voters(peers.iter().copied());
        let mut cfg = raft_core::Config::new(id);
        cfg.seed = seed;
        // The paper's uniform timeouts: raft-core's default policy (Spread) ranks the nodes by a
        // rotation computed from a seed the whole cluster shares, but the protocol gives each
        // node a seed of its own, as a student's node needs (equal seeds would draw equal
        // timeouts on every node).
        cfg.election_policy = raft_core::ElectionPolicy::Uniform;
        let base = state.snapshot_index();
        let mut entries = Vec::with_capacity(state.log.len());
        for (k, e) in state.log.iter().enumerate() {
            let payload = if e.cmd.is_null() {
                Payload::Noop
            } else {
                let cmd = command_from_json(&e.cmd).ok_or_else(|| {
                    NodeFault::Protocol(format!(
                        "entry {} is not a client command",
                        base + k as Index + 1
                    ))
                })?;
                Payload::Command(cmd.encode().into())
            };
            entries.push(Entry {
                term: e.term,
                index: base + k as Index + 1,
                payload,
            });
        }
        // The state machine restarts from the snapshot (raft-core then applies from after it).
        let (snapshot_term, snapshot_data) = match &state.snapshot {
            Some(snap) => {
                let bytes = serde_json::to_vec(&snap.data).unwrap_or_default();
                self.kv = Machine::restore(&bytes).ok_or_else(|| {
                    NodeFault::Protocol(
                        "its snapshot's data is not the reference's state machine".into(),
                    )
                })?;
                (snap.term, bytes)
            }
            None => (0, Vec::new()),
        };
        let ps = raft_core::storage::PersistentState {
            hard_state: HardState {
                term: state.term,
                vote: state.vote,
            },
            membership,
            snapshot_index: base,
            snapshot_term,
            snapshot_data,
            entries,
        };
        let node = raft_core::Node::restore(cfg, ps)
            .map_err(|e| NodeFault::Protocol(format!("raft-core refused the state: {e}")))?;
        self.node = Some(node);
        self.now = now;
        Ok(())
    }

    /// Steps the node and turns its Ready into an answer.
    fn output(&mut self, replies: Vec<ClientReply>) -> Output {
        let Some(node) = self.node.as_mut() else {
            return Output::default();
        };
        // Compaction (§7), of what earlier answers applied: the snapshot comes in this
        // answer's `persist`, ahead of any entries appended after it.
        if let Some(max) = self.max_log {
            let applied = node.log().applied();
            if applied >= node.log().snapshot_index().saturating_add(max.max(1))
                && !node.sending_snapshot()
            {
                let data = self.kv.snapshot();
                let _ = node.step(raft_core::Input::Compact {
                    index: applied,
                    data,
                });
            }
        }
        let ready = node.ready();
        let mut snapshot = None;
        if let Some(snap) = &ready.snapshot {
            if ready.restore_snapshot {
                // A leader's snapshot replaces the state machine.
                if let Some(kv) = Machine::restore(&snap.data) {
                    self.kv = kv;
                }
            }
            snapshot = Some(SnapshotState {
                index: snap.meta.index,
                term: snap.meta.term,
                data: serde_json::from_slice(&snap.data).unwrap_or(Value::Null),
            });
        }
        let mut out = Output {
            replies,
            ..Output::default()
        };
        if ready.hard_state.is_some() || !ready.entries.is_empty() || snapshot.is_some() {
            let hs = node.hard_state();
            out.persist = Some(Persist {
                term: hs.term,
                vote: hs.vote,
                snapshot,
                log_from: ready.entries.first().map(|e| e.index),
                entries: ready.entries.iter().map(protocol_entry).collect(),
            });
        }
        for m in &ready.messages {
            out.send.push(OutMessage {
                to: m.to,
                kind: kind_of(&m.body).to_string(),
                term: m.term,
                msg: serde_json::to_value(m).unwrap_or(Value::Null),
            });
        }
        for e in &ready.committed {
            let cmd = protocol_entry(e).cmd;
            let mut duplicate = false;
            if let Payload::Command(bytes) = &e.payload {
                if let Some(c) = Command::decode(bytes) {
                    let (reply, dup) = self.kv.apply(&c);
                    duplicate = dup;
                    if self.pending.remove(&(c.client, c.seq)) {
                        let Reply { ok, value } = reply.unwrap_or(Reply {
                            ok: false,
                            value: None,
                        });
                        out.replies.push(ClientReply {
                            client: c.client,
                            seq: c.seq,
                            not_leader: false,
                            leader: None,
                            ok,
                            value,
                        });
                    }
                }
            }
            out.applied.push(Applied {
                index: e.index,
                term: e.term,
                cmd,
                duplicate,
            });
        }
        out.state = NodeState {
            role: match node.role() {
                Role::Leader => RoleName::Leader,
                Role::Candidate | Role::PreCandidate => RoleName::Candidate,
                _ => RoleName::Follower,
            },
            term: node.term(),
            commit: node.log().committed(),
        };
        out
    }
}

/// The protocol entry of a raft-core entry.
fn protocol_entry(e: &Entry) -> LogEntry {
    let cmd = match &e.payload {
        Payload::Noop => Value::Null,
        Payload::Command(bytes) => match Command::decode(bytes) {
            Some(c) => command_json(&c),
            None => Value::String(String::from_utf8_lossy(bytes).into_owned()),
        },
        Payload::Membership(m) => serde_json::json!({"membership": m.voters}),
    };
    LogEntry { term: e.term, cmd }
}

impl ByoNode for Reference {
    fn handle(&mut self, input: &Input) -> Result<Output, NodeFault> {
        let mut replies = Vec::new();
        match input {
            Input::Init {
                id,
                peers,
                seed,
                now,
                state,
                max_log,
                ..
            } => self.init(*id, peers, *seed, *now, state, *max_log)?,
            Input::Tick { now } => {
                let node = self.node.as_mut().ok_or(not_started())?;
                let dt = now.saturating_sub(self.now);
                self.now = *now;
                if dt > 0 {
                    let _ = node.step(raft_core::Input::Tick(dt));
                }
            }
            Input::Message { now, msg, .. } => {
                let node = self.node.as_mut().ok_or(not_started())?;
                let _ = now;
                let m: Message = serde_json::from_value(msg.clone())
                    .map_err(|e| NodeFault::Protocol(format!("not a raft-core message: {e}")))?;
                let _ = node.step(raft_core::Input::Message(m));
            }
            Input::Request {
                client, seq, op, ..
            } => {
                let node = self.node.as_mut().ok_or(not_started())?;
                let cmd = Command {
                    client: *client,
                    seq: *seq,
                    op: op.clone(),
                };
                let leader = node.leader();
                let accepted = node.role() == Role::Leader
                    && matches!(
                        node.step(raft_core::Input::Propose(cmd.encode())),
                        Ok(Some(_))
                    );
                if accepted {
                    self.pending.insert((*client, *seq));
                } else {
                    replies.push(ClientReply {
                        client: *client,
                        seq: *seq,
                        not_leader: true,
                        leader,
                        ok: false,
                        value: None,
                    });
                }
            }
        }
        Ok(self.output(replies))
    }
}

/// The reference's state machine: the simulator's key-value store, run without its own
/// session table, and a session table of the protocol's shape (client → its last applied
/// request and the reply), so that a resent request is answered without running twice
/// (dissertation §6.3). The store's table is not used: it refuses a client whose first applied
/// request is not its first (an expired session), which the grader's clients, giving up on a
/// request and sending a new one, cause all the time.
#[derive(Debug, Default)]
struct Machine {
    store: KvStore,
    sessions: BTreeMap<u64, (u64, Reply)>,
}

impl Machine {
    /// Applies `cmd` once per (client, seq): the reply (none for an older request than the
    /// client's last), and whether it was a duplicate, not run.
    fn apply(&mut self, cmd: &Command) -> (Option<Reply>, bool) {
        if let Some((seq, reply)) = self.sessions.get(&cmd.client) {
            if cmd.seq == *seq {
                return (Some(reply.clone()), true);
            }
            if cmd.seq < *seq {
                return (None, true);
            }
        }
        self.store.dedup_disabled = true;
        let (reply, _) = self.store.apply(cmd);
        if let Some(r) = &reply {
            self.sessions.insert(cmd.client, (cmd.seq, r.clone()));
        }
        (reply, false)
    }

    /// The snapshot's bytes: JSON text `{"store": hex of the store's bytes, "sessions":
    /// {client: [seq, ok, value]}}`, which is also the protocol's snapshot data.
    fn snapshot(&self) -> Vec<u8> {
        let sessions: BTreeMap<String, Value> = self
            .sessions
            .iter()
            .map(|(c, (seq, r))| (c.to_string(), serde_json::json!([seq, r.ok, r.value])))
            .collect();
        serde_json::to_vec(
            &serde_json::json!({"store": hex(&self.store.snapshot()), "sessions": sessions}),
        )
        .unwrap_or_default()
    }

    /// The machine of [`Machine::snapshot`] bytes; `None` if they are not.
    fn restore(bytes: &[u8]) -> Option<Machine> {
        let v: Value = serde_json::from_slice(bytes).ok()?;
        let store = KvStore::restore(&snapshot_bytes(v.get("store")?)?)?;
        let mut sessions = BTreeMap::new();
        for (c, e) in v.get("sessions")?.as_object()? {
            let seq = e.get(0)?.as_u64()?;
            let ok = e.get(1)?.as_bool()?;
            let value = e.get(2)?.as_str().map(String::from);
            sessions.insert(c.parse().ok()?, (seq, Reply { ok, value }));
        }
        Some(Machine { store, sessions })
    }
}

/// Lower-case hex of `bytes` (the store's bytes in the reference's snapshot data; a few lines
/// do not warrant a hex crate).
fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of the reference's snapshot data (hex in a JSON string); `None` if it is not.
fn snapshot_bytes(data: &Value) -> Option<Vec<u8>> {
    let s = data.as_str()?;
    if s.len() % 2 != 0 {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|k| u8::from_str_radix(s.get(k..k + 2)?, 16).ok())
        .collect()
}

fn not_started() -> NodeFault {
    NodeFault::Protocol("an input came before init".into())
}

/// Serves a Rust node over stdin/stdout as a process node: reads one [`Input`] per line,
/// makes a new node with `make` at each `init`, and writes one [`Output`] per line. Returns
/// when stdin closes; a line that is not an input is answered on stderr and ends the process.
#[cfg(feature = "std")]
pub fn serve<N: ByoNode>(mut make: impl FnMut() -> N) -> std::io::Result<()> {
    use std::io::{BufRead, Write};
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut node: Option<N> = None;
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input = serde_json::from_str(&line).map_err(|e| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("bad input: {e}"))
        })?;
        if matches!(input, Input::Init { .. }) {
            node = Some(make());
        }
        let Some(n) = node.as_mut() else {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "an input came before init",
            ));
        };
        let answer = n.handle(&input).map_err(|e| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("node fault: {e}"))
        })?;
        let text = serde_json::to_string(&answer).map_err(std::io::Error::other)?;
        writeln!(out, "{text}")?;
        out.flush()?;
    }
    Ok(())
}
