//! The in-memory part of the log ([`crate::log::RaftLog`]'s tail), kept as shared runs.
//!
//! A leader's batch of proposals becomes one shared run ([`Entries`]) when it is sealed; the
//! Appends to every follower, the `Ready` and the committed list are views of that same run,
//! and a follower keeps the run it received as it is. So an entry's header is copied into a
//! shared buffer once per node, not once per recipient and list.

use alloc::collections::VecDeque;
use alloc::vec::Vec;

use crate::entries::Entries;
use crate::entry::Entry;
use crate::types::Index;

/// Consecutive entries: shared runs (`chunks`, each non-empty, in index order), then the
/// entries pushed one by one since the last [`Tail::seal`] (`open`). Entries carry their own
/// indexes, so a lookup finds its run by the index of the run's first entry.
#[derive(Clone, Default)]
pub(crate) struct Tail {
    ///
    /// Plain vectors rather than deques: runs leave from the front only when the log's cache
    /// is trimmed (hundreds at a time, once per `log_cache_entries` entries, so removing them
    /// is amortized) or compacted, and the lookups, which come several per event, then index a
    /// slice; through a deque each probe paid a wrap-around check (about a third of a lookup
    /// at playground load).
    chunks: Vec<Entries>,
    /// The index of each run's first entry, beside `chunks` (same length, same order): the
    /// probes of [`Tail::locate`] read one integer here instead of going through a run's
    /// shared buffer (an `Option`, two bounds checks), which made them cost about 30
    /// instructions each: 5.6% of a heavily loaded simulation.
    starts: Vec<Index>,
    /// The run of every entry in `chunks`, by the entry's place among them (its index minus
    /// `starts[0]`): a number that goes up by one from run to run, counted so that `chunks[k]`
    /// is run `first_run + k` (wrapping). [`Tail::locate`] reads an entry's run here instead
    /// of searching `starts`: under a light load every proposal is a run of its own, and the
    /// search back from the newest run (the entry before a follower's next, a newly committed
    /// one, a slice for a follower that is behind) cost about 80 instructions a lookup, 2.4%
    /// of a `raft-sim check` run. Four bytes per entry held.
    run_of: VecDeque<u32>,
    /// The number of `chunks[0]` in `run_of`.
    first_run: u32,
    open: Vec<Entry>,
    /// Total entries held (chunks and open).
    len: usize,
    /// Their total [`Entry::size`].
    bytes: u64,
}

fn size_of(es: &[Entry]) -> u64 {
    es.iter().map(Entry::size).sum()
}

impl Tail {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Total [`Entry::size`] of the entries held.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    pub(crate) fn last(&self) -> Option<&Entry> {
        self.open
            .last()
            .or_else(|| self.chunks.last().and_then(|c| c.last()))
    }

    /// The entry at `index`, if held.
    pub(crate) fn get(&self, index: Index) -> Option<&Entry> {
        if let Some(f) = self.open.first() {
            if index >= f.index {
                return self.open.get((index - f.index) as usize);
            }
        }
        // The newest run first, without the search: most reads are of the last entries.
        if let (Some(&first), Some(run)) = (self.starts.last(), self.chunks.last()) {
            if index >= first {
                return run.get((index - first) as usize);
            }
        }
        let (k, at) = self.locate(index)?;
        self.chunks[k].get(at)
    }

    /// The run holding `index` and the position in it (`None` for an index before the runs
    /// or after them: in the open entries, or not held).
    #[inline]
    fn locate(&self, index: Index) -> Option<(usize, usize)> {
        let place = usize::try_from(index.checked_sub(*self.starts.first()?)?).ok()?;
        let k = self.run_of.get(place)?.wrapping_sub(self.first_run) as usize;
        Some((k, (index - self.starts[k]) as usize))
    }

    /// Notes `n` entries appended to `chunks`, in run `chunks[k]`.
    fn note_run(&mut self, k: usize, n: usize) {
        let run = self.first_run.wrapping_add(k as u32);
        self.run_of.extend(core::iter::repeat_n(run, n));
    }

    pub(crate) fn push(&mut self, e: Entry) {
        self.bytes += e.size();
        self.open.push(e);
        self.len += 1;
    }

    /// Appends a shared run after everything held (sealing the open entries first). A run that
    /// continues the last one in the same buffer (two Appends cut from one batch) extends it.
    pub(crate) fn push_shared(&mut self, es: Entries) {
        if es.is_empty() {
            return;
        }
        self.seal();
        self.len += es.len();
        self.bytes += size_of(&es);
        let n = es.len();
        match self.chunks.last_mut() {
            Some(last) if last.continues_with(&es) => last.extend_view(&es),
            _ => {
                self.starts.push(es[0].index);
                self.chunks.push(es);
            }
        }
        self.note_run(self.chunks.len() - 1, n);
    }

    /// Puts a shared run before everything held (its last entry precedes the first held).
    pub(crate) fn prepend(&mut self, es: Entries) {
        if !es.is_empty() {
            self.len += es.len();
            self.bytes += size_of(&es);
            // Rare (a truncation refilling the cache from storage): shifting is fine.
            self.first_run = self.first_run.wrapping_sub(1);
            for _ in 0..es.len() {
                self.run_of.push_front(self.first_run);
            }
            self.starts.insert(0, es[0].index);
            self.chunks.insert(0, es);
        }
    }

    /// Moves the open entries into a shared run (one allocation for the batch; the open
    /// vector keeps its capacity for the next batch). Inlined: every `ready()` calls it, and
    /// most find nothing open (a call that only checked cost about 37 instructions).
    #[inline]
    pub(crate) fn seal(&mut self) {
        if !self.open.is_empty() {
            self.seal_open();
        }
    }

    fn seal_open(&mut self) {
        self.starts.push(self.open[0].index);
        self.note_run(self.chunks.len(), self.open.len());
        let run: Entries = self.open.drain(..).collect();
        self.chunks.push(run);
    }

    /// Removes the entries with indexes `>= index`.
    pub(crate) fn truncate_from(&mut self, index: Index) {
        if let Some(f) = self.open.first() {
            if index > f.index {
                let keep = ((index - f.index) as usize).min(self.open.len());
                self.len -= self.open.len() - keep;
                self.bytes -= size_of(&self.open[keep..]);
                self.open.truncate(keep);
                return;
            }
            self.len -= self.open.len();
            self.bytes -= size_of(&self.open);
            self.open.clear();
        }
        while let Some(c) = self.chunks.last_mut() {
            if c[0].index >= index {
                self.len -= c.len();
                self.bytes -= size_of(c);
                self.chunks.pop();
                self.starts.pop();
            } else {
                let keep = ((index - c[0].index) as usize).min(c.len());
                self.len -= c.len() - keep;
                self.bytes -= size_of(&c[keep..]);
                c.truncate(keep);
                break;
            }
        }
        // Nothing is open now: every entry left is in the runs.
        self.run_of.truncate(self.len);
    }

    /// Removes the entries with indexes `< index`. A run cut in the middle is copied, so that
    /// the memory no longer keeps the dropped entries (and their payloads) alive.
    pub(crate) fn drop_before(&mut self, index: Index) {
        // The runs that end before `index` leave together (one shift of the vectors).
        let whole = self
            .chunks
            .iter()
            .take_while(|c| c[0].index + c.len() as Index <= index)
            .count();
        let mut gone = 0;
        for c in &self.chunks[..whole] {
            gone += c.len();
            self.bytes -= size_of(c);
        }
        self.len -= gone;
        self.chunks.drain(..whole);
        self.starts.drain(..whole);
        self.first_run = self.first_run.wrapping_add(whole as u32);
        if let Some(c) = self.chunks.first_mut() {
            let first = c[0].index;
            if first < index {
                let n = (index - first) as usize;
                gone += n;
                self.len -= n;
                self.bytes -= size_of(&c[..n]);
                *c = Entries::from(&c[n..]);
                self.starts[0] = index;
            }
            self.run_of.drain(..gone);
            return;
        }
        self.run_of.clear();
        if let Some(f) = self.open.first() {
            if index > f.index {
                let n = ((index - f.index) as usize).min(self.open.len());
                self.len -= n;
                self.bytes -= size_of(&self.open[..n]);
                self.open.drain(..n);
            }
        }
    }

    pub(crate) fn clear(&mut self) {
        self.chunks.clear();
        self.starts.clear();
        self.run_of.clear();
        self.open.clear();
        self.len = 0;
        self.bytes = 0;
    }

    /// Every entry, in order.
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.chunks
            .iter()
            .flat_map(|c| c.iter())
            .chain(self.open.iter())
    }

    /// The entries with indexes in `lo..hi` (all held), stopping before the entry that would
    /// bring their total [`Entry::size`] over `max_bytes`, but at least one. A view of a shared
    /// run when the range lies in one (no copy), else a copy of the headers.
    pub(crate) fn slice(&self, lo: Index, hi: Index, max_bytes: u64) -> Entries {
        if lo >= hi {
            return Entries::new();
        }
        if let Some((k, at)) = self.locate(lo) {
            let c = &self.chunks[k];
            let avail = c.len() - at;
            let want = ((hi - lo) as usize).min(avail);
            let n = count_within(&c[at..at + want], max_bytes);
            if n < want || want == (hi - lo) as usize {
                return c.slice(at..at + n);
            }
        }
        // Across runs: counted first, then cloned straight into the shared buffer, sized
        // once. Gathering them in a vector that grew as it went, then moving that into the
        // buffer, cost two allocations, a copy and the regrowths: 0.6% of a `raft-sim check`
        // run, where a follower that is behind reads across the one-proposal runs of a light
        // load.
        let want = (hi - lo) as usize;
        let n = count_within_iter(self.iter_from(lo).take(want), max_bytes);
        let mut from = self.iter_from(lo);
        (0..n)
            .map(|_| {
                from.next()
                    .expect("Tail::slice: entries lo..hi are held")
                    .clone()
            })
            .collect()
    }

    /// The entries from `index` on, in order (from the first held when `index` precedes them).
    fn iter_from(&self, index: Index) -> impl Iterator<Item = &Entry> + '_ {
        let (k, at) = self.locate(index).unwrap_or((self.chunks.len(), 0));
        let skip_open = self
            .open
            .first()
            .map_or(0, |f| index.saturating_sub(f.index) as usize);
        self.chunks[k..]
            .iter()
            .enumerate()
            .flat_map(move |(j, c)| c[if j == 0 { at } else { 0 }..].iter())
            .chain(self.open.iter().skip(skip_open))
    }

    /// Appends copies of the entries in `lo..hi` (all held) to `out`, with the byte rule of
    /// [`Tail::slice`], continuing a slice that already took `bytes` (and at least one entry if
    /// `taken`).
    pub(crate) fn extend_into(
        &self,
        lo: Index,
        hi: Index,
        max_bytes: u64,
        (mut bytes, mut taken): (u64, bool),
        out: &mut Vec<Entry>,
    ) {
        let mut take = |e: &Entry| -> bool {
            if e.index >= hi {
                return false;
            }
            bytes += e.size();
            if taken && bytes > max_bytes {
                return false;
            }
            taken = true;
            out.push(e.clone());
            true
        };
        let mut next = lo;
        if let Some((k, at)) = self.locate(lo) {
            for (j, c) in self.chunks[k..].iter().enumerate() {
                let from = if j == 0 { at } else { 0 };
                for e in &c[from..] {
                    if !take(e) {
                        return;
                    }
                    next = e.index + 1;
                }
            }
        }
        if let Some(f) = self.open.first() {
            if next >= f.index {
                for e in self.open.iter().skip((next - f.index) as usize) {
                    if !take(e) {
                        return;
                    }
                }
            }
        }
    }

    /// The whole tail as one shared run (a view when it is one already, else a copy).
    pub(crate) fn to_entries(&self) -> Entries {
        match (self.chunks.len(), self.open.is_empty()) {
            (0, true) => Entries::new(),
            (1, true) => self.chunks[0].clone(),
            _ => self.iter().cloned().collect(),
        }
    }
}

/// How many of `es`, from the first, fit in `max_bytes` ([`Entry::size`] summed), but at least
/// one when `es` is not empty.
fn count_within(es: &[Entry], max_bytes: u64) -> usize {
    // Without a limit every entry fits (sizes are far below `u64::MAX` in sum): the Ready's
    // entries and committed list ask for all of them, so this saves a pass over each batch.
    if max_bytes == u64::MAX {
        return es.len();
    }
    let mut bytes = 0u64;
    for (k, e) in es.iter().enumerate() {
        bytes += e.size();
        if k > 0 && bytes > max_bytes {
            return k;
        }
    }
    es.len()
}

/// [`count_within`] over entries read one by one: how many, from the first, fit in
/// `max_bytes`, but at least one when there are any.
fn count_within_iter<'a>(es: impl Iterator<Item = &'a Entry>, max_bytes: u64) -> usize {
    let mut bytes = 0u64;
    let mut n = 0;
    for e in es {
        bytes += e.size();
        if n > 0 && bytes > max_bytes {
            break;
        }
        n += 1;
    }
    n
}

/// The entries, as a list (how they are shared is not shown).
impl core::fmt::Debug for Tail {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when they hold the same entries, however shared.
impl PartialEq for Tail {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Tail {}

// The shared representation against the plain vector it replaces: after any sequence of
// operations, every read gives what the same reads of a `Vec<Entry>` give.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::entry::Payload;
    use alloc::vec;
    use proptest::prelude::*;

    #[derive(Debug, Clone)]
    enum Op {
        Push(u8),
        PushShared {
            n: u8,
            split: u8,
            bytes: u8,
        },
        Seal,
        TruncateFrom(u8),
        DropBefore(u8),
        /// Puts back up to `n` entries just below the first held (as the log refills its
        /// cache from storage after a truncation), if the indexes allow.
        Prepend {
            n: u8,
            bytes: u8,
        },
        Clear,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            4 => any::<u8>().prop_map(Op::Push),
            3 => (1..20u8, any::<u8>(), any::<u8>())
                .prop_map(|(n, split, bytes)| Op::PushShared { n, split, bytes }),
            2 => Just(Op::Seal),
            1 => any::<u8>().prop_map(Op::TruncateFrom),
            1 => any::<u8>().prop_map(Op::DropBefore),
            1 => (1..8u8, any::<u8>()).prop_map(|(n, bytes)| Op::Prepend { n, bytes }),
            1 => Just(Op::Clear),
        ]
    }

    fn entry(index: Index, len: u8) -> Entry {
        Entry {
            term: 1,
            index,
            payload: Payload::Command(bytes::Bytes::from(vec![0u8; len as usize])),
        }
    }

    // The byte rule stops *before the entry that would bring the total over* the limit: an
    // entry that brings it exactly to the limit is taken, in one run (`count_within`, the view
    // that `slice` hands out), across a run and the open entries (`extend_into`'s copy), and
    // when continuing a slice that already took bytes. Mutants: `bytes > max_bytes` with `>=`
    // in `count_within` and in `extend_into`. (No helper functions in this module besides
    // `entry`: cargo-mutants would mutate them and shift its shards.)
    #[test]
    fn an_entry_that_reaches_the_byte_limit_exactly_is_taken() {
        // Entries `from..from + n`, each of `Entry::size` 20 (a 4-byte command).
        let twenties = |from: Index, n: Index| -> Vec<Entry> {
            (from..from + n).map(|i| entry(i, 4)).collect()
        };
        let mut tail = Tail::default();
        tail.push_shared(Entries::from(twenties(1, 4)));
        assert_eq!(&tail.slice(1, 5, 40)[..], &twenties(1, 2)[..]);
        assert_eq!(&tail.slice(1, 5, 39)[..], &twenties(1, 1)[..]);
        tail.push(entry(5, 4));
        tail.push(entry(6, 4));
        assert_eq!(&tail.slice(4, 7, 40)[..], &twenties(4, 2)[..]);
        assert_eq!(&tail.slice(4, 7, 39)[..], &twenties(4, 1)[..]);
        let mut out = Vec::new();
        tail.extend_into(5, 7, 40, (20, true), &mut out);
        assert_eq!(out, twenties(5, 1));
    }

    // Two tails are equal when they hold the same entries, however the entries are shared
    // (the log, and so a node, compares by content), and `Debug` shows them as a list. Mutants:
    // `Tail::eq` as `true` or `false`, its `&&` as `||`, its `==` as `!=`; `Tail::fmt` as `Ok`.
    #[test]
    fn tails_compare_and_print_by_their_entries() {
        let es: Vec<Entry> = (1..4).map(|i| entry(i, 4)).collect();
        let mut shared = Tail::default();
        shared.push_shared(Entries::from(es.clone()));
        let mut pushed = Tail::default();
        es.iter().for_each(|e| pushed.push(e.clone()));
        assert!(shared == pushed);
        assert_eq!(alloc::format!("{shared:?}"), alloc::format!("{es:?}"));
        let mut longer = pushed.clone();
        longer.push(entry(4, 4));
        assert!(shared != longer);
        // As long, but the last entry differs.
        let mut other = Tail::default();
        es[..2].iter().for_each(|e| other.push(e.clone()));
        other.push(entry(3, 5));
        assert!(shared != other);
    }

    // What the tail is for (module doc): entries stay in the shared runs they came in, and
    // reads hand out views of those runs rather than copies. Two Appends cut from one batch
    // become one run; a slice within one run, or cut short by the byte limit inside it, is a
    // view; the whole tail, when it is one run, is that run; a run left whole by `drop_before`
    // keeps its buffer, while one cut in the middle is copied (so the dropped entries are
    // freed). Each is a speed or memory rule the model test above cannot see. Mutants:
    // `push_shared`'s `continues_with` guard as `false`; `slice`'s `n < want || ...` with `&&`
    // and its `<` with `>`; `to_entries`' `(1, true)` arm deleted; `drop_before`'s
    // `first < index` with `<=`.
    #[test]
    fn reads_share_the_runs_entries_came_in() {
        let a: Entries = (1..11).map(|i| entry(i, 4)).collect::<Vec<_>>().into();
        let b: Entries = (11..16).map(|i| entry(i, 4)).collect::<Vec<_>>().into();
        let same = |x: &Entry, y: &Entry| core::ptr::eq(x, y);
        let mut tail = Tail::default();
        tail.push_shared(a.slice(0..4));
        tail.push_shared(a.slice(4..10));
        assert_eq!(
            tail.chunks.len(),
            1,
            "two adjacent views of one batch are one run"
        );
        assert!(
            same(&tail.to_entries()[0], &a[0]),
            "one run: the whole tail is that run"
        );
        let s = tail.slice(3, 9, u64::MAX);
        assert!(
            s.len() == 6 && same(&s[0], &a[2]),
            "a slice within one run is a view"
        );
        tail.push_shared(b.clone());
        // From run `a` into run `b`, but the byte limit stops inside `a`: still a view.
        let s = tail.slice(8, 13, 40);
        assert!(
            s.len() == 2 && same(&s[0], &a[7]),
            "a slice cut short in one run is a view"
        );
        tail.drop_before(11);
        assert!(
            same(&tail.chunks[0][0], &b[0]),
            "a run left whole keeps its buffer"
        );
        tail.drop_before(13);
        assert_eq!(
            tail.chunks[0].buffer_len(),
            3,
            "a run cut in the middle is copied"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn tail_reads_as_the_vec_it_replaces(ops in proptest::collection::vec(op(), 1..60)) {
            let mut tail = Tail::default();
            let mut model: Vec<Entry> = Vec::new();
            let mut next: Index = 1;
            for op in ops {
                let first = model.first().map_or(next, |e| e.index);
                match op {
                    Op::Push(len) => {
                        tail.push(entry(next, len));
                        model.push(entry(next, len));
                        next += 1;
                    }
                    Op::PushShared { n, split, bytes } => {
                        let v: Vec<Entry> =
                            (0..n as Index).map(|k| entry(next + k, bytes)).collect();
                        model.extend(v.iter().cloned());
                        let all = Entries::from(v);
                        let cut = split as usize % (n as usize + 1);
                        // Two adjacent views of one buffer, as two Appends cut from one batch.
                        tail.push_shared(all.slice(0..cut));
                        tail.push_shared(all.slice(cut..n as usize));
                        next += n as Index;
                    }
                    Op::Seal => tail.seal(),
                    Op::TruncateFrom(k) => {
                        let index = first + k as Index % (model.len() as Index + 1);
                        tail.truncate_from(index);
                        model.truncate((index - first) as usize);
                        next = index;
                    }
                    Op::DropBefore(k) => {
                        let index = first + k as Index % (model.len() as Index + 1);
                        tail.drop_before(index);
                        model.drain(..(index - first) as usize);
                    }
                    Op::Prepend { n, bytes } => {
                        // Only below the first held entry, never below index 1.
                        let n = (n as Index).min(first - 1);
                        if n > 0 && !model.is_empty() {
                            let v: Vec<Entry> =
                                (first - n..first).map(|i| entry(i, bytes)).collect();
                            tail.prepend(Entries::from(v.clone()));
                            model.splice(0..0, v);
                        }
                    }
                    Op::Clear => {
                        tail.clear();
                        model.clear();
                    }
                }
                prop_assert_eq!(tail.len(), model.len());
                prop_assert!(tail.starts.iter().eq(tail.chunks.iter().map(|c| &c[0].index)));
                // Every entry of the runs has its run's number, in order.
                let runs = tail.chunks.iter().enumerate().flat_map(|(k, c)| {
                    core::iter::repeat_n(tail.first_run.wrapping_add(k as u32), c.len())
                });
                prop_assert!(tail.run_of.iter().copied().eq(runs));
                prop_assert_eq!(tail.bytes(), size_of(&model));
                prop_assert_eq!(tail.last(), model.last());
                prop_assert!(tail.iter().eq(model.iter()));
                prop_assert_eq!(&tail.to_entries()[..], &model[..]);
                let lo = model.first().map_or(next, |e| e.index);
                for i in lo.saturating_sub(1)..=next {
                    prop_assert_eq!(tail.get(i), model.get(i.wrapping_sub(lo) as usize));
                }
                for (a, b, max) in [(lo, next, u64::MAX), (lo + 1, next, 40), (lo, next.saturating_sub(1), 0)] {
                    if a < b {
                        let want: Vec<Entry> = {
                            let mut out = Vec::new();
                            let mut bytes = 0;
                            for e in &model[(a - lo) as usize..(b - lo) as usize] {
                                bytes += e.size();
                                if !out.is_empty() && bytes > max {
                                    break;
                                }
                                out.push(e.clone());
                            }
                            out
                        };
                        prop_assert_eq!(&tail.slice(a, b, max)[..], &want[..]);
                        let mut got = Vec::new();
                        tail.extend_into(a, b, max, (0, false), &mut got);
                        prop_assert_eq!(got, want);
                        // Continuing a slice that already took 30 bytes and one entry: the byte
                        // limit counts those, and no entry is guaranteed any more.
                        let want: Vec<Entry> = {
                            let mut out = Vec::new();
                            let mut bytes = 30;
                            for e in &model[(a - lo) as usize..(b - lo) as usize] {
                                bytes += e.size();
                                if bytes > max {
                                    break;
                                }
                                out.push(e.clone());
                            }
                            out
                        };
                        let mut got = vec![entry(0, 0)];
                        tail.extend_into(a, b, max, (30, true), &mut got);
                        prop_assert_eq!(&got[1..], &want[..]);
                    }
                }
            }
        }
    }
}
