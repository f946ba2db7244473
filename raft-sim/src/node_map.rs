//! [`NodeMap`]: a map keyed by node id for the handful of nodes a simulated cluster has, kept as
//! a vector sorted by id (`litemap`'s map). It iterates in id order, as a `BTreeMap` does, so
//! code that walks it sees the same order; for the few keys it holds a search of one short
//! vector beats a B-tree's node search, and an insert or a removal moves a few words instead of
//! rebalancing. The safety checker looks nodes up several times per simulated event (about 3%
//! of a `raft-sim check` run went into its B-tree inserts and lookups).

use raft_core::types::NodeId;

/// A map from node id to `V`, in id order.
pub(crate) type NodeMap<V> = litemap::LiteMap<NodeId, V>;

/// The value of `id`, a default one inserted first if there is none. Not litemap's
/// `entry(id).or_default()`, which builds the default value before it looks and drops it when
/// the key is there: the checker asks at every write and apply of every node, and building and
/// dropping its empty maps there was 0.5% of a `raft-sim check` run.
pub(crate) fn entry_or_default<V: Default>(map: &mut NodeMap<V>, id: NodeId) -> &mut V {
    match map.entry(id) {
        litemap::Entry::Occupied(e) => e.into_mut(),
        litemap::Entry::Vacant(e) => e.insert(V::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;
    use alloc::vec;
    use alloc::vec::Vec;

    #[test]
    fn entry_or_default_inserts_only_a_missing_key() {
        let mut m: NodeMap<Vec<u64>> = NodeMap::default();
        entry_or_default(&mut m, 3).push(7);
        entry_or_default(&mut m, 3).push(8);
        entry_or_default(&mut m, 1);
        assert_eq!(m.get(&3), Some(&vec![7, 8]), "the value held is kept");
        assert_eq!(m.get(&1), Some(&Vec::new()));
        assert_eq!(m.len(), 2);
    }

    /// The same answers and the same order as a `BTreeMap` under a mixed sequence of changes.
    #[test]
    fn behaves_as_a_btree_map() {
        let mut a: NodeMap<u64> = NodeMap::default();
        let mut b: BTreeMap<NodeId, u64> = BTreeMap::new();
        let mut x: u64 = 7;
        for step in 0..2_000u64 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let id = (x >> 60) % 11;
            match (x >> 32) % 4 {
                0 => assert_eq!(a.insert(id, step), b.insert(id, step)),
                1 => assert_eq!(a.remove(&id), b.remove(&id)),
                2 => *a.entry(id).or_insert(0) += 1,
                _ => assert_eq!(a.get_mut(&id).copied(), b.get_mut(&id).copied()),
            }
            if (x >> 32) % 4 == 2 {
                *b.entry(id).or_insert(0) += 1;
            }
            assert_eq!(a.get(&id), b.get(&id));
            assert!((&a).into_iter().eq(b.iter()));
        }
    }
}
