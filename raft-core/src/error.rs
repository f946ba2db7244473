//! The crate's one error type.

use crate::reason::{ConfChangeRefusal, ConfigError, Corruption, SnapshotRefusal, TransferRefusal};
use crate::types::{NodeId, Term};

/// Everything that can go wrong when driving a node. Expected outcomes of the protocol
/// (a proposal sent to a follower, a read refused before the leader commits in its term) are
/// variants here too: they are returned, never panicked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The configuration is inconsistent; the reason names the offending field.
    InvalidConfig(ConfigError),
    /// This node is not the leader; `leader` is its best guess of who is, for redirection.
    NotLeader {
        /// The leader this node last heard from in its current term, if any.
        leader: Option<NodeId>,
    },
    /// A leadership transfer is in progress; proposals and membership changes are refused until it ends (reads are not) (dissertation §3.10).
    TransferInProgress,
    /// The leader has not yet committed an entry of its own term, so it does not yet know the
    /// commit index and cannot serve a linearizable read (§6.4, dissertation §6.4).
    ReadNotReady,
    /// A leadership transfer was refused, for this reason.
    TransferRefused(TransferRefusal),
    /// The term would pass [`crate::MAX_TERM`]: the node refuses to campaign.
    TermOverflow(Term),
    /// Persistent state handed to [`crate::Node::restore`] is inconsistent, in this way.
    CorruptState(Corruption),
    /// A membership change was refused, for this reason.
    ConfChangeRefused(ConfChangeRefusal),
    /// A snapshot was refused, for this reason.
    SnapshotRefused(SnapshotRefusal),
    /// Lease reads: this node answered a leader's heartbeat round (or restarted without knowing
    /// whether it did) and promised not to help elect anyone for `election_timeout_min`, so it
    /// refuses to campaign for `ticks_left` more ticks (dissertation §6.4.1).
    LeasePromised {
        /// Ticks until the promise ends.
        ticks_left: u64,
    },
    /// The leader already holds [`crate::Config::max_uncommitted_bytes`] of uncommitted
    /// commands (`held` bytes): the proposal is refused until some commit (try again later, or
    /// elsewhere if this leader has lost its quorum).
    UncommittedLimit {
        /// Bytes of commands this leader holds uncommitted.
        held: u64,
    },
    /// The leader already holds [`crate::Config::max_pending_reads`] ReadIndex requests
    /// waiting for a heartbeat round (no quorum has answered lately): the read is refused; try
    /// again later, or elsewhere if this leader has lost its quorum.
    TooManyPendingReads {
        /// Reads waiting.
        pending: usize,
    },
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::InvalidConfig(why) => write!(f, "invalid configuration: {why}"),
            Error::NotLeader { leader: Some(l) } => write!(f, "not the leader; try node {l}"),
            Error::NotLeader { leader: None } => write!(f, "not the leader; leader unknown"),
            Error::TransferInProgress => write!(f, "leadership transfer in progress"),
            Error::ReadNotReady => {
                write!(f, "leader has not committed an entry in its term yet")
            }
            Error::TransferRefused(why) => write!(f, "leadership transfer refused: {why}"),
            Error::TermOverflow(t) => write!(f, "term {t} cannot be incremented"),
            Error::CorruptState(why) => write!(f, "corrupt persistent state: {why}"),
            Error::ConfChangeRefused(why) => write!(f, "membership change refused: {why}"),
            Error::SnapshotRefused(why) => write!(f, "snapshot refused: {why}"),
            Error::LeasePromised { ticks_left } => write!(
                f,
                "not campaigning: a leader's read lease is in force for {ticks_left} more ticks"
            ),
            Error::UncommittedLimit { held } => write!(
                f,
                "proposal refused: the leader holds {held} bytes of uncommitted commands, its limit"
            ),
            Error::TooManyPendingReads { pending } => write!(
                f,
                "read refused: the leader holds {pending} reads waiting for a quorum, its limit"
            ),
        }
    }
}

#[cfg(feature = "std")]
extern crate std;
#[cfg(feature = "std")]
impl std::error::Error for Error {}
