//! # raft-kv
//!
//! raft-core in real processes: a replicated key-value server with a write-ahead log on disk
//! (`storage`), peers over TCP (`wire`, `net`), a client API over HTTP/JSON (`http`), and the
//! node driver that ties them to one raft-core `Node` (`node`). The binary (`raft-kv`) runs one
//! node, a local cluster, or a fault run against one.
//!
//! Only `node.rs` and `storage.rs` use raft-core's API, so that a change there is adapted in
//! two places.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod error;
pub mod storage;

pub use error::Error;
