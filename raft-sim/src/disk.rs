//! The simulated machine's disk as its Raft node reads it: the in-memory store, and a switch
//! that makes every read answer "not ready yet" (a disk still loading, an I/O queue that is
//! full), for the `reads` nemesis of `raft-sim check`. Writes always land.
//!
//! Written here rather than taken from a crate: it is the few lines that wrap raft-core's own
//! [`MemStorage`] behind its [`Storage`] trait.

use alloc::vec::Vec;

use raft_core::entry::{Entry, HardState};
use raft_core::ready::Ready;
use raft_core::snapshot::Snapshot;
use raft_core::storage::{MemStorage, Storage, StorageError};
use raft_core::types::{Index, Term};

/// A node's storage in the simulator: [`MemStorage`], whose reads fail with
/// [`StorageError::NotReady`] while `reads_stalled` is set.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimDisk {
    /// What the disk holds.
    pub inner: MemStorage,
    /// Every read answers [`StorageError::NotReady`] while set.
    pub reads_stalled: bool,
}

impl SimDisk {
    /// A disk over `inner`, reading normally.
    pub fn new(inner: MemStorage) -> Self {
        SimDisk {
            inner,
            reads_stalled: false,
        }
    }

    fn ready(&self) -> Result<(), StorageError> {
        if self.reads_stalled {
            Err(StorageError::NotReady)
        } else {
            Ok(())
        }
    }
}

impl Storage for SimDisk {
    fn persist(&mut self, ready: &Ready) {
        self.inner.persist(ready);
    }
    fn hard_state(&self) -> HardState {
        self.inner.hard_state()
    }
    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        self.ready()?;
        self.inner.snapshot()
    }
    fn first_index(&self) -> Result<Index, StorageError> {
        self.ready()?;
        self.inner.first_index()
    }
    fn last_index(&self) -> Result<Index, StorageError> {
        self.ready()?;
        self.inner.last_index()
    }
    fn term(&self, index: Index) -> Result<Term, StorageError> {
        self.ready()?;
        self.inner.term(index)
    }
    fn entries(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
        out: &mut Vec<Entry>,
    ) -> Result<(), StorageError> {
        self.ready()?;
        self.inner.entries(lo, hi, max_bytes, out)
    }
}
