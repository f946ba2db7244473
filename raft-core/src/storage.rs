//! Durable state: what survives a crash, and an in-memory store that follows the [`Ready`]
//! contract. Durable: term, vote, log entries and the latest snapshot. Volatile, rebuilt after a
//! restart: role, leader, commit index, applied index, replication progress.

use alloc::vec::Vec;

use crate::entry::{Entry, HardState};
use crate::membership::Membership;
use crate::ready::Ready;
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

/// Durable storage driven by [`Ready`] values. Implement it over a disk, a database, or memory.
pub trait Storage {
    /// Durably records the persistence part of `ready` (its snapshot, hard state and entries), following
    /// the ordering contract documented on [`Ready`]. Must complete before messages are sent.
    fn persist(&mut self, ready: &Ready);
    /// What a restarting node is given.
    fn load(&self) -> PersistentState;
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

    /// The stored state, for inspection.
    pub fn state(&self) -> &PersistentState {
        &self.state
    }

    /// Approximate bytes of Raft state (hard state, snapshot metadata and log, without the
    /// snapshot's application data).
    pub fn raft_state_bytes(&self) -> u64 {
        24 + self.state.entries.iter().map(Entry::size).sum::<u64>()
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

    fn load(&self) -> PersistentState {
        self.state.clone()
    }
}
