//! The replicated log held in memory, with an offset so that a snapshot can replace its prefix.

use alloc::vec::Vec;

use crate::entry::Entry;
use crate::reason::Corruption;
use crate::types::{Index, Term};

/// A node's log: `entries[k]` has index `offset + 1 + k`, where `offset` is the last index
/// covered by a snapshot (0 when there is none).
///
/// Invariants: entry indexes are consecutive; entry terms never decrease along the log;
/// `applied <= committed <= last_index()`; `offset <= applied` once a snapshot is in place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RaftLog {
    offset: Index,
    offset_term: Term,
    entries: Vec<Entry>,
    committed: Index,
    applied: Index,
}

impl RaftLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// A log restored from a snapshot boundary and the entries after it. Fails if the entries are
    /// not consecutive from `offset + 1` or their terms decrease.
    pub fn restore(
        offset: Index,
        offset_term: Term,
        entries: Vec<Entry>,
    ) -> Result<Self, Corruption> {
        let mut prev_term = offset_term;
        for (k, e) in entries.iter().enumerate() {
            if e.index != offset + 1 + k as Index {
                return Err(Corruption::EntriesNotConsecutive);
            }
            if e.term < prev_term {
                return Err(Corruption::TermsDecrease);
            }
            prev_term = e.term;
        }
        Ok(RaftLog {
            offset,
            offset_term,
            entries,
            committed: offset,
            applied: offset,
        })
    }

    /// Index of the last entry covered by the snapshot (0 when none).
    pub fn snapshot_index(&self) -> Index {
        self.offset
    }

    /// Term of the entry at [`RaftLog::snapshot_index`].
    pub fn snapshot_term(&self) -> Term {
        self.offset_term
    }

    /// Index of the first entry still held in the log.
    pub fn first_index(&self) -> Index {
        self.offset + 1
    }

    /// Index of the last entry (the snapshot index when the log is empty).
    pub fn last_index(&self) -> Index {
        self.offset + self.entries.len() as Index
    }

    /// Term of the last entry (the snapshot term when the log is empty).
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.offset_term, |e| e.term)
    }

    /// Highest index known to be committed.
    pub fn committed(&self) -> Index {
        self.committed
    }

    /// Highest index handed to the application.
    pub fn applied(&self) -> Index {
        self.applied
    }

    /// The entries held in memory, from [`RaftLog::first_index`].
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The term of the entry at `index`, or `None` if it is compacted away or past the end.
    pub fn term(&self, index: Index) -> Option<Term> {
        if index == self.offset {
            Some(self.offset_term)
        } else if index < self.offset || index > self.last_index() {
            None
        } else {
            Some(self.entries[(index - self.offset - 1) as usize].term)
        }
    }

    /// The entry at `index`, if held.
    pub fn entry(&self, index: Index) -> Option<&Entry> {
        if index <= self.offset || index > self.last_index() {
            None
        } else {
            Some(&self.entries[(index - self.offset - 1) as usize])
        }
    }

    /// True if the log holds an entry at `index` with term `term` (the AppendEntries consistency
    /// check, §5.3).
    pub fn matches(&self, index: Index, term: Term) -> bool {
        self.term(index) == Some(term)
    }

    /// True if a log ending at (`last_index`, `last_term`) is at least as up-to-date as this one
    /// (§5.4.1): a later last term wins; with equal last terms the longer log wins.
    pub fn is_up_to_date(&self, last_index: Index, last_term: Term) -> bool {
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }

    /// Entries with indexes in `lo..hi`, stopping once `max_bytes` is exceeded but always at least
    /// one entry when the range is not empty. `lo` must be at least [`RaftLog::first_index`].
    pub fn slice(&self, lo: Index, hi: Index, max_bytes: u64) -> Vec<Entry> {
        let hi = hi.min(self.last_index() + 1);
        if lo < self.first_index() || lo >= hi {
            return Vec::new();
        }
        let start = (lo - self.offset - 1) as usize;
        let end = (hi - self.offset - 1) as usize;
        let mut out = Vec::new();
        let mut bytes = 0u64;
        for e in &self.entries[start..end] {
            bytes += e.size();
            if !out.is_empty() && bytes > max_bytes {
                break;
            }
            out.push(e.clone());
        }
        out
    }

    /// The index of the first of `entries` that this log does not already hold with the same
    /// term, or `None` if it holds them all (§5.3: "if an existing entry conflicts with a new one
    /// (same index but different terms), delete the existing entry and all that follow it").
    pub fn find_conflict(&self, entries: &[Entry]) -> Option<Index> {
        entries
            .iter()
            .find(|e| !self.matches(e.index, e.term))
            .map(|e| e.index)
    }

    /// Fast backtracking: the largest index at or below `index` whose term is at most `term`,
    /// with that term. Used by a follower to hint where the leader should probe next, and by the
    /// leader to skip a whole term of mismatching entries in one round trip.
    pub fn find_conflict_by_term(&self, index: Index, term: Term) -> (Index, Term) {
        let mut i = index.min(self.last_index());
        loop {
            match self.term(i) {
                Some(t) if t > term => i -= 1,
                Some(t) => return (i, t),
                None => return (i, 0),
            }
        }
    }

    /// Appends `entry` at the end. The caller guarantees its index is `last_index() + 1` and its
    /// term is not below `last_term()`.
    pub fn push(&mut self, entry: Entry) {
        debug_assert_eq!(
            entry.index,
            self.last_index() + 1,
            "log: consecutive indexes"
        );
        self.entries.push(entry);
    }

    /// Removes the entries from `index` on and appends `entries` (which start at `index`).
    /// Returns false, changing nothing, if that would remove a committed entry or leave a gap.
    pub fn truncate_and_append(&mut self, index: Index, entries: &[Entry]) -> bool {
        if index <= self.committed || index > self.last_index() + 1 || index <= self.offset {
            return false;
        }
        self.entries.truncate((index - self.offset - 1) as usize);
        self.entries.extend_from_slice(entries);
        true
    }

    /// Raises the commit index to `index` if that is higher (never lowers it). Returns whether it
    /// moved. Callers bound `index` by what they know to match the leader's log.
    pub fn commit_to(&mut self, index: Index) -> bool {
        let index = index.min(self.last_index());
        if index > self.committed {
            self.committed = index;
            true
        } else {
            false
        }
    }

    /// Committed entries not yet handed to the application, marking them handed.
    pub fn take_committed(&mut self) -> Vec<Entry> {
        if self.applied >= self.committed {
            return Vec::new();
        }
        let out = self.slice(self.applied + 1, self.committed + 1, u64::MAX);
        self.applied = self.committed;
        out
    }

    /// Discards entries up to and including `index` after a snapshot at (`index`, `term`)
    /// covering them. If the log does not hold `index` with `term`, the whole log is replaced by
    /// the snapshot boundary (a follower installing a leader's snapshot, dissertation §5.1).
    pub fn compact_to(&mut self, index: Index, term: Term) {
        if index <= self.offset {
            return;
        }
        if self.matches(index, term) {
            self.entries.drain(..(index - self.offset) as usize);
        } else {
            self.entries.clear();
        }
        self.offset = index;
        self.offset_term = term;
        self.committed = self.committed.max(index);
        self.applied = self.applied.max(index);
    }
}
