//! The network's delivery order: a calendar queue of (time, id) pairs that pops them in
//! increasing order, the order a min-heap of the pairs gives, for less work per message.
//!
//! Nearly every message is due within a few dozen milliseconds of the clock, so the pairs due
//! in the [`WINDOW`] milliseconds from the earliest one sit in a ring of buckets, one per
//! millisecond, each holding its ids in increasing order: a send appends to its bucket (ids
//! are handed out in sending order) and a delivery takes the next id of the first bucket, where
//! a binary heap sifted through about eight levels for each (under heavy load the heap's pop
//! alone was 3% of the simulator's instructions). Pairs outside the window (long reply delays,
//! slow links) wait in a binary heap, whose top is compared with the first bucket's.

use alloc::collections::BinaryHeap;
use alloc::vec::Vec;
use core::cmp::Reverse;

/// How many milliseconds the buckets span (a power of two: a time's bucket is its low bits).
/// Small, because a world (and so its calendar) is cloned for the page's checkpoints.
const WINDOW: u64 = 64;

/// The ids due at one time, in increasing order, from `head` on (those before were popped).
#[derive(Debug, Clone, Default)]
struct Bucket {
    ids: Vec<u64>,
    head: usize,
}

/// A min-priority queue of (time, id) pairs; equal pairs may be held more than once.
///
/// Invariants: a pair due at `t` with `base <= t < base + WINDOW` is in bucket `t % WINDOW`
/// (`near` counts them), any other pair in `far`; when `near > 0`, the bucket of `base` holds
/// one (`base` is at most the least time in the buckets). So the least pair is the least of
/// that bucket's first id and `far`'s top, which `least` holds.
#[derive(Debug, Clone)]
pub struct Calendar {
    /// The least pair (read at every step, so kept rather than worked out).
    least: Option<(u64, u64)>,
    base: u64,
    near: usize,
    buckets: Vec<Bucket>,
    far: BinaryHeap<Reverse<(u64, u64)>>,
}

impl Default for Calendar {
    fn default() -> Self {
        Calendar {
            least: None,
            base: 0,
            near: 0,
            buckets: (0..WINDOW).map(|_| Bucket::default()).collect(),
            far: BinaryHeap::new(),
        }
    }
}

impl Calendar {
    /// The first pair of the buckets, if any.
    #[inline]
    fn first_near(&self) -> Option<(u64, u64)> {
        if self.near == 0 {
            return None;
        }
        let b = &self.buckets[(self.base % WINDOW) as usize];
        Some((self.base, b.ids[b.head]))
    }

    /// The least pair, if any.
    #[inline]
    pub fn peek(&self) -> Option<(u64, u64)> {
        self.least
    }

    /// The least of the first bucket's first pair and `far`'s top.
    fn find_least(&self) -> Option<(u64, u64)> {
        let far = self.far.peek().map(|&Reverse(p)| p);
        match (self.first_near(), far) {
            (Some(n), Some(f)) => Some(n.min(f)),
            (n, None) => n,
            (None, f) => f,
        }
    }

    /// Removes and returns the least pair.
    #[inline]
    pub fn pop(&mut self) -> Option<(u64, u64)> {
        let least = self.least?;
        self.remove_least(least);
        self.least = self.find_least();
        Some(least)
    }

    /// Removes `least`, the least pair, from where it is.
    fn remove_least(&mut self, least: (u64, u64)) {
        if self.first_near() != Some(least) {
            self.far.pop();
            return;
        }
        self.near -= 1;
        let b = &mut self.buckets[(self.base % WINDOW) as usize];
        b.head += 1;
        if b.head == b.ids.len() {
            b.ids.clear();
            b.head = 0;
            // On to the next bucket that holds a pair (there is one within the window).
            if self.near > 0 {
                self.base += 1;
                while self.buckets[(self.base % WINDOW) as usize].ids.is_empty() {
                    self.base += 1;
                }
            }
        }
    }

    /// Adds the pair (`t`, `id`).
    #[inline]
    pub fn push(&mut self, t: u64, id: u64) {
        if self.least.is_none_or(|l| (t, id) < l) {
            self.least = Some((t, id));
        }
        if self.near == 0 {
            self.base = t;
        }
        if t < self.base || t - self.base >= WINDOW {
            self.far.push(Reverse((t, id)));
            return;
        }
        self.near += 1;
        let b = &mut self.buckets[(t % WINDOW) as usize];
        match b.ids.last() {
            Some(&last) if last > id => {
                let at = b.head + b.ids[b.head..].partition_point(|&x| x <= id);
                b.ids.insert(at, id);
            }
            _ => b.ids.push(id),
        }
    }

    /// How many pairs are held.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.near + self.far.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    /// The calendar pops what a binary heap of the same pairs pops, in the same order, for
    /// random pushes (mostly just ahead of the last pop, some far ahead, some in the past, some
    /// repeated) interleaved with pops.
    #[test]
    fn pops_in_the_order_of_a_min_heap() {
        for seed in 0..200 {
            let mut rng = SimRng::new(seed);
            let mut cal = Calendar::default();
            let mut heap: BinaryHeap<Reverse<(u64, u64)>> = BinaryHeap::new();
            let (mut now, mut next_id) = (rng.range(0, 1000), 1);
            for _ in 0..2_000 {
                if rng.range(0, 2) == 0 {
                    let popped = cal.pop();
                    assert_eq!(popped, heap.pop().map(|Reverse(p)| p), "seed {seed}");
                    if let Some((t, _)) = popped {
                        now = now.max(t);
                    }
                } else {
                    let t = match rng.range(0, 9) {
                        0 => now + rng.range(WINDOW - 2, 3 * WINDOW),
                        1 => now.saturating_sub(rng.range(0, 2 * WINDOW)),
                        _ => now + rng.range(0, 20),
                    };
                    // Ids mostly increase; now and then an old one comes back (a message
                    // rescheduled) or one is pushed twice.
                    let id = match rng.range(0, 19) {
                        0 => rng.range(1, next_id),
                        _ => {
                            next_id += 1;
                            next_id - 1
                        }
                    };
                    cal.push(t, id);
                    heap.push(Reverse((t, id)));
                }
                assert_eq!(cal.peek(), heap.peek().map(|&Reverse(p)| p), "seed {seed}");
                assert_eq!(cal.len(), heap.len(), "seed {seed}");
            }
            while let Some(p) = heap.pop() {
                assert_eq!(cal.pop(), Some(p.0), "seed {seed}");
            }
            assert_eq!(cal.pop(), None);
        }
    }
}
