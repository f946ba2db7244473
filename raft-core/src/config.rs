//! Node configuration, validated up front.

use crate::error::Error;
use crate::reason::ConfigError;
use crate::types::NodeId;

/// How the leader serves linearizable reads (§6.4, dissertation §6.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ReadMode {
    /// ReadIndex: confirm leadership with a heartbeat round to a quorum before answering.
    Safe,
    /// Lease-based: answer from the commit index while the leader's CheckQuorum lease holds.
    /// Requires `check_quorum`. Assumes bounded clock drift: no node's clock runs faster or
    /// slower than real time by more than [`Config::max_clock_drift_ppm`]. Followers that
    /// answered a heartbeat round neither vote nor campaign for `election_timeout_min` ticks
    /// afterwards (nor after a restart); the leader's lease is shorter by the drift margin.
    Lease,
}

/// How a node draws its randomized election timeout (§5.2). Every policy draws from the node's
/// own seeded PCG-32 (`u32` draws only), so the same seed gives the same timeouts on every
/// platform, and every draw is at least `election_timeout_min`: a policy changes only *when* a
/// node campaigns, never how votes are granted, so Election Safety, the up-to-date check (§5.4.1),
/// PreVote (dissertation §9.6) and CheckQuorum (dissertation §6.2) are untouched.
///
/// With `span = election_timeout_max - election_timeout_min`:
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ElectionPolicy {
    /// Uniform in `[min, max)`, redrawn on every timer reset: the paper's rule (§5.2) and what
    /// etcd/raft and tikv/raft-rs do (uniform in `[min, 2·min)`). The default until #13; about
    /// 8% of failovers at the reference timers end in a split vote (p99 539 ms with PreVote).
    Uniform,
    /// Uniform, but after a lost or split election (the node's own pre-election or election
    /// ran out of time, or was refused by a majority) the range grows: the `k`-th consecutive
    /// failure draws from `[min, min + span·2^k)`, `k` at most 3, reset when the node hears
    /// from a leader or becomes one. Randomized binary exponential back-off as in Ethernet
    /// (Metcalfe and Boggs, 1976); the dissertation §9.3 shows that split votes fall as the
    /// range widens relative to the broadcast time.
    Backoff,
    /// Timeouts spread over the range so that no two voters draw within a round trip of each
    /// other: the voters of the term other than its known leader are put in id order rotated
    /// by `term + seed` (so no node is always first; give every node of a cluster the same
    /// [`Config::seed`], as raft-kv does from the cluster's name, or their slots may coincide)
    /// and cut the range into equal slots, one each; a node draws uniformly in the first
    /// quarter of its slot. Dissertation §9.3 found that a range much wider than the broadcast
    /// time makes split votes rare; slots make the spacing a guarantee instead of a likelihood
    /// when all nodes agree on the term, the leader and the seed, and fall back to uniform
    /// draws otherwise: when this node's rank is unknown, and after it lost an election (until
    /// it hears from a leader), so nodes whose slots coincide (seeded apart, say) split one
    /// term, not every term.
    /// The default: at the reference timers no failover of 10,000 needed a second term, and
    /// crash → leader p99 fell from 539 to 229 ms with PreVote (`raft-sim failover`, #13).
    #[default]
    Spread,
    /// A follower whose log is at least as up to date (§5.4.1) as what it last heard from the
    /// leader of its term draws from the lower half `[min, min + span/2)`; one whose log is
    /// stale (it saw the leader's log reach further than its own) waits the upper half too, so
    /// that the nodes that can win an election time out first, and a node whose vote requests
    /// would be refused (§5.4.1) rarely splits the votes (the idea, measured against the
    /// dissertation §9.3 figures).
    UpToDateFirst,
}

impl ElectionPolicy {
    /// Every policy, in the order the simulator's tables print them.
    pub const ALL: [ElectionPolicy; 4] = [
        ElectionPolicy::Uniform,
        ElectionPolicy::Backoff,
        ElectionPolicy::Spread,
        ElectionPolicy::UpToDateFirst,
    ];

    /// The policy's name as the CLI and scenario files spell it.
    pub fn name(self) -> &'static str {
        match self {
            ElectionPolicy::Uniform => "uniform",
            ElectionPolicy::Backoff => "backoff",
            ElectionPolicy::Spread => "spread",
            ElectionPolicy::UpToDateFirst => "up_to_date_first",
        }
    }

    /// The policy named `name` (as [`ElectionPolicy::name`] spells it), if any.
    pub fn from_name(name: &str) -> Option<ElectionPolicy> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// Deliberately unsafe switches for teaching. All `false` by default; each one breaks a rule of
/// the paper so that the simulator's safety checkers can be seen catching the consequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct BreakIt {
    /// Commit any entry stored on a majority, even from an older term (violates §5.4.2, Figure 8).
    pub commit_old_terms: bool,
    /// Grant votes without the up-to-date log check (violates §5.4.1).
    pub skip_up_to_date_check: bool,
    /// Forget `voted_for` on restart (violates the durable-state rule of Figure 2).
    pub forget_vote_on_restart: bool,
    /// Answer ReadIndex requests at once, without confirming leadership with a quorum
    /// (violates §6.4: a deposed leader that has not heard of its successor serves stale data).
    pub stale_reads: bool,
    /// A disk that acknowledges writes before they are durable: a crash loses what was written
    /// since its last sync (every 100 ms of the simulator's time), the vote and term included,
    /// though the node has already told others it stored them (violates the Ready contract:
    /// persist before sending). The core never touches a disk; the simulator's disk honours this.
    pub lose_unsynced_writes: bool,
}

impl BreakIt {
    /// True when any unsafe switch is on.
    pub fn any(&self) -> bool {
        self.commit_old_terms
            || self.skip_up_to_date_check
            || self.forget_vote_on_restart
            || self.stale_reads
            || self.lose_unsynced_writes
    }
}

/// Bugs planted on purpose, one per rule, to measure how well the tests and the simulator's
/// fault schedules catch a broken rule (a mutation score: `raft-sim mutants`, `./x mutants`).
/// Only in builds with raft-core's test-only `planted-bugs` feature, which neither the default
/// build nor the page's enables; each is one `if` at the site of the rule it breaks
/// ([`planted!`]). Unlike [`BreakIt`], these are not for teaching: they are what a plausible
/// slip in an implementation would do.
#[cfg(feature = "planted-bugs")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlantedBug {
    /// A leader changes membership before it has committed an entry of its own term
    /// (dissertation §4.1, the 2015 bug fix to single-server changes).
    ConfChangeBeforeTermCommit,
    /// A new membership change is accepted while an earlier one is still uncommitted, so several
    /// changes are in progress at once (dissertation §4.1: one at a time).
    ConcurrentConfChanges,
    /// In a joint configuration a candidate wins on a majority of the incoming voters alone
    /// (dissertation §4.3: elections need both majorities).
    JointElectionIncomingOnly,
    /// A leader keeps serving lease reads after it started a leadership transfer, whose vote
    /// requests override the followers' promises (dissertation §6.4.1, §3.10).
    LeaseThroughTransfer,
    /// Learners count in the commit quorum (dissertation §4.2.1: they do not vote).
    LearnersInCommitQuorum,
    /// A follower installing a snapshot keeps its old membership instead of the snapshot's
    /// (paper §7: the snapshot carries the configuration as of its last index).
    IgnoreSnapshotMembership,
    /// A new leader answers ReadIndex before it has committed an entry of its term, so its
    /// commit index may lag (dissertation §6.4, step 1).
    ReadIndexBeforeTermCommit,
    /// A pre-candidate that wins the pre-vote becomes leader at once, as if pre-votes were
    /// votes; they bind no one (dissertation §9.6).
    PreVoteCountsAsVote,
    /// A stale AppendEntries (its entries already held) truncates the entries after it
    /// (paper §5.3: only a conflicting entry, and what follows it, is deleted).
    TruncateOnStaleAppend,
    /// Heartbeats carry the leader's commit index, not capped at what the follower is known to
    /// match, so a follower may commit entries that differ from the leader's (paper §5.3).
    HeartbeatCommitUncapped,
    /// A node that campaigned in a term and then followed that term's leader still takes the
    /// term's late votes as a won election (`Node::end_campaign` skipped): after it learned a
    /// new configuration from that leader, grants counted there can elect a second leader of
    /// the term (§5.2; raft-sim check seed 14422601).
    LateVotesAfterFollowing,
    /// Late votes elect any node whose stored vote in its term is for itself, even a restarted
    /// process that did not ask for them and cannot know it already led that term (§5.2,
    /// §5.4.1; raft-sim check seed 8007679: a stale read).
    LateVotesWithoutCampaign,
}

#[cfg(feature = "planted-bugs")]
impl PlantedBug {
    /// Every planted bug, in the order tables print them.
    pub const ALL: [PlantedBug; 12] = [
        PlantedBug::ConfChangeBeforeTermCommit,
        PlantedBug::ConcurrentConfChanges,
        PlantedBug::JointElectionIncomingOnly,
        PlantedBug::LeaseThroughTransfer,
        PlantedBug::LearnersInCommitQuorum,
        PlantedBug::IgnoreSnapshotMembership,
        PlantedBug::ReadIndexBeforeTermCommit,
        PlantedBug::PreVoteCountsAsVote,
        PlantedBug::TruncateOnStaleAppend,
        PlantedBug::HeartbeatCommitUncapped,
        PlantedBug::LateVotesAfterFollowing,
        PlantedBug::LateVotesWithoutCampaign,
    ];

    /// The bug's name as the command line spells it.
    pub fn name(self) -> &'static str {
        match self {
            PlantedBug::ConfChangeBeforeTermCommit => "conf_change_before_term_commit",
            PlantedBug::ConcurrentConfChanges => "concurrent_conf_changes",
            PlantedBug::JointElectionIncomingOnly => "joint_election_incoming_only",
            PlantedBug::LeaseThroughTransfer => "lease_through_transfer",
            PlantedBug::LearnersInCommitQuorum => "learners_in_commit_quorum",
            PlantedBug::IgnoreSnapshotMembership => "ignore_snapshot_membership",
            PlantedBug::ReadIndexBeforeTermCommit => "read_index_before_term_commit",
            PlantedBug::PreVoteCountsAsVote => "pre_vote_counts_as_vote",
            PlantedBug::TruncateOnStaleAppend => "truncate_on_stale_append",
            PlantedBug::HeartbeatCommitUncapped => "heartbeat_commit_uncapped",
            PlantedBug::LateVotesAfterFollowing => "late_votes_after_following",
            PlantedBug::LateVotesWithoutCampaign => "late_votes_without_campaign",
        }
    }

    /// The section of the paper or dissertation whose rule the bug breaks.
    pub fn section(self) -> &'static str {
        match self {
            PlantedBug::ConfChangeBeforeTermCommit | PlantedBug::ConcurrentConfChanges => {
                "dissertation §4.1"
            }
            PlantedBug::JointElectionIncomingOnly => "dissertation §4.3",
            PlantedBug::LeaseThroughTransfer => "dissertation §6.4.1",
            PlantedBug::LearnersInCommitQuorum => "dissertation §4.2.1",
            PlantedBug::IgnoreSnapshotMembership => "paper §7",
            PlantedBug::ReadIndexBeforeTermCommit => "dissertation §6.4",
            PlantedBug::PreVoteCountsAsVote => "dissertation §9.6",
            PlantedBug::TruncateOnStaleAppend | PlantedBug::HeartbeatCommitUncapped => "paper §5.3",
            PlantedBug::LateVotesAfterFollowing | PlantedBug::LateVotesWithoutCampaign => {
                "paper §5.2"
            }
        }
    }
}

/// `planted!(cfg, Bug)`: true when planted bug `PlantedBug::Bug` is on in `cfg` (a [`Config`]);
/// the constant `false`, so no code at all, in a build without the `planted-bugs` feature.
#[cfg(feature = "planted-bugs")]
macro_rules! planted {
    ($cfg:expr, $bug:ident) => {
        $cfg.planted == Some($crate::config::PlantedBug::$bug)
    };
}
#[cfg(not(feature = "planted-bugs"))]
macro_rules! planted {
    ($cfg:expr, $bug:ident) => {
        false
    };
}
pub(crate) use planted;

/// Default [`Config::max_clock_drift_ppm`]: 1%, far above what quartz clocks drift (tens of
/// ppm) and so a margin for timer jitter; the lease at the reference timings is 147 of 150 ticks.
pub const DEFAULT_MAX_CLOCK_DRIFT_PPM: u32 = 10_000;

/// Upper bound of [`Config::max_clock_drift_ppm`].
pub const MAX_CLOCK_DRIFT_PPM: u32 = 100_000;

/// Largest [`Config::log_cache_entries`]: 1,048,576 entries (at 56 bytes of header each, a
/// 56 MiB cache before payloads; more is not a cache but the log).
pub const MAX_LOG_CACHE_ENTRIES: usize = 1 << 20;

/// Default [`Config::max_uncommitted_bytes`]: 64 MiB of commands a leader holds uncommitted.
pub const DEFAULT_MAX_UNCOMMITTED_BYTES: u64 = 64 << 20;

/// Default [`Config::max_snapshot_bytes`]: 1 GiB. Far above any state the simulator, the page
/// or raft-kv snapshots, and half of what one buffer can hold on a 32-bit target (wasm32, where
/// a `Vec<u8>` stops at 2 GiB): the most a peer, hostile or not, can make a follower buffer.
pub const DEFAULT_MAX_SNAPSHOT_BYTES: u64 = 1 << 30;

/// Default [`Config::max_pending_reads`]: 4,096 ReadIndex requests waiting for a heartbeat
/// round (about 200 KiB of bookkeeping at three voters), far more than a leader answering within
/// a round trip ever holds, and a bound while no quorum answers.
pub const DEFAULT_MAX_PENDING_READS: usize = 4096;

/// Largest [`Config::election_timeout_max`]: 2^32 ticks (about 50 days at one tick per
/// millisecond). Every timer sum then stays far from `u64::MAX`, and the randomized timeout is
/// drawn from one `u32`.
pub const MAX_ELECTION_TIMEOUT: u64 = 1 << 32;

/// Configuration of one node. Times are in ticks; the simulator uses one tick per millisecond.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// This node's id (non-zero).
    pub id: NodeId,
    /// Lower bound (inclusive) of the randomized election timeout, in ticks (§5.2).
    pub election_timeout_min: u64,
    /// Upper bound (exclusive) of the randomized election timeout, in ticks; above
    /// `election_timeout_min`, at most [`MAX_ELECTION_TIMEOUT`] (2^32).
    pub election_timeout_max: u64,
    /// Interval between leader heartbeats, in ticks. At least 1, and below
    /// `election_timeout_min`.
    pub heartbeat_interval: u64,
    /// Run a PreVote round before raising the term (dissertation §9.6).
    pub pre_vote: bool,
    /// Leader steps down after a whole CheckQuorum round (`election_timeout_min` ticks) without
    /// hearing from a quorum, so between `election_timeout_min` and twice that after it last did,
    /// and followers ignore vote requests while they believe a leader is alive (dissertation §6.2).
    pub check_quorum: bool,
    /// Maximum number of AppendEntries messages (or InstallSnapshot chunks) in flight to one
    /// follower.
    pub max_inflight: usize,
    /// Soft limit on the bytes of entries in one AppendEntries (at least one entry is sent),
    /// counting 16 bytes of overhead per entry; also the size of an InstallSnapshot chunk. At
    /// least 1 (the simulator's lessons send one entry per message with 1); size the transport's
    /// frame limit for the largest single entry, since one entry always goes.
    pub max_msg_bytes: u64,
    /// Largest snapshot (its application data, in bytes) this node takes with
    /// [`crate::Input::Compact`] (refused above it with
    /// [`crate::SnapshotRefusal::TooLarge`]) or receives: a chunk announcing a larger total is
    /// refused with [`crate::RejectReason::SnapshotTooLarge`] and nothing is buffered, so a
    /// follower holds at most one incoming snapshot of at most this size. Give every node of a
    /// cluster the same value (a leader's larger snapshot would never reach a follower). At
    /// least 1; default [`DEFAULT_MAX_SNAPSHOT_BYTES`] (1 GiB).
    pub max_snapshot_bytes: u64,
    /// Leader only: most ReadIndex requests waiting for their heartbeat round at once; one more
    /// is refused with [`crate::Error::TooManyPendingReads`]. Waiting reads are dropped when the
    /// leader steps down (or its CheckQuorum round fails), so this bounds them while no quorum
    /// answers. At least 1; default [`DEFAULT_MAX_PENDING_READS`] (4,096).
    pub max_pending_reads: usize,
    /// ReadIndex requests registered since the last [`crate::Node::ready`] share one heartbeat
    /// round, which that `ready()` sends (1,000 reads between two Readies in a 3-node cluster:
    /// 2 heartbeats instead of 2,000). Default `false`, one round per read as before: the
    /// simulator keeps its runs as they were (its reads pile up while a slow disk holds a Ready
    /// back, and sharing their rounds changes the messages of those runs). Turn it on in a
    /// service: a read is still confirmed only by a round sent after it was registered.
    pub share_read_rounds: bool,
    /// Most bytes ([`crate::Entry::size`] summed) of committed entries handed out in one
    /// [`crate::Ready::committed`], at least one entry each time; the rest come, in order, with
    /// the next `ready()`. While `node.log().applied() < node.log().committed()` entries are
    /// waiting: call [`crate::Node::ready`] again without waiting for more input. Bounds what a
    /// restart or a long catch-up hands out (and reads from storage) at once. At least 1;
    /// default `u64::MAX`, no bound (every committed entry in the next Ready).
    pub max_committed_bytes_per_ready: u64,
    /// Restart only: the highest index the application had applied (and keeps, durably)
    /// before the node stopped, or 0. Entries up to it are not handed out again in
    /// [`crate::Ready::committed`]: the node counts them as committed and applied (they were
    /// handed out committed before). At most the stored log's last index, else
    /// [`crate::Node::with_storage`] fails with [`crate::Corruption::AppliedPastLog`]; below
    /// the stored snapshot's index it is taken as that index. Default 0: everything after the
    /// snapshot is handed out again, and a state machine that keeps its own applied index
    /// skips what it already has.
    pub applied: crate::types::Index,
    /// Most stable log entries kept in memory besides the unstable ones (the cache that serves
    /// followers close behind and the application; older entries are read back from
    /// [`crate::Storage`]). Between 1 and [`MAX_LOG_CACHE_ENTRIES`]; default
    /// [`crate::LOG_CACHE_ENTRIES`] (256). The cache is trimmed back to this once it holds
    /// twice as many, so at most `2 × log_cache_entries` stable entries are held.
    pub log_cache_entries: usize,
    /// Most bytes ([`crate::Entry::size`] summed) of stable log entries kept in memory, as
    /// `log_cache_entries` (trimmed back to this once they reach twice as many, so at most
    /// `2 × log_cache_bytes`, and the last entry always stays). At least 1; default
    /// [`crate::LOG_CACHE_BYTES`], no byte bound. Payloads are shared with the storage when
    /// it keeps them in memory too (as [`crate::MemStorage`] does), so this bounds what the
    /// cache keeps alive, not what it copies.
    pub log_cache_bytes: u64,
    /// Leader only: most bytes ([`crate::Entry::size`] summed) of commands it proposed in its
    /// term that are not yet handed out committed. A proposal past it is refused with
    /// [`crate::Error::UncommittedLimit`], unless nothing is uncommitted (so a single command
    /// larger than the limit still goes through). This bounds a leader's memory while it cannot
    /// reach a quorum (with `check_quorum` off it would otherwise accept proposals forever).
    /// Membership changes and the leader's no-op are not counted nor refused. At least 1;
    /// default [`DEFAULT_MAX_UNCOMMITTED_BYTES`] (64 MiB).
    pub max_uncommitted_bytes: u64,
    /// How linearizable reads are served.
    pub read_mode: ReadMode,
    /// Lease reads only: the largest rate error of any node's tick clock, in parts per million
    /// of real time (at most 100,000, i.e. 10%). The lease lasts
    /// `election_timeout_min × (1 − d) / (1 + d)` ticks so that it ends before any follower's
    /// promise does.
    pub max_clock_drift_ppm: u32,
    /// How election timeouts are drawn (§5.2).
    pub election_policy: ElectionPolicy,
    /// Seed of this node's PRNG (PCG-32), which draws its election timeouts. Mixed with `id`.
    pub seed: u64,
    /// Unsafe teaching switches; leave at default in any real use. Refused by
    /// [`Config::validate`] unless raft-core is built with its `break-it` feature.
    pub break_it: BreakIt,
    /// A bug planted on purpose (test builds with the `planted-bugs` feature only); `None`:
    /// none, the default.
    #[cfg(feature = "planted-bugs")]
    pub planted: Option<PlantedBug>,
}

impl Config {
    /// A configuration with the reference timings: election timeout 150–300 ticks, heartbeat 50,
    /// spread timeouts, PreVote and CheckQuorum on, 64 messages in flight, 64 KiB per message, ReadIndex reads.
    pub fn new(id: NodeId) -> Self {
        Config {
            id,
            election_timeout_min: 150,
            election_timeout_max: 300,
            heartbeat_interval: 50,
            pre_vote: true,
            check_quorum: true,
            max_inflight: 64,
            max_msg_bytes: 64 * 1024,
            max_snapshot_bytes: DEFAULT_MAX_SNAPSHOT_BYTES,
            max_pending_reads: DEFAULT_MAX_PENDING_READS,
            share_read_rounds: false,
            max_committed_bytes_per_ready: u64::MAX,
            applied: 0,
            log_cache_entries: crate::log::LOG_CACHE_ENTRIES,
            log_cache_bytes: crate::log::LOG_CACHE_BYTES,
            max_uncommitted_bytes: DEFAULT_MAX_UNCOMMITTED_BYTES,
            read_mode: ReadMode::Safe,
            max_clock_drift_ppm: DEFAULT_MAX_CLOCK_DRIFT_PPM,
            election_policy: ElectionPolicy::default(),
            seed: 0,
            break_it: BreakIt::default(),
            #[cfg(feature = "planted-bugs")]
            planted: None,
        }
    }

    /// Checks the configuration, naming the first inconsistent field.
    pub fn validate(&self) -> Result<(), Error> {
        if self.id == 0 {
            return Err(Error::InvalidConfig(ConfigError::IdZero));
        }
        if self.heartbeat_interval == 0 {
            return Err(Error::InvalidConfig(ConfigError::HeartbeatZero));
        }
        if self.election_timeout_min <= self.heartbeat_interval {
            return Err(Error::InvalidConfig(
                ConfigError::ElectionTimeoutMinTooShort,
            ));
        }
        if self.election_timeout_max <= self.election_timeout_min {
            return Err(Error::InvalidConfig(
                ConfigError::ElectionTimeoutMaxTooShort,
            ));
        }
        if self.election_timeout_max > MAX_ELECTION_TIMEOUT {
            return Err(Error::InvalidConfig(ConfigError::ElectionTimeoutTooLong));
        }
        if self.max_inflight == 0 {
            return Err(Error::InvalidConfig(ConfigError::MaxInflightZero));
        }
        if self.max_msg_bytes == 0 {
            return Err(Error::InvalidConfig(ConfigError::MaxMsgBytesZero));
        }
        if self.max_snapshot_bytes == 0 {
            return Err(Error::InvalidConfig(ConfigError::MaxSnapshotBytesZero));
        }
        if self.max_pending_reads == 0 {
            return Err(Error::InvalidConfig(ConfigError::MaxPendingReadsZero));
        }
        if self.max_committed_bytes_per_ready == 0 {
            return Err(Error::InvalidConfig(
                ConfigError::MaxCommittedBytesPerReadyZero,
            ));
        }
        if !(1..=MAX_LOG_CACHE_ENTRIES).contains(&self.log_cache_entries) {
            return Err(Error::InvalidConfig(ConfigError::LogCacheEntriesOutOfRange));
        }
        if self.log_cache_bytes == 0 {
            return Err(Error::InvalidConfig(ConfigError::LogCacheBytesZero));
        }
        if self.max_uncommitted_bytes == 0 {
            return Err(Error::InvalidConfig(ConfigError::MaxUncommittedBytesZero));
        }
        if self.max_clock_drift_ppm > MAX_CLOCK_DRIFT_PPM {
            return Err(Error::InvalidConfig(ConfigError::ClockDriftTooLarge));
        }
        if self.break_it.any() && !cfg!(feature = "break-it") {
            return Err(Error::InvalidConfig(ConfigError::BreakItNotEnabled));
        }
        if self.read_mode == ReadMode::Lease && !self.check_quorum {
            return Err(Error::InvalidConfig(ConfigError::LeaseWithoutCheckQuorum));
        }
        Ok(())
    }
}
