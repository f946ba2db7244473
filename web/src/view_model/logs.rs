//! The logs panel: which indices it shows, and each entry as drawn.

use raft_core::{Entry, Index, Payload, Term};
use raft_sim::World;

/// How many log columns the logs panel shows (the most recent ones).
pub const LOG_WINDOW: u64 = 14;

/// One log entry as drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryView {
    /// Position in the log.
    pub index: Index,
    /// Term that created it (its colour).
    pub term: Term,
    /// At or below this node's commit index.
    pub committed: bool,
    /// A leader's no-op (rather than a client command).
    pub noop: bool,
}

/// The logs panel's window, `(lo, hi)`: the last [`LOG_WINDOW`] indices up to the end of the
/// longest log (a crashed node's counts, read from its disk); `lo > hi` when every log is empty.
pub fn window(world: &World) -> (Index, Index) {
    let hi = world
        .nodes()
        .values()
        .map(|s| match &s.node {
            Some(n) => n.log().last_index(),
            None => s.storage().state().entries.last().map_or(0, |e| e.index),
        })
        .max()
        .unwrap_or(0);
    let lo = hi.saturating_sub(LOG_WINDOW - 1).max(1);
    (lo, hi)
}

/// The entries of a log from index `lo` on, as drawn; those at or below `committed` are
/// committed.
pub fn entry_views(entries: &[Entry], lo: Index, committed: Index) -> Vec<EntryView> {
    entries
        .iter()
        .filter(|e| e.index >= lo)
        .map(|e| EntryView {
            index: e.index,
            term: e.term,
            committed: e.index <= committed,
            noop: matches!(e.payload, Payload::Noop),
        })
        .collect()
}
