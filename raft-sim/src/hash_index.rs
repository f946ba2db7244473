//! [`HashIndex`]: a map from 64-bit hashes to 32-bit ids, for the linearizability search's
//! memories (the states it interned, the pairs it visited), which look a hash up at every step
//! of the search and are never iterated. A `hashbrown::HashTable` of (hash, id) pairs, keyed by
//! the hash itself (the keys are hashes already: nothing is hashed twice): a lookup is, almost
//! always, one group probe, where a `BTreeMap` searched a few nodes and allocated new ones as it
//! grew (about 1% of a `raft-sim check` run). It answers exactly as the map did; nothing
//! iterates it, so its order (which depends on the hashes) is never seen.

use hashbrown::hash_table::{Entry, HashTable};

/// A map from 64-bit hashes to 32-bit ids, insert and lookup only (see the module doc).
#[derive(Debug, Clone, Default)]
pub(crate) struct HashIndex {
    table: HashTable<(u64, u32)>,
}

/// Where the table files a key: the key spread by a Fibonacci multiplication, so that hashes
/// that differ only in a few bits (the tests feed such) still land in different groups.
#[inline]
fn spread(hash: u64) -> u64 {
    hash.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl HashIndex {
    /// The id held for `hash`; if there is none, `id` is held for it from now on and the
    /// answer is `None`.
    #[inline]
    pub(crate) fn get_or_insert(&mut self, hash: u64, id: u32) -> Option<u32> {
        match self
            .table
            .entry(spread(hash), |&(h, _)| h == hash, |&(h, _)| spread(h))
        {
            Entry::Occupied(held) => Some(held.get().1),
            Entry::Vacant(slot) => {
                slot.insert((hash, id));
                None
            }
        }
    }

    /// Keys held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.len()
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
            assert_eq!(index.len(), map.len());
        }
    }
}
