//! The node driver: one thread that owns the raft-core `Node`, its disk storage and the
//! key-value state, and runs raft-core's loop: take input (peers' messages, client requests,
//! the clock), then handle the `Ready` in the order its contract gives (persist with fsync, send,
//! apply, serve reads). Sockets live on the tokio runtime and talk to this thread through
//! channels; fsync blocks only this thread.
//!
//! With `storage.rs`, this is the only module that uses raft-core's API.

// Payloads are converted with `.into()`: raft-core's payload type is shared bytes (`Bytes`);
// a `Vec<u8>` converts without a copy.
#![allow(clippy::useless_conversion)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use raft_core::{ConfChange, Config, Event, Index, Input, Membership, Node, NodeId, Payload, Role};
use raft_sim::trace::{SessionOutcome, SnapshotSource, TraceEvent};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};

use crate::error::Error;
use crate::kv::{Applied, KvReply, KvState};
use crate::net::NetStats;
use crate::storage::{DiskStorage, StorageStats};
use crate::trace::{sim_command, sim_reply, transcode_entry, EventLog};
use crate::wire::Envelope;

/// Milliseconds between two clock readings of the driver (one raft-core tick is 1 ms; the
/// reference timings are kept: election timeout 150–300 ms, heartbeat 50 ms).
pub const TICK_MS: u64 = 5;
/// Most inputs taken before the driver handles a `Ready` (bounds the latency a burst adds).
pub const MAX_BATCH: usize = 1024;
/// Default size of the stored entries past which the node snapshots and compacts its log.
pub const DEFAULT_SNAPSHOT_BYTES: u64 = 4 << 20;

/// What the driver is asked to do.
#[derive(Debug)]
pub enum Inbound {
    /// A peer's message, with the sender's message id (`wire::Envelope`).
    Peer(Envelope),
    /// A client's request.
    Client(Request),
    /// The transport lost messages for this peer: its link is down ([`Input::Unreachable`]).
    Unreachable(NodeId),
}

/// Why a request was not served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ReqError {
    /// This node is not the leader; the leader it knows of, if any.
    NotLeader(Option<NodeId>),
    /// Not served now, and nothing was done (or a write's outcome is unknown): retry, with the
    /// same client id and sequence number for a write.
    Retry(String),
    /// Refused for good (a membership change that is not allowed, a stale command).
    Refused(String),
}

/// A membership change as the API names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    /// Add a learner.
    AddLearner(NodeId),
    /// Promote a learner to voter.
    Promote(NodeId),
    /// Remove a member.
    Remove(NodeId),
}

/// A reply channel.
pub type Reply<T> = oneshot::Sender<Result<T, ReqError>>;

/// A client request to the driver.
#[derive(Debug)]
pub enum Request {
    /// Replicate a write (an encoded `KvCommand`).
    Write(Vec<u8>, Reply<KvReply>),
    /// Read a key linearizably (ReadIndex, §6.4).
    Read(String, Reply<Option<String>>),
    /// Read a key from this node's state as it is (may be stale).
    StaleRead(String, Reply<Option<String>>),
    /// Change the membership; answered once the change is applied.
    Change(MemberChange, Reply<Index>),
    /// Hand leadership to a voter.
    Transfer(NodeId, Reply<()>),
    /// Report the node's state.
    Status(oneshot::Sender<Status>),
}

/// Replication of one follower, from the leader's view.
#[derive(Debug, Clone, Serialize)]
pub struct FollowerStatus {
    /// Highest index known replicated there.
    pub r#match: Index,
    /// Next index to send.
    pub next: Index,
    /// Entries behind the leader's last index.
    pub lag: Index,
    /// probe, replicate or snapshot.
    pub state: String,
}

/// What `/status` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    /// This node.
    pub id: NodeId,
    /// Role name.
    pub role: String,
    /// Current term.
    pub term: u64,
    /// The leader it knows of.
    pub leader: Option<NodeId>,
    /// Commit index.
    pub commit: Index,
    /// Applied index.
    pub applied: Index,
    /// Last log index.
    pub last_index: Index,
    /// Index the snapshot covers.
    pub snapshot_index: Index,
    /// Voters.
    pub voters: Vec<NodeId>,
    /// Learners.
    pub learners: Vec<NodeId>,
    /// Leader only: each follower's replication.
    pub followers: BTreeMap<NodeId, FollowerStatus>,
    /// Keys in the store.
    pub keys: usize,
    /// Disk counters.
    pub storage: StorageStats,
    /// `storage.fsyncs / storage.batches`.
    pub fsyncs_per_batch: f64,
    /// Log file size.
    pub wal_bytes: u64,
    /// Peer messages dropped (full queue or peer down).
    pub dropped_messages: u64,
    /// Peer connections closed for misbehaving.
    pub refused_connections: u64,
    /// This node's clock rate, ppm of real time (`--clock-rate`; 1,000,000 = real time).
    pub clock_rate_ppm: u64,
    /// The artificial delay before each fsync, ms (`--fsync-delay-ms`; 0 = none).
    pub fsync_delay_ms: u64,
    /// Why the node stopped after a failed write (a full disk), if it did; `null` otherwise.
    pub disk_error: Option<String>,
}

/// Options of one node's driver.
#[derive(Debug, Clone)]
pub struct DriverOptions {
    /// Cluster name.
    pub cluster: String,
    /// This node.
    pub id: NodeId,
    /// Data directory.
    pub dir: PathBuf,
    /// Initial voters (for a fresh directory).
    pub voters: Vec<NodeId>,
    /// Stored entry bytes past which the node snapshots.
    pub snapshot_bytes: u64,
    /// Where to record this node's events for a trace (`trace.rs`), if anywhere.
    pub events: Option<PathBuf>,
    /// The rate of this node's clock, in parts per million of real time
    /// ([`MIN_CLOCK_RATE_PPM`]..=[`MAX_CLOCK_RATE_PPM`]; 1,000,000 = real time). See
    /// [`ClockRate`].
    pub clock_rate_ppm: u64,
    /// A slow disk: each fsync waits this long first (at most `storage::MAX_FSYNC_DELAY`).
    pub fsync_delay: Duration,
}

/// Slowest clock rate a node may be given: half of real time.
pub const MIN_CLOCK_RATE_PPM: u64 = 500_000;
/// Fastest clock rate a node may be given: twice real time.
pub const MAX_CLOCK_RATE_PPM: u64 = 2_000_000;

/// A node's clock, skewed in rate: separate processes on one host share its clock (and
/// changing it needs root), so skew is modelled as a node whose timers run fast or slow — what
/// raft-core sees of a clock is only its ticks. `rate_ppm` ticks per 1,000,000 real
/// milliseconds; the fraction of a tick carries over, so no time is lost or gained.
///
/// Safety does not depend on it: raft-kv serves reads with ReadIndex (raft-core's
/// `ReadMode::Safe`), which needs no clock. A lease (`ReadMode::Lease`) would be safe only while
/// every node's rate stays within `Config::max_clock_drift_ppm` of real time (1% by default,
/// that is 990,000..=1,010,000 here); the fault run's skews go far past that on purpose, which
/// only costs elections (a fast follower times out early; a slow leader's heartbeats come late).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockRate {
    rate_ppm: u64,
    carry: u64,
}

impl ClockRate {
    /// A clock at `rate_ppm` (clamped to the bounds above).
    pub fn new(rate_ppm: u64) -> Self {
        ClockRate {
            rate_ppm: rate_ppm.clamp(MIN_CLOCK_RATE_PPM, MAX_CLOCK_RATE_PPM),
            carry: 0,
        }
    }

    /// The ticks (ms of this node's time) that `real_ms` of real time make.
    pub fn ticks(&mut self, real_ms: u64) -> u64 {
        let scaled = real_ms.saturating_mul(self.rate_ppm) + self.carry;
        self.carry = scaled % 1_000_000;
        scaled / 1_000_000
    }

    /// The rate, ppm of real time.
    pub fn rate_ppm(&self) -> u64 {
        self.rate_ppm
    }
}

struct PendingWrite {
    term: u64,
    reply: Reply<KvReply>,
}

struct PendingRead {
    key: String,
    index: Option<Index>,
    reply: Reply<Option<String>>,
}

/// The driver's state. Created by [`Driver::open`], run by [`Driver::run`].
pub struct Driver {
    opts: DriverOptions,
    node: Node,
    storage: DiskStorage,
    kv: KvState,
    peers: BTreeMap<NodeId, mpsc::Sender<Envelope>>,
    trace: Option<EventLog>,
    batch: Vec<Inbound>,
    clock: ClockRate,
    /// Set when a write or fsync failed (a full disk, an I/O error): the node then takes no
    /// more steps, so that it acknowledges nothing, and answers only `/status`.
    failed: Option<String>,
    net: Arc<NetStats>,
    writes: BTreeMap<Index, PendingWrite>,
    changes: BTreeMap<Index, (u64, Reply<Index>)>,
    reads: BTreeMap<u64, PendingRead>,
    next_read: u64,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver").field("id", &self.opts.id).finish()
    }
}

impl Driver {
    /// Opens the data directory (recovering as `storage` documents) and restores the node.
    pub fn open(opts: DriverOptions, net: Arc<NetStats>) -> Result<Driver, Error> {
        let initial = Membership::with_voters(opts.voters.iter().copied());
        let (mut storage, recovery) =
            DiskStorage::open(&opts.dir, &opts.cluster, opts.id, &initial)?;
        storage.set_fsync_delay(opts.fsync_delay);
        let clock = ClockRate::new(opts.clock_rate_ppm);
        if let Some(cut) = recovery.truncated {
            crate::log(
                opts.id,
                format_args!("recovery: truncated a torn tail of {cut} bytes from the log"),
            );
        }
        if recovery.removed_temp_snapshot {
            crate::log(opts.id, "recovery: removed an unfinished snapshot.tmp");
        }
        let mut cfg = Config::new(opts.id);
        // The seed only draws election timeouts. The default policy (Spread) gives each voter
        // its own slot of the timeout range, rotated by term + seed, which needs the same seed
        // on every node of the cluster (raft-core's ElectionPolicy::Spread): it is the
        // cluster's name, folded (FNV-1a), so every node derives it alone. (It came from the
        // clock and the process id, so the slots of two nodes could coincide.)
        cfg.seed = opts
            .cluster
            .bytes()
            .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
                (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
            });
        // Reads that arrive between two Readies share one heartbeat round (raft-core's
        // Config::share_read_rounds): a burst of reads costs one round, not one per read.
        cfg.share_read_rounds = true;
        let state = storage.state().clone();
        let kv = KvState::restore(&state.snapshot_data).map_err(|why| Error::Corrupt {
            path: opts.dir.join(crate::storage::SNAP_FILE),
            offset: 0,
            why,
        })?;
        let node = Node::restore(cfg, state)?;
        let mut trace = match &opts.events {
            Some(path) => Some(
                EventLog::open(path, opts.id)
                    .map_err(|e| Error::io(format!("open {}", path.display()), e))?,
            ),
            None => None,
        };
        if let (Some(t), false) = (trace.as_mut(), recovery.fresh) {
            // The crash as the node sees it: at its restart (kill -9 leaves no last word).
            t.begin();
            t.push(TraceEvent::Crash { node: opts.id });
            let hs = node.hard_state();
            t.push(TraceEvent::Restart {
                node: opts.id,
                term: hs.term,
                vote: hs.vote,
                last_index: node.log().last_index(),
                snapshot_index: node.log().snapshot_index(),
            });
            t.end();
        }
        crate::log(
            opts.id,
            format_args!(
                "started: term {}, log {}..={}, snapshot at {}{}",
                node.term(),
                node.log().first_index(),
                node.log().last_index(),
                node.log().snapshot_index(),
                if recovery.fresh {
                    ", fresh directory"
                } else {
                    ""
                }
            ),
        );
        Ok(Driver {
            opts,
            node,
            storage,
            kv,
            peers: BTreeMap::new(),
            trace,
            batch: Vec::new(),
            clock,
            failed: None,
            net,
            writes: BTreeMap::new(),
            changes: BTreeMap::new(),
            reads: BTreeMap::new(),
            next_read: 1,
        })
    }

    /// Sets the queue of messages for each peer.
    pub fn set_peers(&mut self, peers: BTreeMap<NodeId, mpsc::Sender<Envelope>>) {
        self.peers = peers;
    }

    /// Runs until the inbox closes. A failed write or fsync (a full disk: ENOSPC, or EFBIG past
    /// the file size limit; an I/O error) stops the node's Raft (fail-stop: what it had not
    /// persisted it never acknowledged, and after a failed fsync its page cache cannot be
    /// trusted), but not its process: it logs the error once, shows it in `/status`
    /// (`disk_error`), and answers every other request 503, until it is restarted. Recovery at
    /// the restart cuts a torn last record, as after a crash.
    pub fn run(mut self, inbox: Receiver<Inbound>) -> Result<(), Error> {
        let tick = Duration::from_millis(TICK_MS);
        let mut last_tick = Instant::now();
        loop {
            if let Some(why) = &self.failed {
                match inbox.recv() {
                    Ok(Inbound::Client(Request::Status(reply))) => {
                        let _ = reply.send(self.status());
                    }
                    Ok(Inbound::Client(req)) => refuse(req, why),
                    Ok(Inbound::Peer(_) | Inbound::Unreachable(_)) => {}
                    Err(_) => return Ok(()),
                }
                continue;
            }
            let wait = tick.saturating_sub(last_tick.elapsed());
            let mut got_input = false;
            match inbox.recv_timeout(wait) {
                Ok(first) => {
                    got_input = true;
                    let mut batch = std::mem::take(&mut self.batch);
                    batch.push(first);
                    batch.extend(inbox.try_iter().take(MAX_BATCH));
                    // Stamped after every input of the group arrived: each was sent earlier.
                    if let Some(t) = self.trace.as_mut() {
                        t.begin();
                    }
                    for input in batch.drain(..) {
                        self.handle(input);
                    }
                    self.batch = batch;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
            let elapsed = last_tick.elapsed().as_millis() as u64;
            if elapsed >= TICK_MS {
                if let (Some(t), false) = (self.trace.as_mut(), got_input) {
                    t.begin();
                }
                last_tick += Duration::from_millis(elapsed);
                let ticks = self.clock.ticks(elapsed);
                if ticks > 0 {
                    let _ = self.node.step(Input::Tick(ticks));
                }
                // Answers nobody waits for any more (the client timed out) are dropped.
                self.writes.retain(|_, w| !w.reply.is_closed());
                self.reads.retain(|_, r| !r.reply.is_closed());
            }
            let done = self.process_ready();
            if let Some(t) = self.trace.as_mut() {
                t.end();
            }
            if let Err(e) = done {
                self.fail(e);
            }
        }
    }

    /// Stops the node's Raft after a failed write (see [`Driver::run`]); what waited for an
    /// answer is told to retry elsewhere.
    fn fail(&mut self, e: Error) {
        let why = match e {
            Error::Io { .. } => format!(
                "disk write failed: {e}; this node acknowledges nothing more until it is \
                 restarted (with room on its disk)"
            ),
            other => format!(
                "stopped: {other}; this node acknowledges nothing more until it is restarted"
            ),
        };
        crate::log(self.opts.id, &why);
        let retry = || ReqError::Retry(why.clone());
        for (_, w) in std::mem::take(&mut self.writes) {
            let _ = w.reply.send(Err(retry()));
        }
        for (_, r) in std::mem::take(&mut self.reads) {
            let _ = r.reply.send(Err(retry()));
        }
        for (_, (_, reply)) in std::mem::take(&mut self.changes) {
            let _ = reply.send(Err(retry()));
        }
        self.failed = Some(why);
    }

    fn handle(&mut self, input: Inbound) {
        match input {
            Inbound::Peer(Envelope { id, msg }) => {
                if let Some(t) = self.trace.as_mut() {
                    t.push(TraceEvent::Deliver {
                        id,
                        from: msg.from,
                        to: msg.to,
                    });
                }
                let _ = self.node.step(Input::Message(msg));
            }
            Inbound::Client(req) => self.request(req),
            Inbound::Unreachable(peer) => {
                let _ = self.node.step(Input::Unreachable(peer));
            }
        }
    }

    fn not_leader(&self, e: raft_core::Error) -> ReqError {
        match e {
            raft_core::Error::NotLeader { leader } => ReqError::NotLeader(leader),
            raft_core::Error::ReadNotReady
            | raft_core::Error::TransferInProgress
            | raft_core::Error::UncommittedLimit { .. }
            | raft_core::Error::TooManyPendingReads { .. } => ReqError::Retry(e.to_string()),
            other => ReqError::Refused(other.to_string()),
        }
    }

    fn request(&mut self, req: Request) {
        match req {
            Request::Write(cmd, reply) => match self.node.step(Input::Propose(cmd.into())) {
                Ok(Some(index)) => {
                    let term = self.node.term();
                    self.writes.insert(index, PendingWrite { term, reply });
                }
                Ok(None) => {
                    let _ = reply.send(Err(ReqError::Retry("proposal not appended".into())));
                }
                Err(e) => {
                    let _ = reply.send(Err(self.not_leader(e)));
                }
            },
            Request::Read(key, reply) => {
                let id = self.next_read;
                self.next_read += 1;
                match self.node.step(Input::ReadIndex(id)) {
                    Ok(_) => {
                        self.reads.insert(
                            id,
                            PendingRead {
                                key,
                                index: None,
                                reply,
                            },
                        );
                    }
                    Err(e) => {
                        let _ = reply.send(Err(self.not_leader(e)));
                    }
                }
            }
            Request::StaleRead(key, reply) => {
                let _ = reply.send(Ok(self.kv.get(&key).cloned()));
            }
            Request::Change(change, reply) => {
                let change = match change {
                    MemberChange::AddLearner(node) => ConfChange::AddLearner { node },
                    MemberChange::Promote(node) => ConfChange::Promote { node },
                    MemberChange::Remove(node) => ConfChange::Remove { node },
                };
                match self.node.step(Input::ChangeMembership(change)) {
                    Ok(Some(index)) => {
                        self.changes.insert(index, (self.node.term(), reply));
                    }
                    Ok(None) => {
                        let _ = reply.send(Err(ReqError::Retry("change not appended".into())));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(self.not_leader(e)));
                    }
                }
            }
            Request::Transfer(to, reply) => {
                let r = self.node.step(Input::TransferLeader(to)).map(|_| ());
                let _ = reply.send(r.map_err(|e| self.not_leader(e)));
            }
            Request::Status(reply) => {
                let _ = reply.send(self.status());
            }
        }
    }

    fn status(&self) -> Status {
        let log = self.node.log();
        let last = log.last_index();
        let followers = self
            .node
            .progress()
            .map(|p| {
                p.iter()
                    .filter(|(id, _)| **id != self.opts.id)
                    .map(|(id, pr)| {
                        let state = format!("{:?}", pr.state).to_lowercase();
                        (
                            *id,
                            FollowerStatus {
                                r#match: pr.matched,
                                next: pr.next,
                                lag: last.saturating_sub(pr.matched),
                                state,
                            },
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let m = self.node.membership();
        let stats = self.storage.stats();
        Status {
            id: self.opts.id,
            role: self.node.role().as_str().to_string(),
            term: self.node.term(),
            leader: self.node.leader(),
            commit: log.committed(),
            applied: log.applied(),
            last_index: last,
            snapshot_index: log.snapshot_index(),
            voters: m.voters.iter().copied().collect(),
            learners: m.learners.iter().copied().collect(),
            followers,
            keys: self.kv.len(),
            storage: stats,
            fsyncs_per_batch: if stats.batches == 0 {
                0.0
            } else {
                stats.fsyncs as f64 / stats.batches as f64
            },
            wal_bytes: self.storage.wal_bytes(),
            dropped_messages: self.net.dropped.load(std::sync::atomic::Ordering::Relaxed),
            refused_connections: self.net.refused.load(std::sync::atomic::Ordering::Relaxed),
            clock_rate_ppm: self.clock.rate_ppm(),
            fsync_delay_ms: self.opts.fsync_delay.as_millis() as u64,
            disk_error: self.failed.clone(),
        }
    }

    /// Records what a `Ready` made durable, in the trace format's causal order: an election
    /// started (as a `timeout`), term and vote, role changes, a snapshot, entries, the commit
    /// index.
    fn record_durable(&mut self, ready: &raft_core::Ready) {
        let id = self.opts.id;
        let Some(t) = self.trace.as_mut() else {
            return;
        };
        for ev in &ready.events {
            if let Event::ElectionStarted { .. } = ev {
                t.push(TraceEvent::Timeout { node: id });
            }
        }
        if let Some(hs) = &ready.hard_state {
            t.push(TraceEvent::HardState {
                node: id,
                term: hs.term,
                vote: hs.vote,
            });
        }
        for ev in &ready.events {
            if let Event::RoleChanged { role, term } = ev {
                t.push(TraceEvent::Role {
                    node: id,
                    role: *role,
                    term: *term,
                });
            }
        }
        if let Some(snap) = &ready.snapshot {
            t.push(TraceEvent::Snapshot {
                node: id,
                index: snap.meta.index,
                term: snap.meta.term,
                source: if ready.restore_snapshot {
                    SnapshotSource::Leader
                } else {
                    SnapshotSource::Compaction
                },
            });
        }
        if !ready.entries.is_empty() {
            t.push(TraceEvent::Append {
                node: id,
                entries: ready.entries.iter().map(transcode_entry).collect(),
            });
        }
        if let Some(index) = ready.events.iter().rev().find_map(|ev| match ev {
            Event::Committed { index } => Some(*index),
            _ => None,
        }) {
            t.push(TraceEvent::Commit { node: id, index });
        }
    }

    /// Handles one `Ready`: persist, send, apply, serve reads; then compacts if the log is
    /// over its size bound.
    fn process_ready(&mut self) -> Result<(), Error> {
        let ready = self.node.ready();
        if ready.is_empty() {
            return Ok(());
        }
        // 1. Durable first (fsync inside). The node reads its stable entries back from its own
        // in-memory storage (raft-core's storage-backed log), so that one receives them too.
        self.storage.persist(&ready)?;
        raft_core::Storage::persist(self.node.storage_mut(), &ready);
        if self.trace.is_some() {
            self.record_durable(&ready);
        }
        // 2. Then send.
        for msg in ready.messages {
            let id = self.trace.as_mut().map_or(0, |t| t.send(&msg));
            if let Some(tx) = self.peers.get(&msg.to) {
                if tx.try_send(Envelope { id, msg }).is_err() {
                    self.net
                        .dropped
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
            }
        }
        // 3. Then apply.
        if ready.restore_snapshot {
            if let Some(snap) = &ready.snapshot {
                self.kv = KvState::restore(&snap.data).map_err(|why| Error::Corrupt {
                    path: self.opts.dir.join(crate::storage::SNAP_FILE),
                    offset: 0,
                    why: format!("snapshot from the leader: {why}"),
                })?;
            }
        }
        for e in ready.committed {
            let result = match &e.payload {
                Payload::Command(bytes) => Some(self.kv.apply(bytes)),
                _ => None,
            };
            if let Some(t) = self.trace.as_mut() {
                t.push(apply_record(self.opts.id, &e, result.as_ref()));
            }
            if let Some(w) = self.writes.remove(&e.index) {
                let answer = match result {
                    _ if w.term != e.term => Err(ReqError::Retry(
                        "a new leader replaced the entry; retry with the same sequence".into(),
                    )),
                    Some(Applied::Done(r)) | Some(Applied::Duplicate(r)) => Ok(r),
                    Some(Applied::Refused(why)) => Err(ReqError::Refused(why.into())),
                    None => Err(ReqError::Retry("entry replaced".into())),
                };
                let _ = w.reply.send(answer);
            }
            if let Some((term, reply)) = self.changes.remove(&e.index) {
                let answer = if term == e.term && matches!(e.payload, Payload::Membership(_)) {
                    Ok(e.index)
                } else {
                    Err(ReqError::Retry("a new leader replaced the change".into()))
                };
                let _ = reply.send(answer);
            }
        }
        // 4. Reads that became servable, and events.
        for r in ready.reads {
            if let Some(p) = self.reads.get_mut(&r.id) {
                p.index = Some(r.index);
            }
        }
        for ev in &ready.events {
            if let Event::RoleChanged { role, term } = ev {
                crate::log(self.opts.id, format_args!("became {role} at term {term}"));
                if *role != Role::Leader {
                    // raft-core drops pending reads when a leader steps down: say so now.
                    for (_, p) in std::mem::take(&mut self.reads) {
                        let _ = p.reply.send(Err(ReqError::NotLeader(self.node.leader())));
                    }
                }
            }
        }
        let applied = self.node.log().applied();
        let ready_ids: Vec<u64> = self
            .reads
            .iter()
            .filter(|(_, p)| p.index.is_some_and(|i| i <= applied))
            .map(|(id, _)| *id)
            .collect();
        for id in ready_ids {
            if let Some(p) = self.reads.remove(&id) {
                let _ = p.reply.send(Ok(self.kv.get(&p.key).cloned()));
            }
        }
        // Compaction by size: snapshot the applied state and drop the log before it.
        if self.storage.entry_bytes() > self.opts.snapshot_bytes
            && applied > self.node.log().snapshot_index()
            && !self.node.sending_snapshot()
        {
            let data = self.kv.snapshot();
            if self
                .node
                .step(Input::Compact {
                    index: applied,
                    data: data.into(),
                })
                .is_ok()
            {
                crate::log(self.opts.id, format_args!("snapshot at {applied}"));
            }
        }
        Ok(())
    }
}

/// Answers a request of a node whose disk failed: 503, retry elsewhere.
fn refuse(req: Request, why: &str) {
    let e = || ReqError::Retry(why.to_string());
    match req {
        Request::Write(_, r) => drop(r.send(Err(e()))),
        Request::Read(_, r) | Request::StaleRead(_, r) => drop(r.send(Err(e()))),
        Request::Change(_, r) => drop(r.send(Err(e()))),
        Request::Transfer(_, r) => drop(r.send(Err(e()))),
        Request::Status(_) => {}
    }
}

/// The trace record of applying entry `e`, with what the state machine made of its command.
fn apply_record(node: NodeId, e: &raft_core::Entry, result: Option<&Applied>) -> TraceEvent {
    let command = match &e.payload {
        Payload::Command(bytes) => {
            crate::kv::KvCommand::decode(bytes).and_then(|c| sim_command(&c))
        }
        _ => None,
    };
    let (result, session) = match (result, &command) {
        (Some(Applied::Done(r)), Some(_)) => (Some(sim_reply(r)), Some(SessionOutcome::Executed)),
        (Some(Applied::Duplicate(r)), Some(_)) => {
            (Some(sim_reply(r)), Some(SessionOutcome::Duplicate))
        }
        (Some(Applied::Refused(_)), Some(_)) => (None, Some(SessionOutcome::Stale)),
        _ => (None, None),
    };
    TraceEvent::Apply {
        node,
        index: e.index,
        term: e.term,
        command,
        result,
        session,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A skewed clock neither loses nor gains time: the fractions of ticks carry over.
    #[test]
    fn a_skewed_clock_ticks_at_its_rate_without_drift() {
        let mut fast = ClockRate::new(1_250_000);
        let ticks: u64 = (0..1000).map(|_| fast.ticks(5)).sum();
        assert_eq!(ticks, 6250, "5 s of real time at 1.25x");
        let mut slow = ClockRate::new(700_000);
        let ticks: u64 = (0..3).map(|_| slow.ticks(1)).sum();
        assert_eq!(ticks, 2, "3 ms at 0.7x: 0, 1, then 2.1 -> 2");
        assert_eq!(ClockRate::new(10).rate_ppm(), MIN_CLOCK_RATE_PPM);
        assert_eq!(ClockRate::new(u64::MAX).rate_ppm(), MAX_CLOCK_RATE_PPM);
        assert_eq!(ClockRate::new(1_000_000).ticks(7), 7);
    }
}
