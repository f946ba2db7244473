//! # raft-kv
//!
//! raft-core in real processes: a replicated key-value server with a write-ahead log on disk
//! (`storage`), peers over TCP (`wire`, `net`), a client API over HTTP/JSON (`http`), and the
//! node driver that ties them to one raft-core `Node` (`node`). The binary (`raft-kv`) runs one
//! node, a local cluster, or a fault run against one.
//!
//! Only `node.rs` and `storage.rs` use raft-core's API (`wire.rs` and `net.rs` carry its
//! `Message` as a value), so that a change there is adapted in two places.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod bench;
pub mod client;
pub mod config;
pub mod error;
pub mod faults;
pub mod harness;
pub mod http;
pub mod kv;
pub mod net;
pub mod node;
pub mod proxy;
pub mod server;
pub mod storage;
pub mod trace;
pub mod wire;

pub use error::Error;

/// Writes one log line to stderr: wall-clock time (seconds since the Unix epoch, to the
/// millisecond), the node, the message. A line that cannot be written (stderr on a full disk)
/// is lost; unlike `eprintln!`, this never panics.
pub fn log(node: u64, msg: impl std::fmt::Display) {
    use std::io::Write;
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let _ = writeln!(
        std::io::stderr(),
        "{}.{:03} S{node}: {msg}",
        t.as_secs(),
        t.subsec_millis()
    );
}
