//! Why something was refused, ignored or done: one enum per kind of reason, carried by
//! [`crate::Error`] and [`crate::Event`] so that a caller can match on it (etcd and raft-rs do
//! the same with error values). Each type's `Display` is the sentence people read, on the page,
//! in the CLI and in the tests' transcripts; `as_str` gives the same text as a `&'static str`.

/// Declares a reason enum: each variant with its doc comment and the text shown for it. The
/// enum gets `as_str`, `Display` (that text), `ALL` (every variant, in declaration order, for
/// tests and for tools that list them) and, under the `serde` feature, snake_case serde.
macro_rules! reasons {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The text shown for this reason (what `Display` writes).
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

reasons! {
    /// Why [`crate::Config::validate`] refused a configuration: the inconsistent field.
    pub enum ConfigError {
        /// `id` is 0, which is reserved.
        IdZero => "id must be non-zero",
        /// `heartbeat_interval` is 0.
        HeartbeatZero => "heartbeat_interval must be at least 1 tick",
        /// `election_timeout_min <= heartbeat_interval`: followers would time out between
        /// heartbeats (§5.2).
        ElectionTimeoutMinTooShort => "election_timeout_min must be greater than heartbeat_interval",
        /// `election_timeout_max <= election_timeout_min`: no room to randomize (§5.2).
        ElectionTimeoutMaxTooShort => "election_timeout_max must be greater than election_timeout_min",
        /// `election_timeout_max` is above [`crate::config::MAX_ELECTION_TIMEOUT`].
        ElectionTimeoutTooLong => "election_timeout_max must be at most 4294967296 ticks (2^32)",
        /// `max_inflight` is 0: nothing could ever be sent.
        MaxInflightZero => "max_inflight must be at least 1",
        /// `max_msg_bytes` is 0.
        MaxMsgBytesZero => "max_msg_bytes must be at least 1",
        /// `max_snapshot_bytes` is 0.
        MaxSnapshotBytesZero => "max_snapshot_bytes must be at least 1",
        /// `max_pending_reads` is 0: no read could ever be served.
        MaxPendingReadsZero => "max_pending_reads must be at least 1",
        /// `max_committed_bytes_per_ready` is 0.
        MaxCommittedBytesPerReadyZero => "max_committed_bytes_per_ready must be at least 1",
        /// `log_cache_entries` is 0 or above [`crate::MAX_LOG_CACHE_ENTRIES`].
        LogCacheEntriesOutOfRange => "log_cache_entries must be between 1 and 1048576",
        /// `log_cache_bytes` is 0.
        LogCacheBytesZero => "log_cache_bytes must be at least 1",
        /// `max_uncommitted_bytes` is 0.
        MaxUncommittedBytesZero => "max_uncommitted_bytes must be at least 1",
        /// `max_clock_drift_ppm` exceeds [`crate::MAX_CLOCK_DRIFT_PPM`].
        ClockDriftTooLarge => "max_clock_drift_ppm must be at most 100000 (10%)",
        /// Lease reads without CheckQuorum: a deposed leader would not know it (dissertation
        /// §6.4.1).
        LeaseWithoutCheckQuorum => "lease reads require check_quorum",
        /// A break-it switch is on in a build without raft-core's `break-it` feature: the
        /// unsafe teaching switches are for teaching builds only.
        BreakItNotEnabled => "break_it switches need raft-core's `break-it` feature (teaching builds only)",
    }
}

reasons! {
    /// Why persistent state handed to [`crate::Node::restore`] is inconsistent.
    pub enum Corruption {
        /// An entry's index is not the one after its predecessor (or after the snapshot).
        EntriesNotConsecutive => "log entries are not consecutive after the snapshot",
        /// An entry's term is lower than its predecessor's (or the snapshot's).
        TermsDecrease => "log entry terms decrease",
        /// The last entry's term is after the stored current term.
        EntryTermAfterCurrentTerm => "log has an entry from a term after the current term",
        /// The storage could not be read while restoring (an asynchronous storage that is not
        /// ready yet): try again once it is.
        StorageUnavailable => "storage not readable yet",
        /// A stored term above [`crate::MAX_TERM`] or an index above [`crate::MAX_INDEX`].
        PastTheBounds => "stored term or index past the bounds",
        /// The stored vote is for node 0, which is nobody.
        VoteForNodeZero => "the stored vote is for node 0",
        /// A stored entry has term 0 (every leader's term is at least 1).
        EntryTermZero => "a log entry has term 0",
        /// The snapshot has application data but index 0 (no snapshot), or index above 0 but
        /// term 0.
        SnapshotWithoutBoundary => "snapshot data without a snapshot index, or a snapshot of term 0",
        /// The snapshot's membership (or the initial one, unless wholly empty: a joining node)
        /// or a membership entry of the log has no voter, node 0, or a node both voter and
        /// learner ([`crate::Membership::is_possible`]).
        ImpossibleMembership => "a stored membership has no voter, node 0, or a node both voter and learner",
        /// [`crate::Config::applied`] is past the stored log's last index.
        AppliedPastLog => "config.applied is past the stored log",
    }
}

reasons! {
    /// Why a leadership transfer was refused (dissertation §3.10).
    pub enum TransferRefusal {
        /// The target is this leader.
        AlreadyLeader => "already the leader",
        /// The target is a learner, a node being removed, or not a member: it could not win.
        NotVoter => "target is not a voter of the incoming configuration",
    }
}

reasons! {
    /// Why a membership change was refused (dissertation §4).
    pub enum ConfChangeRefusal {
        /// A learner cannot be added while in joint consensus.
        AddLearnerWhileJoint => "cannot add a learner during a joint change",
        /// A learner cannot be promoted while in joint consensus.
        PromoteWhileJoint => "cannot promote during a joint change",
        /// A voter cannot be added while in joint consensus.
        AddVoterWhileJoint => "cannot add a voter during a joint change",
        /// A node cannot be removed while in joint consensus.
        RemoveWhileJoint => "cannot remove a node during a joint change",
        /// Joint consensus cannot be entered again before it is left.
        AlreadyJoint => "already in a joint change",
        /// The node to add is already a voter or a learner.
        AlreadyMember => "node is already a member",
        /// Only a learner can be promoted.
        NotLearner => "only a learner can be promoted",
        /// The node to add as a voter already is one.
        AlreadyVoter => "node is already a voter",
        /// The node to remove is not a member.
        NotMember => "node is not a member",
        /// Removing the node would leave no voter.
        LastVoter => "cannot remove the last voter",
        /// A joint change towards an empty set of voters.
        NoVoters => "the new configuration needs a voter",
        /// Node id 0 is reserved.
        ReservedId => "node id 0 is reserved",
        /// A joint change towards the current voters.
        SameVoters => "the new voters are the current voters",
        /// Leaving joint consensus when not in it.
        NotJoint => "not in a joint change",
        /// The leader has not committed an entry of its own term yet (the 2015 fix to
        /// single-server changes).
        NotCommittedInTerm => "the leader has not committed an entry in its term yet",
        /// The previous change is not committed yet: one change at a time (dissertation §4.1).
        PreviousPending => "the previous membership change is not committed yet",
    }
}

reasons! {
    /// Why a compaction ([`crate::Input::Compact`]) was refused (paper §7).
    pub enum SnapshotRefusal {
        /// The index is at or below the current snapshot's.
        NotNewer => "not newer than the current snapshot",
        /// The application has not applied the index yet.
        NotApplied => "index not applied yet",
        /// The log holds no entry at the index.
        NotInLog => "index not in the log",
        /// The entry at the index is held only in storage, which cannot read it now: retry.
        StorageNotReady => "the storage cannot read that entry now; retry",
        /// The data is larger than [`crate::Config::max_snapshot_bytes`]: followers would refuse it.
        TooLarge => "larger than max_snapshot_bytes",
    }
}

reasons! {
    /// Why a node ignored a message (or, for [`RejectReason::TermOverflow`], its own timeout),
    /// reported in [`crate::Event::Rejected`]. A rejected message changes nothing.
    pub enum RejectReason {
        /// The node's term is [`crate::MAX_TERM`]: it refuses to campaign past it.
        TermOverflow => "term would overflow; not campaigning",
        /// Sender 0, sender this node, or a recipient other than this node.
        NotAddressed => "message not addressed from a peer to this node",
        /// A term above [`crate::MAX_TERM`]: no honest cluster reaches it.
        TermTooLarge => "term past the bound no cluster reaches",
        /// A response from a node this one did not ask: not a member of its configuration
        /// (for a vote, not a voter).
        NotAMember => "response from a node that is not a member",
        /// A snapshot chunk with a term 0 or after the message's, an index 0 or past
        /// [`crate::MAX_INDEX`], bytes past its total, or an impossible membership (no voter,
        /// node 0, a node both voter and learner).
        MalformedSnapshotChunk => "snapshot: malformed chunk",
        /// An append whose `prev_term` is after the message's term.
        PrevTermAfterTerm => "append: prev_term after the message's term",
        /// An append whose last index would pass [`crate::MAX_INDEX`].
        IndexOverflow => "append: index overflow",
        /// An append whose entries do not follow `prev_index` one by one.
        EntriesNotConsecutive => "append: entries are not consecutive after prev_index",
        /// An append whose entry terms are 0, decrease, or are after the message's term.
        EntryTermsOutOfOrder => "append: entry terms out of order",
        /// A snapshot chunk announcing a total above [`crate::Config::max_snapshot_bytes`].
        SnapshotTooLarge => "snapshot: larger than max_snapshot_bytes",
        /// An append carrying a membership entry with no voter, node 0, or a node both voter
        /// and learner ([`crate::Membership::is_possible`]).
        ImpossibleMembership => "append: impossible membership",
        /// An acknowledgement of entries the leader does not have.
        AckPastLastIndex => "append ack past the leader's last index",
        /// An append that disagrees with an entry this node knows is committed.
        ContradictsCommitted => "append contradicts a committed entry",
        /// An append that would truncate a committed entry.
        OverwritesCommitted => "append would overwrite a committed entry",
    }
}

reasons! {
    /// A step of a leadership transfer (dissertation §3.10), reported in
    /// [`crate::Event::Transfer`].
    pub enum TransferStep {
        /// The leader accepted the transfer and is bringing the target up to date.
        Started => "started",
        /// The target is up to date: the leader sent it TimeoutNow.
        TimeoutNowSent => "timeout_now_sent",
        /// The target campaigned in a later term, deposing this leader.
        Completed => "completed",
        /// The transfer was abandoned: timed out, replaced by another, or the leader stepped
        /// down.
        Aborted => "aborted",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::string::ToString;

    /// Every text non-empty and, within a type, distinct: a caller telling reasons apart by
    /// their text (or a person reading them) never sees two alike.
    fn distinct<T: core::fmt::Display + Copy>(all: &[T]) {
        let texts: BTreeSet<_> = all.iter().map(|r| r.to_string()).collect();
        assert_eq!(texts.len(), all.len(), "texts must be distinct");
        assert!(
            texts.iter().all(|t| !t.is_empty()),
            "texts must not be empty"
        );
    }

    #[test]
    fn every_reason_has_a_distinct_non_empty_text() {
        distinct(ConfigError::ALL);
        distinct(Corruption::ALL);
        distinct(TransferRefusal::ALL);
        distinct(ConfChangeRefusal::ALL);
        distinct(SnapshotRefusal::ALL);
        distinct(RejectReason::ALL);
        distinct(TransferStep::ALL);
        assert_eq!(TransferStep::ALL.len(), 4);
        assert_eq!(RejectReason::ALL.len(), 14);
    }

    /// An event's `what` serializes as the string it was before it became a type.
    #[cfg(feature = "serde")]
    #[test]
    fn transfer_steps_serialize_as_before() {
        for step in TransferStep::ALL {
            let json = serde_json::to_string(step).unwrap();
            assert_eq!(json, alloc::format!("{:?}", step.as_str()));
            assert_eq!(serde_json::from_str::<TransferStep>(&json).unwrap(), *step);
        }
    }
}
