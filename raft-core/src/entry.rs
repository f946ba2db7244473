//! Log entries and the durable hard state (Raft Figure 2, "Persistent state on all servers").

use alloc::boxed::Box;

use bytes::Bytes;

use crate::membership::Membership;
use crate::types::{Index, NodeId, Term};

/// What a log entry carries.
///
/// Small on purpose (40 bytes, so an [`Entry`] is 56, down from 96): a command is a shared [`Bytes`] handle
/// (cloning an entry for a message, the `Ready` or the committed list copies no payload), and
/// the rare membership change is boxed so that it does not widen every entry.
#[derive(Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Payload {
    /// Appended by every new leader at the start of its term, so that it can commit entries of
    /// earlier terms indirectly (§5.4.2, §8) and serve reads (§6.4).
    Noop,
    /// An opaque client command for the application's state machine, shared by reference count
    /// (immutable once proposed).
    Command(Bytes),
    /// A new cluster membership, in effect as soon as it is appended (dissertation §4.1, §4.3).
    Membership(Box<Membership>),
}

/// As derived for a `Vec<u8>` command (`Command([104, 105])`), not `Bytes`' own `b"hi"`: the
/// simulator's version-2 traces were hashed over this text and must still verify.
impl core::fmt::Debug for Payload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Payload::Noop => f.write_str("Noop"),
            Payload::Command(c) => f.debug_tuple("Command").field(&&c[..]).finish(),
            Payload::Membership(m) => f.debug_tuple("Membership").field(m).finish(),
        }
    }
}

/// One log entry: the term in which a leader created it, its position, and its payload.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct Entry {
    /// Term of the leader that created the entry (§5.3).
    pub term: Term,
    /// Position in the log, starting at 1.
    pub index: Index,
    /// The content.
    pub payload: Payload,
}

impl Entry {
    /// Approximate size on the wire, used by the per-message byte limit.
    pub fn size(&self) -> u64 {
        self.payload.entry_size()
    }
}

impl Payload {
    /// [`Entry::size`] of an entry holding this payload (a proposal is weighed before it
    /// becomes an entry).
    pub(crate) fn entry_size(&self) -> u64 {
        let body = match self {
            Payload::Noop => 0,
            Payload::Command(c) => c.len(),
            Payload::Membership(m) => 8 * (m.voters.len() + m.learners.len() + m.outgoing.len()),
        };
        16 + body as u64
    }
}

/// The part of a node's state that must survive a crash besides the log: Figure 2's
/// `currentTerm` and `votedFor`. The commit index is volatile here, as in the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct HardState {
    /// Latest term this node has seen. Never decreases, also across restarts.
    pub term: Term,
    /// The node this node voted for in `term`, if any. At most one per term, also across restarts.
    pub vote: Option<NodeId>,
}

/// `noop`, a command as a quoted string (bytes that are not UTF-8 shown as `\u{FFFD}`), or
/// `membership{1, 2, 3}` (the voters).
impl core::fmt::Display for Payload {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Payload::Noop => f.write_str("noop"),
            Payload::Command(c) => write!(f, "{:?}", alloc::string::String::from_utf8_lossy(c)),
            Payload::Membership(m) => write!(f, "membership{:?}", m.voters),
        }
    }
}

/// `index@tterm payload`, e.g. `3@t2 "x"`.
impl core::fmt::Display for Entry {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}@t{} {}", self.index, self.term, self.payload)
    }
}
