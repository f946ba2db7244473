//! Pure majority maths (§5.2 elections, §5.3 commitment), kept free of any node state so that it
//! can be property-tested against a deliberately simple model.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use crate::types::{Index, NodeId};

/// Outcome of counting votes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteResult {
    /// A majority granted.
    Won,
    /// A majority refused: the election cannot be won.
    Lost,
    /// Neither yet.
    Pending,
}

/// Number of nodes that make a majority of `n`.
pub fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// The largest index that a majority of `voters` have matched. An empty set of voters places no
/// constraint and yields `Index::MAX` (so the empty outgoing half of a non-joint configuration
/// never limits the commit index).
pub fn majority_index(voters: &BTreeSet<NodeId>, match_of: &impl Fn(NodeId) -> Index) -> Index {
    majority_of(voters.len(), voters.iter().map(|&id| match_of(id)))
}

/// [`majority_index`] given the `n` voters' match indexes themselves (in any order; `matched`
/// yields at most `n`, and voters it leaves out count as 0), so that a caller holding them in
/// id order beside the voters walks both at once instead of looking each voter up.
pub fn majority_of(n: usize, matched: impl Iterator<Item = Index>) -> Index {
    if n == 0 {
        return Index::MAX;
    }
    // Called on every acknowledgement: the match indexes are sorted in a buffer on the stack
    // for up to `STACK_VOTERS` voters (every cluster one would run), on the heap beyond. A
    // small-vector crate would do the same for this one call site; core's slice sort suffices.
    const STACK_VOTERS: usize = 16;
    let mut stack = [0 as Index; STACK_VOTERS];
    let mut heap = Vec::new();
    let buf: &mut [Index] = if n <= STACK_VOTERS {
        &mut stack[..n]
    } else {
        heap.resize(n, 0);
        &mut heap
    };
    for (slot, m) in buf.iter_mut().zip(matched) {
        *slot = m;
    }
    // Descending: the value at position majority-1 is held by at least a majority. An
    // insertion sort for the stack buffer (a few voters: cheaper than the library sort's
    // set-up, which cost about as much as the rest of the count).
    if n <= STACK_VOTERS {
        for i in 1..n {
            let v = buf[i];
            let mut j = i;
            while j > 0 && buf[j - 1] < v {
                buf[j] = buf[j - 1];
                j -= 1;
            }
            buf[j] = v;
        }
    } else {
        buf.sort_unstable_by(|a, b| b.cmp(a));
    }
    buf[majority(n) - 1]
}

/// Counts the votes of `voters`. An empty set of voters is won trivially (see [`majority_index`]).
pub fn majority_vote(
    voters: &BTreeSet<NodeId>,
    vote_of: &impl Fn(NodeId) -> Option<bool>,
) -> VoteResult {
    if voters.is_empty() {
        return VoteResult::Won;
    }
    let (mut yes, mut no) = (0, 0);
    for &id in voters {
        match vote_of(id) {
            Some(true) => yes += 1,
            Some(false) => no += 1,
            None => {}
        }
    }
    let need = majority(voters.len());
    if yes >= need {
        VoteResult::Won
    } else if no > voters.len() - need {
        VoteResult::Lost
    } else {
        VoteResult::Pending
    }
}

/// Combines the results of the two halves of a joint configuration: both must be won.
pub fn joint_vote(a: VoteResult, b: VoteResult) -> VoteResult {
    match (a, b) {
        (VoteResult::Won, VoteResult::Won) => VoteResult::Won,
        (VoteResult::Lost, _) | (_, VoteResult::Lost) => VoteResult::Lost,
        _ => VoteResult::Pending,
    }
}
