//! The replicated log: the last entries in memory, the rest read back through [`Storage`].
//!
//! As in etcd's `raftLog` and raft-rs's `RaftLog`, the node does not hold its whole log. It
//! holds a *tail*: the entries it has not handed to the driver as persisted yet (the unstable
//! entries) and, before them, a bounded cache of the most recent stable ones
//! ([`crate::Config::log_cache_entries`], [`crate::Config::log_cache_bytes`]). Older entries
//! are read from the storage the node owns, which the driver fills from each [`crate::Ready`]. So the node's memory is bounded by the unstable
//! entries plus the cache, not by the length of the log.
//!
//! When an entry counts as stable: the entries of a `Ready` are durable once the driver has
//! handled it, which the contract on [`crate::Ready`] requires before the next call to
//! [`crate::Node::ready`]. So `ready()` first promotes what the previous `ready()` handed out,
//! then trims the cache. A read below the tail therefore only asks storage for entries a
//! driver following the contract has already stored.

use alloc::vec::Vec;

use crate::entries::Entries;
use crate::entry::{Entry, Payload};
use crate::membership::Membership;
use crate::reason::Corruption;
use crate::storage::{MemStorage, Storage, StorageError};
use crate::tail::Tail;
use crate::types::{Index, Term};

/// Default of [`crate::Config::log_cache_entries`]: most stable entries the node keeps in
/// memory, besides its unstable ones: the cache that serves Appends to followers close behind,
/// the application of recently committed entries and views of the newest entries (the
/// playground draws the last 14). Trimmed in `ready()` once it holds twice this many, so the
/// bound on held stable entries is `2 × LOG_CACHE_ENTRIES`.
pub const LOG_CACHE_ENTRIES: usize = 256;

/// Default of [`crate::Config::log_cache_bytes`]: no bound in bytes (only the entry count
/// bounds the cache, as before the byte bound existed).
pub const LOG_CACHE_BYTES: u64 = u64::MAX;

/// How many bytes the log asks storage for at a time when it scans it (restart).
const SCAN_BYTES: u64 = 1 << 20;

/// A node's log. Indexes `offset + 1 ..= last_index()` are held: those from `tail_start` on
/// in `tail` (memory), those below in `store`.
///
/// Invariants: entry indexes are consecutive; entry terms never decrease along the log;
/// `applied <= committed <= last_index()`; `offset <= applied` once a snapshot is in place;
/// `offset < tail_start`; every entry above `stable` is in `tail` (never trimmed);
/// `confs` lists, ascending, the indexes above `offset` that hold a membership entry, with that
/// membership (kept in memory so that the configuration in effect never waits on a storage read:
/// a storage that cannot answer must not make a node fall back to an older configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftLog<S = MemStorage> {
    store: S,
    offset: Index,
    offset_term: Term,
    tail_start: Index,
    /// The entries from `tail_start` on, as shared runs (see [`crate::tail`]).
    tail: Tail,
    /// Highest index known to be durable in `store` (entries of `tail` up to it are cache).
    stable: Index,
    /// Last index handed to the driver by the latest `ready()`, durable by the next one.
    handed_out: Index,
    confs: Vec<(Index, Membership)>,
    committed: Index,
    applied: Index,
    /// Cache bounds ([`crate::Config::log_cache_entries`], [`crate::Config::log_cache_bytes`]).
    cache_entries: usize,
    cache_bytes: u64,
    /// Most bytes handed out by one `take_committed*` call
    /// ([`crate::Config::max_committed_bytes_per_ready`]; at least one entry).
    max_committed_bytes: u64,
}

impl Default for RaftLog<MemStorage> {
    fn default() -> Self {
        Self::new()
    }
}

impl RaftLog<MemStorage> {
    /// An empty log over an empty [`MemStorage`].
    pub fn new() -> Self {
        RaftLog::with_storage(MemStorage::default()).expect("an empty store holds a consistent log")
    }

    /// A log restored from a snapshot boundary and the entries after it (kept in a
    /// [`MemStorage`]). Fails if the entries are not consecutive from `offset + 1` or their
    /// terms decrease.
    pub fn restore(
        offset: Index,
        offset_term: Term,
        entries: Vec<Entry>,
    ) -> Result<Self, Corruption> {
        let state = crate::storage::PersistentState {
            snapshot_index: offset,
            snapshot_term: offset_term,
            entries,
            ..Default::default()
        };
        RaftLog::with_storage(MemStorage::from_state(state))
    }
}

impl<S: Storage> RaftLog<S> {
    /// A log over what `store` holds: its snapshot boundary and entries. Reads the stored log
    /// once, to check it (consecutive indexes, terms from 1 that do not decrease, possible
    /// configurations in membership entries) and to find its
    /// membership entries, then keeps the last [`LOG_CACHE_ENTRIES`] in memory. A storage that
    /// cannot answer yet is reported as [`Corruption::StorageUnavailable`].
    pub fn with_storage(store: S) -> Result<Self, Corruption> {
        let unavailable = |_| Corruption::StorageUnavailable;
        let snap = store.snapshot().map_err(unavailable)?;
        let (offset, offset_term) = (snap.meta.index, snap.meta.term);
        let last = store.last_index().map_err(unavailable)?;
        let mut confs = Vec::new();
        let mut prev_term = offset_term;
        let mut next = offset + 1;
        let mut chunk = Vec::new();
        while next <= last {
            chunk.clear();
            store
                .entries(next, last + 1, SCAN_BYTES, &mut chunk)
                .map_err(unavailable)?;
            if chunk.is_empty() {
                return Err(Corruption::EntriesNotConsecutive);
            }
            for e in &chunk {
                if e.index != next {
                    return Err(Corruption::EntriesNotConsecutive);
                }
                if e.term == 0 {
                    return Err(Corruption::EntryTermZero);
                }
                if e.term < prev_term {
                    return Err(Corruption::TermsDecrease);
                }
                if let Payload::Membership(m) = &e.payload {
                    if !m.is_possible() {
                        return Err(Corruption::ImpossibleMembership);
                    }
                    confs.push((e.index, Membership::clone(m)));
                }
                prev_term = e.term;
                next += 1;
            }
        }
        let tail_start = last
            .saturating_sub(LOG_CACHE_ENTRIES as Index - 1)
            .max(offset + 1);
        let mut tail = Tail::default();
        if tail_start <= last {
            let mut held = Vec::new();
            store
                .entries(tail_start, last + 1, u64::MAX, &mut held)
                .map_err(unavailable)?;
            tail.push_shared(Entries::from(held));
        }
        Ok(RaftLog {
            store,
            offset,
            offset_term,
            tail_start,
            tail,
            stable: last,
            handed_out: last,
            confs,
            committed: offset,
            applied: offset,
            cache_entries: LOG_CACHE_ENTRIES,
            cache_bytes: LOG_CACHE_BYTES,
            max_committed_bytes: u64::MAX,
        })
    }

    /// Sets the cache's bounds: stable entries held in memory are trimmed to at most `entries`
    /// and at most `bytes` ([`Entry::size`] summed) once they reach twice either (see
    /// [`crate::Config::log_cache_entries`]). `entries` is taken as at least 1.
    pub fn set_cache_limits(&mut self, entries: usize, bytes: u64) {
        self.cache_entries = entries.max(1);
        self.cache_bytes = bytes;
    }

    /// Sets the most bytes ([`Entry::size`] summed) one [`RaftLog::take_committed`] hands out
    /// (at least one entry; see [`crate::Config::max_committed_bytes_per_ready`]).
    pub fn set_max_committed_bytes(&mut self, bytes: u64) {
        self.max_committed_bytes = bytes;
    }

    /// A restart's applied index ([`crate::Config::applied`]): entries up to `index` (at most
    /// [`RaftLog::last_index`], which the caller checks) were handed out committed before the
    /// restart, so they count as committed and handed out again now. Never lowers either.
    pub fn restore_applied(&mut self, index: Index) {
        let index = index.min(self.last_index());
        self.committed = self.committed.max(index);
        self.applied = self.applied.max(index);
    }

    /// Bytes ([`Entry::size`] summed) of the entries held in memory.
    pub fn memory_bytes(&self) -> u64 {
        self.tail.bytes()
    }

    /// The storage the log reads its stable entries from.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The storage, for the driver to persist each [`crate::Ready`] into.
    pub fn store_mut(&mut self) -> &mut S {
        &mut self.store
    }

    /// Gives the storage back (a crashed node's disk).
    pub fn into_store(self) -> S {
        self.store
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
        self.tail_start + self.tail.len() as Index - 1
    }

    /// Term of the last entry (the snapshot term when the log is empty).
    pub fn last_term(&self) -> Term {
        // The tail always holds the last entry when there is one (only stable entries before
        // the last `LOG_CACHE_ENTRIES` are trimmed).
        self.tail.last().map_or(self.offset_term, |e| e.term)
    }

    /// Highest index known to be committed.
    pub fn committed(&self) -> Index {
        self.committed
    }

    /// Highest index handed to the application.
    pub fn applied(&self) -> Index {
        self.applied
    }

    /// The entries held in memory: the newest of the log (at least the last
    /// [`LOG_CACHE_ENTRIES`], or all of them after the snapshot when there are fewer), in order.
    /// Older ones are read with [`RaftLog::slice`] or [`RaftLog::entry`]. A view of the shared
    /// run when memory holds one, else a copy of the entries' headers (payloads are shared).
    pub fn entries(&self) -> Entries {
        self.tail.to_entries()
    }

    /// Every entry after the snapshot, read from memory and storage (for tests and tools: it
    /// copies the whole log's entry headers; empty if the storage cannot answer yet).
    pub fn collect_entries(&self) -> Vec<Entry> {
        self.slice(self.first_index(), Index::MAX, u64::MAX)
    }

    /// Index of the first entry held in memory (`last_index() + 1` when none is).
    pub fn memory_start(&self) -> Index {
        self.tail_start
    }

    /// The term of the entry at `index`: `Ok(None)` if it is compacted away or past the end,
    /// `Err` if it is stable and the storage cannot answer yet.
    pub fn term_checked(&self, index: Index) -> Result<Option<Term>, StorageError> {
        if index == self.offset {
            Ok(Some(self.offset_term))
        } else if index < self.offset || index > self.last_index() {
            Ok(None)
        } else if index >= self.tail_start {
            Ok(self.tail.get(index).map(|e| e.term))
        } else {
            self.store.term(index).map(Some)
        }
    }

    /// The term of the entry at `index`, or `None` if it is compacted away, past the end, or
    /// (an asynchronous storage) not readable yet.
    pub fn term(&self, index: Index) -> Option<Term> {
        self.term_checked(index).ok().flatten()
    }

    /// The entry at `index`, if held (read from storage when it is older than the memory's).
    /// Entries share their payloads, so this copies a few words, not the command.
    pub fn entry(&self, index: Index) -> Option<Entry> {
        if index <= self.offset || index > self.last_index() {
            None
        } else if index >= self.tail_start {
            self.tail.get(index).cloned()
        } else {
            let mut out = Vec::with_capacity(1);
            self.store.entries(index, index + 1, 0, &mut out).ok()?;
            out.pop()
        }
    }

    /// The entry at `index` if it is in memory (not only in storage), borrowed: what
    /// [`RaftLog::entry`] gives for it, without copying the header and sharing the payload.
    #[inline]
    pub fn entry_in_memory(&self, index: Index) -> Option<&Entry> {
        if index <= self.offset || index > self.last_index() || index < self.tail_start {
            None
        } else {
            self.tail.get(index)
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
    /// one entry when the range is not empty. Empty when `lo` is below
    /// [`RaftLog::first_index`]; an error if the storage cannot answer yet.
    pub fn slice_checked(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
    ) -> Result<Vec<Entry>, StorageError> {
        let mut out = Vec::new();
        self.slice_into(lo, hi, max_bytes, &mut out)?;
        Ok(out)
    }

    /// [`RaftLog::slice_checked`] appending to `out` (which it leaves as it was on error).
    pub fn slice_into(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
        out: &mut Vec<Entry>,
    ) -> Result<(), StorageError> {
        let hi = hi.min(self.last_index() + 1);
        if lo < self.first_index() || lo >= hi {
            return Ok(());
        }
        let before = out.len();
        let mut bytes = 0u64;
        if lo < self.tail_start {
            let stored_hi = hi.min(self.tail_start);
            self.store.entries(lo, stored_hi, max_bytes, out)?;
            bytes = out[before..].iter().map(Entry::size).sum();
            if ((out.len() - before) as Index) < stored_hi - lo || stored_hi == hi {
                return Ok(());
            }
        }
        let taken = out.len() > before;
        self.tail
            .extend_into(lo.max(self.tail_start), hi, max_bytes, (bytes, taken), out);
        Ok(())
    }

    /// [`RaftLog::slice_checked`] as shared [`Entries`]: a view of the memory's shared run,
    /// without copying, when the range lies in one (the common case: a batch going to every
    /// follower), else a copy.
    pub fn slice_shared(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
    ) -> Result<Entries, StorageError> {
        let hi = hi.min(self.last_index() + 1);
        if lo < self.first_index() || lo >= hi {
            return Ok(Entries::new());
        }
        if lo >= self.tail_start {
            return Ok(self.tail.slice(lo, hi, max_bytes));
        }
        self.slice_checked(lo, hi, max_bytes).map(Entries::from)
    }

    /// Makes the entries pushed one by one since the last call one shared run, so that
    /// [`RaftLog::slice_shared`] can hand them out without copying (the node calls this before
    /// it builds a `Ready` or an Append).
    #[inline]
    pub(crate) fn seal(&mut self) {
        self.tail.seal();
    }

    /// [`RaftLog::slice_checked`], empty when the storage cannot answer yet.
    pub fn slice(&self, lo: Index, hi: Index, max_bytes: u64) -> Vec<Entry> {
        self.slice_checked(lo, hi, max_bytes).unwrap_or_default()
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

    /// [`RaftLog::find_conflict`] for a log whose storage may not answer: an entry the log holds
    /// but cannot read now is neither a match nor a conflict (`Err` with the error and its
    /// index). Treating it as a conflict would delete it and everything after it, entries this
    /// node may already have acknowledged to a leader that counted them toward a commit.
    pub fn find_conflict_checked(
        &self,
        entries: &[Entry],
    ) -> Result<Option<Index>, (StorageError, Index)> {
        for e in entries {
            match self.term_checked(e.index) {
                Ok(Some(t)) if t == e.term => {}
                Ok(_) => return Ok(Some(e.index)),
                Err(error) => return Err((error, e.index)),
            }
        }
        Ok(None)
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

    /// Index of the latest membership entry at or below `index` (above the snapshot), if any.
    pub fn conf_index_at(&self, index: Index) -> Option<Index> {
        self.conf_at(index).map(|(i, _)| i)
    }

    /// The latest membership entry at or below `index` (above the snapshot), if any: its index
    /// and membership, from memory (never a storage read).
    pub fn conf_at(&self, index: Index) -> Option<(Index, &Membership)> {
        let k = self.confs.partition_point(|&(i, _)| i <= index);
        k.checked_sub(1)
            .map(|k| (self.confs[k].0, &self.confs[k].1))
    }

    /// Appends `entry` at the end. The caller guarantees its index is `last_index() + 1` and its
    /// term is not below `last_term()`.
    pub fn push(&mut self, entry: Entry) {
        debug_assert_eq!(
            entry.index,
            self.last_index() + 1,
            "log: consecutive indexes"
        );
        if let Payload::Membership(m) = &entry.payload {
            self.confs.push((entry.index, Membership::clone(m)));
        }
        self.tail.push(entry);
    }

    /// [`RaftLog::truncate_and_append`] keeping the shared run `entries` as it is (a follower
    /// keeps the leader's batch instead of copying it).
    pub fn truncate_and_append_shared(&mut self, index: Index, entries: Entries) -> bool {
        if !self.truncate_from(index) {
            return false;
        }
        for e in entries.iter() {
            if let Payload::Membership(m) = &e.payload {
                self.confs.push((e.index, Membership::clone(m)));
            }
        }
        debug_assert!(
            entries.first().is_none_or(|e| e.index == index),
            "log: consecutive indexes"
        );
        self.tail.push_shared(entries);
        true
    }

    /// Removes the entries from `index` on and appends `entries` (which start at `index`).
    /// Returns false, changing nothing, if that would remove a committed entry or leave a gap.
    pub fn truncate_and_append(&mut self, index: Index, entries: &[Entry]) -> bool {
        self.truncate_and_extend(index, entries.iter().cloned())
    }

    /// [`RaftLog::truncate_and_append`] taking the entries by value (a follower moves them
    /// out of the leader's Append instead of copying them).
    pub fn truncate_and_extend(
        &mut self,
        index: Index,
        entries: impl IntoIterator<Item = Entry>,
    ) -> bool {
        if !self.truncate_from(index) {
            return false;
        }
        for e in entries {
            self.push(e);
        }
        true
    }

    /// Removes the entries from `index` on, refilling the cache from storage; false (changing
    /// nothing) if that would remove a committed entry or leave a gap.
    fn truncate_from(&mut self, index: Index) -> bool {
        if index <= self.committed || index > self.last_index() + 1 || index <= self.offset {
            return false;
        }
        if index == self.last_index() + 1 {
            // Nothing to remove (a follower appending after its last entry, the common case):
            // `stable`, `handed_out` and `confs` are all at or below the last index.
            return true;
        }
        if index >= self.tail_start {
            self.tail.truncate_from(index);
        } else {
            self.tail.clear();
            self.tail_start = index;
        }
        // Keep the cache's length by reading back stable entries before the memory's start
        // (untouched by the truncation, and durable since they are below the tail). If the
        // storage cannot answer yet, the memory simply starts later.
        let want = index
            .saturating_sub(self.cache_entries as Index)
            .max(self.offset + 1);
        if want < self.tail_start {
            let mut kept = Vec::new();
            let n = self.tail_start - want;
            if self
                .store
                .entries(want, self.tail_start, u64::MAX, &mut kept)
                .is_ok()
                && kept.len() as Index == n
            {
                self.tail.prepend(Entries::from(kept));
                self.tail_start = want;
            }
        }
        self.stable = self.stable.min(index - 1);
        self.handed_out = self.handed_out.min(index - 1);
        let k = self.confs.partition_point(|&(i, _)| i < index);
        self.confs.truncate(k);
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

    /// Committed entries not yet handed to the application, in order, marking them handed: at
    /// most [`RaftLog::set_max_committed_bytes`] of them (at least one), the rest with later
    /// calls. If the storage cannot answer yet, hands out nothing now: the same entries come
    /// with a later call.
    pub fn take_committed(&mut self) -> Vec<Entry> {
        let mut out = Vec::new();
        self.take_committed_into(&mut out);
        out
    }

    /// [`RaftLog::take_committed`] into a vector the caller provides (reusing its capacity).
    pub fn take_committed_into(&mut self, out: &mut Vec<Entry>) {
        let _ = self.take_committed_checked(out);
    }

    /// [`RaftLog::take_committed_into`], saying why the storage could not answer (with the
    /// first index asked for), so that the node can report a storage that lost entries.
    pub(crate) fn take_committed_checked(
        &mut self,
        out: &mut Vec<Entry>,
    ) -> Result<(), (StorageError, Index)> {
        if self.applied >= self.committed {
            return Ok(());
        }
        let max = self.max_committed_bytes;
        let (lo, hi) = (self.applied + 1, self.committed + 1);
        let before = out.len();
        if lo < self.tail_start {
            let stored_hi = hi.min(self.tail_start);
            let asked = stored_hi - lo;
            match self.store.entries(lo, stored_hi, max, out) {
                Ok(()) if out.len() > before && (out.len() - before) as Index <= asked => {}
                Ok(()) => {
                    // Nothing, or more than asked: a storage that does not hold what it
                    // should (read errors are reported; this is one too).
                    out.truncate(before);
                    return Err((StorageError::Unavailable, lo));
                }
                Err(e) => {
                    out.truncate(before);
                    return Err((e, lo));
                }
            }
            let got = (out.len() - before) as Index;
            if got < asked {
                // The byte bound stopped the read: the rest comes with the next call.
                self.applied = lo + got - 1;
                return Ok(());
            }
        }
        if hi > self.tail_start {
            let bytes: u64 = out[before..].iter().map(Entry::size).sum();
            let taken = out.len() > before;
            self.tail
                .extend_into(lo.max(self.tail_start), hi, max, (bytes, taken), out);
        }
        self.applied = out[before..].last().map_or(self.applied, |e| e.index);
        Ok(())
    }

    /// [`RaftLog::take_committed`] as shared [`Entries`]: a view of the memory's shared run
    /// when the committed entries lie in one (no copy), else a copy.
    pub fn take_committed_shared(&mut self) -> Entries {
        self.take_committed_shared_checked().unwrap_or_default()
    }

    /// [`RaftLog::take_committed_shared`], saying why the storage could not answer.
    pub(crate) fn take_committed_shared_checked(
        &mut self,
    ) -> Result<Entries, (StorageError, Index)> {
        if self.applied >= self.committed {
            return Ok(Entries::new());
        }
        let (lo, hi) = (self.applied + 1, self.committed + 1);
        if lo >= self.tail_start {
            let out = self.tail.slice(lo, hi, self.max_committed_bytes);
            self.applied += out.len() as Index;
            return Ok(out);
        }
        let mut out = Vec::new();
        self.take_committed_checked(&mut out)?;
        Ok(Entries::from(out))
    }

    /// Called by `ready()` before it hands out new entries: what the previous `ready()` handed
    /// out is durable now (the driver handled that Ready), and the cache is trimmed: once the
    /// stable entries held reach twice `cache_entries`, or their bytes twice `cache_bytes`, the
    /// oldest go until at most `cache_entries` and `cache_bytes` are left (amortized: each entry
    /// is dropped once, after at least as many others were added). The last entry always stays
    /// (the log reads its own last term from memory).
    pub fn stable_to_handed_out(&mut self) {
        self.stable = self.stable.max(self.handed_out);
        let held_stable = (self.stable + 1).saturating_sub(self.tail_start) as usize;
        let over_count = held_stable >= 2 * self.cache_entries;
        // The stable bytes are counted only when the whole memory is over the trigger (never
        // with the default, unbounded byte limit).
        let trigger_bytes = self.cache_bytes.saturating_mul(2);
        let stable_bytes = if self.tail.bytes() >= trigger_bytes {
            let unstable: u64 = self
                .tail
                .iter()
                .rev()
                .take_while(|e| e.index > self.stable)
                .map(Entry::size)
                .sum();
            self.tail.bytes() - unstable
        } else {
            0
        };
        if !over_count && stable_bytes < trigger_bytes {
            return;
        }
        let droppable = held_stable.min(self.tail.len() - 1);
        let mut drop = held_stable.saturating_sub(self.cache_entries);
        let mut dropped_bytes = 0u64;
        for (k, e) in self.tail.iter().enumerate().take(droppable) {
            if k >= drop && stable_bytes.saturating_sub(dropped_bytes) <= self.cache_bytes {
                break;
            }
            dropped_bytes += e.size();
            drop = drop.max(k + 1);
        }
        let drop = drop.min(droppable);
        if drop > 0 {
            self.tail_start += drop as Index;
            self.tail.drop_before(self.tail_start);
        }
    }

    /// True while entries handed out by a `ready()` wait for the next one to count them as
    /// persisted (which lets [`RaftLog::stable_to_handed_out`] trim the cache).
    pub(crate) fn awaiting_ack(&self) -> bool {
        self.handed_out > self.stable
    }

    /// Called by `ready()` after it handed out every entry up to [`RaftLog::last_index`].
    pub fn handed_out_all(&mut self) {
        self.handed_out = self.last_index();
    }

    /// Discards entries up to and including `index` after a snapshot at (`index`, `term`)
    /// covering them. If the log does not hold `index` with `term`, the whole log is replaced by
    /// the snapshot boundary (a follower installing a leader's snapshot, dissertation §5.1).
    pub fn compact_to(&mut self, index: Index, term: Term) {
        if index <= self.offset {
            return;
        }
        if self.matches(index, term) {
            if index >= self.tail_start {
                self.tail.drop_before(index + 1);
                self.tail_start = index + 1;
            }
            let k = self.confs.partition_point(|&(i, _)| i <= index);
            self.confs.drain(..k);
        } else {
            // The whole log goes (Figure 13, step 7), and with it every configuration entry it
            // held, those after `index` too: none may configure the node any more.
            self.tail.clear();
            self.confs.clear();
            self.tail_start = index + 1;
            self.stable = self.stable.min(index);
            self.handed_out = self.handed_out.min(index);
        }
        self.offset = index;
        self.offset_term = term;
        self.committed = self.committed.max(index);
        self.applied = self.applied.max(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Payload;

    /// `entry_in_memory` borrows exactly what `entry` copies for every index the memory holds,
    /// and nothing else (below the memory's start the entries are read from storage).
    #[test]
    fn entry_in_memory_is_entry_for_the_indexes_in_memory() {
        let entries = (1..=600)
            .map(|index| Entry {
                term: 1 + index / 100,
                index,
                payload: Payload::Noop,
            })
            .collect();
        let log = RaftLog::restore(0, 0, entries).unwrap();
        assert!(log.memory_start() > 1, "older entries are only in storage");
        for index in 0..=601 {
            let held = index >= log.memory_start() && index <= log.last_index();
            match log.entry_in_memory(index) {
                Some(e) => assert_eq!(Some(e), log.entry(index).as_ref(), "{index}"),
                None => assert!(!held, "{index} is in memory"),
            }
            assert_eq!(log.entry_in_memory(index).is_some(), held, "{index}");
        }
    }
}
