//! The simulated world: every node, the network, the clients, a virtual clock in milliseconds and
//! one seeded PRNG. Discrete-event: it jumps to the next event (a delivery, a timer, a client
//! wake-up) and handles events at equal times in a fixed order: deliveries, then node timers by
//! node id, then clients by id.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::actions::Action;
use crate::app::{Command, KvStore, Op, Reply};
use crate::checker::{Checker, Violation};
use crate::clock::Clock;
use crate::disk::SimDisk;
use crate::limits::MAX_TIME_MS;
use crate::network::{LinkState, NetConfig, Network, SendOutcome};
use crate::node_table::NodeTable;
use crate::rng::SimRng;
use crate::trace::{
    HashScheme, SessionOutcome, SnapshotSource, TraceEvent, TraceHash, TraceRecord,
};
use crate::SimError;
use raft_core::confchange::ConfChange;
use raft_core::config::{BreakIt, Config, ElectionPolicy, ReadMode};
use raft_core::entry::Payload;
use raft_core::error::Error;
use raft_core::membership::Membership;
use raft_core::raft::Input;

/// A simulated machine's Raft node, over its disk ([`SimDisk`]).
pub type Node = raft_core::raft::Node<SimDisk>;
use raft_core::ready::Event;
use raft_core::storage::{MemStorage, Storage};
use raft_core::types::{Index, NodeId, Role, Term};

// Read by hand (issue 14: the page's size); the attributes below still shape the writer.
#[cfg(feature = "serde")]
mod workload_json;

/// What the simulated clients do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(
    feature = "serde",
    serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)
)]
pub enum Workload {
    /// Random put/get/append/cas over `keys` keys.
    Kv {
        /// Number of distinct keys.
        keys: u32,
    },
    /// The reference task queue: tasks `1..=total`, each to be executed exactly once.
    Tasks {
        /// Number of tasks.
        total: u64,
    },
}

/// Client load settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct ClientOptions {
    /// Whether the steady load runs from the start.
    pub enabled: bool,
    /// Number of concurrent clients.
    pub count: u32,
    /// Pause between a completion and the client's next operation, in ms.
    pub think_ms: u64,
    /// How long a client waits for an answer before retrying with the same sequence number.
    pub timeout_ms: u64,
    /// What they do.
    pub workload: Workload,
    /// Serve `get` with a ReadIndex round (§6.4) instead of through the log.
    pub read_index: bool,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            enabled: false,
            count: 3,
            think_ms: 20,
            timeout_ms: 400,
            workload: Workload::Kv { keys: 3 },
            read_index: true,
        }
    }
}

/// Everything that defines a simulated cluster. With the same options and the same actions at
/// the same times, a run is the same, byte for byte, on every platform.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct SimOptions {
    /// Number of nodes (ids `1..=nodes`), 1 to 9 in the playground.
    pub nodes: u32,
    /// Seed of the world's PRNG.
    pub seed: u64,
    /// Election timeout lower bound, ms.
    pub election_timeout_min: u64,
    /// Election timeout upper bound (exclusive), ms.
    pub election_timeout_max: u64,
    /// Heartbeat interval, ms.
    pub heartbeat_ms: u64,
    /// PreVote on.
    pub pre_vote: bool,
    /// CheckQuorum on.
    pub check_quorum: bool,
    /// Network timing and faults.
    pub net: NetConfig,
    /// Client load.
    pub clients: ClientOptions,
    /// Unsafe teaching switches.
    pub break_it: BreakIt,
    /// Soft byte limit of entries per AppendEntries (1 sends one entry per message), and the
    /// size of InstallSnapshot chunks.
    pub max_msg_bytes: u64,
    /// Most AppendEntries messages in flight to one follower (flow control; 1 to 1,000,000).
    pub max_inflight: u64,
    /// Snapshot and compact a node's log every this many applied entries (0: never by itself).
    pub snapshot_every: u64,
    /// Also snapshot once the log's entries exceed this many bytes (0: no byte budget).
    pub snapshot_max_log_bytes: u64,
    /// How leaders serve reads: ReadIndex rounds (`safe`) or CheckQuorum leases (`lease`).
    pub read_mode: ReadMode,
    /// Keep trace records in memory (the running hash is kept regardless).
    pub keep_trace: bool,
    /// Each machine's clock runs at a rate drawn once within ±this many parts per million of
    /// real time (0: exact clocks), at most [`raft_core::MAX_CLOCK_DRIFT_PPM`]. The nodes' lease
    /// margin assumes [`raft_core::DEFAULT_MAX_CLOCK_DRIFT_PPM`]; drift up to that is tolerated.
    pub clock_drift_ppm: u32,
    /// How nodes draw election timeouts. A file without the field gets `uniform`, the policy
    /// every scenario and trace written before the field existed ran with, so it replays as
    /// recorded.
    #[cfg_attr(feature = "serde", serde(default = "uniform_policy"))]
    pub election_policy: ElectionPolicy,
    /// How long a write to each node's disk takes, ms (0, the default: at once; at most
    /// [`MAX_DISK_MS`]). A node's Ready waits for its write before anything in it is sent or
    /// applied, and the node's next Ready waits for that one ([`Action::DiskLatency`] sets it
    /// per node while running).
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_zero"))]
    pub disk_ms: u64,
    /// The `reads` nemesis: at each step of a node (a message, a timer, a request), its disk
    /// cannot answer reads during that step with this probability, in parts per million (at
    /// most 1,000,000; 0, the default: reads always answer). Only what the node reads back from
    /// its storage is affected (older entries, once they left its memory; the snapshot it sends):
    /// it must wait, never take an unreadable entry for a missing or conflicting one.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_zero_u32"))]
    pub stalled_reads_ppm: u32,
    /// How many of the newest stable entries each node keeps in memory
    /// (`Config::log_cache_entries`; 0, the default: raft-core's). Small, it makes the nodes
    /// read older entries back from storage.
    #[cfg_attr(feature = "serde", serde(skip_serializing_if = "is_zero_u32"))]
    pub log_cache_entries: u32,
    /// A bug planted in every node (test builds with the `planted-bugs` feature only; never in
    /// a scenario or trace file).
    #[cfg(feature = "planted-bugs")]
    #[cfg_attr(feature = "serde", serde(skip))]
    pub planted: Option<raft_core::config::PlantedBug>,
}

/// The policy of scenario and trace files that do not name one.
#[cfg(feature = "serde")]
fn uniform_policy() -> ElectionPolicy {
    ElectionPolicy::Uniform
}

impl Default for SimOptions {
    /// Five nodes with the reference timings.
    fn default() -> Self {
        SimOptions {
            nodes: 5,
            seed: 1,
            election_timeout_min: 150,
            election_timeout_max: 300,
            heartbeat_ms: 50,
            pre_vote: true,
            check_quorum: true,
            net: NetConfig::default(),
            clients: ClientOptions::default(),
            break_it: BreakIt::default(),
            election_policy: ElectionPolicy::default(),
            max_msg_bytes: 64 * 1024,
            max_inflight: 64,
            snapshot_every: 0,
            snapshot_max_log_bytes: 0,
            read_mode: ReadMode::Safe,
            keep_trace: true,
            disk_ms: 0,
            stalled_reads_ppm: 0,
            log_cache_entries: 0,
            clock_drift_ppm: 0,
            #[cfg(feature = "planted-bugs")]
            planted: None,
        }
    }
}

impl SimOptions {
    /// Checks the options, naming the first problem.
    pub fn validate(&self) -> Result<(), SimError> {
        if self.disk_ms > MAX_DISK_MS {
            return Err(SimError::Invalid(format!(
                "disk_ms must be at most {MAX_DISK_MS}"
            )));
        }
        if self.nodes == 0 || self.nodes > 64 {
            return Err(SimError::Invalid("nodes must be between 1 and 64".into()));
        }
        if self.net.latency_max < self.net.latency_min {
            return Err(SimError::Invalid(
                "net.latency_max must be at least net.latency_min".into(),
            ));
        }
        if self.net.reply_delay_max < self.net.reply_delay_min {
            return Err(SimError::Invalid(
                "net.reply_delay_max must be at least net.reply_delay_min".into(),
            ));
        }
        if self.net.reply_delay_max > 60_000 {
            return Err(SimError::Invalid(
                "net.reply_delay_max must be at most 60000 ms".into(),
            ));
        }
        if self.net.latency_max > 60_000 {
            return Err(SimError::Invalid(
                "net.latency_max must be at most 60000 ms".into(),
            ));
        }
        for (name, p) in [
            ("drop_ppm", self.net.drop_ppm),
            ("dup_ppm", self.net.dup_ppm),
            ("reorder_ppm", self.net.reorder_ppm),
            ("reply_delay_ppm", self.net.reply_delay_ppm),
        ] {
            if p > crate::rng::PPM {
                return Err(SimError::Invalid(format!(
                    "net.{name} must be at most 1000000"
                )));
            }
        }
        if self.clients.count > 1000 {
            return Err(SimError::Invalid(
                "clients.count must be at most 1000".into(),
            ));
        }
        if self.clock_drift_ppm > raft_core::MAX_CLOCK_DRIFT_PPM {
            return Err(SimError::Invalid(
                "clock_drift_ppm must be at most 100000".into(),
            ));
        }
        if self.clients.timeout_ms == 0 {
            return Err(SimError::Invalid(
                "clients.timeout_ms must be at least 1".into(),
            ));
        }
        crate::limits::check_options(self)?;
        self.node_config(1).validate().map_err(SimError::from)
    }

    /// The node configuration the world gives node `id`.
    pub fn node_config(&self, id: NodeId) -> Config {
        let mut c = Config::new(id);
        c.election_timeout_min = self.election_timeout_min;
        c.election_timeout_max = self.election_timeout_max;
        c.heartbeat_interval = self.heartbeat_ms;
        c.pre_vote = self.pre_vote;
        c.check_quorum = self.check_quorum;
        c.break_it = self.break_it;
        c.seed = self.seed;
        c.max_msg_bytes = self.max_msg_bytes;
        c.max_inflight = usize::try_from(self.max_inflight).unwrap_or(usize::MAX);
        c.read_mode = self.read_mode;
        c.election_policy = self.election_policy;
        if self.log_cache_entries > 0 {
            c.log_cache_entries = self.log_cache_entries as usize;
        }
        #[cfg(feature = "planted-bugs")]
        {
            c.planted = self.planted;
        }
        c
    }
}

/// The generator of clock rates: its own stream, derived from the seed.
fn clock_rng(opts: &SimOptions) -> SimRng {
    SimRng::new(opts.seed ^ 0xC10C_D41F_7000_0001)
}

/// Client session id of the first person's request ([`Action::Request`], [`Action::Read`]);
/// further concurrent ones take the ids after it.
pub const PERSON_CLIENT_BASE: u64 = 1_000_000;

/// How many requests from a person may be pending at once (each has its own session).
pub const MAX_PERSON_REQUESTS: u64 = 100;

/// Client session id of clerk 0 ([`Action::Clerk`]); clerk `k` is `CLERK_CLIENT_BASE + k`.
pub const CLERK_CLIENT_BASE: u64 = 2_000_000;

/// How many clerks a world may have ([`Action::Clerk`] takes clerks `0..MAX_CLERKS`).
pub const MAX_CLERKS: u64 = 1_000;

/// Client session id of the first [`Action::Propose`]; the n-th proposal runs in session
/// `PROPOSER_CLIENT + n` with sequence number 1, so a proposal that is lost leaves no gap that
/// would make a later one look like an expired session (§6.3).
pub const PROPOSER_CLIENT: u64 = 1 << 40;

/// One simulated machine: the Raft node (absent while crashed), its disk and its state machine.
#[derive(Debug, Clone)]
pub struct SimNode {
    /// The running node; `None` while crashed.
    pub node: Option<Node>,
    /// The durable state while the node is down (see [`SimNode::storage`]); while it is up,
    /// the node holds its disk and this is left empty. One copy, written once per Ready: a
    /// second disk beside the node's, written with every Ready, was 1.7% of a `raft-sim check`
    /// run.
    disk: MemStorage,
    /// The application state machine (volatile).
    pub kv: KvStore,
    /// ReadIndex answers waiting for the state machine to reach their index (volatile).
    reads: Vec<raft_core::ready::ReadState>,
    ticked_at: u64,
    timer_at: u64,
    restarts: u64,
    /// This machine's clock rate (kept across restarts).
    clock: Clock,
    /// Paused ([`Action::Pause`]): no timer fires and what arrives waits in `inbox`.
    paused: bool,
    /// With the break-it switch `lose_unsynced_writes`: the storage as of the disk's last sync
    /// and when that was (what a crash leaves).
    synced: Option<(u64, MemStorage)>,
    /// How long a write to this node's disk takes, ms.
    disk_ms: u64,
    /// The Ready being written, on a slow disk (lost in a crash: nothing of it was sent).
    writing: Option<Box<Writing>>,
    /// The last index the state machine `kv` has applied. The node counts entries applied
    /// once it hands them out in a Ready; on a slow disk they reach `kv` only when that
    /// Ready's write is done, so reads and snapshots go by this index.
    applied: Index,
    /// What reached the node while paused, in arrival order (at most [`MAX_INBOX`]).
    inbox: VecDeque<Parked>,
}

/// With the break-it switch `lose_unsynced_writes`, how often the disk syncs, ms.
pub const UNSYNCED_MS: u64 = 100;

/// How many messages and requests a paused node's inbox holds; later ones are lost, as a full
/// socket buffer drops them.
pub const MAX_INBOX: usize = 4_096;

/// Something that reached a paused node.
#[derive(Debug, Clone)]
enum Parked {
    /// A message, with its network id.
    Message(u64, raft_core::message::Message),
    /// A client's request.
    Input(Input),
}

impl SimNode {
    /// A machine that starts running `node` at `now` (ms) on its own `clock`, with an empty
    /// state machine: the cluster's first machines and each one [`Action::AddNode`] adds.
    fn started(node: Node, clock: Clock, now: u64, disk_ms: u64) -> SimNode {
        let timer_at = clock.when(now, node.ticks_until_timer());
        SimNode {
            node: Some(node),
            disk: MemStorage::default(),
            kv: KvStore::default(),
            reads: Vec::new(),
            ticked_at: now,
            timer_at,
            restarts: 0,
            paused: false,
            synced: None,
            disk_ms,
            writing: None,
            applied: 0,
            inbox: VecDeque::new(),
            clock,
        }
    }

    /// Durable state, kept across crashes: the running node's own disk, or, while it is down,
    /// what the machine kept of it (the page and the checks read it either way).
    pub fn storage(&self) -> &MemStorage {
        match &self.node {
            Some(n) => &n.storage().inner,
            None => &self.disk,
        }
    }

    /// This machine's clock rate, in ticks per million real milliseconds.
    pub fn clock_rate_ppm(&self) -> u64 {
        self.clock.rate_ppm()
    }

    /// Whether the node is paused ([`Action::Pause`]).
    pub fn paused(&self) -> bool {
        self.paused
    }

    /// How long a write to this node's disk takes, ms ([`Action::DiskLatency`]; 0: at once).
    pub fn disk_ms(&self) -> u64 {
        self.disk_ms
    }

    /// Whether a Ready is being written to its (slow) disk: nothing in it is sent or applied
    /// until the write is done.
    pub fn writing(&self) -> bool {
        self.writing.is_some()
    }
}

/// A client operation as recorded for the linearizability checker
/// ([`linearizability`](super::linearizability)).
///
/// Times are whole milliseconds, for display; the order of events is given by the sequence
/// numbers: every invocation and every completion of a run takes the next number of one
/// counter, so an operation that completed before another was invoked in the same millisecond
/// still comes first. A history built elsewhere may leave them 0 (see [`HistoryOp::new`]);
/// it is then ordered by time alone.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HistoryOp {
    /// Client id.
    pub client: u64,
    /// The operation.
    pub op: Op,
    /// Invocation time (ms).
    pub invoke: u64,
    /// Completion time, if it completed.
    pub complete: Option<u64>,
    /// The answer, if it completed.
    pub reply: Option<Reply>,
    /// The invocation's place in the run's order of history events (from 1); 0: not recorded.
    #[cfg_attr(feature = "serde", serde(default))]
    pub invoke_seq: u64,
    /// The completion's place in the same order, after `invoke_seq`; 0: not completed or not
    /// recorded.
    #[cfg_attr(feature = "serde", serde(default))]
    pub complete_seq: u64,
}

impl HistoryOp {
    /// `client` invoked `op` at `invoke` ms; not completed (yet), no sequence numbers.
    pub fn new(client: u64, op: Op, invoke: u64) -> Self {
        HistoryOp {
            client,
            op,
            invoke,
            complete: None,
            reply: None,
            invoke_seq: 0,
            complete_seq: 0,
        }
    }

    /// The same operation, completed at `at` ms with `reply`.
    pub fn completed(mut self, at: u64, reply: Reply) -> Self {
        self.complete = Some(at);
        self.reply = Some(reply);
        self
    }

    /// The same operation, with the places of its invocation and completion (0 if it did not
    /// complete) in the run's order of history events.
    pub fn sequenced(mut self, invoke_seq: u64, complete_seq: u64) -> Self {
        self.invoke_seq = invoke_seq;
        self.complete_seq = complete_seq;
        self
    }
}

#[derive(Debug, Clone)]
struct Pending {
    hist: usize,
    cmd: Command,
    sent_to: Option<NodeId>,
    proposed_at: u64,
    deadline: u64,
}

/// A simulated client with a session (§6.3).
#[derive(Debug, Clone)]
struct Client {
    id: u64,
    seq: u64,
    target: NodeId,
    /// Where the client's own round of the cluster stands. A redirect sends the client to
    /// the leader a node names, but when a node knows no leader the round goes on from here,
    /// not from the node it was sent to: two removed nodes, one naming the other as leader and
    /// that one knowing none, held clients between them for ever (classic seed 7500461 with
    /// membership faults: "no progress within 5 s after healing every fault").
    rotation: NodeId,
    next_at: u64,
    pending: Option<Pending>,
    /// The nodes the client can reach, bit `id - 1` for node `id` (every node for all clients
    /// but a clerk told otherwise, [`Action::ClerkReach`]): a request to any other node is
    /// lost, as one to a crashed node is.
    reach: u64,
}

impl Client {
    /// A client of session `id` that has sent nothing yet, asks `target` first and wakes at
    /// `next_at`; it reaches every node.
    fn new(id: u64, target: NodeId, next_at: u64) -> Client {
        Client {
            id,
            seq: 0,
            target,
            rotation: target,
            next_at,
            pending: None,
            reach: u64::MAX,
        }
    }
}

/// Whether session `id` is a person's request's ([`Action::Request`]; a clerk's is not).
fn is_person(id: u64) -> bool {
    (PERSON_CLIENT_BASE..PERSON_CLIENT_BASE + MAX_PERSON_REQUESTS).contains(&id)
}

/// Whether session `id` is a clerk's ([`Action::Clerk`]).
fn is_clerk(id: u64) -> bool {
    (CLERK_CLIENT_BASE..CLERK_CLIENT_BASE + MAX_CLERKS).contains(&id)
}

/// The bit of node `id` in [`Client::reach`] (ids are 1 to 64).
fn reach_bit(id: NodeId) -> u64 {
    1u64.checked_shl((id as u32).wrapping_sub(1)).unwrap_or(0)
}

/// Counters of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Stats {
    /// Events processed: the steps taken, each one announced by a `step` trace record.
    pub events: u64,
    /// Messages handed to the network.
    pub sent: u64,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages lost (faults, cuts, crashed recipients, by hand).
    pub dropped: u64,
    /// Elections started (real ones; PreVote rounds not counted).
    pub elections: u64,
    /// Leaders elected.
    pub leaders: u64,
    /// Client operations completed.
    pub completed: u64,
    /// Client attempts that timed out and were retried.
    pub retries: u64,
    /// Latency of each completed client operation, ms: from the attempt that succeeded (the
    /// last retry, after any timeouts and redirects) to completion. The whole client-observed
    /// time is in the history (`HistoryOp::invoke` to `complete`).
    pub latencies: Vec<u64>,
    /// Messages handed to the network, by kind and by sender.
    #[cfg_attr(feature = "serde", serde(default))]
    pub messages: MessageCounts,
    /// Steps of a node during which its disk could not answer reads (the `reads` nemesis,
    /// [`SimOptions::stalled_reads_ppm`]).
    #[cfg_attr(feature = "serde", serde(default, skip_serializing_if = "is_zero"))]
    pub stalled_steps: u64,
}

/// The message kinds [`MessageCounts`] counts, in its order ([`raft_core::Body::kind`] names).
pub const MESSAGE_KINDS: [&str; 11] = [
    "pre_vote",
    "pre_vote_resp",
    "vote",
    "vote_resp",
    "append",
    "append_resp",
    "heartbeat",
    "heartbeat_resp",
    "timeout_now",
    "snapshot",
    "snapshot_resp",
];

/// Messages sent, by kind and by sender: what a test of message economy counts (the labs'
/// "RPC counts", messages per committed entry).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct MessageCounts {
    /// Sent messages of each kind, in the order of [`MESSAGE_KINDS`].
    pub by_kind: [u64; 11],
    /// Sent messages of each sender.
    pub by_node: BTreeMap<NodeId, u64>,
}

impl MessageCounts {
    fn count(&mut self, m: &raft_core::message::Message) {
        use raft_core::message::Body;
        let k = match m.body {
            Body::PreVote { .. } => 0,
            Body::PreVoteResp { .. } => 1,
            Body::Vote { .. } => 2,
            Body::VoteResp { .. } => 3,
            Body::Append { .. } => 4,
            Body::AppendResp { .. } => 5,
            Body::Heartbeat { .. } => 6,
            Body::HeartbeatResp { .. } => 7,
            Body::TimeoutNow => 8,
            Body::Snapshot { .. } => 9,
            Body::SnapshotResp { .. } => 10,
        };
        debug_assert_eq!(MESSAGE_KINDS[k], m.body.kind(), "MESSAGE_KINDS order");
        self.by_kind[k] += 1;
        *self.by_node.entry(m.from).or_insert(0) += 1;
    }

    /// Sent messages of `kind` (a [`MESSAGE_KINDS`] name such as `"append"`), 0 if none or
    /// unknown.
    pub fn kind(&self, kind: &str) -> u64 {
        MESSAGE_KINDS
            .iter()
            .position(|&k| k == kind)
            .map_or(0, |i| self.by_kind[i])
    }

    /// Sent requests (votes, pre-votes, appends, heartbeats, snapshots, TimeoutNow): every
    /// message that is not an answer.
    pub fn requests(&self) -> u64 {
        MESSAGE_KINDS
            .iter()
            .zip(&self.by_kind)
            .filter(|(k, _)| !k.ends_with("_resp"))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Which event a step processes (see [`World::next_event`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Due {
    /// The first message in the delivery schedule.
    Delivery,
    /// This node's timer.
    Timer(NodeId),
    /// The client at this index wakes up.
    Client(usize),
    /// This node's disk finishes its write.
    Disk(NodeId),
    /// Nothing at the clock's time (cannot happen: the earliest source is always due).
    Nothing,
}

/// The longest a simulated disk write may take, ms.
pub const MAX_DISK_MS: u64 = 10_000;

#[cfg(feature = "serde")]
fn is_zero(v: &u64) -> bool {
    *v == 0
}

#[cfg(feature = "serde")]
fn is_zero_u32(v: &u32) -> bool {
    *v == 0
}

/// When a node's timer fires and when its disk write is done, as [`World::next_event`] reads
/// them: `u64::MAX` for never (no timer armed, crashed, paused, no write under way). Kept in
/// [`World::due`] beside the node map and refreshed by [`note_due`] wherever the time of its
/// timer or write, its pause or its crash changes, so that finding the next event scans a
/// small array instead of walking the map (5% of a playground run's instructions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NodeDue {
    id: NodeId,
    timer: u64,
    disk: u64,
}

impl NodeDue {
    fn of(id: NodeId, sn: &SimNode) -> Self {
        let (timer, disk) = if sn.paused {
            (u64::MAX, u64::MAX)
        } else {
            (
                if sn.node.is_some() {
                    sn.timer_at
                } else {
                    u64::MAX
                },
                sn.writing.as_ref().map_or(u64::MAX, |w| w.done_at),
            )
        };
        NodeDue { id, timer, disk }
    }
}

/// Every node's [`NodeDue`], in id order, with the earliest timer and the earliest disk write
/// over them kept while known: [`World::next_event`] reads them at every step, and a scan of
/// every node for them was about 1.5% of a `raft-sim check` run. A change that can only bring
/// an earliest time forward updates it; one that moves the node holding it later forgets it,
/// and the next [`Dues::earliest`] scans again (so it always answers what a scan would).
#[derive(Debug, Clone, Default)]
struct Dues {
    list: Vec<NodeDue>,
    /// (earliest timer, earliest disk write) over `list`, if known.
    earliest: core::cell::Cell<Option<(u64, u64)>>,
}

impl Dues {
    /// (earliest timer, earliest disk write), `u64::MAX` for none.
    #[inline]
    fn earliest(&self) -> (u64, u64) {
        if let Some(e) = self.earliest.get() {
            return e;
        }
        let (mut timer, mut disk) = (u64::MAX, u64::MAX);
        for d in &self.list {
            timer = timer.min(d.timer);
            disk = disk.min(d.disk);
        }
        self.earliest.set(Some((timer, disk)));
        (timer, disk)
    }
}

/// Refreshes node `id`'s entry of `due` (kept in id order) from `sn`. A free function so that
/// it can be called while `sn` is borrowed from the node map.
fn note_due(due: &mut Dues, id: NodeId, sn: &SimNode) {
    let d = NodeDue::of(id, sn);
    // Nodes are numbered 1, 2, 3…: node `id` is usually at `id - 1`.
    let k = match due.list.get((id as usize).wrapping_sub(1)) {
        Some(slot) if slot.id == id => Ok((id - 1) as usize),
        _ => due.list.binary_search_by_key(&id, |d| d.id),
    };
    let old = match k {
        Ok(k) => core::mem::replace(&mut due.list[k], d),
        Err(k) => {
            due.list.insert(k, d);
            NodeDue {
                id,
                timer: u64::MAX,
                disk: u64::MAX,
            }
        }
    };
    if let Some((timer, disk)) = due.earliest.get() {
        // Each earliest time stays known unless the node that may hold it moved later.
        let keep = |now: u64, was: u64, least: u64| {
            if now <= least {
                Some(now)
            } else if was == least {
                None
            } else {
                Some(least)
            }
        };
        let t = keep(d.timer, old.timer, timer);
        let w = keep(d.disk, old.disk, disk);
        due.earliest.set(t.zip(w));
    }
}

/// A Ready whose write is under way on a slow disk, with the node's role, term and commit index
/// when it was taken.
#[derive(Debug, Clone)]
struct Writing {
    done_at: u64,
    ready: raft_core::ready::Ready,
    role: Role,
    term: Term,
    commit: Index,
}

/// What a long run keeps in memory ([`World::set_memory_bounds`]). Without bounds a world
/// keeps every trace record (with `keep_trace`), every client operation (for the
/// linearizability check) and every commit latency, so its memory grows with virtual time.
/// With them, those three stay within the figures below; the verdicts, the trace hash and
/// the run itself are unchanged.
///
/// The checker's record of the committed prefix (32 bytes per committed entry) is thinned too:
/// it forgets the entries below every node's snapshot (crashed nodes' included), so with
/// compaction ([`SimOptions::snapshot_every`]) it holds about what the longest log holds; a
/// node that never compacts (or stays down since before its first snapshot) holds it back.
///
/// Not covered (each grows slower, with the log, not with events): the nodes' logs and disks
/// (bounded by compaction), without compaction the checker's mirror of each node's log (16
/// bytes per entry and node), one entry per term in the election records, and the actions a
/// person took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBounds {
    /// Trace records kept (with `keep_trace`): the newest `trace_records` to
    /// `2 × trace_records`, older ones dropped in batches ([`World::trace_dropped`] counts
    /// them). The hash still covers every record, and [`World::full_trace`] rebuilds the whole
    /// trace (for an export) by replaying the run.
    pub trace_records: usize,
    /// Client operations kept: once at least this many are held and none is pending, the held
    /// ones are checked for linearizability as one segment and dropped
    /// ([`crate::linearizability::Segments`]; [`World::history_dropped`] counts them). So at
    /// most this many plus those invoked until the next quiescent cut are held (a few dozen
    /// under the playground's load). A segment whose search runs out of `max_steps` or leaves
    /// a key in too many possible states is kept until a later cut; a run in which some
    /// operation stays pending for good (a client that never gets an answer) keeps everything
    /// from that operation on.
    pub history_ops: usize,
    /// Commit latencies kept in [`Stats::latencies`]: the newest `latencies` to
    /// `2 × latencies`.
    pub latencies: usize,
    /// The linearizability search's step budget per key and segment.
    pub max_steps: u64,
}

impl Default for MemoryBounds {
    /// 10,000 records, 1,000 operations, 10,000 latencies, the default search budget.
    fn default() -> Self {
        MemoryBounds {
            trace_records: 10_000,
            history_ops: 1_000,
            latencies: 10_000,
            max_steps: crate::linearizability::DEFAULT_MAX_STEPS,
        }
    }
}

/// The simulated world.
#[derive(Debug, Clone)]
pub struct World {
    opts: SimOptions,
    now: u64,
    rng: SimRng,
    /// Draws the machines' clock rates (only when `opts.clock_drift_ppm > 0`), apart from `rng`
    /// so that drift moves no other draw.
    clock_rng: SimRng,
    /// Draws which node steps find the disk unable to read (only when
    /// `opts.stalled_reads_ppm > 0`), apart from `rng` so that the nemesis moves no other draw.
    stall_rng: SimRng,
    net: Network,
    nodes: NodeTable<SimNode>,
    /// Every node's timer and disk times, in id order: what [`NodeDue::of`] gives for each of
    /// `nodes`, at all times (checked in debug builds by [`World::next_event`]).
    due: Dues,
    clients: Vec<Client>,
    load_on: bool,
    next_task: u64,
    /// Client operations from `segments.ops()` on (all of them without memory bounds).
    history: Vec<HistoryOp>,
    /// The last sequence number given to a history event (see [`HistoryOp`]).
    history_seq: u64,
    /// Operations invoked and not completed yet.
    history_open: usize,
    /// Operations checked for linearizability and dropped ([`MemoryBounds::history_ops`]).
    segments: crate::linearizability::Segments,
    /// The held history's length at which the next cut is tried.
    next_cut: usize,
    /// What a long run keeps ([`World::set_memory_bounds`]); `None`: everything.
    bounds: Option<MemoryBounds>,
    /// Trace records dropped from the front of `trace`.
    trace_dropped: u64,
    /// Latencies dropped from the front of `stats.latencies`.
    latencies_dropped: u64,
    /// The step count when each action in `actions` was taken (to rebuild the run exactly).
    action_steps: Vec<u64>,
    checker: Checker,
    trace: Vec<TraceRecord>,
    hash: TraceHash,
    /// Whether records are hashed into `hash` ([`World::stop_hashing`]); with `keep_trace`
    /// they always are.
    hashing: bool,
    actions: Vec<(u64, Action)>,
    stats: Stats,
    /// Per term: candidates that campaigned, and whether someone won.
    terms: BTreeMap<Term, (u32, bool)>,
    halted: Option<Violation>,
    /// How many of the checker's violations are in the trace.
    violations_recorded: usize,
    /// Which client wakes first ([`World::client_wake`]). Every change to a client's wake-up
    /// time, its pending operation or the load switch is announced to it first
    /// ([`World::clients_changed`]), so it always finds what a scan would; under heavy load
    /// most steps are deliveries that touch no client, and an operation's completion moves one
    /// client (a walk up the tree, not a scan of every client).
    wakes: core::cell::RefCell<crate::wake::WakeTree>,
    /// Proposals made with [`Action::Propose`] so far (each gets its own session).
    proposals: u64,
    /// Index and term of the last [`Action::Propose`] a leader accepted.
    last_proposal: Option<(Index, Term)>,
    /// Heartbeats and their answers kept off this world's network for a multi-group world to
    /// carry between machines ([`World::intercept_heartbeats`]); `None`: sent as usual.
    intercepted: Option<Vec<raft_core::message::Message>>,
    /// Committed commands decoded once for every replica that applies them.
    decoded: crate::app::DecodeCache,
}

impl World {
    /// A new cluster of `opts.nodes` voters, all followers in term 0 at time 0.
    pub fn new(opts: SimOptions) -> Result<Self, SimError> {
        opts.validate()?;
        let ids: Vec<NodeId> = (1..=u64::from(opts.nodes)).collect();
        let membership = Membership::with_voters(ids.iter().copied());
        let mut nodes = NodeTable::new();
        let mut clock_rng = clock_rng(&opts);
        for &id in &ids {
            let node = Node::with_storage(
                opts.node_config(id),
                SimDisk::new(MemStorage::new(membership.clone())),
            )?;
            let clock = Clock::drawn(&mut clock_rng, opts.clock_drift_ppm);
            let pushed = nodes.push(SimNode::started(node, clock, 0, opts.disk_ms));
            debug_assert_eq!(
                pushed, id,
                "the table numbers nodes 1, 2, 3… as the ids are"
            );
        }
        let clients = (0..u64::from(opts.clients.count))
            .map(|k| Client::new(k + 1, ids[(k as usize) % ids.len()], 0))
            .collect();
        // Room for a few seconds of load: a `raft-sim check` seed records about 70 operations
        // per client, and regrowing the history there six times, copying it each time, was
        // 0.4% of the run (this is one allocation of some 60 KB instead).
        let history_room = if opts.clients.enabled {
            128 * opts.clients.count as usize
        } else {
            0
        };
        let mut world = World {
            rng: SimRng::new(opts.seed),
            clock_rng,
            stall_rng: SimRng::new(opts.seed ^ 0x57A1_1ED0_DEAD_0001),
            net: Network::new(opts.net.clone()),
            load_on: opts.clients.enabled,
            opts,
            now: 0,
            due: Dues {
                list: nodes.iter().map(|(&id, sn)| NodeDue::of(id, sn)).collect(),
                earliest: Default::default(),
            },
            nodes,
            clients,
            next_task: 1,
            history: Vec::with_capacity(history_room),
            history_seq: 0,
            history_open: 0,
            segments: crate::linearizability::Segments::new(),
            next_cut: 0,
            bounds: None,
            trace_dropped: 0,
            latencies_dropped: 0,
            action_steps: Vec::new(),
            checker: Checker::new(),
            trace: Vec::new(),
            hash: TraceHash::default(),
            hashing: true,
            actions: Vec::new(),
            stats: Stats::default(),
            terms: BTreeMap::new(),
            halted: None,
            violations_recorded: 0,
            wakes: Default::default(),
            proposals: 0,
            last_proposal: None,
            intercepted: None,
            decoded: Default::default(),
        };
        for (&id, sn) in &world.nodes {
            world.checker.on_state(id, 0, sn.kv.digest());
        }
        Ok(world)
    }

    /// Rebuilds a run from its options and recorded actions, up to time `until`: every event due
    /// by an action's time is processed before it, and every event due by `until` at the end.
    /// A run that stopped in the middle of a millisecond is rebuilt exactly only by
    /// [`World::replay_exact`], from the step counts a trace records.
    pub fn replay(
        opts: SimOptions,
        actions: &[(u64, Action)],
        until: u64,
    ) -> Result<Self, SimError> {
        let mut w = World::new(opts)?;
        for (t, a) in actions {
            if *t > until {
                break;
            }
            w.advance_to(*t);
            match w.act(a.clone()) {
                // A node's refusal was part of the recorded run.
                Ok(()) | Err(SimError::Raft(_)) => {}
                Err(e) => return Err(e),
            }
        }
        w.advance_to(until);
        Ok(w)
    }

    /// Rebuilds a run exactly, event for event: before `actions[k]` it processes steps until
    /// `steps_before[k]` have been processed since the start (none due after the action's
    /// time), and `steps` in all before setting the clock to `end`. Unlike [`World::replay`],
    /// it stops where the recorded run stopped even in the middle of a millisecond (a
    /// `run_until` whose condition came true while more events were due at the same instant).
    /// The work is bounded by `steps`, whatever the times say.
    pub fn replay_exact(
        opts: SimOptions,
        actions: &[(u64, Action)],
        steps_before: &[u64],
        end: u64,
        steps: u64,
    ) -> Result<Self, SimError> {
        Self::replay_exact_hashed(HashScheme::Words, opts, actions, steps_before, end, steps)
    }

    /// [`World::replay_exact`], hashing the trace with `scheme` (to verify a trace written by
    /// an earlier format version, [`HashScheme::for_version`]).
    pub fn replay_exact_hashed(
        scheme: HashScheme,
        opts: SimOptions,
        actions: &[(u64, Action)],
        steps_before: &[u64],
        end: u64,
        steps: u64,
    ) -> Result<Self, SimError> {
        if steps_before.len() != actions.len() {
            return Err(SimError::Invalid(format!(
                "{} actions but {} step counts",
                actions.len(),
                steps_before.len()
            )));
        }
        let mut w = World::new(opts)?;
        w.hash = TraceHash::new(scheme);
        for ((t, a), &n) in actions.iter().zip(steps_before) {
            w.advance_to_step(*t, n);
            match w.act(a.clone()) {
                // A node's refusal was part of the recorded run.
                Ok(()) | Err(SimError::Raft(_)) => {}
                Err(e) => return Err(e),
            }
        }
        w.advance_to_step(end, steps);
        Ok(w)
    }

    // ----- observation -----------------------------------------------------------------------

    /// Virtual time in ms.
    pub fn now(&self) -> u64 {
        self.now
    }
    /// The options the world was made with.
    pub fn options(&self) -> &SimOptions {
        &self.opts
    }
    /// Every machine, by id.
    pub fn nodes(&self) -> &NodeTable<SimNode> {
        &self.nodes
    }
    /// The network.
    pub fn network(&self) -> &Network {
        &self.net
    }
    /// Stored trace records (empty unless `keep_trace`).
    pub fn trace(&self) -> &[TraceRecord] {
        &self.trace
    }
    /// Running hash of the whole trace so far (see [`World::stop_hashing`]).
    pub fn trace_hash(&self) -> u64 {
        self.hash.value()
    }
    /// Hashes the trace with `scheme` from now on, starting over from the empty trace's hash:
    /// for a world that has recorded nothing yet (a multi-group world's members keep the
    /// version-3 scheme of the version-4 trace format).
    pub(crate) fn hash_with(&mut self, scheme: HashScheme) {
        self.hash = TraceHash::new(scheme);
    }
    /// Actions applied so far, with their times.
    pub fn actions(&self) -> &[(u64, Action)] {
        &self.actions
    }
    /// Client history: every operation, or with [`MemoryBounds`] those from
    /// [`World::history_dropped`] on (an operation's index in the whole history, the `op_id`
    /// of its trace records, is that count plus its index here).
    pub fn history(&self) -> &[HistoryOp] {
        &self.history
    }
    /// Client operations checked for linearizability and dropped ([`MemoryBounds`]).
    pub fn history_dropped(&self) -> usize {
        self.segments.ops()
    }
    /// Trace records dropped from the front of [`World::trace`] ([`MemoryBounds`]).
    pub fn trace_dropped(&self) -> u64 {
        self.trace_dropped
    }
    /// Latencies dropped from the front of [`Stats::latencies`] ([`MemoryBounds`]).
    pub fn latencies_dropped(&self) -> u64 {
        self.latencies_dropped
    }
    /// The linearizability verdict of the whole client history, searching each key for at
    /// most `max_steps` model steps: the segments dropped under [`MemoryBounds`] (checked as
    /// they were dropped) and the operations held.
    pub fn history_verdict(&self, max_steps: u64) -> crate::linearizability::Verdict {
        self.segments.verdict(&self.history, max_steps)
    }

    /// Keeps what a long run holds in memory within `bounds` from now on (see
    /// [`MemoryBounds`]): for a page or a service that runs a world for hours. Nothing about
    /// the run changes. Errors: a bound of 0.
    pub fn set_memory_bounds(&mut self, bounds: MemoryBounds) -> Result<(), SimError> {
        if bounds.trace_records == 0
            || bounds.history_ops == 0
            || bounds.latencies == 0
            || bounds.max_steps == 0
        {
            return Err(SimError::Invalid("memory bounds must be at least 1".into()));
        }
        self.bounds = Some(bounds);
        self.next_cut = bounds.history_ops;
        Ok(())
    }

    /// The bounds set with [`World::set_memory_bounds`], if any.
    pub fn memory_bounds(&self) -> Option<MemoryBounds> {
        self.bounds
    }

    /// The same run with every trace record kept, rebuilt from the options and the actions
    /// (for an export of a world whose [`MemoryBounds`] dropped records): replays exactly as
    /// many steps as this world took, so its hash is this world's. For a world driven by
    /// [`World::act`] and the clock alone, as every recorded run is (not a multi-group world's
    /// member, whose heartbeats come from outside). Takes as long as the run did.
    pub fn full_trace(&self) -> Result<World, SimError> {
        let opts = SimOptions {
            keep_trace: true,
            ..self.opts.clone()
        };
        World::replay_exact_hashed(
            self.hash.scheme(),
            opts,
            &self.actions,
            &self.action_steps,
            self.now,
            self.stats.events,
        )
    }
    /// Counters.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// Split votes so far: terms before the current highest one in which two or more
    /// candidates campaigned and none won.
    pub fn split_votes(&self) -> u64 {
        let current = self.terms.keys().next_back().copied().unwrap_or(0);
        self.terms
            .iter()
            .filter(|(&t, &(c, won))| t < current && c >= 2 && !won)
            .count() as u64
    }
    /// The violation that stopped the run, if any (the world stops there). With a break-it
    /// switch on, a broken rule does not stop the run; see [`World::violations`].
    pub fn violation(&self) -> Option<&Violation> {
        self.halted.as_ref()
    }
    /// Every violation found so far, the first of each property, in the order found.
    pub fn violations(&self) -> &[Violation] {
        &self.checker.violations[..self.violations_recorded]
    }
    /// The checker (committed prefix length and the like).
    pub fn checker(&self) -> &Checker {
        &self.checker
    }
    /// True while the steady client load runs.
    pub fn client_load(&self) -> bool {
        self.load_on
    }
    /// The live node that leads the highest term, if any.
    pub fn leader(&self) -> Option<NodeId> {
        self.nodes
            .iter()
            .filter_map(|(&id, s)| s.node.as_ref().map(|n| (id, n)))
            .filter(|(_, n)| n.role() == Role::Leader)
            .max_by_key(|(_, n)| n.term())
            .map(|(id, _)| id)
    }
    /// A live node, if it exists and is up.
    pub fn node(&self, id: NodeId) -> Option<&Node> {
        self.nodes.get(&id).and_then(|s| s.node.as_ref())
    }
    /// Node `id` as a restart now would bring it up, without changing anything: a live node
    /// as it is, a node that is down rebuilt from a copy of its disk (the log, term, vote and
    /// membership it would recover). `None` for an unknown id or a disk raft-core refuses.
    pub fn recovered_node(&self, id: NodeId) -> Option<alloc::borrow::Cow<'_, Node>> {
        let sn = self.nodes.get(&id)?;
        match &sn.node {
            Some(n) => Some(alloc::borrow::Cow::Borrowed(n)),
            None => Node::with_storage(self.opts.node_config(id), SimDisk::new(sn.disk.clone()))
                .ok()
                .map(alloc::borrow::Cow::Owned),
        }
    }
    /// Time at which node `id`'s next timer fires (for drawing timer arcs).
    pub fn timer_at(&self, id: NodeId) -> Option<u64> {
        self.nodes
            .get(&id)
            .filter(|s| s.node.is_some())
            .map(|s| s.timer_at)
    }

    // ----- time ------------------------------------------------------------------------------

    // Inlined so that a caller's record is not built at all when nothing reads it.
    #[inline]
    fn record(&mut self, event: TraceEvent) {
        if self.opts.keep_trace {
            let rec = TraceRecord { t: self.now, event };
            self.hash.add(&rec);
            self.trace.push(rec);
            if let Some(b) = self.bounds {
                if self.trace.len() >= 2 * b.trace_records {
                    let drop = self.trace.len() - b.trace_records;
                    self.trace.drain(..drop);
                    self.trace_dropped += drop as u64;
                }
            }
        } else if self.hashing {
            // Hashed where it lies, not moved into a record first (the same bytes).
            self.hash.add_event(self.now, &event);
        }
    }

    /// [`World::record`] for the `step` record every event makes, inlined into the caller:
    /// hashed from its field with [`TraceHash::add_step`]'s written-out words, so that no
    /// record is built, dispatched on or dropped unless the trace is kept (about 1.5% of a
    /// playground-load run's instructions went into `record`'s dispatch and the record's drop,
    /// and the drop of a record built only to be hashed 0.9% of a heavy-load run's).
    #[inline(always)]
    fn record_step(&mut self, n: u64) {
        if self.opts.keep_trace {
            self.record(TraceEvent::Step { n });
        } else if self.hashing {
            self.hash.add_step(self.now, n);
        }
    }

    /// [`World::record_step`] for the `deliver` record.
    #[inline(always)]
    fn record_deliver(&mut self, id: u64, from: NodeId, to: NodeId) {
        if self.opts.keep_trace {
            self.record(TraceEvent::Deliver { id, from, to });
        } else if self.hashing {
            self.hash.add_deliver(self.now, id, from, to);
        }
    }

    /// Whether trace records go anywhere: kept, or at least hashed. When not, the hot paths
    /// (sends, appends, applies) skip building them.
    fn recording(&self) -> bool {
        self.opts.keep_trace || self.hashing
    }

    /// Stops hashing trace records, for a run whose trace nobody reads (`raft-sim check`
    /// without `--trace` needs only the checkers' verdicts and the counters): hashing every
    /// record byte by byte is about a seventh of such a run's instructions. Without
    /// `keep_trace`, [`World::trace_hash`] then stays at the hash of the records before the
    /// call; with `keep_trace` it has no effect (a stored trace carries its hash). Nothing else
    /// changes: the same events happen in the same order.
    pub fn stop_hashing(&mut self) {
        self.hashing = false;
    }

    /// Time of the next event, if any at or before [`MAX_TIME_MS`] (the world goes no further).
    pub fn next_event_time(&self) -> Option<u64> {
        self.next_event().map(|(t, _)| t)
    }

    /// The next event and its time, found once per step. Its time is the earliest of every
    /// source; which event runs follows the fixed order at the clock's time then (the later
    /// of now and that time): a due delivery (by time, then id), else the lowest node id
    /// whose timer is due, else the client due first (by time, then index).
    fn next_event(&self) -> Option<(u64, Due)> {
        let msg = self.net.next_delivery();
        #[cfg(debug_assertions)]
        {
            let scan: Vec<NodeDue> = self
                .nodes
                .iter()
                .map(|(&id, sn)| NodeDue::of(id, sn))
                .collect();
            assert_eq!(self.due.list, scan, "World::due out of step with the nodes");
            let known = self.due.earliest.get();
            self.due.earliest.set(None);
            assert!(
                known.is_none_or(|k| k == self.due.earliest()),
                "World::due's earliest times out of step with its list"
            );
        }
        // One pass over the nodes for the earliest timer and the earliest disk write (u64::MAX:
        // none; a timer at u64::MAX is a learner or a node outside the configuration).
        let (timer, disk) = self.due.earliest();
        let client = self.client_wake();
        // The earliest of the four, each `u64::MAX` when it has nothing (never a time: times
        // stop at MAX_TIME_MS, so none is the earliest and none is due by `now` below).
        let msg = msg.unwrap_or(u64::MAX);
        let t = msg
            .min(timer)
            .min(disk)
            .min(client.map_or(u64::MAX, |(t, _)| t));
        if t > MAX_TIME_MS {
            return None;
        }
        let now = self.now.max(t);
        if msg <= now {
            return Some((t, Due::Delivery));
        }
        if disk <= now {
            if let Some(d) = self.due.list.iter().find(|d| d.disk <= now) {
                return Some((t, Due::Disk(d.id)));
            }
        }
        if timer <= now {
            if let Some(d) = self.due.list.iter().find(|d| d.timer <= now) {
                return Some((t, Due::Timer(d.id)));
            }
        }
        match client {
            Some((at, k)) if at <= now => Some((t, Due::Client(k))),
            _ => Some((t, Due::Nothing)),
        }
    }

    /// The client due first, by (wake-up time, index), among those waiting to act.
    fn client_wake(&self) -> Option<(u64, usize)> {
        let clients = &self.clients;
        let load_on = self.load_on;
        self.wakes.borrow_mut().first(clients.len(), |k| {
            let c = &clients[k];
            if load_on || c.pending.is_some() {
                c.next_at
            } else {
                u64::MAX
            }
        })
    }

    /// Announces that client `k` (`None`: any client, or the load switch) is about to change:
    /// called before anything changes a client.
    fn clients_changed(&self, k: Option<usize>) {
        self.wakes.borrow_mut().changed(k);
    }

    /// Processes the next event (advancing the clock to it). Returns false if the run is halted
    /// or nothing is scheduled before the clock's end, [`MAX_TIME_MS`].
    pub fn step(&mut self) -> bool {
        if self.halted.is_some() {
            return false;
        }
        let Some((t, due)) = self.next_event() else {
            return false;
        };
        self.step_event(t, due);
        true
    }

    /// Processes `due`, the event [`World::next_event`] found at time `t`.
    fn step_event(&mut self, t: u64, due: Due) {
        self.now = self.now.max(t);
        self.stats.events += 1;
        self.checker.at(self.now, self.stats.events);
        self.record_step(self.stats.events);
        match due {
            Due::Delivery => {
                if let Some(f) = self.net.pop_due(self.now) {
                    self.deliver(f.id, f.msg);
                }
            }
            Due::Timer(id) => {
                self.record(TraceEvent::Timeout { node: id });
                self.with_node(id, |_| ());
            }
            Due::Client(k) => self.client_act(k),
            Due::Disk(id) => {
                let w = self.nodes.get_mut(&id).and_then(|s| {
                    let w = s.writing.take();
                    note_due(&mut self.due, id, s);
                    w
                });
                if let Some(mut w) = w {
                    self.complete_ready(id, &mut w.ready, w.role, w.term, w.commit);
                    // What the node did meanwhile is its next Ready.
                    self.drain(id);
                }
            }
            Due::Nothing => {}
        }
        self.check_halt();
    }

    /// Processes every event up to and including time `t`, then sets the clock to `t`. The
    /// clock stops at [`MAX_TIME_MS`]: a later `t` (up to `u64::MAX`) counts as that.
    pub fn advance_to(&mut self, t: u64) {
        self.advance_to_step(t, u64::MAX);
    }

    /// Like [`World::advance_to`], but stops once `steps` steps have been processed since the
    /// start (see [`Stats::events`]), even if more events are due at or before `t`.
    pub fn advance_to_step(&mut self, t: u64, steps: u64) {
        let t = t.min(MAX_TIME_MS);
        while self.halted.is_none() && self.stats.events < steps {
            match self.next_event() {
                Some((n, due)) if n <= t => self.step_event(n, due),
                _ => break,
            }
        }
        if self.halted.is_none() {
            self.now = self.now.max(t);
        }
    }

    /// Advances by `dt` ms.
    pub fn advance_by(&mut self, dt: u64) {
        self.advance_to(self.now.saturating_add(dt));
    }

    /// Runs until `pred` holds or the clock passes `deadline`; returns whether `pred` held. A
    /// deadline past [`MAX_TIME_MS`] counts as that.
    pub fn run_until(&mut self, deadline: u64, mut pred: impl FnMut(&World) -> bool) -> bool {
        let deadline = deadline.min(MAX_TIME_MS);
        loop {
            if pred(self) {
                return true;
            }
            match self.next_event() {
                Some((t, due)) if t <= deadline && self.halted.is_none() => {
                    self.step_event(t, due);
                }
                _ => {
                    self.advance_to(deadline);
                    return pred(self);
                }
            }
        }
    }

    /// Records every violation found since the last call and halts at the first one that stops
    /// the run: any violation, or with a break-it switch on, any but a broken rule or a leader
    /// missing a committed entry ([`crate::checker::RUNS_ON_WITH_BREAK_IT`]), so that the
    /// consequence can be seen.
    ///
    /// Inlined, with the recording apart: it runs after every step and almost always finds
    /// nothing new, and the call alone cost about 25 instructions (0.7% of a `raft-sim check`
    /// run).
    #[inline]
    fn check_halt(&mut self) {
        if self.halted.is_none() && self.violations_recorded < self.checker.violations.len() {
            self.record_violations();
        }
    }

    /// [`World::check_halt`]'s work once a violation is new.
    #[inline(never)]
    fn record_violations(&mut self) {
        while self.halted.is_none() && self.violations_recorded < self.checker.violations.len() {
            let v = self.checker.violations[self.violations_recorded].clone();
            self.violations_recorded += 1;
            self.record(TraceEvent::Violation {
                violation: v.clone(),
            });
            let runs_on = crate::checker::RUNS_ON_WITH_BREAK_IT.contains(&v.property.as_str());
            if !(runs_on && self.opts.break_it.any()) {
                self.halted = Some(v);
            }
        }
    }

    // ----- driving nodes ---------------------------------------------------------------------

    /// Brings a live node's clock up to now, runs `f` on it, and handles its Ready.
    fn with_node<R>(&mut self, id: NodeId, f: impl FnOnce(&mut Node) -> R) -> Option<R> {
        let now = self.now;
        let sn = self.nodes.get_mut(&id)?;
        let node = sn.node.as_mut()?;
        if self.opts.stalled_reads_ppm > 0 {
            let stalled = self.stall_rng.chance(self.opts.stalled_reads_ppm);
            node.storage_mut().stalled = stalled;
            self.stats.stalled_steps += u64::from(stalled);
        }
        let dt = sn.clock.ticks_at(now) - sn.clock.ticks_at(sn.ticked_at);
        sn.ticked_at = now;
        if dt > 0 {
            let _ = node.step(Input::Tick(dt));
        }
        let r = f(node);
        self.drain(id);
        // The stall lasts one step of the node (its input and its Ready); the checks and the
        // page read the node's log as it is. (Only this function stalls a disk, and only with
        // the nemesis on: without it there is nothing to clear, and no lookup to make.)
        if self.opts.stalled_reads_ppm > 0 {
            if let Some(node) = self.nodes.get_mut(&id).and_then(|sn| sn.node.as_mut()) {
                node.storage_mut().stalled = false;
            }
        }
        Some(r)
    }

    /// Handles a node's Ready in the documented order: persist, send, apply.
    fn drain(&mut self, id: NodeId) {
        let Some(sn) = self.nodes.get_mut(&id) else {
            return;
        };
        let Some(node) = sn.node.as_mut() else { return };
        if sn.writing.is_some() {
            // The disk is busy with the previous Ready: this one waits for it (Ready's contract:
            // persist before sending, one Ready at a time).
            sn.timer_at = sn.clock.when(self.now, node.ticks_until_timer());
            note_due(&mut self.due, id, sn);
            return;
        }
        if !node.has_ready() {
            // Nothing to persist, send or apply, and nothing the checks have not seen: the
            // node's state is what the last Ready left (raft-core's promise, tested there).
            sn.timer_at = sn.clock.when(self.now, node.ticks_until_timer());
            note_due(&mut self.due, id, sn);
            return;
        }
        let mut ready = node.ready();
        // The checks below read the node's log as it is (see `with_node`).
        node.storage_mut().stalled = false;
        let (role, term) = (node.role(), node.term());
        let commit = node.log().committed();
        sn.timer_at = sn.clock.when(self.now, node.ticks_until_timer());
        let writes =
            ready.hard_state.is_some() || !ready.entries.is_empty() || ready.snapshot.is_some();
        if sn.disk_ms > 0 && writes {
            sn.writing = Some(Box::new(Writing {
                done_at: self.now.saturating_add(sn.disk_ms),
                ready,
                role,
                term,
                commit,
            }));
            note_due(&mut self.due, id, sn);
            return;
        }
        note_due(&mut self.due, id, sn);

        self.complete_ready(id, &mut ready, role, term, commit);
    }

    /// Persists a Ready and hands on what it holds, in the documented order: persist, send,
    /// apply.
    fn complete_ready(
        &mut self,
        id: NodeId,
        ready: &mut raft_core::ready::Ready,
        role: Role,
        term: Term,
        commit: Index,
    ) {
        let Some(sn) = self.nodes.get_mut(&id) else {
            return;
        };
        let Some(node) = sn.node.as_mut() else { return };
        // On a slow disk the node may have moved on while this Ready was written (a newer term,
        // another role): the leader's checks that read its live log then wait for its next
        // Ready, which reports the state that log belongs to.
        let current = node.role() == role && node.term() == term;
        // The disk that outlives a crash (the page and the checks read it whether the node is
        // up or not), and the node's own storage, which it reads its stable entries back from.
        // With `lose_unsynced_writes`, the disk syncs every `UNSYNCED_MS`: what it holds then
        // is what a crash leaves.
        if self.opts.break_it.lose_unsynced_writes
            && sn
                .synced
                .as_ref()
                .is_none_or(|&(at, _)| self.now >= at + UNSYNCED_MS)
        {
            sn.synced = Some((self.now, node.storage().inner.clone()));
        }
        node.storage_mut().persist(ready);

        // The records of one Ready go in causal order: a role held in an earlier term than the
        // stored one (a PreVote round that won at once, say), the stored term and vote, the
        // roles of that term, the snapshot, the entries, the commit index, the messages, and
        // the applied entries. The checker sees them in the order of the contract on `Ready`.
        // Only for the records: nothing is gathered when they go nowhere (`raft-sim check`).
        let recording = self.recording();
        let roles: Vec<(Role, Term)> = if recording {
            ready
                .events
                .iter()
                .filter_map(|ev| match ev {
                    Event::RoleChanged { role, term } => Some((*role, *term)),
                    _ => None,
                })
                .collect()
        } else {
            Vec::new()
        };
        let before = match ready.hard_state {
            Some(hs) => roles.iter().take_while(|&&(_, t)| t < hs.term).count(),
            None => 0,
        };
        for &(role, term) in &roles[..before] {
            self.record(TraceEvent::Role {
                node: id,
                role,
                term,
            });
        }
        // 1. Persistence.
        if let Some(hs) = ready.hard_state {
            self.checker.on_hard_state(id, hs);
            self.record(TraceEvent::HardState {
                node: id,
                term: hs.term,
                vote: hs.vote,
            });
        }
        for &(role, term) in &roles[before..] {
            self.record(TraceEvent::Role {
                node: id,
                role,
                term,
            });
        }
        if let Some(snap) = &ready.snapshot {
            let (index, term) = (snap.meta.index, snap.meta.term);
            // The state machine is replaced by the snapshot's; `Some(None)`: its data is
            // malformed, which the checker reports.
            let mut installed = None;
            if ready.restore_snapshot {
                let kv = KvStore::restore(&snap.data);
                installed = Some(kv.as_ref().map(KvStore::digest));
                if let Some(sn) = self.nodes.get_mut(&id) {
                    sn.kv = kv.unwrap_or_default();
                    sn.applied = index;
                }
            }
            self.checker
                .on_snapshot(id, index, term, ready.restore_snapshot);
            match installed {
                Some(Some(digest)) => self.checker.on_state(id, index, digest),
                Some(None) => self.checker.on_restore_failed(id, index, term),
                None => {}
            }
            self.record(TraceEvent::Snapshot {
                node: id,
                index,
                term,
                source: if ready.restore_snapshot {
                    SnapshotSource::Leader
                } else {
                    SnapshotSource::Compaction
                },
            });
            self.forget_below_snapshots();
        }
        if !ready.entries.is_empty() {
            self.checker.on_persist(id, &ready.entries);
            if self.opts.keep_trace {
                self.record(TraceEvent::Append {
                    node: id,
                    entries: core::mem::take(&mut ready.entries).into_vec(),
                });
            } else if self.hashing {
                // Hashed where they lie, as the record's `Vec` would be: no copy.
                self.hash.add_append(self.now, id, &ready.entries);
            }
        }
        // The node's live log, looked up once for the checks below (they touch no node).
        let log = live_log(&self.nodes, id);
        for ev in &ready.events {
            match ev {
                Event::RoleChanged {
                    role: Role::Leader,
                    term,
                } => {
                    self.stats.leaders += 1;
                    self.terms.entry(*term).or_default().1 = true;
                    if let Some(log) = log.filter(|_| current) {
                        self.checker.on_leader(id, *term, log);
                    }
                }
                Event::ElectionStarted {
                    pre_vote: false,
                    term,
                } => {
                    self.stats.elections += 1;
                    self.terms.entry(*term).or_default().0 += 1;
                }
                _ => {}
            }
        }
        if role == Role::Leader {
            if let Some(log) = log.filter(|_| current) {
                self.checker.on_leader_log(id, term, log);
            }
        } else {
            self.checker.on_not_leader(id);
        }
        // A commit index never passes entries a log could lose: the live log serves even if
        // the node moved on.
        let advanced = log.is_some_and(|log| {
            self.checker
                .on_commit(id, commit, term, role == Role::Leader, log)
        });
        // Stored On A Majority: over the leader's log of the same term (a log that moved on to
        // another term may have lost the configuration entries the commit was counted over).
        if advanced && role == Role::Leader && current {
            if let Some(n) = self.nodes.get(&id).and_then(|s| s.node.as_ref()) {
                self.checker
                    .on_leader_commit(id, term, commit, n.base_membership(), n.log());
            }
        }
        if recording
            && ready
                .events
                .iter()
                .any(|e| matches!(e, Event::Committed { .. }))
        {
            self.record(TraceEvent::Commit {
                node: id,
                index: commit,
            });
        }
        // 2. Messages (their vector goes back to the node below, emptied).
        let mut messages = core::mem::take(&mut ready.messages);
        // Many Readies send nothing: a drain, even of nothing, cost about 30 instructions.
        if !messages.is_empty() {
            for m in messages.drain(..) {
                self.send_message(m);
            }
        }
        // 3. Apply. Read in place: iterating the shared run by value cloned every entry (its
        // payload's reference count up and down again) for nothing, 1% of a `raft-sim check` run.
        let committed = core::mem::take(&mut ready.committed);
        for e in committed.iter() {
            let Some(sn) = self.nodes.get_mut(&id) else {
                return;
            };
            let mut executed = None;
            let (mut command, mut session) = (None, None);
            if let Payload::Command(bytes) = &e.payload {
                // Decoded once for every replica (the same bytes give the same command).
                if let Some(cmd) = self.decoded.decode(e.index, e.term, bytes) {
                    let applied = sn.kv.apply_in_place(cmd);
                    if applied == Some(true) {
                        executed = Some((cmd.client, cmd.seq));
                    }
                    session = Some(match applied {
                        Some(true) => SessionOutcome::Executed,
                        Some(false) => SessionOutcome::Duplicate,
                        None => SessionOutcome::Stale,
                    });
                    command = Some(cmd);
                }
            }
            let digest = sn.kv.digest();
            sn.applied = e.index;
            // The reply, read where the session table keeps it: copied only for the client
            // it completes and for a stored trace.
            let reply = command
                .filter(|_| session != Some(SessionOutcome::Stale))
                .and_then(|c| sn.kv.reply(c.client));
            self.checker.on_apply(id, e, executed);
            self.checker.on_state(id, e.index, digest);
            let read_index = self.opts.clients.read_index;
            let done = command.zip(reply).and_then(|(c, r)| {
                let k = Self::completing(&self.clients, read_index, id, c.client, c.seq)?;
                Some((k, r.clone()))
            });
            if self.opts.keep_trace {
                let (command, result) = (command.cloned(), reply.cloned());
                self.record(TraceEvent::Apply {
                    node: id,
                    index: e.index,
                    term: e.term,
                    command,
                    result,
                    session,
                });
            } else if self.hashing {
                self.hash
                    .add_apply(self.now, id, e.index, e.term, command, reply, session);
            }
            if let Some((k, reply)) = done {
                self.complete_pending(k, reply);
            }
        }
        // 4. Reads whose index the state machine has reached.
        let (every, budget) = (self.opts.snapshot_every, self.opts.snapshot_max_log_bytes);
        let mut due = None;
        let mut reads = false;
        if let Some(sn) = self.nodes.get_mut(&id) {
            sn.reads.append(&mut ready.reads);
            reads = !sn.reads.is_empty();
            // The Ready's emptied vectors go back to the node, whose next Ready fills them
            // instead of allocating new ones (Node::advance; one allocation and one free per
            // Ready otherwise). Borrowed, not moved: a Ready is 280 bytes, and handing it over
            // by value copied it in and out of this function (1.6% of a `raft-sim check` run).
            if let Some(n) = sn.node.as_mut() {
                ready.messages = messages;
                n.advance_in_place(ready);
                // Compaction policy: every `snapshot_every` applied entries, except while this
                // node leads and a follower is installing a snapshot. Compacting then would
                // leave that follower needing yet another snapshot after the one it is
                // receiving, forever under load. (Decided here, in the same lookup of the
                // node; serving reads below changes nothing it reads.)
                if every > 0 || budget > 0 {
                    let applied = sn.applied;
                    let l = n.log();
                    let by_count = every > 0 && applied >= l.snapshot_index().saturating_add(every);
                    let by_bytes = budget > 0
                        && applied > l.snapshot_index()
                        && n.storage().inner.log_bytes() > budget;
                    due = ((by_count || by_bytes) && !n.sending_snapshot()).then_some(applied);
                }
            }
        }
        if reads {
            self.serve_reads(id);
        }
        if let Some(index) = due {
            self.compact(id, index);
        }
    }

    /// Snapshots node `id`'s state machine at `index` (its applied index) and compacts its log.
    fn compact(&mut self, id: NodeId, index: Index) {
        let Some(data) = self.nodes.get(&id).map(|s| s.kv.snapshot()) else {
            return;
        };
        let _ = self.with_node(id, |n| n.step(Input::Compact { index, data }));
    }

    /// Hands `m` to the network, counts it and records what became of it.
    fn send_message(&mut self, m: raft_core::message::Message) {
        if let Some(out) = self.intercepted.as_mut() {
            use raft_core::message::Body;
            if matches!(m.body, Body::Heartbeat { .. } | Body::HeartbeatResp { .. }) {
                out.push(m);
                return;
            }
        }
        self.stats.sent += 1;
        self.stats.messages.count(&m);
        if !self.recording() {
            // Nothing to record (`raft-sim check`): only the count of what was lost.
            let (outcome, _) = self.net.send_or_return(m, self.now, &mut self.rng);
            if let SendOutcome::Dropped(..) = outcome {
                self.stats.dropped += 1;
            }
            return;
        }
        let (from, to) = (m.from, m.to);
        // A stored trace keeps its own copy of the message; otherwise the record is hashed from
        // the message where it now lies (in flight, or handed back if dropped): no clone.
        let kept = self.opts.keep_trace.then(|| m.clone());
        let (outcome, returned) = self.net.send_or_return(m, self.now, &mut self.rng);
        match outcome {
            SendOutcome::Queued(mid, copy) => {
                match (kept, self.net.get(mid)) {
                    (Some(msg), f) => {
                        let deliver_at = f.and_then(|f| f.deliver_at);
                        self.record(TraceEvent::Send {
                            id: mid,
                            msg,
                            deliver_at,
                        });
                    }
                    (None, Some(f)) if self.hashing => {
                        self.hash.add_send(self.now, mid, &f.msg, f.deliver_at);
                    }
                    (None, Some(_)) => {}
                    (None, None) => unreachable!("a queued message is in flight"),
                }
                if let Some(c) = copy {
                    self.record(TraceEvent::Duplicate { id: mid, copy: c });
                }
            }
            SendOutcome::Dropped(mid, why) => {
                self.stats.dropped += 1;
                let msg = kept
                    .or(returned)
                    .expect("the network hands a dropped message back");
                self.record(TraceEvent::Send {
                    id: mid,
                    msg,
                    deliver_at: None,
                });
                self.record(TraceEvent::Drop {
                    id: mid,
                    from,
                    to,
                    reason: why.to_string(),
                });
            }
        }
    }

    /// From now on, heartbeats and their answers are not sent on this world's network but kept
    /// for [`World::take_intercepted`]: a multi-group world ([`crate::groups`]) carries them
    /// between machines in coalesced batches and hands each back with
    /// [`World::deliver_carried`].
    pub fn intercept_heartbeats(&mut self) {
        self.intercepted.get_or_insert_with(Vec::new);
    }

    /// The heartbeats and answers kept since the last call, in the order they were sent.
    pub fn take_intercepted(&mut self) -> Vec<raft_core::message::Message> {
        self.intercepted
            .as_mut()
            .map(core::mem::take)
            .unwrap_or_default()
    }

    /// Delivers `msg`, carried outside this world's network, now (traced as a delivery of
    /// message id 0; lost if its recipient is down).
    pub fn deliver_carried(&mut self, msg: raft_core::message::Message) {
        if self.halted.is_none() {
            self.deliver(0, msg);
            self.check_halt();
        }
    }

    fn deliver(&mut self, mid: u64, msg: raft_core::message::Message) {
        let (from, to) = (msg.from, msg.to);
        // Up, and paused or not, from one lookup of the node.
        let (up, paused) = self
            .nodes
            .get(&to)
            .map_or((false, false), |s| (s.node.is_some(), s.paused));
        if !up {
            self.stats.dropped += 1;
            // The reason is a `String`: built only when the record goes somewhere.
            if self.recording() {
                self.record(TraceEvent::Drop {
                    id: mid,
                    from,
                    to,
                    reason: "node down".into(),
                });
            }
            return;
        }
        if paused {
            self.park(to, Parked::Message(mid, msg));
            return;
        }
        self.stats.delivered += 1;
        self.record_deliver(mid, from, to);
        self.with_node(to, |n| {
            let _ = n.step(Input::Message(msg));
        });
    }

    /// Whether node `id` is paused (then what reaches it goes to [`World::park`]).
    fn is_paused(&self, id: NodeId) -> bool {
        self.nodes.get(&id).is_some_and(|s| s.paused)
    }

    /// Puts `what` in paused node `to`'s inbox; a full inbox loses it.
    fn park(&mut self, to: NodeId, what: Parked) {
        let Some(sn) = self.nodes.get_mut(&to) else {
            return;
        };
        if sn.inbox.len() < MAX_INBOX {
            sn.inbox.push_back(what);
        } else if let Parked::Message(id, msg) = what {
            self.stats.dropped += 1;
            if self.recording() {
                self.record(TraceEvent::Drop {
                    id,
                    from: msg.from,
                    to,
                    reason: "inbox of a paused node full".into(),
                });
            }
        }
    }

    // ----- clients ---------------------------------------------------------------------------

    fn new_op(&mut self) -> Option<Op> {
        match self.opts.clients.workload {
            Workload::Kv { keys } => {
                let key = decimal("k", self.rng.range(1, u64::from(keys.max(1))));
                let v = decimal("", self.rng.range(0, 99));
                Some(match self.rng.range(0, 3) {
                    0 => Op::Put { key, value: v },
                    1 => Op::Get { key },
                    2 => Op::Append { key, value: v },
                    _ => {
                        let expect = Some(decimal("", self.rng.range(0, 99)));
                        Op::Cas {
                            key,
                            expect,
                            new: v,
                        }
                    }
                })
            }
            Workload::Tasks { total } => {
                if self.next_task > total {
                    return None;
                }
                self.next_task += 1;
                Some(Op::Task {
                    id: self.next_task - 1,
                })
            }
        }
    }

    fn client_act(&mut self, k: usize) {
        self.clients_changed(Some(k));
        if self.clients[k].pending.is_none() {
            // A clerk acts only when told to ([`Action::Clerk`]), and a person's session only
            // for the person's request ([`Action::Request`]): never as part of the load.
            if is_clerk(self.clients[k].id) || is_person(self.clients[k].id) {
                self.clients[k].next_at = u64::MAX;
                return;
            }
            let Some(op) = self.new_op() else {
                self.clients[k].next_at = u64::MAX;
                return;
            };
            self.invoke(k, op);
        } else if self.clients[k]
            .pending
            .as_ref()
            .is_some_and(|p| p.sent_to.is_some())
        {
            // Timed out: the node may be a deposed leader cut off from the majority that keeps
            // accepting what it can never commit, so ask the next node, which redirects to
            // the leader it knows.
            self.stats.retries += 1;
            let next = self.next_node(self.clients[k].target);
            let c = &mut self.clients[k];
            c.target = next;
            c.rotation = next;
            // Redirects that follow are not timeouts; the same sequence number makes a late
            // commit of the first attempt harmless (§6.3).
            if let Some(p) = c.pending.as_mut() {
                p.sent_to = None;
            }
        }
        self.client_attempt(k);
    }

    /// Client `k` invokes `op` with the next sequence number of its session: the operation
    /// joins the history and becomes the client's pending one.
    /// Whether a client operation goes through the log (and so takes a session sequence
    /// number): everything but a read served by ReadIndex.
    fn logged(&self, op: &Op) -> bool {
        !(matches!(op, Op::Get { .. }) && self.opts.clients.read_index)
    }

    fn invoke(&mut self, k: usize, op: Op) {
        self.clients_changed(Some(k));
        // Session sequence numbers count the commands that go through the log (§6.3): a read
        // served by ReadIndex is not one, so a session's first logged command is number 1.
        let logged = self.logged(&op);
        let c = &mut self.clients[k];
        if logged {
            c.seq += 1;
        }
        let client = c.id;
        let seq = c.seq;
        let hist = self.segments.ops() + self.history.len();
        self.history_open += 1;
        self.history_seq += 1;
        self.history
            .push(HistoryOp::new(client, op.clone(), self.now).sequenced(self.history_seq, 0));
        // The record takes a copy of the operation only when it goes somewhere.
        if self.recording() {
            self.record(TraceEvent::Invoke {
                client,
                op_id: hist as u64,
                seq,
                op: op.clone(),
            });
        }
        self.clients[k].pending = Some(Pending {
            hist,
            cmd: Command { client, seq, op },
            sent_to: None,
            proposed_at: self.now,
            deadline: 0,
        });
    }

    /// Sends the pending command to the node the client believes leads, following redirects.
    fn client_attempt(&mut self, k: usize) {
        self.clients_changed(Some(k));
        let target = self.clients[k].target;
        let Some(p) = self.clients[k].pending.as_ref() else {
            return;
        };
        // A node that is down never reads the request (`with_node` finds no node): it is
        // built, and its command encoded, only for a node that takes it, running or paused.
        let paused = self.is_paused(target);
        let reached = self.clients[k].reach & reach_bit(target) != 0;
        let takes =
            reached && (paused || self.nodes.get(&target).is_some_and(|s| s.node.is_some()));
        let input = takes.then(|| match &p.cmd.op {
            // The read id is the operation's place in the history.
            Op::Get { .. } if self.opts.clients.read_index => Input::ReadIndex(p.hist as u64),
            _ => Input::Propose(p.cmd.encode()),
        });
        // Record where the request goes before handing it over: a node may answer within the
        // same step (a one-node cluster commits at once; a lease read is served at once).
        let now = self.now;
        let timeout = self.opts.clients.timeout_ms;
        if let Some(p) = self.clients[k].pending.as_mut() {
            p.sent_to = Some(target);
            p.proposed_at = now;
            p.deadline = now.saturating_add(timeout);
        }
        // A paused node takes the request into its inbox; the client waits, as for any answer.
        let result = match input {
            Some(input) if paused => {
                self.park(target, Parked::Input(input));
                Some(Ok(None))
            }
            Some(input) => self.with_node(target, |node| node.step(input)),
            None => None,
        };
        let c = &mut self.clients[k];
        if result.as_ref().is_none_or(|r| r.is_err()) {
            if let Some(p) = c.pending.as_mut() {
                p.sent_to = None;
            }
        }
        if c.pending.is_none() {
            // Answered already.
            return;
        }
        match result {
            Some(Ok(_)) => c.next_at = now.saturating_add(timeout),
            Some(Err(Error::NotLeader { leader: Some(l) })) if l != target => {
                c.target = l;
                c.next_at = now + 1;
            }
            // A new leader that has not committed in its term yet: ask it again shortly.
            Some(Err(Error::ReadNotReady)) => c.next_at = now + 5,
            _ => {
                // Down, no leader known, or transfer in progress: try the next node of the
                // client's round shortly (see `Client::rotation`). (The node table alone is
                // read: a client is borrowed.)
                c.rotation = self.nodes.next_after(c.rotation);
                c.target = c.rotation;
                c.next_at = now + 10;
            }
        }
    }

    /// The node a client asks after `id`: the next one in id order among every node the world
    /// has, including those added by [`Action::AddNode`] (a cluster reconfigured onto new
    /// machines must stay reachable), wrapping around.
    fn next_node(&self, id: NodeId) -> NodeId {
        self.nodes.next_after(id)
    }

    /// Answers ReadIndex reads at node `id` whose index its state machine has applied.
    fn serve_reads(&mut self, id: NodeId) {
        let Some(sn) = self.nodes.get_mut(&id).filter(|s| s.node.is_some()) else {
            return;
        };
        let applied = sn.applied;
        if sn.reads.iter().all(|r| r.index > applied) {
            return;
        }
        let (due, wait): (Vec<_>, Vec<_>) = sn.reads.drain(..).partition(|r| r.index <= applied);
        sn.reads = wait;
        for r in due {
            let hist = r.id as usize;
            let held = hist.checked_sub(self.segments.ops());
            let Some(Op::Get { key }) = held.and_then(|i| self.history.get(i)).map(|h| &h.op)
            else {
                continue;
            };
            let value = self.nodes[&id].kv.get(key).map(String::from);
            let k = self.clients.iter().position(|c| {
                c.pending
                    .as_ref()
                    .is_some_and(|p| p.hist == hist && p.sent_to == Some(id))
            });
            if let Some(k) = k {
                self.complete_pending(k, Reply { ok: true, value });
            }
        }
    }

    /// Of `clients`, the one whose pending command `seq` of session `client`, sent to `node`,
    /// an apply at `node` completes, if any (`read_index`: reads are served by ReadIndex). A
    /// function of the clients alone, so that it can be asked while a node is borrowed.
    fn completing(
        clients: &[Client],
        read_index: bool,
        node: NodeId,
        client: u64,
        seq: u64,
    ) -> Option<usize> {
        let k = clients.iter().position(|c| c.id == client)?;
        // A read served by ReadIndex shares its sequence number with the client's last logged
        // command (it is not one, §6.3); an apply of that command completes the command, never
        // the read (as `World::logged` says).
        let logged = |op: &Op| !(matches!(op, Op::Get { .. }) && read_index);
        let matches = clients[k]
            .pending
            .as_ref()
            .is_some_and(|p| p.cmd.seq == seq && p.sent_to == Some(node) && logged(&p.cmd.op));
        matches.then_some(k)
    }

    /// Completes client `k`'s pending operation with `reply`.
    fn complete_pending(&mut self, k: usize, reply: Reply) {
        self.clients_changed(Some(k));
        let now = self.now;
        let c = &mut self.clients[k];
        let client = c.id;
        let Some(p) = c.pending.take() else { return };
        c.next_at = now.saturating_add(self.opts.clients.think_ms);
        self.stats.completed += 1;
        self.stats.latencies.push(now - p.proposed_at);
        self.history_seq += 1;
        self.history_open -= 1;
        // The record takes a copy of the reply only when it goes somewhere.
        let record = self.recording().then(|| reply.clone());
        // A pending operation is never dropped (only completed segments are).
        let h = &mut self.history[p.hist - self.segments.ops()];
        h.complete = Some(now);
        h.complete_seq = self.history_seq;
        h.reply = Some(reply);
        if let Some(reply) = record {
            self.record(TraceEvent::Complete {
                client,
                op_id: p.hist as u64,
                reply,
            });
        }
        self.keep_within_bounds();
    }

    /// With [`MemoryBounds`], after node `id` persisted a snapshot: the checker forgets the
    /// committed entries below every node's snapshot (the synced disk's too, with
    /// `lose_unsynced_writes`: a crash goes back to it), which no check looks at again. That
    /// floor moves only when a snapshot is persisted, so it is worked out only then.
    fn forget_below_snapshots(&mut self) {
        if self.bounds.is_none() {
            return;
        }
        let floor = self
            .nodes
            .values()
            .map(|sn| {
                let synced = sn.synced.as_ref().map(|(_, st)| st.state().snapshot_index);
                let kept = sn.storage().state().snapshot_index;
                synced.map_or(kept, |s| s.min(kept))
            })
            .min()
            .unwrap_or(0);
        self.checker.forget_committed_below(floor);
    }

    /// Drops the oldest latencies, and at a quiescent cut the held client history once it is
    /// checked, as [`MemoryBounds`] says.
    fn keep_within_bounds(&mut self) {
        let Some(b) = self.bounds else { return };
        let lat = &mut self.stats.latencies;
        if lat.len() >= 2 * b.latencies {
            let drop = lat.len() - b.latencies;
            lat.drain(..drop);
            self.latencies_dropped += drop as u64;
        }
        if self.history_open == 0 && self.history.len() >= self.next_cut {
            if self.segments.take(&self.history, b.max_steps) {
                self.history.clear();
                self.next_cut = b.history_ops;
            } else {
                // Its end state is ambiguous: try again a quarter of the bound later.
                self.next_cut = self.history.len() + b.history_ops.div_ceil(4);
            }
        }
    }

    // ----- actions ---------------------------------------------------------------------------

    /// Refuses an action that needs node `id` to act now while it is paused.
    fn awake(&self, id: NodeId) -> Result<(), SimError> {
        if self.nodes.get(&id).is_some_and(|s| s.paused) {
            return Err(SimError::Invalid(format!("S{id} is paused")));
        }
        Ok(())
    }

    fn known(&self, id: NodeId) -> Result<(), SimError> {
        if self.nodes.contains_key(&id) {
            Ok(())
        } else {
            Err(SimError::UnknownNode(id))
        }
    }

    fn apply_action(&mut self, action: &Action) -> Result<(), SimError> {
        match action {
            Action::Crash { node } => {
                self.known(*node)?;
                let sn = self.nodes.get_mut(node).expect("known");
                let Some(down) = sn.node.take() else {
                    return Err(SimError::Invalid(format!("S{node} is already down")));
                };
                // The machine keeps the node's disk.
                sn.disk = down.into_storage().inner;
                sn.paused = false;
                sn.inbox.clear();
                sn.writing = None;
                // A disk that acknowledged writes it had not synced loses them now.
                let reverted = match sn.synced.take() {
                    Some((_, synced)) => {
                        sn.disk = synced;
                        true
                    }
                    None => false,
                };
                sn.kv = KvStore::default();
                sn.reads.clear();
                note_due(&mut self.due, *node, sn);
                if reverted {
                    // Read where it lies: the disk is not copied.
                    let state = sn.storage().state();
                    self.checker
                        .on_disk_reverted(*node, state.snapshot_index, &state.entries);
                }
                self.checker.on_crash(*node);
            }
            Action::Restart { node } => {
                self.known(*node)?;
                let now = self.now;
                let sn = self.nodes.get_mut(node).expect("known");
                if sn.node.is_some() {
                    return Err(SimError::Invalid(format!("S{node} is already up")));
                }
                sn.restarts += 1;
                let mut cfg = self.opts.node_config(*node);
                cfg.seed = cfg
                    .seed
                    .wrapping_add(sn.restarts.wrapping_mul(0x1_0000_0001));
                // The node gets a copy of the disk (kept here until it is up, so that a
                // node that fails to start leaves the disk as it was), then holds the disk.
                let n = Node::with_storage(cfg, SimDisk::new(sn.disk.clone()))?;
                sn.disk = MemStorage::default();
                sn.timer_at = sn.clock.when(now, n.ticks_until_timer());
                sn.ticked_at = now;
                sn.node = Some(n);
                let state = sn.storage().state();
                // The state machine restarts from the snapshot, or empty without one.
                let restored = match state.snapshot_index {
                    0 => Some(KvStore::default()),
                    _ => KvStore::restore(&state.snapshot_data),
                };
                let digest = restored.as_ref().map(KvStore::digest);
                let snapshot_index = state.snapshot_index;
                sn.kv = restored.unwrap_or_default();
                sn.applied = snapshot_index;
                note_due(&mut self.due, *node, sn);
                let state = sn.storage().state();
                self.checker.on_restart(
                    *node,
                    state.hard_state,
                    state.snapshot_index,
                    &state.entries,
                );
                match digest {
                    Some(digest) => self.checker.on_state(*node, state.snapshot_index, digest),
                    None => self.checker.on_restore_failed(
                        *node,
                        state.snapshot_index,
                        state.snapshot_term,
                    ),
                }
            }
            Action::Partition { groups } => {
                for id in groups.iter().flatten() {
                    self.known(*id)?;
                }
                self.net.partition(groups, self.now, &mut self.rng);
            }
            Action::Isolate { node } => {
                self.known(*node)?;
                let others: Vec<NodeId> =
                    self.nodes.keys().copied().filter(|i| i != node).collect();
                for o in others {
                    self.net
                        .set_link(*node, o, LinkState::Cut, self.now, &mut self.rng);
                    self.net
                        .set_link(o, *node, LinkState::Cut, self.now, &mut self.rng);
                }
            }
            Action::Heal => self.net.heal_all(self.now, &mut self.rng),
            Action::Cut { from, to }
            | Action::Reconnect { from, to }
            | Action::Hold { from, to }
            | Action::Release { from, to } => {
                self.known(*from)?;
                self.known(*to)?;
                let state = match action {
                    Action::Cut { .. } => LinkState::Cut,
                    Action::Hold { .. } => LinkState::Held,
                    _ => LinkState::Healthy,
                };
                self.net
                    .set_link(*from, *to, state, self.now, &mut self.rng);
            }
            Action::DropMessage { id } => {
                let f = self.net.remove(*id).ok_or(SimError::UnknownMessage(*id))?;
                self.stats.dropped += 1;
                self.record(TraceEvent::Drop {
                    id: *id,
                    from: f.msg.from,
                    to: f.msg.to,
                    reason: "dropped by user".into(),
                });
            }
            Action::DeliverMessage { id } => {
                if !self.net.expedite(*id, self.now) {
                    return Err(SimError::UnknownMessage(*id));
                }
            }
            Action::Request { key, value } => {
                let op = Op::Put {
                    key: key.clone(),
                    value: value.clone(),
                };
                self.request(op, None)?;
            }
            Action::Read { node, key } => {
                self.known(*node)?;
                self.request(Op::Get { key: key.clone() }, Some(*node))?;
            }
            Action::Pause { node } => {
                self.known(*node)?;
                let sn = self.nodes.get_mut(node).expect("known");
                if sn.node.is_none() {
                    return Err(SimError::Invalid(format!("S{node} is down")));
                }
                if sn.paused {
                    return Err(SimError::Invalid(format!("S{node} is already paused")));
                }
                sn.paused = true;
                note_due(&mut self.due, *node, sn);
            }
            Action::Resume { node } => {
                self.known(*node)?;
                let sn = self.nodes.get_mut(node).expect("known");
                if !sn.paused {
                    return Err(SimError::Invalid(format!("S{node} is not paused")));
                }
                sn.paused = false;
                note_due(&mut self.due, *node, sn);
                let inbox = core::mem::take(&mut sn.inbox);
                // The missed ticks first (`with_node` brings the clock up to now), then the
                // inbox in arrival order.
                self.with_node(*node, |_| ());
                for what in inbox {
                    match what {
                        Parked::Message(id, msg) => self.deliver(id, msg),
                        Parked::Input(input) => {
                            // Refused (no longer leader, say): the client times out and retries.
                            let _ = self.with_node(*node, |n| n.step(input));
                        }
                    }
                }
            }
            Action::DiskLatency { node, ms } => {
                self.known(*node)?;
                if *ms > MAX_DISK_MS {
                    return Err(SimError::Invalid(format!(
                        "a disk write takes at most {MAX_DISK_MS} ms"
                    )));
                }
                self.nodes.get_mut(node).expect("known").disk_ms = *ms;
            }
            Action::Campaign { node } => {
                self.known(*node)?;
                self.awake(*node)?;
                self.with_node(*node, |n| n.step(Input::Campaign))
                    .ok_or_else(|| SimError::Invalid(format!("S{node} is down")))??;
            }
            Action::TransferLeader { to } => {
                self.known(*to)?;
                let leader = self
                    .leader()
                    .ok_or(SimError::Invalid("no leader to transfer from".into()))?;
                self.awake(leader)?;
                self.with_node(leader, |n| n.step(Input::TransferLeader(*to)))
                    .expect("leader is up")?;
            }
            Action::Network { config } => {
                let mut o = self.opts.clone();
                o.net = config.clone();
                o.validate()?;
                self.net.config = config.clone();
            }
            Action::AddNode => {
                let leader = self
                    .leader()
                    .ok_or(SimError::Invalid("no leader to add a node through".into()))?;
                self.awake(leader)?;
                // The next machine's number (the table numbers them 1, 2, 3…).
                let id = self.nodes.len() as NodeId + 1;
                if id > 64 {
                    return Err(SimError::Invalid("at most 64 nodes".into()));
                }
                self.with_node(leader, |n| {
                    n.step(Input::ChangeMembership(ConfChange::AddLearner { node: id }))
                })
                .expect("leader is up")?;
                // The new machine starts empty and knows no membership: it cannot campaign and
                // learns the configuration from the leader's log (or snapshot).
                let node = Node::with_storage(
                    self.opts.node_config(id),
                    SimDisk::new(MemStorage::new(Membership::default())),
                )?;
                let clock = Clock::drawn(&mut self.clock_rng, self.opts.clock_drift_ppm);
                let pushed =
                    self.nodes
                        .push(SimNode::started(node, clock, self.now, self.opts.disk_ms));
                debug_assert_eq!(pushed, id, "the table numbers nodes 1, 2, 3…");
                if let Some(sn) = self.nodes.get(&id) {
                    note_due(&mut self.due, id, sn);
                }
                self.checker.on_state(id, 0, KvStore::default().digest());
            }
            Action::Promote { node } | Action::Remove { node } => {
                self.known(*node)?;
                let change = match action {
                    Action::Promote { .. } => ConfChange::Promote { node: *node },
                    _ => ConfChange::Remove { node: *node },
                };
                let leader = self
                    .leader()
                    .ok_or(SimError::Invalid("no leader to change membership".into()))?;
                self.awake(leader)?;
                self.with_node(leader, |n| n.step(Input::ChangeMembership(change)))
                    .expect("leader is up")?;
            }
            Action::Reconfigure { voters } => {
                for id in voters {
                    self.known(*id)?;
                }
                let leader = self
                    .leader()
                    .ok_or(SimError::Invalid("no leader to change membership".into()))?;
                self.awake(leader)?;
                let change = ConfChange::EnterJoint {
                    voters: voters.iter().copied().collect(),
                };
                self.with_node(leader, |n| n.step(Input::ChangeMembership(change)))
                    .expect("leader is up")?;
            }
            Action::Propose { node, key, value } => {
                self.known(*node)?;
                self.awake(*node)?;
                self.last_proposal = None;
                let cmd = Command {
                    client: PROPOSER_CLIENT + self.proposals,
                    seq: 1,
                    op: Op::Put {
                        key: key.clone(),
                        value: value.clone(),
                    },
                };
                let index = self
                    .with_node(*node, |n| {
                        let r = n.step(Input::Propose(cmd.encode()));
                        (r, n.term())
                    })
                    .ok_or_else(|| SimError::Invalid(format!("S{node} is down")))?;
                if let (Ok(Some(index)), term) = index {
                    self.proposals += 1;
                    self.last_proposal = Some((index, term));
                }
            }
            Action::Inject { message } => {
                self.send_message(message.clone());
            }
            Action::Compact { node } => {
                self.known(*node)?;
                self.awake(*node)?;
                self.node(*node)
                    .ok_or_else(|| SimError::Invalid(format!("S{node} is down")))?;
                let index = self.nodes[node].applied;
                let data = self.nodes[node].kv.snapshot();
                self.with_node(*node, |n| n.step(Input::Compact { index, data }))
                    .expect("checked up")?;
            }
            Action::Clerk { clerk, op } => {
                self.clerk_invoke(*clerk, op.clone())?;
            }
            Action::ClerkReach { clerk, nodes } => {
                for id in nodes {
                    self.known(*id)?;
                }
                let k = self.clerk_slot(*clerk)?;
                self.clients_changed(Some(k));
                let reach = nodes.iter().fold(0, |m, &id| m | reach_bit(id));
                let c = &mut self.clients[k];
                c.reach = reach;
                // An answer on a link that is now cut is lost: the clerk times out and retries
                // among the nodes it reaches.
                if let Some(p) = c.pending.as_mut() {
                    if p.sent_to.is_some_and(|t| reach & reach_bit(t) == 0) {
                        p.sent_to = None;
                    }
                }
            }
            Action::ClientLoad { on } => {
                self.clients_changed(None);
                self.load_on = *on;
                let now = self.now;
                for c in &mut self.clients {
                    if c.pending.is_none() && c.next_at != u64::MAX {
                        c.next_at = c.next_at.max(now);
                    }
                }
            }
        }
        Ok(())
    }

    /// Applies an action now and records it. An invalid action (an unknown node, a node that is
    /// already down, no leader to ask) changes nothing and is not recorded. An action that a
    /// node refuses (say, a transfer to a learner) is recorded, because handing it to the node
    /// already advanced that node's clock: a replay makes the same attempt and gets the same
    /// refusal.
    pub fn act(&mut self, action: Action) -> Result<(), SimError> {
        // What the action's checks find (a crash losing unsynced writes, a restart from a bad
        // snapshot) is stamped with its own time, not the last event's.
        self.checker.at(self.now, self.stats.events);
        let result = self.apply_action(&action);
        if let Err(e) = &result {
            if !matches!(e, SimError::Raft(_)) {
                return result;
            }
        }
        self.record(TraceEvent::Action {
            action: action.clone(),
        });
        if matches!(action, Action::Crash { .. } | Action::Restart { .. }) {
            let node = match action {
                Action::Crash { node } | Action::Restart { node } => node,
                _ => unreachable!("matched above"),
            };
            let ev = if matches!(action, Action::Crash { .. }) {
                TraceEvent::Crash { node }
            } else {
                // What the node recovered from its disk.
                let st = self.nodes[&node].storage().state();
                TraceEvent::Restart {
                    node,
                    term: st.hard_state.term,
                    vote: st.hard_state.vote,
                    last_index: st.entries.last().map_or(st.snapshot_index, |e| e.index),
                    snapshot_index: st.snapshot_index,
                }
            };
            self.record(ev);
        }
        self.actions.push((self.now, action));
        self.action_steps.push(self.stats.events);
        self.check_halt();
        result
    }

    /// A one-off client request from a person: it joins the history like any client operation,
    /// through a client session of its own (ids from [`PERSON_CLIENT_BASE`], never used by the
    /// load clients). A request made while earlier ones are still pending gets another session,
    /// so each is a separate, concurrent client; at most [`MAX_PERSON_REQUESTS`] may be pending
    /// at once (beyond that the action is refused). It goes to `target`, or to the leader.
    fn request(&mut self, op: Op, target: Option<NodeId>) -> Result<(), SimError> {
        self.clients_changed(None);
        let idle = self
            .clients
            .iter()
            .position(|c| is_person(c.id) && c.pending.is_none());
        let k = match idle {
            Some(k) => k,
            None => {
                let people = self.clients.iter().filter(|c| is_person(c.id)).count() as u64;
                if people >= MAX_PERSON_REQUESTS {
                    return Err(SimError::Invalid(format!(
                        "{MAX_PERSON_REQUESTS} requests are already pending; wait for an answer"
                    )));
                }
                let target = self.leader().unwrap_or(1);
                self.clients
                    .push(Client::new(PERSON_CLIENT_BASE + people, target, u64::MAX));
                self.clients.len() - 1
            }
        };
        if let Some(t) = target.or_else(|| self.leader()) {
            self.clients[k].target = t;
        }
        self.invoke(k, op);
        self.client_attempt(k);
        Ok(())
    }

    /// Clerk `clerk`'s place in `clients`, the clerk made on first use: a session of its own
    /// ([`CLERK_CLIENT_BASE`]` + clerk`) that first asks node `clerk % nodes + 1` (not the
    /// leader: like the labs' clerks it has to find it) and then whichever node answered last.
    fn clerk_slot(&mut self, clerk: u64) -> Result<usize, SimError> {
        if clerk >= MAX_CLERKS {
            return Err(SimError::Invalid(format!(
                "clerks are numbered 0 to {}",
                MAX_CLERKS - 1
            )));
        }
        let id = CLERK_CLIENT_BASE + clerk;
        if let Some(k) = self.clients.iter().position(|c| c.id == id) {
            return Ok(k);
        }
        self.clients_changed(None);
        let first = clerk % self.opts.nodes.max(1) as u64 + 1;
        self.clients.push(Client::new(id, first, u64::MAX));
        Ok(self.clients.len() - 1)
    }

    /// Clerk `clerk` invokes `op` (see [`Action::Clerk`]).
    fn clerk_invoke(&mut self, clerk: u64, op: Op) -> Result<(), SimError> {
        let k = self.clerk_slot(clerk)?;
        if self.clients[k].pending.is_some() {
            return Err(SimError::Invalid(format!(
                "clerk {clerk} is still waiting for its last operation"
            )));
        }
        self.invoke(k, op);
        self.client_attempt(k);
        Ok(())
    }

    /// Clerk `clerk` invokes `op` and retries until a node answers, as the labs' `Clerk.Get`,
    /// `Put` and `Append` do (recorded as [`Action::Clerk`]). Returns the operation's id: its
    /// place in the client history, where [`World::history_op`] finds its reply once it
    /// completed (the answer may come within this call, in a one-node cluster). Errors: a clerk
    /// number of [`MAX_CLERKS`] or more, or a clerk whose last operation is still pending.
    pub fn clerk(&mut self, clerk: u64, op: Op) -> Result<u64, SimError> {
        let id = self.segments.ops() + self.history.len();
        self.act(Action::Clerk { clerk, op })?;
        Ok(id as u64)
    }

    /// The client operation with id `id` (its place in the run's history, as [`World::clerk`]
    /// returns it and the trace's `invoke` records name it), if the world still holds it
    /// (with [`MemoryBounds`], checked stretches of the history are dropped).
    pub fn history_op(&self, id: u64) -> Option<&HistoryOp> {
        let held = usize::try_from(id).ok()?.checked_sub(self.segments.ops())?;
        self.history.get(held)
    }

    /// Proposes putting `value` under `key` on `node`, as the labs' `Start` does (recorded as
    /// [`Action::Propose`]): `Some((index, term))` of the new entry if `node` leads and accepted
    /// it, `None` if it does not lead. Errors: unknown or crashed node.
    pub fn propose(
        &mut self,
        node: NodeId,
        key: &str,
        value: &str,
    ) -> Result<Option<(Index, Term)>, SimError> {
        self.act(Action::Propose {
            node,
            key: key.into(),
            value: value.into(),
        })?;
        Ok(self.last_proposal)
    }

    /// What the nodes hold at `index`: how many live nodes have committed it, and the command
    /// there, if any of them still has the entry in its log (a compacted one is gone). The
    /// labs' `nCommitted`. Nodes that disagree about a committed entry are a State Machine
    /// Safety violation, which the checker reports; this returns the lowest-id node's view.
    pub fn committed_at(&self, index: Index) -> (usize, Option<Command>) {
        let mut count = 0;
        let mut command = None;
        for sn in self.nodes.values() {
            let Some(n) = sn.node.as_ref() else { continue };
            if n.log().committed() < index {
                continue;
            }
            count += 1;
            if command.is_none() {
                if let Some(e) = n.log().entry(index) {
                    if let Payload::Command(data) = &e.payload {
                        command = Command::decode(data);
                    }
                }
            }
        }
        (count, command)
    }

    /// Commit index of the current leader (0 when there is none).
    pub fn leader_commit(&self) -> Index {
        self.leader()
            .and_then(|l| self.node(l))
            .map_or(0, |n| n.log().committed())
    }

    /// The highest term any live node has.
    pub fn max_term(&self) -> Term {
        self.nodes
            .values()
            .filter_map(|s| s.node.as_ref())
            .map(Node::term)
            .max()
            .unwrap_or(0)
    }
}

impl From<Error> for SimError {
    fn from(e: Error) -> Self {
        SimError::Raft(e)
    }
}

/// The log of a live node, borrowed from the node map alone (so the checker, another field of
/// the world, can be borrowed mutably at the same time: no copy of the log per event).
fn live_log(nodes: &NodeTable<SimNode>, id: NodeId) -> Option<&raft_core::log::RaftLog<SimDisk>> {
    nodes.get(&id).and_then(|s| s.node.as_ref()).map(Node::log)
}

/// `prefix` followed by `n` in decimal: what `format!("{prefix}{n}")` gives, without the
/// formatting machinery (a client's every operation names a key and a value this way: about 1%
/// of a heavy-load run's instructions went into `format!`).
pub(crate) fn decimal(prefix: &str, mut n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let mut s = String::with_capacity(prefix.len() + digits.len() - k);
    s.push_str(prefix);
    s.extend(digits[k..].iter().map(|&d| char::from(d)));
    s
}

/// Formats a node id as the playground shows it.
pub fn node_name(id: NodeId) -> String {
    format!("S{id}")
}

/// Hooks for tests that plant faults the public API cannot produce.
#[cfg(test)]
impl World {
    /// A machine, for planting a bug in its state machine or its disk.
    pub(crate) fn sim_node_mut(&mut self, id: NodeId) -> Option<&mut SimNode> {
        self.nodes.get_mut(&id)
    }

    /// Compacts node `id`'s log at its applied index into a snapshot holding `data` instead of
    /// its state machine's bytes.
    pub(crate) fn compact_with_data(&mut self, id: NodeId, data: Vec<u8>) -> Option<()> {
        self.node(id)?;
        let index = self.nodes[&id].applied;
        self.with_node(id, |n| n.step(Input::Compact { index, data }))?
            .ok()
            .map(|_| ())
    }

    /// Hands `cmd` to node `id` as a proposal, as a client (or its retry) would.
    pub(crate) fn propose_command(&mut self, id: NodeId, cmd: &Command) -> Option<Index> {
        self.with_node(id, |n| n.step(Input::Propose(cmd.encode())))
            .and_then(Result::ok)
            .flatten()
    }
}
