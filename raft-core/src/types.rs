//! Identifiers and the role a node plays (Raft §5.1).

/// A node's identity. `0` is reserved to mean "nobody" on the wire; use `Option<NodeId>` in APIs.
pub type NodeId = u64;
/// A Raft term (§5.1): a logical clock that only grows. Term 0 is the term before any election.
pub type Term = u64;
/// A log index. Index 0 is the empty position before the first entry; real entries start at 1.
pub type Index = u64;

/// The highest term a node takes part in (2^48). A message with a higher term is refused as
/// malformed ([`crate::RejectReason::TermTooLarge`]), persisted state with one is corrupt, and a
/// node at this term refuses to campaign ([`crate::Error::TermOverflow`]): an honest cluster
/// electing a leader every millisecond would need 8,900 years to get here, while one message
/// carrying `u64::MAX` (a corrupted frame, a hostile peer) would otherwise leave every node at a
/// term that can never be incremented, and the cluster without a leader for good.
pub const MAX_TERM: Term = 1 << 48;

/// The highest log index (2^62). An append or a snapshot past it is refused as malformed and
/// persisted state past it is corrupt, so that `index + 1` never overflows: a leader proposing a
/// million entries a second would need 146,000 years to get here.
pub const MAX_INDEX: Index = 1 << 62;

/// The role a node plays in its current term (Raft §5.1, dissertation §9.6 for pre-candidate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Role {
    /// Passive: answers leaders and candidates.
    Follower,
    /// Asking for pre-votes without having raised its term (PreVote, dissertation §9.6).
    PreCandidate,
    /// Has raised its term and asks for votes (§5.2).
    Candidate,
    /// Handles client requests and replicates the log (§5.3).
    Leader,
    /// Non-voting member: receives the log and never campaigns (dissertation §4.2.1). It does
    /// answer vote requests like a follower: it may have been promoted by an entry it has not
    /// received yet, and a candidate that knows of the promotion needs its vote (etcd raft makes
    /// the same choice). A candidate counts only the votes of voters in its own configuration,
    /// so a vote from a node that really is a learner changes nothing.
    Learner,
}

impl Role {
    /// Lower-case name, as shown in the playground and written in traces.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre-candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
            Role::Learner => "learner",
        }
    }
}

impl core::fmt::Display for Role {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}
