//! A small cache of what is computed from a committed command once for all the replicas: every
//! node persists, commits and applies the same entry, within a few dozen indexes of the others
//! in a healthy cluster, so the checker hashes each entry and the world decodes each command
//! once instead of once per node.
//!
//! Direct-mapped by log index, [`SLOTS`] slots. A slot answers only for the same index, term and
//! command bytes (the same buffer, or bytes found equal), and the value is computed from those
//! alone, so a hit returns exactly what computing it anew would: the cache changes how fast an
//! answer comes, never the answer.

use alloc::vec::Vec;

use raft_core::{Bytes, Index, Term};

/// Slots of an [`EntryCache`].
pub(crate) const SLOTS: usize = 64;

/// One slot: the key (index, term, bytes) and the value computed from it.
#[derive(Debug, Clone)]
struct Slot<V> {
    index: Index,
    term: Term,
    bytes: Bytes,
    value: V,
}

impl<V> Slot<V> {
    fn holds(&self, index: Index, term: Term, bytes: &Bytes) -> bool {
        self.index == index
            && self.term == term
            && self.bytes.len() == bytes.len()
            // The same buffer (held alive by the slot, so its address was not reused), or
            // another copy of the same bytes.
            && (self.bytes.as_ptr() == bytes.as_ptr() || self.bytes == *bytes)
    }
}

/// Values computed from command entries, by (index, term, bytes); see the module.
#[derive(Debug, Clone)]
pub(crate) struct EntryCache<V> {
    slots: Vec<Option<Slot<V>>>,
}

impl<V> Default for EntryCache<V> {
    fn default() -> Self {
        EntryCache { slots: Vec::new() }
    }
}

impl<V> EntryCache<V> {
    /// The value for the command `bytes` of the entry at (`index`, `term`): the one kept for
    /// them, or `compute()`'s, which is then kept in place of the slot's previous one.
    /// `compute` must depend on nothing but the index, the term and the bytes.
    pub(crate) fn get_or_compute(
        &mut self,
        index: Index,
        term: Term,
        bytes: &Bytes,
        compute: impl FnOnce() -> V,
    ) -> &V {
        if self.slots.is_empty() {
            self.slots.resize_with(SLOTS, || None);
        }
        let slot = &mut self.slots[(index % SLOTS as u64) as usize];
        if !slot.as_ref().is_some_and(|s| s.holds(index, term, bytes)) {
            *slot = None;
        }
        &slot
            .get_or_insert_with(|| Slot {
                index,
                term,
                bytes: bytes.clone(),
                value: compute(),
            })
            .value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use core::cell::Cell;

    /// A value that says how it was computed, and counts the computations.
    fn lookup(
        c: &mut EntryCache<(Index, Term, Vec<u8>)>,
        computed: &Cell<u32>,
        index: Index,
        term: Term,
        bytes: &Bytes,
    ) -> (Index, Term, Vec<u8>) {
        c.get_or_compute(index, term, bytes, || {
            computed.set(computed.get() + 1);
            (index, term, bytes.to_vec())
        })
        .clone()
    }

    /// Every answer is what computing it anew gives, whatever was asked before: the same key
    /// (by buffer or by equal bytes) hits, a different index, term or bytes in the same slot
    /// computes again, and an index 64 further on evicts.
    #[test]
    fn answers_only_for_the_same_index_term_and_bytes() {
        let mut c = EntryCache::default();
        let n = Cell::new(0);
        let a = Bytes::from(vec![1u8, 2, 3]);
        let a_copy = Bytes::from(vec![1u8, 2, 3]);
        let b = Bytes::from(vec![1u8, 2, 4]);
        assert_eq!(lookup(&mut c, &n, 7, 2, &a), (7, 2, vec![1, 2, 3]));
        assert_eq!(lookup(&mut c, &n, 7, 2, &a), (7, 2, vec![1, 2, 3]));
        assert_eq!(lookup(&mut c, &n, 7, 2, &a_copy), (7, 2, vec![1, 2, 3]));
        assert_eq!(
            n.get(),
            1,
            "the same entry, by buffer or by equal bytes, hits"
        );
        assert_eq!(
            lookup(&mut c, &n, 7, 2, &b),
            (7, 2, vec![1, 2, 4]),
            "other bytes"
        );
        assert_eq!(
            lookup(&mut c, &n, 7, 3, &b),
            (7, 3, vec![1, 2, 4]),
            "another term"
        );
        let far = 7 + SLOTS as Index;
        assert_eq!(
            lookup(&mut c, &n, far, 3, &b),
            (far, 3, vec![1, 2, 4]),
            "same slot"
        );
        assert_eq!(
            lookup(&mut c, &n, 7, 3, &b),
            (7, 3, vec![1, 2, 4]),
            "evicted"
        );
        assert_eq!(n.get(), 5);
        // Neighbouring indexes keep slots of their own.
        assert_eq!(lookup(&mut c, &n, 8, 3, &a), (8, 3, vec![1, 2, 3]));
        assert_eq!(lookup(&mut c, &n, 7, 3, &b), (7, 3, vec![1, 2, 4]));
        assert_eq!(n.get(), 6);
    }

    /// Equal lengths are not enough: bytes of the same length at the same index and term (a
    /// later leader's different command can never share both, but the cache must not rely on
    /// callers for it) compute again.
    #[test]
    fn same_length_other_bytes_compute_again() {
        let mut c = EntryCache::default();
        let n = Cell::new(0);
        for v in 0u8..10 {
            let bytes = Bytes::from(vec![v; 4]);
            assert_eq!(lookup(&mut c, &n, 3, 1, &bytes), (3, 1, vec![v; 4]));
        }
        assert_eq!(n.get(), 10);
    }
}
