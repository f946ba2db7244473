//! Which client wakes first: a tournament tree over the clients' wake-up times, so that finding
//! the first one after a client changed costs a walk up the tree instead of a scan of every
//! client (under heavy load, 50 clients, the scan after each operation was about 2% of the
//! simulator's instructions).

use alloc::vec::Vec;

/// The least (wake-up time, client index) over the clients, kept up to date lazily: the world
/// says which client changed ([`WakeTree::changed`]) before it changes it, and the tree reads
/// the new times when next asked ([`WakeTree::first`]).
///
/// Invariant (once brought up to date): `tree` is a complete binary tree over `size` leaves
/// (a power of two); leaf `k` (at `size + k`) is `(wake(k), k)` for a client and
/// `(u64::MAX, usize::MAX)` past the last one, and every inner node holds the lesser of its
/// two children, so the root (at 1) is the least pair.
#[derive(Debug, Clone, Default)]
pub struct WakeTree {
    tree: Vec<(u64, usize)>,
    size: usize,
    /// Clients changed since the tree was last brought up to date.
    dirty: Vec<usize>,
    /// Every client may have changed (the load switch, a client added): rebuild.
    stale: bool,
}

impl WakeTree {
    /// Client `k` is about to change (`None`: any client may).
    pub fn changed(&mut self, k: Option<usize>) {
        match k {
            // A client is usually announced several times for one change (acting, invoking,
            // sending): once is enough, since the tree reads its time when brought up to date.
            Some(k) if !self.stale => {
                if self.dirty.last() != Some(&k) {
                    self.dirty.push(k);
                }
            }
            _ => {
                self.stale = true;
                self.dirty.clear();
            }
        }
    }

    /// The least (`wake(k)`, `k`) over clients `0..n` whose `wake(k)` is not `u64::MAX`, by
    /// time and then index: what a scan of every client would find.
    #[inline]
    pub fn first(&mut self, n: usize, wake: impl Fn(usize) -> u64) -> Option<(u64, usize)> {
        if n == 0 {
            return None;
        }
        // Nothing changed since the last call (most steps): the root.
        if !self.stale && self.dirty.is_empty() && n <= self.size {
            let first = self.tree[1];
            return (first.0 != u64::MAX).then_some(first);
        }
        self.update(n, wake);
        let first = self.tree[1];
        (first.0 != u64::MAX).then_some(first)
    }

    /// Brings the tree up to date for clients `0..n`.
    fn update(&mut self, n: usize, wake: impl Fn(usize) -> u64) {
        if self.stale || n > self.size || self.tree.is_empty() {
            self.size = n.next_power_of_two();
            self.tree = alloc::vec![(u64::MAX, usize::MAX); 2 * self.size];
            for k in 0..n {
                self.tree[self.size + k] = (wake(k), k);
            }
            for i in (1..self.size).rev() {
                self.tree[i] = self.tree[2 * i].min(self.tree[2 * i + 1]);
            }
            self.stale = false;
            self.dirty.clear();
        } else {
            while let Some(k) = self.dirty.pop() {
                let mut i = self.size + k;
                self.tree[i] = (wake(k), k);
                while i > 1 {
                    i /= 2;
                    let least = self.tree[2 * i].min(self.tree[2 * i + 1]);
                    if self.tree[i] == least {
                        break;
                    }
                    self.tree[i] = least;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    /// After any sequence of changes, the tree's answer is the scan's.
    #[test]
    fn finds_what_a_scan_finds() {
        for seed in 0..100 {
            let mut rng = SimRng::new(seed);
            let mut times: Vec<u64> = Vec::new();
            let mut tree = WakeTree::default();
            for _ in 0..3_000 {
                match rng.range(0, 19) {
                    0 => {
                        tree.changed(None);
                        times.push(u64::MAX);
                    }
                    1 => {
                        tree.changed(None);
                        for t in &mut times {
                            *t = rng.range(0, 50);
                        }
                    }
                    _ if !times.is_empty() => {
                        let k = rng.range(0, times.len() as u64 - 1) as usize;
                        tree.changed(Some(k));
                        times[k] = match rng.range(0, 4) {
                            0 => u64::MAX,
                            _ => rng.range(0, 50),
                        };
                    }
                    _ => {}
                }
                if rng.range(0, 2) == 0 {
                    let scan = times
                        .iter()
                        .enumerate()
                        .filter(|(_, &t)| t != u64::MAX)
                        .map(|(k, &t)| (t, k))
                        .min();
                    assert_eq!(tree.first(times.len(), |k| times[k]), scan, "seed {seed}");
                }
            }
        }
    }
}
