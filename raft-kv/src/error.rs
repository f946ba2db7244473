//! The crate's one error type: every way starting or running a node can fail, each with a
//! sentence that names the file, the peer or the field involved.

use std::path::PathBuf;

/// Everything that can go wrong in raft-kv outside the protocol itself.
#[derive(Debug)]
pub enum Error {
    /// A file or directory operation failed (a full disk shows up here, as `ENOSPC`).
    Io {
        /// What was being done, e.g. `fsync of /data/1/wal`.
        what: String,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A durable file is damaged somewhere other than a torn last record: recovery refuses to
    /// guess and the node does not start.
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Byte offset of the damaged record.
        offset: u64,
        /// What is wrong there.
        why: String,
    },
    /// The data directory was written by another cluster or for another node id.
    WrongDirectory {
        /// The directory.
        dir: PathBuf,
        /// What does not match.
        why: String,
    },
    /// A command-line option or the cluster file is invalid.
    Config(String),
    /// raft-core refused the persisted state or the configuration.
    Raft(raft_core::Error),
}

impl Error {
    /// An I/O error with a description of the operation.
    pub fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            what: what.into(),
            source,
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Io { what, source } => write!(f, "{what}: {source}"),
            Error::Corrupt { path, offset, why } => write!(
                f,
                "{} is corrupt at byte {offset}: {why}; refusing to start (restore this node from \
                 a copy, or remove its directory and add it back as a new member)",
                path.display()
            ),
            Error::WrongDirectory { dir, why } => {
                write!(f, "data directory {} {why}", dir.display())
            }
            Error::Config(why) => write!(f, "bad configuration: {why}"),
            Error::Raft(e) => write!(f, "raft: {e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<raft_core::Error> for Error {
    fn from(e: raft_core::Error) -> Self {
        Error::Raft(e)
    }
}
