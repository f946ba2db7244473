//! Snapshots (paper §7, dissertation §5): the application's state up to an index, with the last
//! included entry's term and the membership in effect there, which replaces that prefix of the
//! log.

use alloc::vec::Vec;

use crate::membership::Membership;
use crate::types::{Index, Term};

/// What a snapshot covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct SnapshotMeta {
    /// Last log index the snapshot includes.
    pub index: Index,
    /// Term of that entry.
    pub term: Term,
    /// Membership in effect at `index` (dissertation §5.1: the snapshot carries the latest
    /// configuration, since the log entries that held it are gone).
    pub membership: Membership,
}

/// A snapshot: metadata and the application's opaque state.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Snapshot {
    /// What it covers.
    pub meta: SnapshotMeta,
    /// The application's state, as produced by its state machine.
    pub data: Vec<u8>,
}
