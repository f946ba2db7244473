//! [`HashIndex`]: a map from 64-bit hashes to 32-bit ids, for the linearizability search's
//! memories (the states it interned, the pairs it visited), which look a hash up at every step
//! of the search and are never iterated. Open addressing with linear probing in one vector of
//! (hash, id) slots, at most half full: a lookup is a multiplication and, almost always, one
//! slot read, where a `BTreeMap` searched a few nodes and allocated new ones as it grew (about
//! 1% of a `raft-sim check` run). It answers exactly as the map did; nothing iterates it, so
//! its slot order (which depends on the hashes) is never seen.

use alloc::vec::Vec;

/// A map from 64-bit hashes to 32-bit ids, insert and lookup only (see the module doc).
#[derive(Debug, Clone, Default)]
pub(crate) struct HashIndex {
    /// Per slot: (hash, id + 1), or `(_, 0)` when empty. Its length is 0 or a power of two.
    slots: Vec<(u64, u64)>,
    /// Slots in use (at most half of them).
    len: usize,
    /// `64 - log2(slots.len())`: a hash's home slot is the top bits of its Fibonacci product.
    shift: u32,
}

impl HashIndex {
    /// The id held for `hash`; if there is none, `id` is held for it from now on and the
    /// answer is `None`.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, hash: u64, id: u32) -> Option<u32> {
        if 2 * (self.len + 1) > self.slots.len() {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut k = self.home(hash);
        loop {
            let (h, v) = self.slots[k];
            if v == 0 {
                self.slots[k] = (hash, u64::from(id) + 1);
                self.len += 1;
                return None;
            }
            if h == hash {
                // Ids are u32 (one was added): the subtraction gives one back.
                return Some((v - 1) as u32);
            }
            k = (k + 1) & mask;
        }
    }

    /// The slot where the probe for `hash` starts.
    #[inline]
    fn home(&self, hash: u64) -> usize {
        (hash.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// Doubles the slots (16 at first) and puts every held pair back in its place.
    #[cold]
    fn grow(&mut self) {
        let n = (2 * self.slots.len()).max(16);
        let old = core::mem::replace(&mut self.slots, alloc::vec![(0, 0); n]);
        self.shift = 64 - n.trailing_zeros();
        let mask = n - 1;
        for (h, v) in old.into_iter().filter(|&(_, v)| v != 0) {
            let mut k = self.home(h);
            while self.slots[k].1 != 0 {
                k = (k + 1) & mask;
            }
            self.slots[k] = (h, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;
    use alloc::collections::BTreeMap;

    /// Answers what a `BTreeMap` of the same inserts answers, through many growths and for
    /// hashes that share their home slot (few distinct low and high bits), 0 and `u64::MAX`
    /// among them, and ids up to `u32::MAX`.
    #[test]
    fn answers_as_a_btree_map_does() {
        for seed in 0..20 {
            let mut rng = SimRng::new(seed);
            let mut index = HashIndex::default();
            let mut map: BTreeMap<u64, u32> = BTreeMap::new();
            for n in 0..3_000u32 {
                let hash = match rng.range(0, 3) {
                    0 => rng.range(0, 40),
                    1 => rng.range(0, 40) << 58,
                    2 => u64::MAX - rng.range(0, 3),
                    _ => rng.next_u64(),
                };
                let id = if n % 7 == 0 { u32::MAX - n } else { n };
                let want = match map.get(&hash) {
                    Some(&held) => Some(held),
                    None => {
                        map.insert(hash, id);
                        None
                    }
                };
                assert_eq!(
                    index.get_or_insert(hash, id),
                    want,
                    "seed {seed}, insert {n}"
                );
            }
            assert_eq!(index.len, map.len());
            assert!(2 * index.len <= index.slots.len(), "at most half full");
        }
    }
}
