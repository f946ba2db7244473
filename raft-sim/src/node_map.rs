//! [`NodeMap`]: a map keyed by node id for the handful of nodes a simulated cluster has, kept as
//! a vector sorted by id. It iterates in id order, as a `BTreeMap` does, so code that walks it
//! sees the same order; for the few keys it holds a scan of one short vector beats a B-tree's
//! node search, and an insert or a removal moves a few words instead of rebalancing. The
//! safety checker looks nodes up several times per simulated event (about 3% of a
//! `raft-sim check` run went into its B-tree inserts and lookups).

use alloc::vec::Vec;

use raft_core::types::NodeId;

/// A map from node id to `V`, in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NodeMap<V> {
    entries: Vec<(NodeId, V)>,
}

impl<V> Default for NodeMap<V> {
    fn default() -> Self {
        NodeMap {
            entries: Vec::new(),
        }
    }
}

impl<V> NodeMap<V> {
    /// Where `id` is, or where it would go.
    #[inline]
    fn find(&self, id: NodeId) -> Result<usize, usize> {
        // A linear scan: the ids are few (a cluster of 3 to 9, a few more after changes).
        for (k, &(n, _)) in self.entries.iter().enumerate() {
            if n >= id {
                return if n == id { Ok(k) } else { Err(k) };
            }
        }
        Err(self.entries.len())
    }

    /// The value of `id`.
    #[inline]
    pub fn get(&self, id: &NodeId) -> Option<&V> {
        self.find(*id).ok().map(|k| &self.entries[k].1)
    }

    /// The value of `id`, to change.
    #[inline]
    pub fn get_mut(&mut self, id: &NodeId) -> Option<&mut V> {
        self.find(*id).ok().map(|k| &mut self.entries[k].1)
    }

    /// Sets `id`'s value; returns the one it replaced.
    #[inline]
    pub fn insert(&mut self, id: NodeId, v: V) -> Option<V> {
        match self.find(id) {
            Ok(k) => Some(core::mem::replace(&mut self.entries[k].1, v)),
            Err(k) => {
                self.entries.insert(k, (id, v));
                None
            }
        }
    }

    /// Removes `id`; returns its value.
    #[inline]
    pub fn remove(&mut self, id: &NodeId) -> Option<V> {
        self.find(*id).ok().map(|k| self.entries.remove(k).1)
    }

    /// The value of `id`, made with `make` if absent.
    #[inline]
    pub fn get_or_insert_with(&mut self, id: NodeId, make: impl FnOnce() -> V) -> &mut V {
        let k = match self.find(id) {
            Ok(k) => k,
            Err(k) => {
                self.entries.insert(k, (id, make()));
                k
            }
        };
        &mut self.entries[k].1
    }

    /// Every value, in id order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }
}

impl<'a, V> IntoIterator for &'a NodeMap<V> {
    type Item = (&'a NodeId, &'a V);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (NodeId, V)>,
        fn(&'a (NodeId, V)) -> (&'a NodeId, &'a V),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.iter().map(|(id, v)| (id, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

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
                2 => *a.get_or_insert_with(id, || 0) += 1,
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
