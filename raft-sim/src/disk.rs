//! The simulated machine's disk as its Raft node reads it: raft-core's in-memory store behind
//! raft-core's read-stall switch ([`Stalling`]), which the `reads` nemesis of `raft-sim check`
//! flips: while it is on, every read answers "not ready yet" (a disk still loading, an I/O queue
//! that is full). Writes always land.

use raft_core::storage::{MemStorage, Stalling};

/// A node's storage in the simulator: [`MemStorage`], whose reads fail with
/// [`raft_core::storage::StorageError::NotReady`] while `stalled` is set.
pub type SimDisk = Stalling<MemStorage>;
