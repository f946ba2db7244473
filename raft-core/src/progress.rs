//! The leader's view of each follower's replication (Figure 2's `nextIndex`/`matchIndex`), with
//! flow control: probe / replicate / snapshot states and a bounded window of messages in flight.

use alloc::collections::VecDeque;

use crate::types::Index;

/// How the leader currently sends entries to one follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ProgressState {
    /// The leader does not know where the follower's log matches: one AppendEntries at a time,
    /// backtracking on rejection (§5.3).
    Probe,
    /// The follower's log matches up to `matched`: entries stream optimistically, up to the
    /// in-flight window.
    Replicate,
    /// The follower needs a snapshot; appends wait until it has one.
    Snapshot,
}

/// Replication progress of one follower, as tracked by the leader. Invariant:
/// `matched < next`; in `Replicate`, every in-flight message ends at an index in `matched+1..next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Progress {
    /// Highest index known to be replicated on the follower (Figure 2's `matchIndex`).
    pub matched: Index,
    /// Index of the next entry to send (Figure 2's `nextIndex`).
    pub next: Index,
    /// Flow-control state.
    pub state: ProgressState,
    /// In `Probe`: an append is outstanding, so no other is sent until a reply or heartbeat reply.
    pub probe_sent: bool,
    /// The last index of each AppendEntries in flight (in `Replicate`), oldest first.
    pub inflight: VecDeque<Index>,
    /// Heard from since the last CheckQuorum round.
    pub recent_active: bool,
    /// In `Snapshot`: the snapshot index being sent.
    pub pending_snapshot: Index,
    /// In `Snapshot`: bytes of it the follower has acknowledged.
    pub snapshot_offset: u64,
    /// The leader's tick when an answer to a heartbeat last freed a slot of a full window (in
    /// case its appends were all lost): at most one per heartbeat interval, so that frequent
    /// heartbeat rounds (one per ReadIndex request) cannot open the window wider.
    pub slot_freed_at: Option<u64>,
    /// In `Snapshot`: end of the last chunk sent. Chunks from `snapshot_offset` to here are in
    /// flight: at most `max_inflight` of them, so that an install takes about
    /// `chunks / max_inflight` round trips rather than one per chunk.
    pub snapshot_sent: u64,
    /// In `Snapshot`: the follower acknowledged new bytes since the last heartbeat reply (when
    /// not, the leader resends from `snapshot_offset`: a chunk was lost).
    pub snapshot_progressed: bool,
}

impl Progress {
    /// Progress for a follower the leader knows nothing about: probe from the leader's last index.
    pub fn new(next: Index) -> Self {
        Progress {
            matched: 0,
            next,
            state: ProgressState::Probe,
            probe_sent: false,
            inflight: VecDeque::new(),
            recent_active: false,
            pending_snapshot: 0,
            snapshot_offset: 0,
            slot_freed_at: None,
            snapshot_sent: 0,
            snapshot_progressed: false,
        }
    }

    /// Switches to probing, resuming after the last known match.
    pub fn become_probe(&mut self) {
        if self.state == ProgressState::Snapshot {
            self.next = self.matched.max(self.pending_snapshot) + 1;
        } else {
            self.next = self.matched + 1;
        }
        self.state = ProgressState::Probe;
        self.probe_sent = false;
        self.inflight.clear();
        self.pending_snapshot = 0;
    }

    /// Switches to streaming after a successful probe.
    pub fn become_replicate(&mut self) {
        self.state = ProgressState::Replicate;
        self.next = self.matched + 1;
        self.probe_sent = false;
        self.inflight.clear();
        self.pending_snapshot = 0;
    }

    /// Switches to waiting for a snapshot at `index`.
    pub fn become_snapshot(&mut self, index: Index) {
        self.state = ProgressState::Snapshot;
        self.pending_snapshot = index;
        self.snapshot_offset = 0;
        self.snapshot_sent = 0;
        self.snapshot_progressed = false;
        self.probe_sent = false;
        self.inflight.clear();
    }

    /// True if no further append may be sent now (probe outstanding, window full, or snapshot).
    pub fn is_paused(&self, max_inflight: usize) -> bool {
        match self.state {
            ProgressState::Probe => self.probe_sent,
            ProgressState::Replicate => self.inflight.len() >= max_inflight,
            ProgressState::Snapshot => true,
        }
    }

    /// Records that an append ending at `last` was sent.
    pub fn sent(&mut self, last: Index, entries: usize) {
        match self.state {
            ProgressState::Replicate => {
                if entries > 0 {
                    self.next = last + 1;
                    self.inflight.push_back(last);
                }
            }
            ProgressState::Probe => self.probe_sent = true,
            ProgressState::Snapshot => {}
        }
    }

    /// A success reply says the follower matches up to `index`. Returns false if the reply is
    /// stale (reports nothing new).
    pub fn maybe_update(&mut self, index: Index) -> bool {
        let updated = index > self.matched;
        if updated {
            self.matched = index;
            self.probe_sent = false;
        }
        self.next = self.next.max(index + 1);
        while self.inflight.front().is_some_and(|&i| i <= index) {
            self.inflight.pop_front();
        }
        updated
    }

    /// A rejection of the append whose `prev_index` was `rejected`; `hint` is where the follower
    /// suggests probing next (fast backtracking). Returns false if the rejection is stale.
    pub fn maybe_decr_to(&mut self, rejected: Index, hint: Index) -> bool {
        if self.state == ProgressState::Replicate {
            if rejected <= self.matched {
                return false;
            }
            self.next = self.matched + 1;
            return true;
        }
        if self.next == 0 || self.next - 1 != rejected {
            return false;
        }
        // `hint` comes from the follower and may be anything: saturate rather than overflow.
        self.next = rejected.min(hint.saturating_add(1)).max(self.matched + 1);
        self.probe_sent = false;
        true
    }
}
