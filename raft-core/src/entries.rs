//! [`Entries`]: a run of log entries shared by reference count, cheap to clone and to slice.
//!
//! One batch of entries travels to every follower, into the `Ready` and into the log's memory:
//! sharing it means a clone copies three words and bumps one counter for the whole batch,
//! instead of copying every entry's header and bumping every payload's counter once per
//! recipient. Hand-written (not a crate) because it is a thin view over `alloc::sync::Arc`:
//! no crate offers a shared, sliceable `[Entry]` without `std` that is simpler than this.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::{Deref, Range};

use crate::entry::Entry;

/// Consecutive log entries behind a shared, immutable buffer: a range `start..end` of an
/// `Arc<[Entry]>`. Reads like a `&[Entry]` (it dereferences to one), clones in O(1) and
/// [`Entries::slice`]s without copying. Build it from a `Vec<Entry>` (`.into()`) or an
/// iterator (`.collect()`); an empty one holds no buffer and allocates nothing.
///
/// Compared, hashed, printed and serialized exactly as the `Vec<Entry>` it stands for, so a
/// message's hash or text does not depend on how its entries are shared.
#[derive(Clone, Default)]
pub struct Entries {
    /// `None` when empty. Invariant: `start <= end <= buf.len()`, and `start == end == 0`
    /// when `buf` is `None`.
    buf: Option<Arc<[Entry]>>,
    start: usize,
    end: usize,
}

impl Entries {
    /// No entries (allocates nothing).
    pub const fn new() -> Self {
        Entries {
            buf: None,
            start: 0,
            end: 0,
        }
    }

    /// The entries as a slice.
    pub fn as_slice(&self) -> &[Entry] {
        match &self.buf {
            Some(b) => &b[self.start..self.end],
            None => &[],
        }
    }

    /// The entries at positions `range` (relative to this view), sharing the buffer.
    ///
    /// # Panics
    /// If `range` is not within `0..len()` or decreasing, as slicing a `[Entry]` would.
    pub fn slice(&self, range: Range<usize>) -> Entries {
        assert!(
            range.start <= range.end && range.end <= self.len(),
            "Entries::slice: range {range:?} out of 0..{}",
            self.len()
        );
        if range.start == range.end {
            return Entries::new();
        }
        Entries {
            buf: self.buf.clone(),
            start: self.start + range.start,
            end: self.start + range.end,
        }
    }

    /// The entries as an owned vector (each entry's header copied, payloads shared).
    pub fn into_vec(self) -> Vec<Entry> {
        self.as_slice().to_vec()
    }

    /// True when `next` continues this run in the same buffer (it starts where this ends), so
    /// that the two can be one view.
    pub(crate) fn continues_with(&self, next: &Entries) -> bool {
        match (&self.buf, &next.buf) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b) && self.end == next.start,
            _ => false,
        }
    }

    /// Extends this view over `next`, which [`Entries::continues_with`] it.
    pub(crate) fn extend_view(&mut self, next: &Entries) {
        debug_assert!(self.continues_with(next), "Entries: views not adjacent");
        self.end = next.end;
    }

    /// Keeps only the first `n` entries of the view (`n <= len()`).
    pub(crate) fn truncate(&mut self, n: usize) {
        if n < self.len() {
            self.end = self.start + n;
            if n == 0 {
                *self = Entries::new();
            }
        }
    }

    /// Whether this view shares its buffer with other views (or keeps entries outside its
    /// range alive), for tests.
    #[cfg(test)]
    pub(crate) fn buffer_len(&self) -> usize {
        self.buf.as_ref().map_or(0, |b| b.len())
    }
}

impl Deref for Entries {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        self.as_slice()
    }
}

impl AsRef<[Entry]> for Entries {
    fn as_ref(&self) -> &[Entry] {
        self.as_slice()
    }
}

impl From<Vec<Entry>> for Entries {
    /// Moves the entries into a shared buffer (one allocation; no payload is copied).
    fn from(v: Vec<Entry>) -> Self {
        if v.is_empty() {
            return Entries::new();
        }
        let end = v.len();
        Entries {
            buf: Some(Arc::from(v)),
            start: 0,
            end,
        }
    }
}

impl From<&[Entry]> for Entries {
    fn from(v: &[Entry]) -> Self {
        Entries::from(v.to_vec())
    }
}

impl FromIterator<Entry> for Entries {
    /// Collects straight into the shared buffer: from an iterator that knows its exact length
    /// (a vector's drain, a mapped range) the standard library allocates it once, where a
    /// vector first would cost a second allocation and a copy.
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Self {
        let buf: Arc<[Entry]> = iter.into_iter().collect();
        let end = buf.len();
        Entries {
            buf: (end > 0).then_some(buf),
            start: 0,
            end,
        }
    }
}

impl<'a> IntoIterator for &'a Entries {
    type Item = &'a Entry;
    type IntoIter = core::slice::Iter<'a, Entry>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

/// Iterates over the entries by value: each is cloned out of the shared buffer (a header copy
/// and a payload reference count, never the payload).
impl IntoIterator for Entries {
    type Item = Entry;
    type IntoIter = IntoIter;
    fn into_iter(self) -> IntoIter {
        IntoIter { at: 0, of: self }
    }
}

/// The by-value iterator of [`Entries`].
#[derive(Debug, Clone)]
pub struct IntoIter {
    at: usize,
    of: Entries,
}

impl Iterator for IntoIter {
    type Item = Entry;
    fn next(&mut self) -> Option<Entry> {
        let e = self.of.get(self.at)?.clone();
        self.at += 1;
        Some(e)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.of.len() - self.at;
        (n, Some(n))
    }
}

impl ExactSizeIterator for IntoIter {}

/// As the `Vec<Entry>` it stands for: `[Entry { .. }, ..]`.
impl core::fmt::Debug for Entries {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Entries {}

impl PartialEq<Vec<Entry>> for Entries {
    fn eq(&self, other: &Vec<Entry>) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl PartialEq<[Entry]> for Entries {
    fn eq(&self, other: &[Entry]) -> bool {
        self.as_slice() == other
    }
}

/// Hashes as the `Vec<Entry>` it stands for (length, then each entry), so that the simulator's
/// trace hashes do not depend on how entries are shared.
impl core::hash::Hash for Entries {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Entries {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Entries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Vec::<Entry>::deserialize(d).map(Entries::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Payload;
    use alloc::vec;

    fn e(index: u64) -> Entry {
        Entry {
            term: 1,
            index,
            payload: Payload::Command(bytes::Bytes::from(vec![index as u8])),
        }
    }

    #[test]
    fn slices_share_the_buffer_and_read_like_the_vec() {
        let v: Vec<Entry> = (1..=5).map(e).collect();
        let all = Entries::from(v.clone());
        let mid = all.slice(1..4);
        assert_eq!(mid, v[1..4].to_vec());
        assert_eq!(mid.buffer_len(), 5, "no copy");
        assert!(all.slice(0..1).continues_with(&all.slice(1..3)));
        assert!(!all.slice(0..1).continues_with(&all.slice(2..3)));
        assert!(all.slice(2..2).is_empty());
        assert_eq!(mid.clone().into_vec(), v[1..4].to_vec());
        assert_eq!(mid.into_iter().map(|x| x.index).sum::<u64>(), 2 + 3 + 4);
    }

    #[test]
    fn hash_and_debug_are_those_of_the_vec() {
        use core::hash::{Hash, Hasher};
        // A plain FNV-1a, to compare the bytes fed to a hasher.
        struct Fnv(u64);
        impl Hasher for Fnv {
            fn finish(&self) -> u64 {
                self.0
            }
            fn write(&mut self, bytes: &[u8]) {
                for b in bytes {
                    self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
                }
            }
        }
        let v: Vec<Entry> = (1..=3).map(e).collect();
        let s = Entries::from(v.clone());
        let (mut a, mut b) = (Fnv(0xcbf2_9ce4_8422_2325), Fnv(0xcbf2_9ce4_8422_2325));
        v.hash(&mut a);
        s.hash(&mut b);
        assert_eq!(a.finish(), b.finish());
        assert_eq!(alloc::format!("{v:?}"), alloc::format!("{s:?}"));
        assert_eq!(
            alloc::format!("{:?}", Vec::<Entry>::new()),
            alloc::format!("{:?}", Entries::new())
        );
    }
}
