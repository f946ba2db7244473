//! The Raft node: roles, the one `step` entry point, and the role-specific handlers.
//!
//! Every input (a tick, a peer's message, a client request) passes through [`Node::step`]. The
//! node never performs I/O: it accumulates output, which the driver takes with [`Node::ready`].

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet, VecDeque};
use alloc::vec::Vec;

use rand_core::RngCore;
use rand_pcg::Pcg32;

use crate::confchange::{self, ConfChange};
use crate::config::{Config, ElectionPolicy, ReadMode};
use crate::entries::Entries;
use crate::entry::{Entry, HardState, Payload};
use crate::error::Error;
use crate::log::RaftLog;
use crate::membership::Membership;
use crate::message::{Body, Message};
use crate::progress::{Progress, ProgressMap, ProgressState};
use crate::quorum::VoteResult;
use crate::ready::{Event, ReadState, Ready};
use crate::reason::{
    ConfChangeRefusal, Corruption, RejectReason, SnapshotRefusal, TransferRefusal, TransferStep,
};
use crate::snapshot::{Snapshot, SnapshotMeta};
use crate::storage::{MemStorage, PersistentState, Storage, StorageError};
use crate::types::{Index, NodeId, Role, Term, MAX_INDEX, MAX_TERM};

/// One input to a node. See [`Node::step`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `n` ticks of logical time passed. Timers due within them fire once, at the end; drivers
    /// that want exact timing pass at most [`Node::ticks_until_timer`] ticks at a time.
    Tick(u64),
    /// A message from a peer.
    Message(Message),
    /// A client command to replicate (leader only). The returned index is where it was
    /// appended; it is committed only if the entry committed at that index later has the
    /// leader's term (a new leader may overwrite an uncommitted entry): check the term.
    Propose(Vec<u8>),
    /// A linearizable read request with the caller's id (leader only, §6.4). It may never be
    /// answered: pending reads are dropped without a word when the leader steps down, so time
    /// out and retry. Refused with [`Error::TooManyPendingReads`] while
    /// [`Config::max_pending_reads`] wait already. In lease mode, a read outside a valid lease
    /// falls back to a ReadIndex round.
    ReadIndex(u64),
    /// Hand leadership to the given voter (leader only, dissertation §3.10).
    TransferLeader(NodeId),
    /// Start an election now, as if the election timeout had fired. A no-op on a leader and on
    /// a node that cannot campaign (a learner, a node outside the configuration); refused with
    /// [`Error::LeasePromised`] inside a read lease and with [`Error::TermOverflow`] at
    /// [`crate::MAX_TERM`]. (When the timer fires at the largest term, the node reports
    /// `Event::Rejected` from itself and waits another timeout.)
    Campaign,
    /// Propose a membership change (leader only, dissertation §4). Returns the entry's index.
    ChangeMembership(ConfChange),
    /// The transport could not deliver a message to this peer (a refused or broken
    /// connection). A leader streaming appends to it optimistically (`Replicate`) falls back to
    /// probing: one append at a time from just after the last known match, until the peer
    /// answers, instead of filling a window of appends that are lost. Nothing else changes (no
    /// term, role or match index moves), and it is ignored on a non-leader, for a peer the leader
    /// does not track, and for a peer already probing or receiving a snapshot. Optional: without
    /// it, the lost window is recovered by the next heartbeat's answer (etcd/raft's
    /// `MsgUnreachable`, raft-rs's `report_unreachable`).
    Unreachable(NodeId),
    /// The application has snapshotted its state up to `index` (at most the applied index):
    /// compact the log up to there (paper §7). Data larger than [`Config::max_snapshot_bytes`]
    /// is refused ([`crate::SnapshotRefusal::TooLarge`]): followers would refuse it.
    Compact {
        /// Last index the snapshot covers.
        index: Index,
        /// The application's state.
        data: Vec<u8>,
    },
}

/// A pending ReadIndex request (§6.4): served once a quorum has acknowledged a heartbeat sent
/// after it was registered.
#[derive(Debug, Clone)]
struct PendingRead {
    id: u64,
    index: Index,
    ctx: u64,
    acks: BTreeSet<NodeId>,
}

/// A snapshot being received (paper §7, Figure 13): chunks extend `data` only when they come
/// from the same sender, in the same term, for the same snapshot (boundary, membership and
/// total), so two leaders' streams (or one leader's before and after a restart) never mix in
/// one buffer. At most [`Config::max_snapshot_bytes`] long: no chunk announcing more is taken.
#[derive(Debug, Clone)]
struct Incoming {
    from: NodeId,
    term: Term,
    meta: SnapshotMeta,
    total: u64,
    data: Vec<u8>,
}

/// Why a campaign starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CampaignKind {
    /// Election timeout (PreVote first when enabled).
    Timeout,
    /// The real election after a won PreVote round.
    AfterPreVote,
    /// TimeoutNow from a leader handing over: skips PreVote and leases.
    Transfer,
}

/// A Raft node (a "server" in the paper).
///
/// Durable state (must be persisted via [`Ready`] before sending): `term`, `vote`, the log,
/// the latest snapshot.
/// Volatile state (lost on crash): role, leader, commit/applied index, progress, timers.
///
/// The node owns its [`Storage`] `S` and reads the stable part of its log through it (see
/// [`crate::log`]); the driver persists each [`Ready`] into it through
/// [`Node::storage_mut`]. Owning, rather than borrowing or passing `&S` to every call, keeps
/// the one-entry-point API (`step`, `ready`) unchanged and lets a simulator clone a whole node,
/// disk included, for time travel. `S` defaults to [`MemStorage`].
#[derive(Debug, Clone)]
pub struct Node<S = MemStorage> {
    cfg: Config,
    /// Current term (Figure 2 `currentTerm`). Never decreases.
    term: Term,
    /// Vote in `term` (Figure 2 `votedFor`). Set at most once per term.
    vote: Option<NodeId>,
    role: Role,
    /// The leader of `term`, once known.
    leader: Option<NodeId>,
    log: RaftLog<S>,
    /// The membership in effect: the latest in the log, committed or not (dissertation §4.1).
    membership: Membership,
    /// `membership.is_voter(id)`, kept beside it (set wherever `membership` is): the driver
    /// asks [`Node::ticks_until_timer`] after every event, and it asks this.
    promotable: bool,
    /// Index of the entry that holds `membership` (the snapshot index when it comes from there).
    membership_index: Index,
    /// Membership at the snapshot boundary (the initial membership when there is no snapshot).
    base_membership: Membership,
    /// The latest snapshot (taken locally or installed), which a leader sends to followers
    /// whose next entry was compacted away.
    snapshot: Option<Snapshot>,
    /// Leader only: the snapshot being sent to each follower in snapshot state, pinned until the
    /// transfer ends even if the leader compacts again meanwhile.
    outgoing_snapshots: BTreeMap<NodeId, Snapshot>,
    /// Follower only: a snapshot being received, chunk by chunk, from one leader in one term.
    incoming: Option<Incoming>,
    /// Leader only: index of the latest membership entry that may not be committed yet; a new
    /// change waits until it is (dissertation §4.1).
    pending_conf_index: Index,
    /// Leader only: bytes of commands proposed in this term not yet handed out committed
    /// (bounded by [`Config::max_uncommitted_bytes`]).
    uncommitted_bytes: u64,
    /// Answers received in the current (pre-)election, by voter.
    votes: BTreeMap<NodeId, bool>,
    /// Voters that granted this node their vote in the term named (real votes, not pre-votes).
    /// Kept through this term's later pre-vote rounds: a vote is given once per term and binds
    /// the voter for the whole term (§5.2), so a majority of them makes this node the only
    /// possible leader of that term whichever round their answers arrive in. Under long reply
    /// delays the answers come after the candidate's timer fired (issue 13).
    term_grants: (Term, BTreeSet<NodeId>),
    /// The last term this node led (0: none). A leader that stepped down (CheckQuorum) does
    /// not take its term's late votes as a new election: it stepped down for a reason.
    led_term: Term,
    /// The last term in which this node became a candidate since it started (0: none, or the
    /// node has since followed another leader of that term: `end_campaign`).
    /// Volatile on purpose: only the process that asked for a term's votes may take that term's
    /// late votes as a won election. A node that restarts in a term it had campaigned in
    /// cannot tell whether it had led that term (`led_term` is volatile too), and votes held up
    /// in the network from before its crash once made it leader of that term a second time,
    /// its commit index back at its snapshot: its first ReadIndex read then passed the "entry of
    /// my term committed" test on an entry from its first reign and returned a value many
    /// writes old (raft-sim check --nodes 3 --schedule swarm --duration-ms 6000, seed 8007679).
    ///
    /// Why a late vote may elect (what the rule assumes; each assumption below was once
    /// missing and a fault search found the second leader or the stale read it allowed):
    /// 1. One process asked: the grants answer requests this process sent in this term, with
    ///    the log it has now (volatile field: a restarted process does not inherit them).
    /// 2. The log and so the configuration are the ones it asked with: in its own term a
    ///    pre-candidate's log changes only through that term's leader (lower terms are
    ///    refused, a higher one ends the term), and hearing from that leader ends the
    ///    campaign (`end_campaign`). Votes are then counted in the configuration the voters
    ///    were asked in, whose majorities meet any other majority of that configuration, and
    ///    a vote binds its voter for the term (§5.2): no second leader of the term.
    /// 3. It has not led the term (`led_term`): a leader that stepped down is not re-elected by
    ///    its own election's stragglers.
    ///
    /// Up-to-dateness (§5.4.1) holds because of 2: each voter compared the log the node still
    /// has. raft-sim's `--faults replies` holds back replies by up to seconds to exercise it.
    campaigned_term: Term,
    /// This node's tick when it last granted its vote to another node (volatile: after a
    /// restart it backs no one).
    voted_at: Option<u64>,
    election_elapsed: u64,
    heartbeat_elapsed: u64,
    /// The randomized election timeout last drawn (§5.2), by `cfg.election_policy`: in
    /// `[min, max)`, except under `Backoff` after lost elections (up to `min + 8 · span`). The
    /// timeout in force is [`Node::election_timeout`] (`UpToDateFirst` adds to it while the log
    /// is stale).
    randomized_timeout: u64,
    rng: Pcg32,
    /// Consecutive elections this node started that were lost or ran out of time (`Backoff`);
    /// 0 again once it hears from a leader or becomes one.
    lost_elections: u32,
    /// The (index, term) of the last entry the leader of `term` was seen to hold (the end of its
    /// latest Append); (0, 0) until one arrives in this term. `UpToDateFirst` compares the log
    /// with it (§5.4.1).
    leader_last: (Index, Term),
    /// Leader only: per-member replication progress, including the leader itself.
    progress: ProgressMap,
    /// Leader only: target of a leadership transfer in progress.
    transfer: Option<NodeId>,
    /// Leader only: ticks since `transfer` started. A timer of its own, so that transfer requests
    /// never postpone the CheckQuorum round (which `election_elapsed` times for a leader).
    transfer_elapsed: u64,
    /// Leader only: ReadIndex requests waiting for a quorum of heartbeat acks, oldest first.
    pending_reads: VecDeque<PendingRead>,
    /// Leader with [`Config::share_read_rounds`] only: the newest pending reads' context
    /// (`read_seq`) has not gone out in a heartbeat round yet. Every read registered until then
    /// shares it, and `ready()` sends the round: one per Ready, not one per read.
    read_round_pending: bool,
    read_seq: u64,
    /// Logical time: ticks since this node started (volatile).
    ticks: u64,
    /// Leader in lease mode only: heartbeat rounds not yet superseded, as (ctx, tick sent).
    lease_rounds: VecDeque<(u64, u64)>,
    /// Leader in lease mode only: the newest heartbeat round each follower has answered.
    lease_acks: BTreeMap<NodeId, u64>,
    /// Leader only: a TimeoutNow went out in this term. Its recipient campaigns with a vote
    /// request that overrides the followers' promises, whenever it arrives (it may arrive after
    /// the transfer was abandoned), so no lease read is served for the rest of the term.
    lease_revoked: bool,
    /// Lease mode: this node restarted from a term in which it may have answered a leader's
    /// heartbeat round, and has forgotten when. Until `election_timeout_min` ticks have passed
    /// since the restart it keeps the promise it may have made: no votes, no campaign.
    restart_lease: bool,
    /// Leader only: entries were appended since the last `ready()`. They go out there, to every
    /// follower at once in as few Appends as the byte limit and the in-flight window allow,
    /// rather than one Append per follower per proposal.
    replicate_pending: bool,
    // Output accumulated until `ready()`.
    msgs: Vec<Message>,
    events: Vec<Event>,
    reads: Vec<ReadState>,
    persist_from: Option<Index>,
    /// Vectors of Readies handed back with [`Node::advance`], emptied, for the next `ready()`
    /// to fill instead of allocating.
    spare: Ready,
    persisted_hs: HardState,
    persist_snapshot: Option<Snapshot>,
    restore_snapshot: bool,
}

impl Node<MemStorage> {
    /// A fresh node with an empty log in the given initial membership, over a [`MemStorage`].
    pub fn new(cfg: Config, membership: Membership) -> Result<Self, Error> {
        Self::with_storage(cfg, MemStorage::new(membership))
    }

    /// A node restarting from what it persisted (kept in a [`MemStorage`]). Commit index, role
    /// and progress start afresh.
    ///
    /// If `state` holds a snapshot, the driver loads `state.snapshot_data` into its state
    /// machine itself before applying anything: the node counts the snapshot as applied and
    /// hands out committed entries from `snapshot_index + 1` on (no `Ready` says so). The
    /// commit index is not persisted, so entries applied before the crash come back once the
    /// node learns the commit index again, unless [`Config::applied`] names the application's
    /// applied index: then only entries after it are handed out. Either way at most
    /// [`Config::max_committed_bytes_per_ready`] of them per `Ready`.
    pub fn restore(cfg: Config, state: PersistentState) -> Result<Self, Error> {
        Self::with_storage(cfg, MemStorage::from_state(state))
    }
}

impl<S: Storage> Node<S> {
    /// A node over `storage`: fresh if it is empty, restarting from what it holds otherwise
    /// (as [`Node::restore`] describes). Checks what is stored, failing with
    /// [`Error::CorruptState`] and the first [`Corruption`] found: consecutive entry indexes,
    /// entry terms from 1 that do not decrease and none after the stored term, nothing past
    /// [`MAX_TERM`] or [`MAX_INDEX`], no vote for node 0, snapshot data only with a snapshot
    /// index (and then a term of at least 1), possible configurations
    /// ([`Membership::is_possible`]: the snapshot's, the log's membership entries, and the
    /// initial one unless it is wholly empty, a joining node's) and [`Config::applied`] within
    /// the log. Keeps only the newest entries in memory.
    pub fn with_storage(cfg: Config, storage: S) -> Result<Self, Error> {
        cfg.validate()?;
        let corrupt = |why| Err(Error::CorruptState(why));
        let mut log = RaftLog::with_storage(storage).map_err(Error::CorruptState)?;
        log.set_cache_limits(cfg.log_cache_entries, cfg.log_cache_bytes);
        log.set_max_committed_bytes(cfg.max_committed_bytes_per_ready);
        let hard_state = log.store().hard_state();
        if hard_state.term > MAX_TERM || log.last_index() > MAX_INDEX {
            return corrupt(Corruption::PastTheBounds);
        }
        if log.last_term() > hard_state.term {
            return corrupt(Corruption::EntryTermAfterCurrentTerm);
        }
        // A vote for a node outside the configuration is fine (a candidate that was removed
        // since, or one this node does not know yet); node 0 is nobody.
        if hard_state.vote == Some(0) {
            return corrupt(Corruption::VoteForNodeZero);
        }
        let stored = log
            .store()
            .snapshot()
            .map_err(|_| Error::CorruptState(Corruption::StorageUnavailable))?;
        let boundary = stored.meta.index > 0;
        if (boundary && stored.meta.term == 0) || (!boundary && !stored.data.is_empty()) {
            return corrupt(Corruption::SnapshotWithoutBoundary);
        }
        // The same check as a snapshot chunk's ([`Membership::is_possible`]); only a node
        // without a snapshot may start with no configuration at all (a joining node).
        let m = &stored.meta.membership;
        if (boundary || !m.is_empty()) && !m.is_possible() {
            return corrupt(Corruption::ImpossibleMembership);
        }
        if cfg.applied > log.last_index() {
            return corrupt(Corruption::AppliedPastLog);
        }
        log.restore_applied(cfg.applied);
        let membership = stored.meta.membership.clone();
        let snapshot = (stored.meta.index > 0).then_some(stored);
        let state = PersistentState {
            hard_state,
            membership,
            ..Default::default()
        };
        let mut hs = state.hard_state;
        if cfg.break_it.forget_vote_on_restart {
            hs.vote = None;
        }
        let seed = cfg.seed ^ cfg.id.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut node = Node {
            term: hs.term,
            vote: hs.vote,
            role: Role::Follower,
            leader: None,
            membership_index: log.snapshot_index(),
            log,
            promotable: state.membership.is_voter(cfg.id),
            membership: state.membership.clone(),
            base_membership: state.membership,
            snapshot,
            incoming: None,
            outgoing_snapshots: BTreeMap::new(),
            pending_conf_index: 0,
            uncommitted_bytes: 0,
            votes: BTreeMap::new(),
            term_grants: (0, BTreeSet::new()),
            led_term: 0,
            campaigned_term: 0,
            voted_at: None,
            election_elapsed: 0,
            heartbeat_elapsed: 0,
            randomized_timeout: cfg.election_timeout_min,
            rng: Pcg32::new(seed, cfg.id),
            lost_elections: 0,
            leader_last: (0, 0),
            progress: ProgressMap::new(),
            transfer: None,
            transfer_elapsed: 0,
            pending_reads: VecDeque::new(),
            read_round_pending: false,
            read_seq: 0,
            ticks: 0,
            lease_rounds: VecDeque::new(),
            lease_acks: BTreeMap::new(),
            lease_revoked: false,
            restart_lease: cfg.read_mode == ReadMode::Lease && hs.term > 0,
            replicate_pending: false,
            msgs: Vec::new(),
            events: Vec::new(),
            reads: Vec::new(),
            persist_from: None,
            spare: Ready::default(),
            persisted_hs: hs,
            persist_snapshot: None,
            restore_snapshot: false,
            cfg,
        };
        node.refresh_membership();
        node.role = node.follower_role();
        node.reset_election_timer();
        Ok(node)
    }

    // ----- observation -----------------------------------------------------------------------

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.cfg.id
    }
    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.cfg
    }
    /// Current term.
    pub fn term(&self) -> Term {
        self.term
    }
    /// Vote cast in the current term.
    pub fn vote(&self) -> Option<NodeId> {
        self.vote
    }
    /// Current role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// Leader of the current term, if known.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    /// The log (entries, commit and applied indexes).
    pub fn log(&self) -> &RaftLog<S> {
        &self.log
    }

    /// The storage the node reads its stable log from.
    pub fn storage(&self) -> &S {
        self.log.store()
    }

    /// The storage, for the driver to persist each [`Ready`] into (step 1 of its contract).
    pub fn storage_mut(&mut self) -> &mut S {
        self.log.store_mut()
    }

    /// Stops the node and gives its storage back (what survives a crash).
    pub fn into_storage(self) -> S {
        self.log.into_store()
    }
    /// The membership in effect (the latest in the log).
    pub fn membership(&self) -> &Membership {
        &self.membership
    }
    /// The membership at the log's snapshot boundary (the initial membership without a
    /// snapshot): the one in effect below every membership entry of [`Node::log`]
    /// ([`RaftLog::conf_at`] finds those).
    pub fn base_membership(&self) -> &Membership {
        &self.base_membership
    }
    /// The latest snapshot this node holds.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref()
    }
    /// Leader only: true while a recently active follower is receiving a snapshot. An
    /// application's compaction policy should wait then: compacting again would leave that
    /// follower needing another snapshot after the one it is receiving.
    pub fn sending_snapshot(&self) -> bool {
        self.progress.iter().any(|(id, p)| {
            p.state == ProgressState::Snapshot
                && p.recent_active
                && self.outgoing_snapshots.contains_key(id)
        })
    }
    /// Follower only: bytes received so far of a snapshot being installed, and its size.
    pub fn incoming_snapshot(&self) -> Option<(Index, u64, u64)> {
        self.incoming
            .as_ref()
            .map(|i| (i.meta.index, i.data.len() as u64, i.total))
    }
    /// Leader only: replication progress of every member, including itself while it is a member
    /// (a leader that appended its own removal keeps no entry for itself).
    pub fn progress(&self) -> Option<&ProgressMap> {
        (self.role == Role::Leader).then_some(&self.progress)
    }
    /// Ticks since the last reset of the election timer (for a leader: of the CheckQuorum round).
    pub fn election_elapsed(&self) -> u64 {
        self.election_elapsed
    }
    /// The randomized election timeout currently in force: the last draw, lengthened by half
    /// the range under [`ElectionPolicy::UpToDateFirst`] while the log is stale.
    pub fn election_timeout(&self) -> u64 {
        if self.cfg.election_policy == ElectionPolicy::UpToDateFirst && self.log_is_stale() {
            self.randomized_timeout + self.half_span()
        } else {
            self.randomized_timeout
        }
    }
    /// Consecutive elections this node started that were lost or ran out of time, since it
    /// last heard from a leader (the exponent of [`ElectionPolicy::Backoff`], capped at 3).
    pub fn lost_elections(&self) -> u32 {
        self.lost_elections
    }
    /// Leader only: the target of a leadership transfer in progress.
    pub fn transfer_target(&self) -> Option<NodeId> {
        self.transfer
    }
    /// The durable state as the node sees it (persisted once the latest `ready()` is handled).
    pub fn hard_state(&self) -> HardState {
        HardState {
            term: self.term,
            vote: self.vote,
        }
    }
    /// True if the node may campaign: it is a voter of its membership.
    pub fn is_promotable(&self) -> bool {
        debug_assert_eq!(self.promotable, self.membership.is_voter(self.cfg.id));
        self.promotable
    }

    /// Leader only: ReadIndex requests waiting for their heartbeat round (at most
    /// [`Config::max_pending_reads`]; none once the node steps down).
    pub fn pending_reads(&self) -> usize {
        self.pending_reads.len()
    }

    /// Lease mode, leader: how many heartbeat rounds it remembers to time its lease. Bounded by
    /// the lease length in ticks (at most one round per tick, none older than a lease), whether
    /// or not reads arrive.
    pub fn lease_rounds_held(&self) -> usize {
        self.lease_rounds.len()
    }

    /// Ticks until the next timer of this node fires (at least 1): the election timeout, or for
    /// a leader the next heartbeat, CheckQuorum round or transfer deadline. `u64::MAX` when no
    /// timer is armed.
    pub fn ticks_until_timer(&self) -> u64 {
        let t = if self.role == Role::Leader {
            let hb = self
                .cfg
                .heartbeat_interval
                .saturating_sub(self.heartbeat_elapsed);
            let cq = self
                .cfg
                .election_timeout_min
                .saturating_sub(self.election_elapsed);
            let transfer = match self.transfer {
                Some(_) => self
                    .cfg
                    .election_timeout_min
                    .saturating_sub(self.transfer_elapsed),
                None => u64::MAX,
            };
            hb.min(cq).min(transfer)
        } else if self.is_promotable() {
            self.election_timeout()
                .saturating_sub(self.election_elapsed)
        } else {
            u64::MAX
        };
        t.max(1)
    }

    // ----- input -----------------------------------------------------------------------------

    /// The one entry point. Returns the index assigned to a proposal or a membership change (`Some`), `None` for other
    /// inputs, or an error for requests this node cannot take (not the leader, and so on).
    /// Malformed messages are never an error: they are ignored and reported as
    /// [`Event::Rejected`].
    pub fn step(&mut self, input: Input) -> Result<Option<Index>, Error> {
        match input {
            Input::Tick(n) => {
                self.tick(n);
                Ok(None)
            }
            Input::Message(m) => {
                self.step_message(m);
                Ok(None)
            }
            Input::Propose(data) => self.propose(Payload::Command(data.into())).map(Some),
            Input::ReadIndex(id) => self.read_index(id).map(|_| None),
            Input::TransferLeader(to) => self.transfer_leader(to).map(|_| None),
            Input::Campaign => {
                if self.role == Role::Leader {
                    return Ok(None);
                }
                // Lease reads (dissertation §6.4.1): a node that answered the leader's heartbeat
                // round promised not to help elect anyone for `election_timeout_min`; voting for
                // itself would break that promise.
                if self.cfg.read_mode == ReadMode::Lease && self.in_lease() {
                    return Err(Error::LeasePromised {
                        ticks_left: self.lease_ticks_left(),
                    });
                }
                if self.is_promotable() && self.term >= MAX_TERM {
                    return Err(Error::TermOverflow(self.term));
                }
                self.campaign(CampaignKind::Timeout);
                Ok(None)
            }
            Input::ChangeMembership(change) => self.change_membership(&change).map(Some),
            Input::Compact { index, data } => self.compact(index, data).map(|_| None),
            Input::Unreachable(peer) => {
                self.report_unreachable(peer);
                Ok(None)
            }
        }
    }

    /// [`Input::Unreachable`]: a leader stops streaming to a peer it cannot reach.
    fn report_unreachable(&mut self, peer: NodeId) {
        if self.role != Role::Leader || peer == self.cfg.id {
            return;
        }
        if let Some(pr) = self.progress.get_mut(&peer) {
            if pr.state == ProgressState::Replicate {
                pr.become_probe();
            }
        }
    }

    /// True when [`Node::ready`] may have something to hand out: a term or vote to persist, a
    /// snapshot, entries, messages (including a leader's Appends and shared read rounds that
    /// `ready` makes), committed entries to apply, reads, or events. A driver may skip `ready`
    /// while this is false: that Ready would be empty ([`Ready::is_empty`]). It may
    /// answer true for a Ready that turns out empty (say, committed entries the storage cannot
    /// read yet), never false for one that is not.
    ///
    /// It is also true once after a Ready that handed out entries: the next `ready()`, even an
    /// empty one, acknowledges them as persisted, which lets the node drop them from its memory
    /// ([`Config::log_cache_entries`]) and read them back from storage when it needs them. The
    /// cost is a handful of comparisons (etcd/raft and raft-rs offer the same check).
    pub fn has_ready(&self) -> bool {
        self.hard_state() != self.persisted_hs
            || self.log.awaiting_ack()
            || self.persist_from.is_some()
            || self.persist_snapshot.is_some()
            || self.restore_snapshot
            || !self.msgs.is_empty()
            || !self.events.is_empty()
            || !self.reads.is_empty()
            || self.log.applied() < self.log.committed()
            || (self.role == Role::Leader && (self.replicate_pending || self.read_round_pending))
    }

    /// Takes everything the node produced since the last call. See [`Ready`] for the order in
    /// which the driver must handle it.
    ///
    /// Calling it acknowledges the previous Ready: its hard state and entries count as
    /// persisted from then on, and are never offered again. A Ready dropped unhandled (peeked
    /// at, or lost on an error path) loses its term and vote for good, and after a restart the
    /// node could vote twice in one term; hence `#[must_use]`. [`Node::advance`] is not the
    /// acknowledgement (it only hands the vectors back).
    #[must_use = "a Ready must be persisted, sent and applied: the next call counts it as persisted"]
    pub fn ready(&mut self) -> Ready {
        // The entries proposed since the last Ready become one shared run: the Appends below,
        // this Ready's `entries` and later its `committed` are views of it.
        self.log.seal();
        // `share_read_rounds`: the ReadIndex requests since the last Ready share one heartbeat
        // round, sent now (before the Appends below, where each read's own round goes without).
        if self.read_round_pending && self.role == Role::Leader {
            self.bcast_heartbeat();
        }
        if core::mem::take(&mut self.replicate_pending) && self.role == Role::Leader {
            let mut peer = self.next_peer(None);
            while let Some(id) = peer {
                while self.send_append(id, false) {}
                peer = self.next_peer(Some(id));
            }
        }
        // The previous Ready has been handled (persisted): its entries may leave the memory.
        self.log.stable_to_handed_out();
        let hs = self.hard_state();
        let hard_state = (hs != self.persisted_hs).then_some(hs);
        self.persisted_hs = hs;
        // Unstable entries are all in memory: this read never reaches the storage.
        let entries = self.persist_from.take().map_or_else(Entries::new, |from| {
            self.log
                .slice_shared(from, Index::MAX, u64::MAX)
                .unwrap_or_default()
        });
        self.log.handed_out_all();
        // Most Readies hand out nothing: one comparison, not a call returning a `Result`.
        let committed = if self.log.applied() >= self.log.committed() {
            Entries::new()
        } else {
            match self.log.take_committed_shared_checked() {
                Ok(c) => c,
                Err((error, index)) => {
                    self.storage_fault(error, index);
                    Entries::new()
                }
            }
        };
        if self.uncommitted_bytes > 0 {
            // Entries of earlier terms were never counted: at worst this frees the count early
            // by their size, never late (as etcd/raft's reduceUncommittedSize).
            let done: u64 = committed
                .iter()
                .filter(|e| matches!(e.payload, Payload::Command(_)))
                .map(Entry::size)
                .sum();
            self.uncommitted_bytes = self.uncommitted_bytes.saturating_sub(done);
        }
        Ready {
            // Checked before taking: `take` would copy the whole (112-byte) option out and
            // back for the `None` of almost every Ready.
            snapshot: match self.persist_snapshot {
                Some(_) => self.persist_snapshot.take(),
                None => None,
            },
            restore_snapshot: core::mem::take(&mut self.restore_snapshot),
            hard_state,
            entries,
            messages: core::mem::replace(&mut self.msgs, core::mem::take(&mut self.spare.messages)),
            committed,
            reads: core::mem::replace(&mut self.reads, core::mem::take(&mut self.spare.reads)),
            events: core::mem::replace(&mut self.events, core::mem::take(&mut self.spare.events)),
        }
    }

    /// Hands a handled [`Ready`] back so that the next [`Node::ready`] reuses its vectors'
    /// memory instead of allocating (optional: dropping the Ready is fine too). Whatever it
    /// still holds is dropped; a driver that moved a vector out leaves an empty one. (The
    /// entries are shared views, not vectors: they are simply dropped.)
    pub fn advance(&mut self, ready: Ready) {
        fn keep<T>(spare: &mut Vec<T>, mut v: Vec<T>) {
            if v.capacity() > spare.capacity() {
                v.clear();
                *spare = v;
            }
        }
        // Taken apart by value: the vectors move out and the rest is dropped, rather than
        // each vector being swapped for an empty one that the Ready's drop then checks again.
        let Ready {
            messages,
            reads,
            events,
            ..
        } = ready;
        keep(&mut self.spare.messages, messages);
        keep(&mut self.spare.reads, reads);
        keep(&mut self.spare.events, events);
    }

    /// [`Node::advance`] for a Ready the driver keeps: its vectors are taken (left empty) and
    /// kept for the next [`Node::ready`], the rest stays for the driver to drop. For a driver
    /// that holds its Ready by reference (a Ready is a few hundred bytes: handing it over by
    /// value copies it).
    pub fn advance_in_place(&mut self, ready: &mut Ready) {
        fn keep<T>(spare: &mut Vec<T>, v: &mut Vec<T>) {
            if v.capacity() > spare.capacity() {
                v.clear();
                core::mem::swap(spare, v);
            } else {
                v.clear();
            }
        }
        keep(&mut self.spare.messages, &mut ready.messages);
        keep(&mut self.spare.reads, &mut ready.reads);
        keep(&mut self.spare.events, &mut ready.events);
    }

    // ----- time ------------------------------------------------------------------------------

    fn tick(&mut self, n: u64) {
        self.ticks = self.ticks.saturating_add(n);
        self.election_elapsed = self.election_elapsed.saturating_add(n);
        if self.role == Role::Leader {
            self.tick_heartbeat(n);
        } else {
            self.tick_election();
        }
    }

    /// Follower, pre-candidate, candidate: campaign when the election timer expires (§5.2).
    fn tick_election(&mut self) {
        if self.is_promotable() && self.election_elapsed >= self.election_timeout() {
            self.campaign(CampaignKind::Timeout);
        }
    }

    /// Leader: heartbeats (§5.2), CheckQuorum and the transfer timeout (dissertation §6.2, §3.10).
    fn tick_heartbeat(&mut self, n: u64) {
        self.heartbeat_elapsed = self.heartbeat_elapsed.saturating_add(n);
        if self.election_elapsed >= self.cfg.election_timeout_min {
            self.election_elapsed = 0;
            if self.cfg.check_quorum && !self.quorum_recently_active() {
                self.events.push(Event::QuorumLost { term: self.term });
                self.become_follower(self.term, None);
                return;
            }
        }
        if self.transfer.is_some() {
            self.transfer_elapsed = self.transfer_elapsed.saturating_add(n);
            // The transfer must finish within an election timeout or it is abandoned.
            if self.transfer_elapsed >= self.cfg.election_timeout_min {
                if let Some(to) = self.transfer.take() {
                    self.events.push(Event::Transfer {
                        to,
                        what: TransferStep::Aborted,
                    });
                }
            }
        }
        if self.heartbeat_elapsed >= self.cfg.heartbeat_interval {
            self.heartbeat_elapsed = 0;
            self.bcast_heartbeat();
        }
    }

    /// Counts who was heard from since the last round (the leader counts itself) and resets.
    fn quorum_recently_active(&mut self) -> bool {
        let me = self.cfg.id;
        let active: BTreeSet<NodeId> = self
            .progress
            .iter()
            .filter(|(&id, p)| id == me || p.recent_active)
            .map(|(&id, _)| id)
            .collect();
        for (&id, p) in self.progress.iter_mut() {
            p.recent_active = id == me;
        }
        self.membership.vote_result(|id| Some(active.contains(&id))) == VoteResult::Won
    }

    fn reset_election_timer(&mut self) {
        self.election_elapsed = 0;
        self.randomized_timeout = self.draw_timeout();
    }

    /// One draw from the node's PRNG (one `u32`), shaped by the election policy (see
    /// [`ElectionPolicy`] for each range and its source).
    fn draw_timeout(&mut self) -> u64 {
        let min = self.cfg.election_timeout_min;
        let span = self.cfg.election_timeout_max - min;
        let r = u64::from(self.rng.next_u32());
        match self.cfg.election_policy {
            ElectionPolicy::Uniform => min + r % span,
            ElectionPolicy::Backoff => {
                let k = self.lost_elections.min(3);
                min + r % span.saturating_mul(1 << k)
            }
            ElectionPolicy::UpToDateFirst => min + r % self.half_span().max(1),
            // After a lost election the slots evidently did not keep this node apart (nodes
            // seeded differently, or disagreeing on the leader or the voters): uniform until a
            // leader is heard, so two nodes whose slots coincide cannot split every term.
            ElectionPolicy::Spread => match self.spread_slot() {
                Some((slot, slots)) if self.lost_elections == 0 => {
                    let width = span / slots;
                    min + slot * width + r % (width / 4).max(1)
                }
                _ => min + r % span,
            },
        }
    }

    /// `Spread`: this node's slot among the voters of its term, other than the term's known
    /// leader, in id order rotated by the term plus the seed, and the number of slots. `None` when the slots
    /// would be narrower than a tick or this node is not among them.
    fn spread_slot(&self) -> Option<(u64, u64)> {
        let me = self.cfg.id;
        // Counted as they come rather than collected: every timer a follower draws asks.
        let (mut slots, mut rank) = (0u64, None);
        for id in self.membership.members() {
            if self.membership.is_voter(id) && (id == me || Some(id) != self.leader) {
                if id == me {
                    rank = Some(slots);
                }
                slots += 1;
            }
        }
        let span = self.cfg.election_timeout_max - self.cfg.election_timeout_min;
        if slots == 0 || span / slots == 0 {
            return None;
        }
        let rank = rank?;
        // Every node of the cluster computes the same rotation: it depends on the term and the
        // shared seed only (so the first slot also differs from one simulated cluster to another).
        let rotation = self.term.wrapping_add(self.cfg.seed) % slots;
        Some(((rank + rotation) % slots, slots))
    }

    /// Half the randomization range (`UpToDateFirst`'s lower half, and what a stale log adds).
    fn half_span(&self) -> u64 {
        (self.cfg.election_timeout_max - self.cfg.election_timeout_min) / 2
    }

    /// True if the leader of this term was seen holding a log more up to date (§5.4.1) than
    /// this node's: this node could not win an election against the nodes that have it.
    fn log_is_stale(&self) -> bool {
        let (index, term) = self.leader_last;
        (self.log.last_term(), self.log.last_index()) < (term, index)
    }

    /// A follower heard from `leader`, the leader of its term. A new leader ends any back-off
    /// and, under the policies that depend on who leads, starts a timer drawn for it.
    fn heard_from(&mut self, leader: NodeId) {
        if self.leader == Some(leader) {
            return;
        }
        self.end_campaign(leader);
        self.leader = Some(leader);
        self.lost_elections = 0;
        if self.cfg.election_policy != ElectionPolicy::Uniform {
            self.reset_election_timer();
        }
    }

    // ----- role changes ----------------------------------------------------------------------

    fn follower_role(&self) -> Role {
        if self.membership.is_learner(self.cfg.id) {
            Role::Learner
        } else {
            Role::Follower
        }
    }

    /// Steps into `term` (which must not be below the current one) as a follower of `leader`,
    /// with a fresh election timer.
    fn become_follower(&mut self, term: Term, leader: Option<NodeId>) {
        self.follow(term, leader);
        self.reset_election_timer();
    }

    /// [`Node::become_follower`] without restarting the election timer.
    fn follow(&mut self, term: Term, leader: Option<NodeId>) {
        debug_assert!(term >= self.term, "terms never decrease");
        if term > self.term {
            self.term = term;
            self.vote = None;
            self.leader_last = (0, 0);
        }
        if let Some(l) = leader {
            self.lost_elections = 0;
            self.end_campaign(l);
        }
        self.leader = leader;
        self.role = self.follower_role();
        self.reset_leader_state();
        self.events.push(Event::RoleChanged {
            role: self.role,
            term: self.term,
        });
    }

    /// This node knows `leader` leads its current term: if another node, its own campaign in
    /// this term is over, and late votes of the term no longer make it leader (see
    /// `campaigned_term`). Grants of one configuration cannot elect two leaders of a term (its
    /// majorities intersect and a vote binds its voter for the term, §5.2), but a node may
    /// learn a new configuration from that leader while it keeps its grants: S3 campaigned in
    /// term 3 of seven voters, followed S7, elected in term 3 by four of them, took from S7 the
    /// configuration of five voters {3..7}, and with its own, S6's and a vote from S5 that had
    /// been paused since before the change, three of those five, it became a second leader of
    /// term 3 (raft-sim check --nodes 7 --schedule swarm --duration-ms 10000, seed 14422601).
    fn end_campaign(&mut self, leader: NodeId) {
        if crate::config::planted!(self.cfg, LateVotesAfterFollowing) {
            return;
        }
        if leader != self.cfg.id && self.campaigned_term == self.term {
            self.campaigned_term = 0;
        }
    }

    fn reset_leader_state(&mut self) {
        self.progress.clear();
        self.lease_rounds.clear();
        self.lease_acks.clear();
        self.lease_revoked = false;
        self.outgoing_snapshots.clear();
        self.pending_reads.clear();
        self.read_round_pending = false;
        self.votes.clear();
        if let Some(to) = self.transfer.take() {
            self.events.push(Event::Transfer {
                to,
                what: TransferStep::Aborted,
            });
        }
    }

    /// Starts an election (§5.2) or, with PreVote, a pre-election (dissertation §9.6).
    fn campaign(&mut self, kind: CampaignKind) {
        if !self.is_promotable() {
            return;
        }
        let Some(next_term) = self.term.checked_add(1).filter(|&t| t <= MAX_TERM) else {
            self.events.push(Event::Rejected {
                from: self.cfg.id,
                why: RejectReason::TermOverflow,
            });
            self.reset_election_timer();
            return;
        };
        let pre_vote = self.cfg.pre_vote && kind == CampaignKind::Timeout;
        if kind == CampaignKind::Timeout
            && matches!(self.role, Role::PreCandidate | Role::Candidate)
        {
            // Our last (pre-)election ran out of time: split votes or lost messages.
            self.lost_elections = self.lost_elections.saturating_add(1);
        }
        // A pre-vote round that ran out of time keeps the grants it received: this node is
        // still a pre-candidate of the same term with the same log (any leader's message would
        // have made it a follower), so each grant still answers the question this round asks
        // again (dissertation §9.6). Without this, replies slower than the election timeout
        // never add up to a majority within one round (issue 13). A grant is no promise: the
        // real vote that follows is still refused by any voter that hears from a leader.
        let kept: Vec<NodeId> = if pre_vote && self.role == Role::PreCandidate {
            self.votes
                .iter()
                .filter(|&(&id, &granted)| granted && id != self.cfg.id)
                .map(|(&id, _)| id)
                .collect()
        } else {
            Vec::new()
        };
        self.reset_leader_state();
        self.leader = None;
        self.reset_election_timer();
        if pre_vote {
            // Raise nothing: ask whether an election in `next_term` could be won.
            self.role = Role::PreCandidate;
        } else {
            self.term = next_term;
            self.vote = Some(self.cfg.id);
            self.role = Role::Candidate;
            self.campaigned_term = next_term;
        }
        self.events.push(Event::RoleChanged {
            role: self.role,
            term: self.term,
        });
        self.events.push(Event::ElectionStarted {
            term: next_term,
            pre_vote,
        });
        self.votes.insert(self.cfg.id, true);
        for id in kept {
            self.votes.insert(id, true);
        }
        if self.tally() != VoteResult::Pending {
            return;
        }
        let (last_index, last_term) = (self.log.last_index(), self.log.last_term());
        let body = if pre_vote {
            Body::PreVote {
                last_index,
                last_term,
            }
        } else {
            Body::Vote {
                last_index,
                last_term,
                transfer: kind == CampaignKind::Transfer,
            }
        };
        let term = if pre_vote { next_term } else { self.term };
        for id in self.voters_except_me() {
            self.send_with_term(id, term, body.clone());
        }
    }

    /// Counts votes and acts on the result: a won pre-election becomes an election, a won
    /// election makes this node leader, a lost one makes it a follower.
    fn tally(&mut self) -> VoteResult {
        let mut result = self
            .membership
            .vote_result(|id| self.votes.get(&id).copied());
        if crate::config::planted!(self.cfg, JointElectionIncomingOnly) {
            result = crate::quorum::majority_vote(&self.membership.voters, &|id| {
                self.votes.get(&id).copied()
            });
        }
        match result {
            VoteResult::Won if self.role == Role::PreCandidate => {
                self.campaign(CampaignKind::AfterPreVote);
                if crate::config::planted!(self.cfg, PreVoteCountsAsVote)
                    && self.role == Role::Candidate
                {
                    self.become_leader();
                }
            }
            VoteResult::Won => self.become_leader(),
            VoteResult::Lost => {
                self.lost_elections = self.lost_elections.saturating_add(1);
                self.become_follower(self.term, None)
            }
            VoteResult::Pending => {}
        }
        result
    }

    /// Remembers that `from` voted for this node in the current term.
    fn record_term_grant(&mut self, from: NodeId) {
        if self.term_grants.0 != self.term {
            self.term_grants = (self.term, BTreeSet::new());
        }
        self.term_grants.1.insert(from);
    }

    /// Wins the election: resets progress, appends a no-op of the new term (§8) and sends it.
    fn become_leader(&mut self) {
        // The voters that just elected this node were heard from within this election, so
        // within the first CheckQuorum round (dissertation §6.2): they count as active in it.
        // Otherwise a leader whose answers take longer than that round to come back (issue 13:
        // replies delayed 200–2,200 ms) steps down at its first check although a majority
        // follows it.
        let term = self.term;
        let electors: BTreeSet<NodeId> = self
            .votes
            .iter()
            .filter(|&(_, &granted)| granted)
            .map(|(&id, _)| id)
            .chain(
                self.term_grants
                    .1
                    .iter()
                    .copied()
                    .filter(|_| self.term_grants.0 == term),
            )
            .collect();
        self.role = Role::Leader;
        self.leader = Some(self.cfg.id);
        self.led_term = self.term;
        self.uncommitted_bytes = 0;
        self.lost_elections = 0;
        self.votes.clear();
        self.heartbeat_elapsed = 0;
        self.election_elapsed = 0;
        let next = self.log.last_index() + 1;
        self.progress = self
            .membership
            .members()
            .into_iter()
            .map(|id| (id, Progress::new(next)))
            .collect();
        if let Some(me) = self.progress.get_mut(&self.cfg.id) {
            me.matched = next - 1;
            me.become_replicate();
            me.recent_active = true;
        }
        for id in electors {
            if let Some(p) = self.progress.get_mut(&id) {
                p.recent_active = true;
            }
        }
        self.events.push(Event::RoleChanged {
            role: Role::Leader,
            term: self.term,
        });
        // Any membership entry in the log may be uncommitted: no new change until the no-op
        // (and so everything before it) commits.
        self.pending_conf_index = self.log.last_index();
        self.append_and_send(Payload::Noop);
    }

    // ----- messages --------------------------------------------------------------------------

    fn step_message(&mut self, m: Message) {
        if m.from == 0 || m.from == self.cfg.id || m.to != self.cfg.id {
            self.events.push(Event::Rejected {
                from: m.from,
                why: RejectReason::NotAddressed,
            });
            return;
        }
        // A malformed message changes nothing, not even the term: check its shape before its
        // term or sender is believed.
        if let Err(why) = well_formed(&m, self.cfg.max_snapshot_bytes) {
            self.events.push(Event::Rejected { from: m.from, why });
            return;
        }
        // A response answers a request this node sent, and it sends requests only to its
        // members (votes: to its voters). One from anyone else is not believed, its term least
        // of all. Requests from strangers stay: a joining node must accept a leader it does not
        // know yet, and a lagging one a leader added after its configuration.
        let member = match m.body {
            Body::VoteResp { .. } | Body::PreVoteResp { .. } => self.membership.is_voter(m.from),
            Body::AppendResp { .. } | Body::HeartbeatResp { .. } | Body::SnapshotResp { .. } => {
                self.membership.contains(m.from)
            }
            _ => true,
        };
        if !member {
            self.events.push(Event::Rejected {
                from: m.from,
                why: RejectReason::NotAMember,
            });
            return;
        }
        if m.term > self.term {
            let is_vote_request = matches!(m.body, Body::PreVote { .. } | Body::Vote { .. });
            // Only a voter can be a transfer's target: a stranger's claim is an ordinary vote.
            let forced = matches!(m.body, Body::Vote { transfer: true, .. })
                && self.membership.is_voter(m.from);
            // Dissertation §4.2.3/§6.2: while a leader is believed alive, vote requests are
            // ignored, so a partitioned or removed node cannot depose a healthy leader. For a
            // pre-vote that condition is part of PreVote itself (dissertation §9.6: grant only if
            // no heartbeat came from a valid leader for an election timeout), CheckQuorum or not.
            let lease = match m.body {
                Body::PreVote { .. } => self.heard_from_leader(),
                _ => self.in_lease(),
            };
            if is_vote_request && !forced && lease {
                return;
            }
            match m.body {
                // A pre-vote never changes the recipient's term.
                Body::PreVote { .. } => {}
                // A granted pre-vote echoes the term we would campaign in; nothing to adopt.
                Body::PreVoteResp { granted: true } => {}
                _ => {
                    // The transfer target campaigning in the next term is the transfer succeeding.
                    if self.transfer.is_some() && self.transfer == Some(m.from) {
                        self.transfer = None;
                        self.events.push(Event::Transfer {
                            to: m.from,
                            what: TransferStep::Completed,
                        });
                    }
                    let leader = m.body.is_from_leader().then_some(m.from);
                    // Figure 2 (Followers): the election timer restarts on hearing from the
                    // current leader or on granting a vote, not on a vote request as such. A
                    // follower that will refuse this candidate because its log is behind
                    // (§5.4.1) takes the term and keeps counting down, so candidates whose logs
                    // can never win (no PreVote) cannot keep the one whose log can from ever
                    // campaigning. (Any other step into a newer term restarts the timer, as
                    // before; a granted vote restarts it again in `handle_vote`.)
                    let refused_as_stale = match m.body {
                        Body::Vote {
                            last_index,
                            last_term,
                            ..
                        } => {
                            !self.cfg.break_it.skip_up_to_date_check
                                && !self.log.is_up_to_date(last_index, last_term)
                        }
                        _ => false,
                    };
                    if refused_as_stale && matches!(self.role, Role::Follower | Role::Learner) {
                        self.follow(m.term, leader);
                    } else {
                        self.become_follower(m.term, leader);
                    }
                }
            }
        } else if m.term < self.term {
            match m.body {
                // Figure 2: a stale AppendEntries is answered with the receiver's term, so a stale
                // leader (healed from a partition, or removed from the cluster and never sent a
                // vote request again) learns the newer term and steps down.
                Body::Append { .. } | Body::Heartbeat { .. } | Body::Snapshot { .. } => {
                    self.send(m.from, Body::HeartbeatResp { read_ctx: 0 });
                }
                Body::PreVote { .. } => {
                    self.send(m.from, Body::PreVoteResp { granted: false });
                }
                _ => {}
            }
            return;
        }
        match m.body {
            Body::PreVote { .. } | Body::Vote { .. } => self.handle_vote_request(m),
            _ => match self.role {
                Role::Leader => self.step_leader(m),
                Role::Candidate | Role::PreCandidate => self.step_candidate(m),
                Role::Follower | Role::Learner => self.step_follower(m),
            },
        }
    }

    /// True while this node believes a leader is alive (CheckQuorum's lease).
    fn in_lease(&self) -> bool {
        self.cfg.check_quorum && self.heard_from_leader()
    }

    /// True if this node knows a leader of its term and heard from it (or, as leader, ran its last
    /// CheckQuorum round) less than the minimum election timeout ago, or, in lease mode, it
    /// restarted less than the minimum election timeout ago (see `restart_lease`).
    fn heard_from_leader(&self) -> bool {
        (self.leader.is_some() && self.election_elapsed < self.cfg.election_timeout_min)
            || self.in_restart_lease()
    }

    fn in_restart_lease(&self) -> bool {
        self.restart_lease && self.ticks < self.cfg.election_timeout_min
    }

    /// Ticks until this node stops ignoring vote requests (0 when it does not).
    fn lease_ticks_left(&self) -> u64 {
        let min = self.cfg.election_timeout_min;
        let heard = if self.leader.is_some() {
            min.saturating_sub(self.election_elapsed)
        } else {
            0
        };
        let restart = if self.in_restart_lease() {
            min - self.ticks
        } else {
            0
        };
        heard.max(restart)
    }

    /// RequestVote and PreVote (§5.2, §5.4.1, dissertation §9.6).
    fn handle_vote_request(&mut self, m: Message) {
        let (last_index, last_term, pre_vote) = match m.body {
            Body::PreVote {
                last_index,
                last_term,
            } => (last_index, last_term, true),
            Body::Vote {
                last_index,
                last_term,
                ..
            } => (last_index, last_term, false),
            _ => return,
        };
        // One vote per term (§5.2): repeat it for the same candidate, or cast it if free and no
        // leader is known. A pre-vote for a later term commits to nothing.
        // A node that just voted for another candidate gives it a baseline election timeout
        // to collect its votes before it supports another pre-candidate (dissertation §9.6 asks
        // the same time of a heard leader): with slow answers, a new pre-vote round would
        // otherwise move everyone to the next term before the candidate's votes arrive.
        let backing_candidate = self.vote.is_some_and(|v| v != m.from && v != self.cfg.id)
            && self.leader.is_none()
            && self
                .voted_at
                .is_some_and(|t| self.ticks.saturating_sub(t) < self.cfg.election_timeout_min);
        let can_vote = self.vote == Some(m.from)
            || (self.vote.is_none() && self.leader.is_none())
            || (pre_vote && m.term > self.term && !backing_candidate);
        // Election restriction (§5.4.1): the candidate's log must be at least as up-to-date.
        let up_to_date = self.cfg.break_it.skip_up_to_date_check
            || self.log.is_up_to_date(last_index, last_term);
        let granted = can_vote && up_to_date;
        if granted {
            self.events.push(Event::VoteGranted {
                to: m.from,
                term: m.term,
                pre_vote,
            });
        }
        if pre_vote {
            let term = if granted { m.term } else { self.term };
            self.send_with_term(m.from, term, Body::PreVoteResp { granted });
        } else {
            if granted {
                self.vote = Some(m.from);
                self.voted_at = Some(self.ticks);
                // Granting a vote resets the election timer (Figure 2, Followers).
                self.reset_election_timer();
            }
            self.send(m.from, Body::VoteResp { granted });
        }
    }

    fn step_follower(&mut self, m: Message) {
        match m.body {
            Body::Append {
                prev_index,
                prev_term,
                ref entries,
                ..
            } => {
                // The leader holds everything it sends (appends may arrive out of order).
                let end = entries
                    .last()
                    .map_or((prev_index, prev_term), |e| (e.index, e.term));
                let (index, term) = self.leader_last;
                if (end.1, end.0) > (term, index) {
                    self.leader_last = end;
                }
                self.heard_from(m.from);
                self.election_elapsed = 0;
                self.handle_append(m);
            }
            Body::Heartbeat { commit, read_ctx } => {
                self.heard_from(m.from);
                self.election_elapsed = 0;
                // `commit` is at most our match index as the leader knows it, so every entry up to
                // it matches the leader's log.
                self.commit_to(commit);
                self.send(m.from, Body::HeartbeatResp { read_ctx });
            }
            Body::TimeoutNow if self.is_promotable() => self.campaign(CampaignKind::Transfer),
            Body::Snapshot { .. } => {
                self.heard_from(m.from);
                self.election_elapsed = 0;
                self.handle_snapshot(m);
            }
            _ => {}
        }
    }

    fn step_candidate(&mut self, m: Message) {
        match m.body {
            // A leader of this term exists (§5.2): return to follower and take its message.
            Body::Append { .. } | Body::Heartbeat { .. } | Body::Snapshot { .. } => {
                self.become_follower(m.term, Some(m.from));
                self.step_follower(m);
            }
            Body::PreVoteResp { granted } if self.role == Role::PreCandidate => {
                // Granted answers echo term+1; refusals carry the voter's term (== ours here).
                let expected = if granted {
                    self.term.checked_add(1)
                } else {
                    Some(self.term)
                };
                if Some(m.term) == expected {
                    self.votes.insert(m.from, granted);
                    self.tally();
                }
            }
            Body::VoteResp { granted } if self.role == Role::Candidate => {
                if granted {
                    self.record_term_grant(m.from);
                }
                self.votes.insert(m.from, granted);
                self.tally();
            }
            // A vote for this node in its current term that arrives after its timer started a
            // new pre-vote round of the same term: the vote still binds its voter (§5.2). Only
            // for a term this process campaigned in and has not led (see `campaigned_term`).
            Body::VoteResp { granted: true }
                if self.role == Role::PreCandidate
                    && self.vote == Some(self.cfg.id)
                    && (self.campaigned_term == self.term
                        || crate::config::planted!(self.cfg, LateVotesWithoutCampaign))
                    && self.led_term != self.term =>
            {
                self.record_term_grant(m.from);
                let grants = &self.term_grants.1;
                let me = self.cfg.id;
                let result = self
                    .membership
                    .vote_result(|id| (id == me || grants.contains(&id)).then_some(true));
                if result == VoteResult::Won {
                    // Through the candidate state, as every election ends: a majority voted
                    // for this node in this term (§5.2), with the log it asked with (a
                    // pre-candidate has accepted no entries since: a leader's message would
                    // have made it a follower).
                    self.role = Role::Candidate;
                    self.events.push(Event::RoleChanged {
                        role: self.role,
                        term: self.term,
                    });
                    self.become_leader();
                }
            }
            _ => {}
        }
    }

    fn step_leader(&mut self, m: Message) {
        let from = m.from;
        match m.body {
            Body::AppendResp {
                index,
                reject,
                hint_index,
                hint_term,
            } => {
                if !reject && index > self.log.last_index() {
                    self.events.push(Event::Rejected {
                        from,
                        why: RejectReason::AckPastLastIndex,
                    });
                    return;
                }
                let Some(pr) = self.progress.get_mut(&from) else {
                    return;
                };
                pr.recent_active = true;
                if reject {
                    // Fast backtracking: jump over the whole conflicting term at once.
                    let probe = if hint_term > 0 {
                        self.log.find_conflict_by_term(hint_index, hint_term).0
                    } else {
                        hint_index
                    };
                    if pr.maybe_decr_to(index, probe) {
                        if pr.state == ProgressState::Replicate {
                            pr.become_probe();
                        }
                        self.send_append(from, true);
                    }
                    return;
                }
                // A probe answered at exactly the known match also shows where the logs agree:
                // start streaming (as etcd does), rather than probing again at the next heartbeat.
                let probe_hit = pr.state == ProgressState::Probe && pr.matched == index;
                if !pr.maybe_update(index) && !probe_hit {
                    return;
                }
                match pr.state {
                    ProgressState::Probe => pr.become_replicate(),
                    ProgressState::Snapshot if pr.matched >= pr.pending_snapshot => {
                        pr.become_probe();
                        self.outgoing_snapshots.remove(&from);
                    }
                    _ => {}
                }
                // No Append of its own for a new commit index: followers learn it from the
                // leaderCommit of the next Append or heartbeat (§5.3), at most a heartbeat
                // interval later. An empty Append per advance doubled the requests per entry.
                // An acknowledgement at or below the commit index cannot move it: raising one
                // voter's match to `index` leaves the majority's index as it was or at most
                // `index` (and every earlier change of a match was counted when it happened),
                // so the count is skipped (the acknowledgements after a quorum's, about two in
                // five in a 5-node cluster).
                if index > self.log.committed() {
                    self.maybe_commit();
                }
                while self.send_append(from, false) {}
                if self.transfer == Some(from) && self.matched(from) == self.log.last_index() {
                    self.send_timeout_now(from);
                    self.events.push(Event::Transfer {
                        to: from,
                        what: TransferStep::TimeoutNowSent,
                    });
                }
            }
            Body::HeartbeatResp { read_ctx } => {
                let Some(pr) = self.progress.get_mut(&from) else {
                    return;
                };
                pr.recent_active = true;
                pr.probe_sent = false;
                // If every append in a full window was lost, free one slot so that the next
                // append (which the follower will reject) moves the follower back to probing.
                // At most one per heartbeat interval: a heartbeat round per ReadIndex request
                // must not widen the window (20 reads in flight let 7 appends through a window
                // of 2).
                let now = self.ticks;
                let interval = self.cfg.heartbeat_interval;
                if pr.state == ProgressState::Replicate
                    && pr.inflight.len() >= self.cfg.max_inflight
                    && pr
                        .slot_freed_at
                        .is_none_or(|t| now.saturating_sub(t) >= interval)
                {
                    pr.inflight.pop_front();
                    pr.slot_freed_at = Some(now);
                }
                // A transfer under way before this reply (not one the append below starts now,
                // whose first window has just gone out).
                let transferring = pr.state == ProgressState::Snapshot;
                // A follower still behind gets an append even when everything has been sent once:
                // if those appends were lost, this one (empty if need be) is rejected and sends the
                // follower back to probing; otherwise it would wait for the next proposal.
                if pr.matched < self.log.last_index() {
                    self.send_append(from, true);
                }
                self.ack_reads(from, read_ctx);
                // A snapshot chunk may have been lost: if nothing was acknowledged since the
                // last heartbeat reply, resend the window from the last acknowledged byte.
                if let Some(pr) = self.progress.get_mut(&from) {
                    if transferring && pr.state == ProgressState::Snapshot {
                        let stalled = !core::mem::take(&mut pr.snapshot_progressed);
                        if stalled {
                            pr.snapshot_sent = pr.snapshot_offset;
                        }
                        self.send_snapshot_chunks(from, stalled);
                    }
                }
            }
            Body::SnapshotResp { index, offset } => {
                let Some(pr) = self.progress.get_mut(&from) else {
                    return;
                };
                pr.recent_active = true;
                if pr.state == ProgressState::Snapshot && pr.pending_snapshot == index {
                    if offset > pr.snapshot_offset {
                        pr.snapshot_offset = offset;
                        pr.snapshot_progressed = true;
                    } else if offset < pr.snapshot_offset {
                        // The follower holds less than it acknowledged (it restarted and lost
                        // the partial snapshot): start over from what it holds.
                        pr.snapshot_offset = offset;
                        pr.snapshot_sent = offset;
                        pr.snapshot_progressed = false;
                    } else if offset < pr.snapshot_sent && pr.snapshot_progressed {
                        // A reply that acknowledges nothing new while later chunks are in
                        // flight: the follower skipped a chunk after a lost one. Go back once
                        // (until the next acknowledgement) and resend the window from there.
                        pr.snapshot_sent = pr.snapshot_offset;
                        pr.snapshot_progressed = false;
                    }
                    self.send_snapshot_chunks(from, false);
                }
            }
            _ => {}
        }
    }

    /// InstallSnapshot receiver (paper §7, Figure 13), chunk by chunk.
    fn handle_snapshot(&mut self, m: Message) {
        let Body::Snapshot {
            index,
            term,
            membership,
            offset,
            total,
            data,
        } = m.body
        else {
            return;
        };
        if index <= self.log.committed() {
            // Stale: we already hold (and may have applied) everything it covers.
            self.incoming = None;
            let committed = self.log.committed();
            self.send_append_resp(m.from, committed, false, 0, 0);
            return;
        }
        let meta = SnapshotMeta {
            index,
            term,
            membership: *membership,
        };
        let (from, msg_term) = (m.from, m.term);
        let same = self.incoming.as_ref().is_some_and(|i| {
            i.from == from && i.term == msg_term && i.meta == meta && i.total == total
        });
        if !same {
            self.incoming = Some(Incoming {
                from,
                term: msg_term,
                meta,
                total,
                data: Vec::new(),
            });
        }
        let Some(Incoming { data: buf, .. }) = self.incoming.as_mut() else {
            return;
        };
        // In order, the chunk extends what we hold; lost or repeated, it is skipped. Either way,
        // until the snapshot is whole, tell the leader where to resume.
        if offset == buf.len() as u64 {
            buf.extend_from_slice(&data);
        }
        if (buf.len() as u64) < total {
            let have = buf.len() as u64;
            self.send(
                m.from,
                Body::SnapshotResp {
                    index,
                    offset: have,
                },
            );
            return;
        }
        // Whole. Installing it keeps the entries after its last index only if this node holds
        // that index with the same term (Figure 13, steps 6-7); an entry held but not readable
        // now is neither: the snapshot waits, whole, for the leader's next chunk (any chunk of
        // it completes the install then), rather than discarding entries this node may have
        // acknowledged.
        if let Err(error) = self.log.term_checked(index) {
            self.storage_fault(error, index);
            return;
        }
        let Some(Incoming { meta, data, .. }) = self.incoming.take() else {
            return;
        };
        self.install_snapshot(Snapshot { meta, data });
        self.send_append_resp(m.from, index, false, 0, 0);
    }

    /// Replaces the log prefix (or the whole log, if it disagrees) with a leader's snapshot.
    fn install_snapshot(&mut self, snap: Snapshot) {
        let SnapshotMeta { index, term, .. } = snap.meta;
        self.log.compact_to(index, term);
        if !crate::config::planted!(self.cfg, IgnoreSnapshotMembership) {
            self.base_membership = snap.meta.membership.clone();
        }
        self.refresh_membership();
        self.persist_snapshot = Some(snap.clone());
        self.restore_snapshot = true;
        self.snapshot = Some(snap);
        // Entries after the snapshot that were not yet persisted are still to be persisted.
        if let Some(from) = self.persist_from {
            self.persist_from = Some(from.max(index + 1));
        }
        self.events.push(Event::Committed {
            index: self.log.committed(),
        });
    }

    /// Compaction (paper §7): the application snapshotted its state up to `index`.
    fn compact(&mut self, index: Index, data: Vec<u8>) -> Result<(), Error> {
        if index <= self.log.snapshot_index() {
            return Err(Error::SnapshotRefused(SnapshotRefusal::NotNewer));
        }
        if index > self.log.applied() {
            return Err(Error::SnapshotRefused(SnapshotRefusal::NotApplied));
        }
        if data.len() as u64 > self.cfg.max_snapshot_bytes {
            return Err(Error::SnapshotRefused(SnapshotRefusal::TooLarge));
        }
        let term = match self.log.term_checked(index) {
            Ok(Some(term)) => term,
            Ok(None) => return Err(Error::SnapshotRefused(SnapshotRefusal::NotInLog)),
            Err(_) => return Err(Error::SnapshotRefused(SnapshotRefusal::StorageNotReady)),
        };
        let membership = self.membership_at(index);
        self.log.compact_to(index, term);
        self.base_membership = membership.clone();
        let snap = Snapshot {
            meta: SnapshotMeta {
                index,
                term,
                membership,
            },
            data,
        };
        self.persist_snapshot = Some(snap.clone());
        self.snapshot = Some(snap);
        Ok(())
    }

    /// Sends chunks of the snapshot pinned for a follower in snapshot state, from the end of
    /// the last chunk sent, while fewer than `max_inflight` chunks are unacknowledged (chunks
    /// of `max_msg_bytes`). With `first`, at least one chunk goes out even if the window is
    /// full or the snapshot is empty (the start of a transfer, or a resend after a loss).
    fn send_snapshot_chunks(&mut self, to: NodeId, first: bool) {
        let Some(snap) = self.outgoing_snapshots.get(&to) else {
            return;
        };
        let Some(pr) = self.progress.get_mut(&to) else {
            return;
        };
        if pr.state != ProgressState::Snapshot || pr.pending_snapshot != snap.meta.index {
            return;
        }
        let total = snap.data.len() as u64;
        let chunk = self.cfg.max_msg_bytes.max(1);
        let window = chunk.saturating_mul(self.cfg.max_inflight.max(1) as u64);
        let limit = pr.snapshot_offset.saturating_add(window);
        let mut offset = pr.snapshot_sent.max(pr.snapshot_offset).min(total);
        let mut bodies = Vec::new();
        let mut force = first;
        while force || (offset < total && offset < limit) {
            force = false;
            let end = offset.saturating_add(chunk).min(total);
            bodies.push(Body::Snapshot {
                index: snap.meta.index,
                term: snap.meta.term,
                membership: Box::new(snap.meta.membership.clone()),
                offset,
                total,
                data: snap.data[offset as usize..end as usize].to_vec(),
            });
            offset = end;
        }
        pr.snapshot_sent = offset;
        for body in bodies {
            self.send(to, body);
        }
    }

    /// The membership in effect at `index`: the latest membership entry at or before it.
    fn membership_at(&self, index: Index) -> Membership {
        self.log
            .conf_at(index)
            .map_or_else(|| self.base_membership.clone(), |(_, m)| m.clone())
    }

    /// Recomputes the membership in effect after the log changed (dissertation §4.1: the latest
    /// configuration in the log is used, committed or not) and adjusts role and progress.
    fn refresh_membership(&mut self) {
        let (index, m) = match self.log.conf_at(Index::MAX) {
            Some((index, m)) => (index, m.clone()),
            None => (self.log.snapshot_index(), self.base_membership.clone()),
        };
        self.membership_index = index;
        if m == self.membership {
            return;
        }
        self.membership = m;
        self.promotable = self.membership.is_voter(self.cfg.id);
        match self.role {
            Role::Follower | Role::Learner => {
                let role = self.follower_role();
                if role != self.role {
                    // Promoted or demoted by a configuration entry: callers and traces see
                    // every role change as an event.
                    self.role = role;
                    self.events.push(Event::RoleChanged {
                        role,
                        term: self.term,
                    });
                }
            }
            Role::PreCandidate | Role::Candidate if !self.is_promotable() => {
                let term = self.term;
                self.become_follower(term, None);
            }
            Role::Leader => {
                let next = self.log.last_index() + 1;
                let members = self.membership.members();
                self.progress.retain(|id| members.contains(id));
                for id in members {
                    // A member added now has had no chance to answer: it counts as heard from
                    // in the current CheckQuorum round (dissertation §6.2 gives a leader an
                    // election timeout to hear from a quorum), or a leader whose round ends
                    // right after the change would step down although nothing is wrong (as
                    // etcd/raft and raft-rs do, `TestAddNodeCheckQuorum`).
                    self.progress.get_or_insert_with(id, || {
                        let mut p = Progress::new(next);
                        p.recent_active = true;
                        p
                    });
                }
            }
            _ => {}
        }
    }

    /// Proposes a membership change (dissertation §4.1, §4.3).
    fn change_membership(&mut self, change: &ConfChange) -> Result<Index, Error> {
        if self.role != Role::Leader {
            return Err(Error::NotLeader {
                leader: self.leader,
            });
        }
        if self.transfer.is_some() {
            return Err(Error::TransferInProgress);
        }
        // The 2015 fix to single-server changes: a leader changes membership only after it has
        // committed an entry of its own term.
        if self.log.term(self.log.committed()) != Some(self.term)
            && !crate::config::planted!(self.cfg, ConfChangeBeforeTermCommit)
        {
            return Err(Error::ConfChangeRefused(
                ConfChangeRefusal::NotCommittedInTerm,
            ));
        }
        if self.pending_conf_index > self.log.committed()
            && !crate::config::planted!(self.cfg, ConcurrentConfChanges)
        {
            return Err(Error::ConfChangeRefused(ConfChangeRefusal::PreviousPending));
        }
        let next = confchange::apply(&self.membership, change)?;
        Ok(self.append_membership(next))
    }

    fn append_membership(&mut self, next: Membership) -> Index {
        let index = self.append_and_send(Payload::Membership(Box::new(next)));
        self.pending_conf_index = index;
        index
    }

    /// After the commit index moved on a leader: leave a committed joint configuration
    /// (dissertation §4.3), and step down once a configuration without this node commits.
    fn after_leader_commit(&mut self) {
        if self.role != Role::Leader || self.membership_index > self.log.committed() {
            return;
        }
        if self.membership.is_joint() {
            let mut next = self.membership.clone();
            next.outgoing.clear();
            self.append_membership(next);
        } else if !self.membership.is_voter(self.cfg.id) {
            let term = self.term;
            self.become_follower(term, None);
        }
    }

    /// AppendEntries receiver (§5.3, Figure 2).
    fn handle_append(&mut self, m: Message) {
        let Body::Append {
            prev_index,
            prev_term,
            entries,
            commit,
        } = m.body
        else {
            return;
        };
        let committed = self.log.committed();
        if prev_index < committed {
            // Everything up to our commit index already matches any legitimate leader (Leader
            // Completeness, Log Matching). An append contradicting a committed entry can only come
            // from a broken leader: acknowledging it would claim a match that does not exist.
            let contradicts = |index: Index, term: Term| {
                index <= committed && self.log.term(index).is_some_and(|t| t != term)
            };
            if contradicts(prev_index, prev_term)
                || entries.iter().any(|e| contradicts(e.index, e.term))
            {
                self.events.push(Event::Rejected {
                    from: m.from,
                    why: RejectReason::ContradictsCommitted,
                });
                return;
            }
            self.send_append_resp(m.from, committed, false, 0, 0);
            return;
        }
        // An entry this node cannot read counts as one it does not hold (the leader probes
        // again); a storage that lost it is reported.
        let prev_matches = match self.log.term_checked(prev_index) {
            Ok(t) => t == Some(prev_term),
            Err(error) => {
                self.storage_fault(error, prev_index);
                false
            }
        };
        if prev_matches {
            let last_new = prev_index + entries.len() as Index;
            let conflict = match self.log.find_conflict_checked(&entries) {
                Ok(conflict) => conflict,
                Err((error, index)) => {
                    // An entry this node holds but cannot read back now: not known to match,
                    // so nothing is acknowledged, and not known to conflict, so nothing is
                    // deleted (it may count toward a commit already). The append is treated as
                    // lost: the leader sends again.
                    self.storage_fault(error, index);
                    return;
                }
            };
            if let Some(conflict) = conflict {
                let start = (conflict - prev_index - 1) as usize;
                // The configuration changes only if this removes the entry that holds it or
                // brings a new one; rescanning the log on every append made replication
                // quadratic in the log's length.
                let removes_conf = self.membership_index >= conflict
                    && self.membership_index > self.log.snapshot_index();
                let adds_conf = entries[start..]
                    .iter()
                    .any(|e| matches!(e.payload, Payload::Membership(_)));
                // The log keeps the leader's shared run itself (no entry is copied).
                if !self
                    .log
                    .truncate_and_append_shared(conflict, entries.slice(start..entries.len()))
                {
                    // Only a broken leader asks to overwrite a committed entry.
                    self.events.push(Event::Rejected {
                        from: m.from,
                        why: RejectReason::OverwritesCommitted,
                    });
                    return;
                }
                self.mark_unpersisted(conflict);
                if removes_conf || adds_conf {
                    self.refresh_membership();
                }
            }
            if crate::config::planted!(self.cfg, TruncateOnStaleAppend)
                && self.log.find_conflict(&entries).is_none()
                && self.log.truncate_and_append(last_new + 1, &[])
            {
                self.refresh_membership();
            }
            self.commit_to(commit.min(last_new));
            self.send_append_resp(m.from, last_new, false, 0, 0);
        } else {
            // Consistency check failed (§5.3): hint the leader past the conflicting term.
            let (hint_index, hint_term) = self
                .log
                .find_conflict_by_term(prev_index.min(self.log.last_index()), prev_term);
            self.send_append_resp(m.from, prev_index, true, hint_index, hint_term);
        }
    }

    fn send_append_resp(&mut self, to: NodeId, index: Index, reject: bool, hi: Index, ht: Term) {
        self.send(
            to,
            Body::AppendResp {
                index,
                reject,
                hint_index: hi,
                hint_term: ht,
            },
        );
    }

    // ----- leader actions --------------------------------------------------------------------

    fn propose(&mut self, payload: Payload) -> Result<Index, Error> {
        if self.role != Role::Leader {
            return Err(Error::NotLeader {
                leader: self.leader,
            });
        }
        if self.transfer.is_some() {
            return Err(Error::TransferInProgress);
        }
        if let Payload::Command(_) = &payload {
            let size = payload.entry_size();
            let held = self.uncommitted_bytes;
            if held > 0 && held.saturating_add(size) > self.cfg.max_uncommitted_bytes {
                return Err(Error::UncommittedLimit { held });
            }
            self.uncommitted_bytes = held.saturating_add(size);
        }
        Ok(self.append_and_send(payload))
    }

    /// Appends an entry of the current term to the leader's log. It goes out with the next
    /// `ready()` (not a heartbeat later), together with every other entry appended before it,
    /// so that commit latency stays one round trip to a quorum.
    fn append_and_send(&mut self, payload: Payload) -> Index {
        let index = self.log.last_index() + 1;
        let conf = matches!(payload, Payload::Membership(_));
        self.log.push(Entry {
            term: self.term,
            index,
            payload,
        });
        self.mark_unpersisted(index);
        if conf {
            self.refresh_membership();
        }
        if let Some(me) = self.progress.get_mut(&self.cfg.id) {
            me.maybe_update(index);
        }
        // No follower holds the new entry yet, so only the leader's own acknowledgement changed:
        // the commit index can move only for a leader that is the only voter, or under a new
        // configuration (whose quorum may already hold older entries). Skipping the count
        // otherwise saves a quorum computation per proposal.
        if conf || self.only_voter() {
            self.maybe_commit();
        }
        self.replicate_pending = true;
        index
    }

    /// Advances the commit index to the highest index stored on a quorum, provided that entry
    /// is from the current term (§5.4.2: never commit an older term's entry by counting replicas).
    fn maybe_commit(&mut self) -> bool {
        // In joint consensus both halves must agree (dissertation §4.3): the smaller of the two.
        let m = &self.membership;
        let mut index = self
            .quorum_matched(&m.voters)
            .min(self.quorum_matched(&m.outgoing));
        if crate::config::planted!(self.cfg, LearnersInCommitQuorum) {
            let mut all = self.membership.clone();
            all.voters.extend(all.learners.iter().copied());
            index = all.committed_index(|id| self.progress.get(&id).map_or(0, |p| p.matched));
        }
        if index <= self.log.committed() || index == Index::MAX {
            return false;
        }
        let current = self.log.term(index) == Some(self.term);
        if !current && !self.cfg.break_it.commit_old_terms {
            return false;
        }
        let moved = self.commit_to(index);
        if moved {
            self.after_leader_commit();
        }
        moved
    }

    /// The highest index a majority of `voters` have matched (`Index::MAX` for no voters), as
    /// [`Membership::committed_index`] computes it for one half. The progress map is read beside
    /// the voters, both in id order, instead of being searched once per voter: this runs on
    /// every acknowledgement.
    fn quorum_matched(&self, voters: &BTreeSet<NodeId>) -> Index {
        // The progress map tracks every member (voters of both halves and learners): when it
        // holds as many as `voters`, it holds exactly them (the common case, a configuration
        // without learners or an outgoing half), and the matches are its values.
        if self.progress.len() == voters.len() {
            debug_assert!(
                voters.iter().all(|id| self.progress.contains_key(id)),
                "progress tracks every member"
            );
            let matched = self.progress.values().map(|p| p.matched);
            return crate::quorum::majority_of(voters.len(), matched);
        }
        let mut prs = self.progress.iter().peekable();
        let matched = voters.iter().map(|&id| {
            while prs.next_if(|&(&k, _)| k < id).is_some() {}
            prs.next_if(|&(&k, _)| k == id)
                .map_or(0, |(_, p)| p.matched)
        });
        crate::quorum::majority_of(voters.len(), matched)
    }

    fn commit_to(&mut self, index: Index) -> bool {
        let moved = self.log.commit_to(index);
        if moved {
            self.events.push(Event::Committed {
                index: self.log.committed(),
            });
        }
        moved
    }

    fn matched(&self, id: NodeId) -> Index {
        self.progress.get(&id).map_or(0, |p| p.matched)
    }

    /// Sends entries from the follower's `next` (respecting flow control). With `if_empty`, sends
    /// an empty AppendEntries (to carry the commit index or probe) when there is nothing new.
    /// Returns whether a message carrying entries was sent.
    fn send_append(&mut self, to: NodeId, if_empty: bool) -> bool {
        let max_inflight = self.cfg.max_inflight;
        // One lookup of the follower's progress for the whole send: the log and the progress
        // map are borrowed side by side (a lookup per step cost about a tenth of the send).
        let Some(pr) = self.progress.get_mut(&to) else {
            return false;
        };
        if to == self.cfg.id || pr.is_paused(max_inflight) {
            return false;
        }
        // Everything has been sent: nothing to do unless an empty Append is asked for. (The
        // reads below would find the last entry's term and an empty slice, and return false;
        // every Ready asks this of every follower, and the reads cost about 400 instructions.)
        if !if_empty && pr.next == self.log.last_index() + 1 {
            return false;
        }
        let prev_index = pr.next - 1;
        let prev_term = match self.log.term_checked(prev_index) {
            Ok(t) => t,
            Err(error) => {
                // Not ready: try again on a later heartbeat or ack (reported if it lost it).
                self.storage_fault(error, prev_index);
                return false;
            }
        };
        let Some(prev_term) = prev_term else {
            // The entries this follower needs were compacted away: it needs a snapshot.
            if let Some(snap) = self.snapshot.clone() {
                pr.become_snapshot(snap.meta.index);
                self.outgoing_snapshots.insert(to, snap);
                self.send_snapshot_chunks(to, true);
            }
            return false;
        };
        // A view of the batch every follower gets (no copy), unless this follower is behind.
        self.log.seal();
        let next = pr.next;
        let entries =
            match self
                .log
                .slice_shared(next, self.log.last_index() + 1, self.cfg.max_msg_bytes)
            {
                Ok(entries) => entries,
                Err(error) => {
                    self.storage_fault(error, next);
                    return false;
                }
            };
        if entries.is_empty() && !if_empty {
            return false;
        }
        let n = entries.len();
        let last = prev_index + n as Index;
        let commit = self.log.committed();
        pr.sent(last, n);
        self.send(
            to,
            Body::Append {
                prev_index,
                prev_term,
                entries,
                commit,
            },
        );
        n > 0
    }

    fn bcast_heartbeat(&mut self) {
        // This round carries the newest pending reads' context: a read registered after it
        // needs a new one.
        self.read_round_pending = false;
        if self.cfg.read_mode == ReadMode::Lease {
            // Every round gets its own context, remembered with the tick it was sent at, so
            // that the lease can run from when a quorum was last known to follow.
            // A round sent at the same tick as the previous one proves nothing more: answers to
            // either show the follower heard the leader at that tick.
            self.read_seq += 1;
            if self
                .lease_rounds
                .back()
                .is_none_or(|&(_, t)| t != self.ticks)
            {
                self.lease_rounds.push_back((self.read_seq, self.ticks));
            }
            // A round older than a lease can never grant one again. With at most one round per
            // tick, this keeps at most `lease_ticks()` of them, reads or none.
            let lease = self.lease_ticks();
            while self
                .lease_rounds
                .front()
                .is_some_and(|&(_, sent)| sent.saturating_add(lease) <= self.ticks)
            {
                self.lease_rounds.pop_front();
            }
        }
        let read_ctx = self
            .pending_reads
            .back()
            .map(|r| r.ctx)
            .max((self.cfg.read_mode == ReadMode::Lease).then_some(self.read_seq))
            .unwrap_or(0);
        let committed = self.log.committed();
        for id in self.peers() {
            let mut commit = self.matched(id).min(committed);
            if crate::config::planted!(self.cfg, HeartbeatCommitUncapped) {
                commit = committed;
            }
            self.send(id, Body::Heartbeat { commit, read_ctx });
        }
    }

    /// ReadIndex (§6.4): record the commit index, confirm leadership with a heartbeat round:
    /// its own, or with [`Config::share_read_rounds`] the one the next `ready()` sends, shared
    /// by every read registered until then.
    fn read_index(&mut self, id: u64) -> Result<(), Error> {
        if self.role != Role::Leader {
            return Err(Error::NotLeader {
                leader: self.leader,
            });
        }
        // Until an entry of its own term commits, a new leader does not know the commit index.
        if self.log.term(self.log.committed()) != Some(self.term)
            && !crate::config::planted!(self.cfg, ReadIndexBeforeTermCommit)
        {
            return Err(Error::ReadNotReady);
        }
        let index = self.log.committed();
        let alone = self.only_voter();
        if alone || self.lease_holds() || self.cfg.break_it.stale_reads {
            self.reads.push(ReadState { id, index });
            return Ok(());
        }
        if self.pending_reads.len() >= self.cfg.max_pending_reads {
            return Err(Error::TooManyPendingReads {
                pending: self.pending_reads.len(),
            });
        }
        // A read is confirmed only by a round sent after it was registered: a new context
        // unless (sharing rounds) the newest one has not gone out yet, in which case this read
        // shares it and the round `ready()` sends.
        if !self.read_round_pending {
            self.read_seq += 1;
            self.read_round_pending = self.cfg.share_read_rounds;
        }
        let mut acks = BTreeSet::new();
        acks.insert(self.cfg.id);
        self.pending_reads.push_back(PendingRead {
            id,
            index,
            ctx: self.read_seq,
            acks,
        });
        if !self.cfg.share_read_rounds {
            self.bcast_heartbeat();
        }
        Ok(())
    }

    /// Lease-based reads (dissertation §6.4.1): the lease runs for [`Self::lease_ticks`] from
    /// when the newest heartbeat round answered by a quorum was *sent*. Each answering follower
    /// heard that round no earlier, and for `election_timeout_min` after hearing it neither
    /// votes (CheckQuorum) nor campaigns ([`Input::Campaign`] is refused), even across a
    /// restart (`restart_lease`), so no other leader can exist before the lease ends, provided
    /// no clock drifts more than `max_clock_drift_ppm`. A transfer ends the lease: its vote
    /// requests override the followers' promises, so from the first TimeoutNow on no lease read
    /// is served in this term, even if the transfer is abandoned.
    fn lease_holds(&mut self) -> bool {
        let transfer_ends_lease = !crate::config::planted!(self.cfg, LeaseThroughTransfer);
        if self.cfg.read_mode != ReadMode::Lease
            || ((self.transfer.is_some() || self.lease_revoked) && transfer_ends_lease)
        {
            return false;
        }
        let me = self.cfg.id;
        let latest = self.read_seq;
        let acks = &self.lease_acks;
        let quorum_ctx = self.membership.committed_index(|id| {
            if id == me {
                latest
            } else {
                acks.get(&id).copied().unwrap_or(0)
            }
        });
        // The newest round that a quorum answered (or a later one): every answering follower
        // heard the leader no earlier than that round was sent. Rounds before it can never
        // matter again.
        while self
            .lease_rounds
            .get(1)
            .is_some_and(|&(c, _)| c <= quorum_ctx)
        {
            self.lease_rounds.pop_front();
        }
        let lease = self.lease_ticks();
        self.lease_rounds
            .front()
            .filter(|&&(c, _)| c <= quorum_ctx)
            .is_some_and(|&(_, sent)| self.ticks < sent.saturating_add(lease))
    }

    /// How long a lease lasts on this node's clock: `election_timeout_min` shortened so that it
    /// ends before any follower's, even if this clock runs `max_clock_drift_ppm` slow and the
    /// follower's as much fast: `min × (1 − d) / (1 + d)`, rounded down.
    fn lease_ticks(&self) -> u64 {
        let d = u128::from(self.cfg.max_clock_drift_ppm);
        let min = u128::from(self.cfg.election_timeout_min);
        let ticks = min * (1_000_000 - d) / (1_000_000 + d);
        u64::try_from(ticks).unwrap_or(u64::MAX)
    }

    /// A heartbeat answer echoing `ctx` confirms leadership for every read registered before it.
    fn ack_reads(&mut self, from: NodeId, ctx: u64) {
        if self.cfg.read_mode == ReadMode::Lease && ctx > 0 {
            let a = self.lease_acks.entry(from).or_insert(0);
            *a = (*a).max(ctx);
        }
        if ctx == 0 {
            return;
        }
        for r in self.pending_reads.iter_mut().filter(|r| r.ctx <= ctx) {
            r.acks.insert(from);
        }
        while let Some(r) = self.pending_reads.front() {
            if self.membership.vote_result(|id| Some(r.acks.contains(&id))) != VoteResult::Won {
                break;
            }
            let r = self.pending_reads.pop_front().expect("front exists");
            self.reads.push(ReadState {
                id: r.id,
                index: r.index,
            });
        }
    }

    /// Leadership transfer (dissertation §3.10): bring the target up to date, then TimeoutNow.
    fn transfer_leader(&mut self, to: NodeId) -> Result<(), Error> {
        if self.role != Role::Leader {
            return Err(Error::NotLeader {
                leader: self.leader,
            });
        }
        if to == self.cfg.id {
            return Err(Error::TransferRefused(TransferRefusal::AlreadyLeader));
        }
        if !self.membership.voters.contains(&to) {
            return Err(Error::TransferRefused(TransferRefusal::NotVoter));
        }
        if self.transfer == Some(to) {
            // Asked again: the TimeoutNow may have been lost, so send it again if the target
            // is caught up.
            if self.matched(to) == self.log.last_index() {
                self.send_timeout_now(to);
            }
            return Ok(());
        }
        if let Some(old) = self.transfer.take() {
            self.events.push(Event::Transfer {
                to: old,
                what: TransferStep::Aborted,
            });
        }
        self.transfer = Some(to);
        self.transfer_elapsed = 0;
        self.events.push(Event::Transfer {
            to,
            what: TransferStep::Started,
        });
        if self.matched(to) == self.log.last_index() {
            self.send_timeout_now(to);
            self.events.push(Event::Transfer {
                to,
                what: TransferStep::TimeoutNowSent,
            });
        } else {
            self.send_append(to, true);
        }
        Ok(())
    }

    /// Tells `to` to campaign now (dissertation §3.10). Its vote request overrides the
    /// followers' lease promises, so this leader's lease ends for good in this term.
    fn send_timeout_now(&mut self, to: NodeId) {
        self.lease_revoked = true;
        self.send(to, Body::TimeoutNow);
    }

    // ----- helpers ---------------------------------------------------------------------------

    fn peers(&self) -> Vec<NodeId> {
        let me = self.cfg.id;
        self.progress
            .keys()
            .copied()
            .filter(|&id| id != me)
            .collect()
    }

    /// The tracked peer after `after` in id order (the first with `None`), so that the hot
    /// paths can visit every peer while sending without collecting their ids into a fresh Vec.
    fn next_peer(&self, after: Option<NodeId>) -> Option<NodeId> {
        self.progress.next_after(after, self.cfg.id)
    }

    /// True if no voter other than this node exists, in either half of the configuration
    /// (read without building the member list: every ReadIndex request asks).
    fn only_voter(&self) -> bool {
        let me = self.cfg.id;
        let only_me = |s: &BTreeSet<NodeId>| match s.len() {
            0 => true,
            1 => s.contains(&me),
            _ => false,
        };
        only_me(&self.membership.voters) && only_me(&self.membership.outgoing)
    }

    fn voters_except_me(&self) -> Vec<NodeId> {
        let me = self.cfg.id;
        self.membership
            .members()
            .into_iter()
            .filter(|&id| id != me && self.membership.is_voter(id))
            .collect()
    }

    /// A read of the stable log failed. [`StorageError::NotReady`] is a storage still loading:
    /// the caller retries later, quietly. Any other error means the storage lost entries the
    /// node handed out as persisted (or never stored them): reported, once per failed read, as
    /// [`Event::StorageFault`], and retried the same way.
    fn storage_fault(&mut self, error: StorageError, index: Index) {
        if error != StorageError::NotReady {
            self.events.push(Event::StorageFault { error, index });
        }
    }

    fn mark_unpersisted(&mut self, index: Index) {
        self.persist_from = Some(self.persist_from.map_or(index, |i| i.min(index)));
    }

    fn send(&mut self, to: NodeId, body: Body) {
        self.send_with_term(to, self.term, body);
    }

    fn send_with_term(&mut self, to: NodeId, term: Term, body: Body) {
        self.msgs.push(Message {
            from: self.cfg.id,
            to,
            term,
            body,
        });
    }
}

/// The shape checks a message must pass before anything in it is believed (its term included):
/// a term up to [`MAX_TERM`]; for an append, what a well-behaved leader always sends
/// (consecutive entries after `prev_index`, terms that do not decrease, none after the
/// message's term, nothing past [`MAX_INDEX`], so that `last_index + 1` never overflows, and
/// only possible configurations in membership entries, [`Membership::is_possible`]); for
/// a snapshot chunk, a possible boundary and configuration, and a total of at most
/// `max_snapshot_bytes` ([`Config::max_snapshot_bytes`]), so that nothing of it is buffered.
fn well_formed(m: &Message, max_snapshot_bytes: u64) -> Result<(), RejectReason> {
    if m.term > MAX_TERM {
        return Err(RejectReason::TermTooLarge);
    }
    match &m.body {
        Body::Append {
            prev_index,
            prev_term,
            entries,
            ..
        } => well_formed_append(m.term, *prev_index, *prev_term, entries),
        Body::Snapshot {
            index,
            term,
            offset,
            total,
            data,
            membership,
        } => {
            let chunk_fits = offset
                .checked_add(data.len() as u64)
                .is_some_and(|end| end <= *total);
            if *term > m.term
                || *term == 0
                || *index == 0
                || *index > MAX_INDEX
                || !chunk_fits
                || !membership.is_possible()
            {
                Err(RejectReason::MalformedSnapshotChunk)
            } else if *total > max_snapshot_bytes {
                Err(RejectReason::SnapshotTooLarge)
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

fn well_formed_append(
    term: Term,
    prev_index: Index,
    prev_term: Term,
    entries: &[Entry],
) -> Result<(), RejectReason> {
    if prev_term > term {
        return Err(RejectReason::PrevTermAfterTerm);
    }
    if prev_index
        .checked_add(entries.len() as Index)
        .is_none_or(|last| last > MAX_INDEX)
    {
        return Err(RejectReason::IndexOverflow);
    }
    let mut last_term = prev_term;
    for (k, e) in entries.iter().enumerate() {
        if e.index != prev_index + 1 + k as Index {
            return Err(RejectReason::EntriesNotConsecutive);
        }
        if e.term == 0 || e.term < last_term || e.term > term {
            return Err(RejectReason::EntryTermsOutOfOrder);
        }
        if let Payload::Membership(m) = &e.payload {
            if !m.is_possible() {
                return Err(RejectReason::ImpossibleMembership);
            }
        }
        last_term = e.term;
    }
    Ok(())
}
