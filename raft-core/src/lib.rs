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
//! use raft_core::{Config, Input, MemStorage, Membership, Node, Role, Storage};
//!
//! // A single-node cluster: it elects itself and commits on its own.
//! let membership = Membership::with_voters([1]);
//! let mut storage = MemStorage::new(membership.clone());
//! let mut node = Node::new(Config::new(1), membership).unwrap();
//! let mut applied = Vec::new();
//!
//! for _ in 0..300 {
//!     node.step(Input::Tick(1)).unwrap();
//!     let ready = node.ready();
//!     storage.persist(&ready);            // 1. durable first
//!     assert!(ready.messages.is_empty()); // 2. then send (nobody to send to here)
//!     applied.extend(ready.committed);    // 3. then apply
//! }
//! assert_eq!(node.role(), Role::Leader);
//!
//! let index = node.step(Input::Propose(b"hello".to_vec())).unwrap().unwrap();
//! let ready = node.ready();
//! storage.persist(&ready);
//! applied.extend(ready.committed);
//! assert_eq!(applied.last().unwrap().index, index);
//!
//! // After a crash, the node restarts from what it persisted.
//! let restarted = Node::restore(Config::new(1), storage.load()).unwrap();
//! assert_eq!(restarted.term(), node.term());
//! assert_eq!(restarted.log().last_index(), index);
//! ```
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
//! - The node keeps its log in memory until it is compacted ([`Input::Compact`]): memory grows
//!   with the uncompacted log. (Entries are never read back from [`Storage`].)
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
//! ```
//! use raft_core::{ConfChange, Config, Input, MemStorage, Membership, Node, Storage};
//!
//! let membership = Membership::with_voters([1]);
//! let mut storage = MemStorage::new(membership.clone());
//! let mut node = Node::new(Config::new(1), membership).unwrap();
//! while node.role() != raft_core::Role::Leader {
//!     node.step(Input::Tick(1)).unwrap();
//!     storage.persist(&node.ready());
//! }
//! for k in 0..5u8 {
//!     node.step(Input::Propose(vec![k])).unwrap();
//! }
//! storage.persist(&node.ready());
//!
//! // The application snapshots its state at the applied index; the log shrinks.
//! let applied = node.log().applied();
//! node.step(Input::Compact { index: applied, data: b"state".to_vec() }).unwrap();
//! let ready = node.ready();
//! storage.persist(&ready);
//! assert_eq!(ready.snapshot.unwrap().meta.index, applied);
//! assert_eq!(storage.state().snapshot_index, applied);
//! assert!(storage.state().entries.is_empty());
//!
//! // Add node 2 as a learner: it receives the log, and its vote counts only once promoted.
//! node.step(Input::ChangeMembership(ConfChange::AddLearner { node: 2 })).unwrap();
//! assert!(node.membership().is_learner(2));
//! // A second change waits until the first has committed. Learners do not count towards
//! // the quorum, so with one voter it committed at once.
//! storage.persist(&node.ready());
//! node.step(Input::ChangeMembership(ConfChange::Promote { node: 2 })).unwrap();
//! assert!(node.membership().is_voter(2));
//! ```
#![no_std]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod confchange;
pub mod config;
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
pub mod types;

/// The shared, immutable byte buffer of [`Payload::Command`] (re-exported from the `bytes` crate,
/// so that callers need no dependency of their own).
pub use bytes::Bytes;
pub use confchange::ConfChange;
pub use config::{
    BreakIt, Config, ElectionPolicy, ReadMode, DEFAULT_MAX_CLOCK_DRIFT_PPM, MAX_CLOCK_DRIFT_PPM,
};
pub use entry::{Entry, HardState, Payload};
pub use error::Error;
pub use log::{RaftLog, LOG_CACHE_ENTRIES};
pub use membership::Membership;
pub use message::{Body, Message};
pub use progress::{Progress, ProgressState};
pub use raft::{Input, Node};
pub use ready::{Event, ReadState, Ready};
pub use reason::{
    ConfChangeRefusal, ConfigError, Corruption, RejectReason, SnapshotRefusal, TransferRefusal,
    TransferStep,
};
pub use snapshot::{Snapshot, SnapshotMeta};
pub use storage::{MemStorage, PersistentState, Storage, StorageError};
pub use types::{Index, NodeId, Role, Term};

/// The crate version, as shown by the playground.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
