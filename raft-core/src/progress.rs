//! The leader's view of each follower's replication (Figure 2's `nextIndex`/`matchIndex`), with
//! flow control: probe / replicate / snapshot states and a bounded window of messages in flight.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::types::{Index, NodeId};

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

/// The leader's [`Progress`] of every member, by node id, in id order. It reads like the
/// `BTreeMap<NodeId, Progress>` it replaces (`get`, `contains_key`, `iter`, `keys`, `values`,
/// `len`, indexing by `&id`, iteration by reference in id order) but keeps its entries in one
/// vector sorted by id: a cluster has a handful of members, and the leader reads this map on
/// every acknowledgement and every send, where a search of a few contiguous entries costs less
/// than a walk down a tree, and the commit count iterates it (a tree's iterator cost about as
/// much as the count itself).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressMap {
    /// Sorted by id; ids are distinct.
    entries: Vec<(NodeId, Progress)>,
}

impl ProgressMap {
    /// An empty map.
    pub const fn new() -> Self {
        ProgressMap {
            entries: Vec::new(),
        }
    }

    /// Number of members tracked.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no member is tracked (on every node but a leader).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Where `id` is (`Ok`) or would go (`Err`). A scan for the few members of a usual
    /// cluster (it stops at the first id not below `id`), a binary search beyond.
    fn position(&self, id: NodeId) -> Result<usize, usize> {
        const SCAN: usize = 8;
        if self.entries.len() > SCAN {
            return self.entries.binary_search_by_key(&id, |&(k, _)| k);
        }
        match self.entries.iter().position(|&(k, _)| k >= id) {
            Some(k) if self.entries[k].0 == id => Ok(k),
            Some(k) => Err(k),
            None => Err(self.entries.len()),
        }
    }

    /// The progress of `id`, if tracked.
    pub fn get(&self, id: &NodeId) -> Option<&Progress> {
        self.position(*id).ok().map(|k| &self.entries[k].1)
    }

    /// True if `id` is tracked.
    pub fn contains_key(&self, id: &NodeId) -> bool {
        self.position(*id).is_ok()
    }

    /// Every member and its progress, in id order.
    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    /// The members tracked, in id order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &NodeId> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(id, _)| id)
    }

    /// The progress of every member, in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Progress> + ExactSizeIterator + '_ {
        self.entries.iter().map(|(_, p)| p)
    }

    pub(crate) fn get_mut(&mut self, id: &NodeId) -> Option<&mut Progress> {
        let k = self.position(*id).ok()?;
        Some(&mut self.entries[k].1)
    }

    pub(crate) fn iter_mut(&mut self) -> impl Iterator<Item = (&NodeId, &mut Progress)> + '_ {
        self.entries.iter_mut().map(|(id, p)| (&*id, p))
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }

    /// Keeps the members for which `keep` is true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&NodeId) -> bool) {
        self.entries.retain(|(id, _)| keep(id));
    }

    /// The progress of `id`, inserted from `make` if it is not tracked yet.
    pub(crate) fn get_or_insert_with(
        &mut self,
        id: NodeId,
        make: impl FnOnce() -> Progress,
    ) -> &mut Progress {
        let k = match self.position(id) {
            Ok(k) => k,
            Err(k) => {
                self.entries.insert(k, (id, make()));
                k
            }
        };
        &mut self.entries[k].1
    }

    /// The first tracked member after `after` in id order (the first of all with `None`)
    /// other than `skip`.
    pub(crate) fn next_after(&self, after: Option<NodeId>, skip: NodeId) -> Option<NodeId> {
        let from = match after {
            None => 0,
            Some(a) => match self.position(a) {
                Ok(k) => k + 1,
                Err(k) => k,
            },
        };
        self.entries[from..]
            .iter()
            .map(|&(id, _)| id)
            .find(|&id| id != skip)
    }
}

/// As a `BTreeMap` collects: in id order, a later entry for the same id replacing an earlier.
impl FromIterator<(NodeId, Progress)> for ProgressMap {
    fn from_iter<I: IntoIterator<Item = (NodeId, Progress)>>(iter: I) -> Self {
        let mut map = ProgressMap::new();
        for (id, p) in iter {
            match map.position(id) {
                Ok(k) => map.entries[k].1 = p,
                Err(k) => map.entries.insert(k, (id, p)),
            }
        }
        map
    }
}

/// `map[&id]`, as on a `BTreeMap`.
///
/// # Panics
/// If `id` is not tracked.
impl core::ops::Index<&NodeId> for ProgressMap {
    type Output = Progress;
    fn index(&self, id: &NodeId) -> &Progress {
        self.get(id)
            .expect("ProgressMap: no progress tracked for this id")
    }
}

impl<'a> IntoIterator for &'a ProgressMap {
    type Item = (&'a NodeId, &'a Progress);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The iterator of [`ProgressMap::iter`]: members and their progress in id order.
#[derive(Debug, Clone)]
pub struct Iter<'a>(core::slice::Iter<'a, (NodeId, Progress)>);

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a NodeId, &'a Progress);
    fn next(&mut self) -> Option<Self::Item> {
        self.0.next().map(|(id, p)| (id, p))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        self.0.next_back().map(|(id, p)| (id, p))
    }
}

impl ExactSizeIterator for Iter<'_> {}

// The vector map against the `BTreeMap` it replaces: after any sequence of insertions,
// updates, removals and collections, every read gives what the same reads of the tree give.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use core::ops::Bound;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Insert(u8, u8),
        Update(u8, u8),
        Retain(u8),
        Clear,
        Collect(Vec<(u8, u8)>),
    }

    fn op() -> impl Strategy<Value = Op> {
        let id = 0..12u8;
        prop_oneof![
            4 => (id.clone(), any::<u8>()).prop_map(|(id, m)| Op::Insert(id, m)),
            2 => (id.clone(), any::<u8>()).prop_map(|(id, m)| Op::Update(id, m)),
            1 => any::<u8>().prop_map(Op::Retain),
            1 => Just(Op::Clear),
            1 => proptest::collection::vec((id, any::<u8>()), 0..8).prop_map(Op::Collect),
        ]
    }

    fn progress(matched: u8) -> Progress {
        let mut p = Progress::new(u64::from(matched) + 1);
        p.matched = u64::from(matched);
        p
    }

    proptest! {
        #[test]
        fn progress_map_reads_as_the_btree_map_it_replaces(
            ops in proptest::collection::vec(op(), 1..40),
        ) {
            let mut map = ProgressMap::new();
            let mut model: BTreeMap<NodeId, Progress> = BTreeMap::new();
            for op in ops {
                match op {
                    Op::Insert(id, m) => {
                        let id = NodeId::from(id);
                        map.get_or_insert_with(id, || progress(m));
                        model.entry(id).or_insert_with(|| progress(m));
                    }
                    Op::Update(id, m) => {
                        let id = NodeId::from(id);
                        if let Some(p) = map.get_mut(&id) {
                            p.matched = m.into();
                        }
                        if let Some(p) = model.get_mut(&id) {
                            p.matched = m.into();
                        }
                    }
                    Op::Retain(modulus) => {
                        let keep = |id: &NodeId| id % (u64::from(modulus) + 2) != 0;
                        map.retain(keep);
                        model.retain(|id, _| keep(id));
                    }
                    Op::Clear => {
                        map.clear();
                        model.clear();
                    }
                    Op::Collect(v) => {
                        let v: Vec<(NodeId, Progress)> =
                            v.into_iter().map(|(id, m)| (id.into(), progress(m))).collect();
                        map = v.iter().cloned().collect();
                        model = v.into_iter().collect();
                    }
                }
                prop_assert_eq!(map.len(), model.len());
                prop_assert_eq!(map.is_empty(), model.is_empty());
                prop_assert!(map.iter().eq(model.iter()));
                prop_assert!((&map).into_iter().rev().eq(model.iter().rev()));
                prop_assert!(map.keys().eq(model.keys()));
                prop_assert!(map.values().eq(model.values()));
                for id in 0..13 {
                    prop_assert_eq!(map.get(&id), model.get(&id));
                    prop_assert_eq!(map.contains_key(&id), model.contains_key(&id));
                    if model.contains_key(&id) {
                        prop_assert_eq!(&map[&id], &model[&id]);
                    }
                    for skip in [0, id, id + 1, 5] {
                        let after = model
                            .range((Bound::Excluded(id), Bound::Unbounded))
                            .map(|(&k, _)| k)
                            .find(|&k| k != skip);
                        prop_assert_eq!(map.next_after(Some(id), skip), after);
                        let first = model.keys().copied().find(|&k| k != skip);
                        prop_assert_eq!(map.next_after(None, skip), first);
                    }
                }
            }
        }
    }
}
