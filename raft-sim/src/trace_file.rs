//! Trace files on disk. The format itself (`raft_core::sim::trace::write_jsonl` and
//! `parse_jsonl`) lives in raft-core, so the playground reads and writes the same files.

/// Writes the world's trace to `path`.
pub fn write(path: &str, w: &raft_core::sim::World) -> std::io::Result<()> {
    std::fs::write(path, raft_core::sim::trace::write_jsonl(w))
}

pub use raft_core::sim::trace::parse_jsonl as parse;
