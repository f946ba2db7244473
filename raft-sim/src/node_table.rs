//! [`NodeTable`]: the world's machines by id. A world numbers its machines 1, 2, 3… as it makes
//! them (the cluster's first nodes, then each one [`crate::Action::AddNode`] adds as the next
//! number) and never removes one, so machine `id` lies in slot `id - 1` of a vector: a lookup
//! is an index, not a search. The world looks its machines up several times per simulated
//! event (to step a node, handle its Ready, apply, serve reads); through a `BTreeMap` those
//! lookups were about 3% of a `raft-sim check` run. It reads like the `BTreeMap` it replaces
//! (`get`, `iter`, `keys`, `values`, `[&id]`) and walks the machines in id order, as that did.

use alloc::vec::Vec;
use core::ops::Index;

use raft_core::types::NodeId;

/// Values by node id for ids `1..=len()`, in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTable<V> {
    /// Slot `k` holds id `k + 1` (kept beside its value so that walks can lend `&NodeId`, as a
    /// map's do).
    slots: Vec<(NodeId, V)>,
}

impl<V> Default for NodeTable<V> {
    fn default() -> Self {
        NodeTable { slots: Vec::new() }
    }
}

impl<V> NodeTable<V> {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `v` under the next id, `len() + 1`, and returns that id.
    pub fn push(&mut self, v: V) -> NodeId {
        let id = self.slots.len() as NodeId + 1;
        self.slots.push((id, v));
        id
    }

    /// The slot of `id`, if the table holds it.
    #[inline]
    fn slot(&self, id: NodeId) -> Option<usize> {
        let k = usize::try_from(id.wrapping_sub(1)).ok()?;
        (k < self.slots.len()).then_some(k)
    }

    /// The value of `id`, if held.
    #[inline]
    pub fn get(&self, id: &NodeId) -> Option<&V> {
        self.slot(*id).map(|k| &self.slots[k].1)
    }

    /// The value of `id`, if held, to change.
    #[inline]
    pub fn get_mut(&mut self, id: &NodeId) -> Option<&mut V> {
        self.slot(*id).map(|k| &mut self.slots[k].1)
    }

    /// Whether `id` is held.
    pub fn contains_key(&self, id: &NodeId) -> bool {
        self.slot(*id).is_some()
    }

    /// How many ids are held.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// (id, value) pairs in id order.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = (&NodeId, &V)> + ExactSizeIterator + Clone {
        self.slots.iter().map(|(id, v)| (id, v))
    }

    /// The ids in order.
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &NodeId> + ExactSizeIterator + Clone {
        self.slots.iter().map(|(id, _)| id)
    }

    /// The values in id order.
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &V> + ExactSizeIterator + Clone {
        self.slots.iter().map(|(_, v)| v)
    }

    /// The id after `id` in order, wrapping around to the first (`id` itself when the table is
    /// empty): what `range(id + 1..).next().or(first)` of a map gives.
    pub fn next_after(&self, id: NodeId) -> NodeId {
        match self.slots.len() as NodeId {
            0 => id,
            len if id < len => id + 1,
            _ => 1,
        }
    }
}

impl<V> Index<&NodeId> for NodeTable<V> {
    type Output = V;

    /// The value of `id`; panics if it is not held (as a map's index does).
    fn index(&self, id: &NodeId) -> &V {
        self.get(id).expect("NodeTable: no node with this id")
    }
}

impl<'a, V> IntoIterator for &'a NodeTable<V> {
    type Item = (&'a NodeId, &'a V);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (NodeId, V)>,
        fn(&'a (NodeId, V)) -> (&'a NodeId, &'a V),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.slots.iter().map(|(id, v)| (id, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeMap;

    /// The same answers and the same order as a `BTreeMap` filled with ids 1, 2, 3…, for every
    /// id around the ones held (0, those held, the next, far ones and `u64::MAX`).
    #[test]
    fn answers_as_a_btree_map_of_ids_from_one() {
        let mut table: NodeTable<u64> = NodeTable::new();
        let mut map: BTreeMap<NodeId, u64> = BTreeMap::new();
        let probes = |n: u64| (0..n + 3).chain([1 << 32, (1 << 32) + 1, u64::MAX]);
        for n in 0..70u64 {
            for id in probes(n) {
                assert_eq!(table.get(&id), map.get(&id), "get({id}) of {n}");
                assert_eq!(table.contains_key(&id), map.contains_key(&id));
                let next = map
                    .range(id.saturating_add(1)..)
                    .next()
                    .or_else(|| map.iter().next())
                    .map_or(id, |(&k, _)| k);
                assert_eq!(table.next_after(id), next, "next_after({id}) of {n}");
            }
            assert!(table.iter().eq(map.iter()));
            assert!((&table).into_iter().eq(map.iter()));
            assert!(table.keys().eq(map.keys()));
            assert!(table.values().eq(map.values()));
            assert_eq!((table.len(), table.is_empty()), (map.len(), map.is_empty()));
            let value = n * 7 + 1;
            let id = table.push(value);
            map.insert(n + 1, value);
            assert_eq!(id, n + 1);
            *table.get_mut(&id).expect("held") += 1;
            *map.get_mut(&id).expect("held") += 1;
            assert_eq!(table[&id], map[&id]);
        }
    }
}
