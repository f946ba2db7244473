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
pub mod session;
pub mod sim;
pub mod snapshot;
pub mod storage;
pub mod types;

pub use confchange::ConfChange;
pub use config::{BreakIt, Config, ReadMode};
pub use entry::{Entry, HardState, Payload};
pub use error::Error;
pub use log::RaftLog;
pub use membership::Membership;
pub use message::{Body, Message};
pub use progress::{Progress, ProgressState};
pub use raft::{Input, Node};
pub use ready::{Event, ReadState, Ready};
pub use snapshot::{Snapshot, SnapshotMeta};
pub use storage::{MemStorage, PersistentState, Storage};
pub use types::{Index, NodeId, Role, Term};

/// The crate version, as shown by the playground.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
