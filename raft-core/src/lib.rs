//! # raft-core
//!
//! A sans-IO implementation of the Raft consensus algorithm (Ongaro & Ousterhout, 2014; section
//! numbers in this crate refer to that paper unless they say "dissertation", Ongaro 2014), with
//! PreVote, CheckQuorum, fast log backtracking, flow control, leadership transfer and
//! linearizable reads. `no_std` + `alloc`, no `unsafe`, no clock, no entropy, no I/O: time,
//! randomness seeds, storage and the network belong to the caller.
//!
//! ## Driving a node
//!
//! Feed a [`Node`] ticks, peers' messages and client requests through [`Node::step`], then take
//! its output with [`Node::ready`] and handle it in the order [`Ready`] documents: persist,
//! then send, then apply.
//!
//! ```
//! use raft_core::{Config, Input, Membership, Node, Role, Storage};
//!
//! // A single-node cluster: it elects itself and commits on its own. `Node::new` gives the
//! // node a fresh `MemStorage`; `Node::with_storage` takes any `Storage`.
//! let membership = Membership::with_voters([1]);
//! let mut node = Node::new(Config::new(1), membership).unwrap();
//! let mut applied = Vec::new();
//!
//! for _ in 0..300 {
//!     node.step(Input::Tick(1)).unwrap();
//!     let ready = node.ready();
//!     node.storage_mut().persist(&ready); // 1. durable first
//!     assert!(ready.messages.is_empty()); // 2. then send (nobody to send to here)
//!     applied.extend(ready.committed);    // 3. then apply
//! }
//! assert_eq!(node.role(), Role::Leader);
//!
//! let index = node.step(Input::Propose(b"hello".to_vec())).unwrap().unwrap();
//! let ready = node.ready();
//! node.storage_mut().persist(&ready);
//! applied.extend(ready.committed);
//! assert_eq!(applied.last().unwrap().index, index);
//!
//! // After a crash, the node restarts from what it persisted.
//! let term = node.term();
//! let disk = node.into_storage();
//! let restarted = Node::with_storage(Config::new(1), disk).unwrap();
//! assert_eq!(restarted.term(), term);
//! assert_eq!(restarted.log().last_index(), index);
//! ```
//!
//! ## Storage-backed log
//!
//! The node owns its [`Storage`] and does not hold its whole log: as in etcd/raft and raft-rs,
//! it keeps the entries it has not handed out as persisted yet (the unstable tail) and a cache
//! of the newest stable ones, bounded in entries and in bytes ([`Config::log_cache_entries`],
//! default [`LOG_CACHE_ENTRIES`]; [`Config::log_cache_bytes`], default no byte bound), and
//! reads older entries back through
//! [`Storage::entries`], [`Storage::term`], [`Storage::first_index`], [`Storage::last_index`]
//! and [`Storage::snapshot`] (to catch up a slow follower, to apply committed entries that
//! left the cache, to check an old `prev_index`). Its log's memory is bounded by the unstable
//! entries plus the cache, not by the length of the log. A leader holds at most
//! [`Config::max_uncommitted_bytes`] of uncommitted commands (default
//! [`DEFAULT_MAX_UNCOMMITTED_BYTES`], 64 MiB) and refuses further proposals with
//! [`Error::UncommittedLimit`] until some commit, so the unstable tail is bounded too, even for a
//! leader cut off from its quorum. The other bounds:
//!
//! - A snapshot is held whole, in memory: the node's latest one, and on a leader one copy per
//!   follower receiving it. A follower buffers at most one incoming snapshot of at most
//!   [`Config::max_snapshot_bytes`] (default [`DEFAULT_MAX_SNAPSHOT_BYTES`], 1 GiB); a chunk
//!   announcing more is refused and nothing of it is kept.
//! - A leader holds at most [`Config::max_pending_reads`] ReadIndex requests waiting for their
//!   heartbeat round (default [`DEFAULT_MAX_PENDING_READS`], 4,096), and refuses more with
//!   [`Error::TooManyPendingReads`]; they are dropped when it steps down.
//! - [`Ready::committed`] holds every committed entry not yet handed out unless
//!   [`Config::max_committed_bytes_per_ready`] is set (default: no bound). After a restart that
//!   is every entry after the snapshot (the commit index is not persisted), or only those after
//!   [`Config::applied`] when the driver names what its state machine already holds.
//! - [`Ready::messages`] holds, per peer, Appends (up to [`Config::max_inflight`] of at most
//!   [`Config::max_msg_bytes`] each, or one entry) and a heartbeat per ReadIndex request
//!   registered since the last `ready()` (so at most [`Config::max_pending_reads`] rounds), or
//!   one heartbeat for all of them with [`Config::share_read_rounds`].
//!
//! - The driver persists each [`Ready`] into the node's storage ([`Node::storage_mut`]), or
//!   into a storage that the node's one reads from. The entries of a `Ready` count as stable
//!   from the next call to [`Node::ready`]: handle each `Ready` fully before asking for the
//!   next one.
//! - Persisting cannot fail: [`Storage::persist`] returns nothing, so a driver whose disk
//!   write fails must stop the node (fail-stop, as raft-kv does), never go on as if it had
//!   persisted. Writes are synchronous to the protocol: every message of a `Ready` is sent
//!   after its persistence (the leader's own appends included).
//! - A storage that cannot answer a read yet (one still loading from disk) returns
//!   [`StorageError::NotReady`]; the node then does not fail or panic but waits: a leader
//!   sends that follower nothing this round (it retries on its next heartbeat or ack),
//!   committed entries are handed out in a later `Ready`, and a follower treats an entry it
//!   cannot read as one it does not hold (the leader probes again). An unreadable entry is
//!   never taken for a conflicting one: a follower deletes nothing for it (an Append covering
//!   it is treated as lost, and a snapshot ending at it waits, whole, for the next chunk), and
//!   the configuration in effect never depends on a read (membership entries are kept in
//!   memory). A compaction at an unreadable index is refused with
//!   [`SnapshotRefusal::StorageNotReady`]. To test a driver against such a disk, wrap its
//!   storage in [`Stalling`], whose reads answer `NotReady` while its switch is on.
//! - A storage that answers [`StorageError::Compacted`] or [`StorageError::Unavailable`] for
//!   entries a `Ready` already handed out has lost them: each such failed read is reported as
//!   [`Event::StorageFault`], and the node retries as for `NotReady`.
//!
//! ```
//! use raft_core::{Config, Entry, HardState, Index, Input, MemStorage, Membership, Node};
//! use raft_core::{Ready, Snapshot, Storage, StorageError, Term};
//!
//! /// A disk that is still loading: it answers nothing below index `ready_from`.
//! struct Loading {
//!     inner: MemStorage,
//!     ready_from: Index,
//! }
//!
//! impl Storage for Loading {
//!     fn persist(&mut self, ready: &Ready) { self.inner.persist(ready) }
//!     fn hard_state(&self) -> HardState { self.inner.hard_state() }
//!     fn snapshot(&self) -> Result<Snapshot, StorageError> { self.inner.snapshot() }
//!     fn first_index(&self) -> Result<Index, StorageError> { self.inner.first_index() }
//!     fn last_index(&self) -> Result<Index, StorageError> { self.inner.last_index() }
//!     fn term(&self, i: Index) -> Result<Term, StorageError> {
//!         if i < self.ready_from { Err(StorageError::NotReady) } else { self.inner.term(i) }
//!     }
//!     fn entries(&self, lo: Index, hi: Index, max: u64, out: &mut Vec<Entry>)
//!         -> Result<(), StorageError> {
//!         if lo < self.ready_from { Err(StorageError::NotReady) } else { self.inner.entries(lo, hi, max, out) }
//!     }
//! }
//!
//! let membership = Membership::with_voters([1]);
//! let disk = Loading { inner: MemStorage::new(membership), ready_from: 0 };
//! let mut node = Node::with_storage(Config::new(1), disk).unwrap();
//! node.step(Input::Campaign).unwrap();
//! let ready = node.ready();
//! node.storage_mut().persist(&ready);
//! // 600 entries: more than the cache holds, so the oldest are only on the "disk".
//! for k in 0..600u32 {
//!     node.step(Input::Propose(k.to_le_bytes().to_vec())).unwrap();
//!     let ready = node.ready();
//!     node.storage_mut().persist(&ready);
//! }
//! // The disk stops answering: old entries cannot be read, and nothing panics.
//! node.storage_mut().ready_from = Index::MAX;
//! assert_eq!(node.log().term(2), None);
//! assert!(node.log().entry(2).is_none());
//! // Once it answers again, they can.
//! node.storage_mut().ready_from = 0;
//! assert!(node.log().entry(2).is_some());
//! ```
//!
//! ## Untrusted input
//!
//! A message is checked for shape before anything in it is believed, its term included. One
//! that fails is ignored, changes nothing, and is reported as [`Event::Rejected`] with a
//! [`RejectReason`]: a sender 0 or this node, a recipient other than this node; a term past
//! [`MAX_TERM`]; an append whose entries are not consecutive, whose terms are 0, decrease or pass
//! the message's, that would pass [`MAX_INDEX`], or that carries a membership entry no cluster
//! can be in ([`Membership::is_possible`]); a snapshot chunk with term 0 or after the message's,
//! index 0 or past `MAX_INDEX`, bytes past its total, an impossible membership, or a total above
//! [`Config::max_snapshot_bytes`]; a response (vote, append, heartbeat or snapshot answer) from a
//! node that is not a member (for a vote, not a voter); an acknowledgement past the leader's
//! log; an append that contradicts or would overwrite a committed entry. Chunks of one snapshot
//! are assembled only from one sender in one term. Requests are believed from any sender (a
//! joining node must accept a leader it does not know yet): authenticate peers in the transport.
//!
//! Stored state is checked the same way when a node starts ([`Node::with_storage`],
//! [`Node::restore`]): [`Error::CorruptState`] names the first [`Corruption`] found.
//!
//! ## Payloads, messages and memory
//!
//! - A command is a [`Bytes`] ([`Payload::Command`]): one reference-counted, immutable buffer
//!   shared by the log, the [`Ready`], every Append and the committed list. [`Input::Propose`]
//!   takes a `Vec<u8>` and keeps its buffer without copying it.
//! - The entries a leader appends go out in [`Node::ready`]: one Append per follower covering
//!   every entry appended since the previous `ready()` (up to [`Config::max_msg_bytes`] each,
//!   at most [`Config::max_inflight`] in flight), not one per proposal.
//! - A new commit index is not sent on its own: it rides on the next Append, or on the next
//!   heartbeat when there is nothing to send (§5.3). Keep ticking the leader: followers learn
//!   the final commit index, after the last proposal, within one `heartbeat_interval`.
//! - A snapshot goes out in chunks of `max_msg_bytes`, up to `max_inflight` chunks
//!   unacknowledged; after a lost chunk the leader resends from the follower's offset.
//! - The node keeps only the newest entries in memory (see "Storage-backed log" above); the
//!   storage holds the log until it is compacted ([`Input::Compact`]).
//! - Entries are shared, not copied per recipient: a leader's proposals since the last
//!   [`Ready`] become one shared run ([`Entries`]), and every follower's Append, the `Ready`'s
//!   `entries` and later its `committed` are views of it; a follower keeps the run it received.
//!   Payloads are [`Bytes`], allocated once per proposal.
//!
//! ## Compaction and membership
//!
//! The application decides when to snapshot: it hands the node its state at an applied index
//! with [`Input::Compact`], and the node drops the log up to there. A follower that falls behind
//! the leader's first index then receives the snapshot (in chunks) and the driver sees it in
//! [`Ready::snapshot`] with [`Ready::restore_snapshot`] set. Membership changes go through
//! [`Input::ChangeMembership`] with a [`ConfChange`]; the safe way to add a node is a learner
//! first, promoted once it has caught up.
//!
//! - `node.log().applied()` is what the node has *handed out* in `Ready::committed`, not what
//!   the application has applied: a driver that applies asynchronously snapshots at its own
//!   applied index, never past it.
//! - A joining node starts with an empty configuration (`Membership::default()`): it never
//!   campaigns, and learns the cluster's configuration from the leader's appends or snapshot.
//! - A removed node is not told: once the configuration without it commits, the leader stops
//!   sending to it, and with PreVote on it cannot disturb the cluster (its pre-votes are
//!   refused while the leader is heard). The operator stops it.
//!
//! ```
//! use raft_core::{ConfChange, Config, Input, Membership, Node, Storage};
//!
//! let membership = Membership::with_voters([1]);
//! let mut node = Node::new(Config::new(1), membership).unwrap();
//! while node.role() != raft_core::Role::Leader {
//!     node.step(Input::Tick(1)).unwrap();
//!     let ready = node.ready();
//!     node.storage_mut().persist(&ready);
//! }
//! for k in 0..5u8 {
//!     node.step(Input::Propose(vec![k])).unwrap();
//! }
//! let ready = node.ready();
//! node.storage_mut().persist(&ready);
//!
//! // The application snapshots its state at the applied index; the log shrinks.
//! let applied = node.log().applied();
//! node.step(Input::Compact { index: applied, data: b"state".to_vec() }).unwrap();
//! let ready = node.ready();
//! node.storage_mut().persist(&ready);
//! assert_eq!(ready.snapshot.unwrap().meta.index, applied);
//! assert_eq!(node.storage().state().snapshot_index, applied);
//! assert!(node.storage().state().entries.is_empty());
//!
//! // Add node 2 as a learner: it receives the log, and its vote counts only once promoted.
//! node.step(Input::ChangeMembership(ConfChange::AddLearner { node: 2 })).unwrap();
//! assert!(node.membership().is_learner(2));
//! // A second change waits until the first has committed. Learners do not count towards
//! // the quorum, so with one voter it committed at once.
//! let ready = node.ready();
//! node.storage_mut().persist(&ready);
//! node.step(Input::ChangeMembership(ConfChange::Promote { node: 2 })).unwrap();
//! assert!(node.membership().is_voter(2));
//! ```
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod confchange;
pub mod config;
pub mod entries;
pub mod entry;
pub mod error;
pub mod log;
pub mod membership;
pub mod message;
pub mod progress;
pub mod quorum;
pub mod raft;
pub mod ready;
pub mod reason;
pub mod session;
pub mod snapshot;
pub mod storage;
mod tail;
pub mod types;

/// The shared, immutable byte buffer of [`Payload::Command`] (re-exported from the `bytes` crate,
/// so that callers need no dependency of their own).
pub use bytes::Bytes;
pub use confchange::ConfChange;
pub use config::{
    BreakIt, Config, ElectionPolicy, ReadMode, DEFAULT_MAX_CLOCK_DRIFT_PPM,
    DEFAULT_MAX_PENDING_READS, DEFAULT_MAX_SNAPSHOT_BYTES, DEFAULT_MAX_UNCOMMITTED_BYTES,
    MAX_CLOCK_DRIFT_PPM, MAX_ELECTION_TIMEOUT, MAX_LOG_CACHE_ENTRIES,
};
pub use entries::Entries;
pub use entry::{Entry, HardState, Payload};
pub use error::Error;
pub use log::{RaftLog, LOG_CACHE_BYTES, LOG_CACHE_ENTRIES};
pub use membership::Membership;
pub use message::{Body, Message};
pub use progress::{Progress, ProgressMap, ProgressState};
pub use raft::{Input, Node};
pub use ready::{Event, ReadState, Ready};
pub use reason::{
    ConfChangeRefusal, ConfigError, Corruption, RejectReason, SnapshotRefusal, TransferRefusal,
    TransferStep,
};
pub use snapshot::{Snapshot, SnapshotMeta};
pub use storage::{MemStorage, PersistentState, Stalling, Storage, StorageError};
pub use types::{Index, NodeId, Role, Term, MAX_INDEX, MAX_TERM};

/// The crate version, as shown by the playground.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
