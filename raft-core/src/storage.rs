//! Durable state: what survives a crash, and an in-memory store that follows the [`Ready`]
//! contract. Durable: term, vote, log entries and the latest snapshot. Volatile, rebuilt after a
//! restart: role, leader, commit index, applied index, replication progress.

use alloc::vec::Vec;

use crate::entry::{Entry, HardState};
use crate::membership::Membership;
use crate::ready::Ready;
use crate::snapshot::{Snapshot, SnapshotMeta};
use crate::types::{Index, Term};

/// Everything a node needs to restart: what it persisted before it stopped.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PersistentState {
    /// Term and vote.
    pub hard_state: HardState,
    /// Membership at the snapshot boundary (the initial membership when there is no snapshot).
    pub membership: Membership,
    /// Last index covered by the snapshot (0 when none).
    pub snapshot_index: Index,
    /// Term of `snapshot_index`.
    pub snapshot_term: Term,
    /// The application state of the snapshot (empty when there is none).
    #[cfg_attr(feature = "serde", serde(default))]
    pub snapshot_data: Vec<u8>,
    /// Entries after the snapshot, consecutive.
    pub entries: Vec<Entry>,
}

/// Why a [`Storage`] read did not return what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum StorageError {
    /// The range starts below the storage's first entry: compacted into the snapshot.
    Compacted,
    /// The range ends after the storage's last entry.
    Unavailable,
    /// The storage cannot answer yet (an asynchronous disk still loading or writing). Not a
    /// failure: the node tries again later (see the crate doc, "Storage-backed log").
    NotReady,
}

impl core::fmt::Display for StorageError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            StorageError::Compacted => "requested entries are compacted into the snapshot",
            StorageError::Unavailable => "requested entries are past the stored log",
            StorageError::NotReady => "storage is not ready to answer yet",
        })
    }
}

/// Durable storage driven by [`Ready`] values, and read back by the node: the node keeps only
/// its unstable entries and a bounded cache in memory ([`crate::Config::log_cache_entries`]) and
/// reads older entries through these methods. Implement it over a disk, a database, or memory.
///
/// The node owns its storage ([`crate::Node::storage_mut`] reaches it); it only *reads* through
/// it, and only entries that a `Ready` already handed out and the driver therefore persisted
/// (see [`Ready`]), so a synchronous storage never answers [`StorageError::NotReady`].
pub trait Storage {
    /// Durably records the persistence part of `ready` (its snapshot, hard state and entries), following
    /// the ordering contract documented on [`Ready`]. Must complete before messages are sent.
    fn persist(&mut self, ready: &Ready);
    /// The stored term and vote.
    fn hard_state(&self) -> HardState;
    /// The latest snapshot (index 0 and the initial membership when there is none).
    fn snapshot(&self) -> Result<Snapshot, StorageError>;
    /// Index of the first stored entry (the snapshot index + 1).
    fn first_index(&self) -> Result<Index, StorageError>;
    /// Index of the last stored entry (the snapshot index when no entry is stored).
    fn last_index(&self) -> Result<Index, StorageError>;
    /// The term of the entry at `index` (the snapshot's term at the snapshot index).
    fn term(&self, index: Index) -> Result<Term, StorageError>;
    /// Appends to `out` the stored entries with indexes in `lo..hi`, in order, stopping before
    /// the entry that would bring their total [`Entry::size`] over `max_bytes`, but always at
    /// least one when `lo < hi`. Fails if `lo..hi` is not within
    /// `first_index()..=last_index() + 1`, leaving `out` as it was.
    fn entries(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
        out: &mut Vec<Entry>,
    ) -> Result<(), StorageError>;
}

/// [`Storage`] kept in memory: the simulator's "disk", which survives a simulated crash.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemStorage {
    state: PersistentState,
}

impl MemStorage {
    /// A fresh store for a node that starts in `membership`.
    pub fn new(membership: Membership) -> Self {
        MemStorage {
            state: PersistentState {
                membership,
                ..Default::default()
            },
        }
    }

    /// A store holding `state` (what a node persisted before it stopped).
    pub fn from_state(state: PersistentState) -> Self {
        MemStorage { state }
    }

    /// Everything stored: what a restarting node is given.
    pub fn load(&self) -> PersistentState {
        self.state.clone()
    }

    /// The stored state, for inspection.
    pub fn state(&self) -> &PersistentState {
        &self.state
    }

    /// Approximate bytes of Raft state (hard state, snapshot metadata and log, without the
    /// snapshot's application data).
    pub fn raft_state_bytes(&self) -> u64 {
        24 + self.log_bytes()
    }

    /// Bytes of the stored entries ([`Entry::size`] summed).
    pub fn log_bytes(&self) -> u64 {
        self.state.entries.iter().map(Entry::size).sum()
    }
}

impl Storage for MemStorage {
    fn persist(&mut self, ready: &Ready) {
        if let Some(hs) = ready.hard_state {
            self.state.hard_state = hs;
        }
        if let Some(snap) = &ready.snapshot {
            let st = &mut self.state;
            // Keep the entries after the snapshot only if the log agrees with it at its index.
            let at = snap
                .meta
                .index
                .checked_sub(st.snapshot_index + 1)
                .map(|k| k as usize);
            let agrees =
                at.is_some_and(|k| st.entries.get(k).is_some_and(|e| e.term == snap.meta.term));
            if agrees {
                let k = at.unwrap_or(0);
                st.entries.drain(..=k);
            } else {
                st.entries.clear();
            }
            st.snapshot_index = snap.meta.index;
            st.snapshot_term = snap.meta.term;
            st.membership = snap.meta.membership.clone();
            st.snapshot_data = snap.data.clone();
        }
        if let Some(first) = ready.entries.first() {
            let keep = first.index.saturating_sub(self.state.snapshot_index + 1) as usize;
            self.state.entries.truncate(keep);
            self.state.entries.extend_from_slice(&ready.entries);
        }
    }

    fn hard_state(&self) -> HardState {
        self.state.hard_state
    }

    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        let st = &self.state;
        Ok(Snapshot {
            meta: SnapshotMeta {
                index: st.snapshot_index,
                term: st.snapshot_term,
                membership: st.membership.clone(),
            },
            data: st.snapshot_data.clone(),
        })
    }

    fn first_index(&self) -> Result<Index, StorageError> {
        Ok(self.state.snapshot_index + 1)
    }

    fn last_index(&self) -> Result<Index, StorageError> {
        Ok(self.state.snapshot_index + self.state.entries.len() as Index)
    }

    fn term(&self, index: Index) -> Result<Term, StorageError> {
        let st = &self.state;
        if index == st.snapshot_index {
            return Ok(st.snapshot_term);
        }
        let k = index
            .checked_sub(st.snapshot_index + 1)
            .ok_or(StorageError::Compacted)?;
        st.entries
            .get(k as usize)
            .map(|e| e.term)
            .ok_or(StorageError::Unavailable)
    }

    fn entries(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
        out: &mut Vec<Entry>,
    ) -> Result<(), StorageError> {
        let st = &self.state;
        let first = st.snapshot_index + 1;
        if lo < first {
            return Err(StorageError::Compacted);
        }
        if hi > first + st.entries.len() as Index || hi < lo {
            return Err(StorageError::Unavailable);
        }
        let (start, end) = ((lo - first) as usize, (hi - first) as usize);
        let mut bytes = 0u64;
        let before = out.len();
        for e in &st.entries[start..end] {
            bytes += e.size();
            if out.len() > before && bytes > max_bytes {
                break;
            }
            out.push(e.clone());
        }
        Ok(())
    }
}

/// A [`Storage`] whose reads can be made to answer [`StorageError::NotReady`] (a disk still
/// loading, a full I/O queue), for testing how a node and its driver behave when the log cannot
/// be read back for a while: the node must neither lose nor invent entries, and catches up once
/// reads answer again. Writes always land. The simulator's disk (`raft-sim`'s `reads` nemesis)
/// and raft-core's own storage tests use it over [`MemStorage`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Stalling<S> {
    /// The storage that answers when reads are not stalled.
    pub inner: S,
    /// Every read answers [`StorageError::NotReady`] while set.
    pub stalled: bool,
}

impl<S> Stalling<S> {
    /// `inner`, reading normally.
    pub fn new(inner: S) -> Self {
        Stalling {
            inner,
            stalled: false,
        }
    }

    fn check(&self) -> Result<(), StorageError> {
        if self.stalled {
            Err(StorageError::NotReady)
        } else {
            Ok(())
        }
    }
}

impl<S: Storage> Storage for Stalling<S> {
    fn persist(&mut self, ready: &Ready) {
        self.inner.persist(ready);
    }
    fn hard_state(&self) -> HardState {
        self.inner.hard_state()
    }
    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        self.check()?;
        self.inner.snapshot()
    }
    fn first_index(&self) -> Result<Index, StorageError> {
        self.check()?;
        self.inner.first_index()
    }
    fn last_index(&self) -> Result<Index, StorageError> {
        self.check()?;
        self.inner.last_index()
    }
    fn term(&self, index: Index) -> Result<Term, StorageError> {
        self.check()?;
        self.inner.term(index)
    }
    fn entries(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
        out: &mut Vec<Entry>,
    ) -> Result<(), StorageError> {
        self.check()?;
        self.inner.entries(lo, hi, max_bytes, out)
    }
}
