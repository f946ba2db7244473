//! What a node hands back to its driver after taking input.

use alloc::vec::Vec;

use crate::entries::Entries;
use crate::entry::HardState;
use crate::message::Message;
use crate::reason::{RejectReason, TransferStep};
use crate::snapshot::Snapshot;
use crate::storage::StorageError;
use crate::types::{Index, NodeId, Role, Term};

/// A linearizable read that may now be served: once the application has applied `index`, its
/// state reflects every write that completed before the read was requested (§6.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ReadState {
    /// The caller's request id, as given in [`crate::Input::ReadIndex`].
    pub id: u64,
    /// Serve the read after applying up to this index.
    pub index: Index,
}

/// Something observable that happened inside the node, for traces, the playground and tests.
/// Events change nothing; a driver may ignore them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(tag = "event", rename_all = "snake_case"))]
pub enum Event {
    /// The node's role or term changed.
    RoleChanged {
        /// New role.
        role: Role,
        /// Term of the new role.
        term: Term,
    },
    /// The node started a (pre-)election: its timer fired, [`crate::Input::Campaign`] or a
    /// TimeoutNow asked it to, or (PreVote) it won the pre-vote round and now campaigns for real.
    ElectionStarted {
        /// Term campaigned for.
        term: Term,
        /// True for a PreVote round (the node's term has not changed).
        pre_vote: bool,
    },
    /// The node granted its vote (or pre-vote).
    VoteGranted {
        /// Candidate.
        to: NodeId,
        /// Term of the vote.
        term: Term,
        /// True for a pre-vote.
        pre_vote: bool,
    },
    /// The commit index advanced.
    Committed {
        /// New commit index.
        index: Index,
    },
    /// The leader stepped down because it had not heard from a quorum (CheckQuorum).
    QuorumLost {
        /// Term of the lost leadership.
        term: Term,
    },
    /// A leadership transfer started, handed over (TimeoutNow sent), completed (the target
    /// campaigned in a later term, deposing this leader) or was abandoned.
    Transfer {
        /// Target of the transfer.
        to: NodeId,
        /// Which step.
        what: TransferStep,
    },
    /// A message was ignored because it was malformed or inconsistent; `why` says how.
    Rejected {
        /// Sender of the ignored message.
        from: NodeId,
        /// Why it was ignored.
        why: RejectReason,
    },
    /// The storage failed to return stable entries (ones a `Ready` handed out as persisted)
    /// with [`StorageError::Compacted`] or [`StorageError::Unavailable`]: it lost them, or the
    /// driver persisted somewhere the node does not read. One event per failed read, where the
    /// node reads: a leader's Append for a follower (prev term or entries), the committed
    /// entries of a `Ready`, a follower's consistency check of an Append (§5.3). The node
    /// retries as for [`StorageError::NotReady`] (which is not reported: a storage still
    /// loading): a leader asks again on each answer of that follower, committed entries wait
    /// for a later `Ready`, and a follower refuses the Append (the leader probes again).
    StorageFault {
        /// What the storage answered.
        error: StorageError,
        /// The first index asked for.
        index: Index,
    },
}

/// The output of a node since the last call to [`crate::Node::ready`].
///
/// **Ordering contract.** The driver must, in this order:
/// 1. durably store, in the storage the node reads its log from ([`crate::Node::storage_mut`]),
///    `snapshot` (if any: drop stored entries up to its index, and all stored
///    entries if the stored entry at its index has another term), then `hard_state` (if any)
///    and `entries` (if any): delete every stored entry with index `>= entries[0].index`, then
///    append `entries`;
/// 2. only then send `messages` (a vote or an acknowledgement must never reach a peer before the
///    state it promises is durable: §5.2, Figure 2 "respond to RPCs only after updating stable
///    storage");
/// 3. if `restore_snapshot`, replace the application state with `snapshot`'s data; then apply
///    `committed` to the application state machine, in order. Entries listed in
///    `committed` are all durable on a quorum; some may also appear in this same Ready's
///    `entries`, which is why step 1 comes first;
/// 4. serve each of `reads` once the application has applied its index.
///
/// Handle each Ready fully (step 1 at least) before the next call to [`crate::Node::ready`]:
/// that call counts this Ready's entries as stable, and from then on the node may drop them
/// from memory and read them back through [`crate::Storage`] (see the crate doc,
/// "Storage-backed log"). Handing a finished Ready back with [`crate::Node::advance`] lets the
/// node reuse its vectors' memory (optional).
///
/// ```
/// use raft_core::{Config, Input, Membership, Node, Storage};
///
/// let mut node = Node::new(Config::new(1), Membership::with_voters([1])).unwrap();
/// node.step(Input::Campaign).unwrap();
/// for k in 0..1000u32 {
///     node.step(Input::Propose(k.to_le_bytes().to_vec())).unwrap();
///     let ready = node.ready();
///     node.storage_mut().persist(&ready); // 1. durable
///     // 2. send ready.messages, 3. apply ready.committed, 4. serve ready.reads …
///     node.advance(ready);                // optional: the vectors are reused
/// }
/// // The node holds the newest entries only; the storage holds all 1001.
/// assert!(node.log().entries().len() < 1001);
/// assert_eq!(node.storage().state().entries.len(), 1001);
/// assert_eq!(node.log().entry(1).unwrap().index, 1);
/// ```
///
/// After [`crate::Node::restore`] from a state with a snapshot, the driver restores its state
/// machine from that snapshot before handling the first Ready.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ready {
    /// A snapshot to persist: taken locally (compaction) or received from the leader.
    pub snapshot: Option<Snapshot>,
    /// True when `snapshot` came from the leader and must replace the application's state.
    pub restore_snapshot: bool,
    /// New term/vote to persist, when it changed.
    pub hard_state: Option<HardState>,
    /// Entries to persist, replacing any stored entries from the first one's index on. Shared
    /// with the node's memory and the Appends (a view of one buffer: cloning it is O(1)).
    pub entries: Entries,
    /// Messages to send, in order. A leader's Appends for the entries appended since the last
    /// `ready()` are made by `ready()` itself and come last, one per follower (or a few, by the
    /// byte limit); the entries in them share their payloads with `entries` and `committed`.
    pub messages: Vec<Message>,
    /// Newly committed entries to apply, in order (shared, as `entries`).
    pub committed: Entries,
    /// Reads that became servable.
    pub reads: Vec<ReadState>,
    /// What happened, in order.
    pub events: Vec<Event>,
}

impl Ready {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.hard_state.is_none()
            && self.snapshot.is_none()
            && self.entries.is_empty()
            && self.messages.is_empty()
            && self.committed.is_empty()
            && self.reads.is_empty()
            && self.events.is_empty()
    }
}

/// What happened, from the node's point of view (the node itself is not named: a caller
/// prefixes it): `became leader at term 3`, `committed up to 7`, `transfer to S2 started`,
/// `ignored message from S3: append: index overflow`…
impl core::fmt::Display for Event {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Event::RoleChanged { role, term } => write!(f, "became {role} at term {term}"),
            Event::ElectionStarted {
                term,
                pre_vote: true,
            } => write!(f, "started a pre-election for term {term}"),
            Event::ElectionStarted {
                term,
                pre_vote: false,
            } => write!(f, "started an election for term {term}"),
            Event::VoteGranted {
                to,
                term,
                pre_vote: true,
            } => write!(f, "granted a pre-vote to S{to} for term {term}"),
            Event::VoteGranted {
                to,
                term,
                pre_vote: false,
            } => write!(f, "voted for S{to} in term {term}"),
            Event::Committed { index } => write!(f, "committed up to {index}"),
            Event::QuorumLost { term } => write!(f, "lost the quorum in term {term}"),
            Event::Transfer { to, what } => write!(f, "transfer to S{to} {what}"),
            Event::Rejected { from, why } => write!(f, "ignored message from S{from}: {why}"),
            Event::StorageFault { error, index } => {
                write!(f, "storage could not read entry {index}: {error}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::storage::Storage;
    use crate::{Config, Input, Membership, Node};

    /// `Node::advance_in_place` empties the vectors of a Ready the driver keeps and hands them
    /// to the node, whose next Readies reuse them (the node double-buffers, so the vector
    /// comes back within two Readies), as `Node::advance` does for a Ready given by value.
    #[test]
    fn advance_in_place_takes_the_vectors_and_leaves_them_empty() {
        let mut node = Node::new(Config::new(1), Membership::with_voters(1..=5)).unwrap();
        node.step(Input::Campaign).unwrap();
        let mut first = node.ready();
        node.storage_mut().persist(&first);
        assert_eq!(first.messages.len(), 4, "a pre-vote request to each peer");
        let cap = first.messages.capacity();
        node.advance_in_place(&mut first);
        assert!(first.messages.is_empty() && first.events.is_empty());
        let (second, third) = (node.ready(), node.ready());
        assert!(second.messages.is_empty() && third.messages.is_empty());
        assert!(
            second.messages.capacity().max(third.messages.capacity()) >= cap,
            "the vector of {cap} came back"
        );
    }
}
