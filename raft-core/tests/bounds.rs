//! Bounds on what a hostile peer or a careless embedder can make a node hold or do, from an
//! embedder's review (findings 3, 4, 9, 10 and 11): the snapshot receive buffer, pending reads,
//! stored state that cannot be, configurations past their bounds, storage that lost entries, and
//! what a restart hands out (and how much at once).

mod common;

use common::*;
use raft_core::{
    Body, ConfigError, Corruption, Entry, Error, Event, HardState, Index, Input, MemStorage,
    Membership, Message, Node, Payload, PersistentState, Ready, RejectReason, Role, Snapshot,
    SnapshotRefusal, Storage, StorageError, Term, MAX_ELECTION_TIMEOUT,
};

fn rejected(events: &[Event], why: RejectReason) -> bool {
    events
        .iter()
        .any(|e| matches!(e, Event::Rejected { why: w, .. } if *w == why))
}

fn chunk(from: u64, term: Term, offset: u64, total: u64, data: &[u8]) -> Message {
    msg(
        from,
        1,
        term,
        Body::Snapshot {
            index: 10,
            term: 1,
            membership: Box::new(three()),
            offset,
            total,
            data: data.to_vec(),
        },
    )
}

// ----- 1. snapshot receive bound ----------------------------------------------------------------

/// A chunk announcing more than `max_snapshot_bytes` is refused before anything is buffered or
/// believed (its term included); one within the bound is taken. Before the bound, a stream
/// claiming `total: u64::MAX` was buffered as long as it kept coming.
#[test]
fn a_snapshot_larger_than_max_snapshot_bytes_is_refused_and_nothing_buffered() {
    assert_eq!(config(1).max_snapshot_bytes, 1 << 30, "documented default");
    let mut cfg = config(1);
    cfg.max_snapshot_bytes = 1024;
    let mut s = Solo::new(cfg.clone(), three());
    s.recv(chunk(2, 5, 0, 1025, &[7; 16]));
    assert!(rejected(&s.take_events(), RejectReason::SnapshotTooLarge));
    assert_eq!(s.node.incoming_snapshot(), None, "nothing buffered");
    assert_eq!(s.node.term(), 0, "its term not believed");
    // The default bound refuses a total of u64::MAX too.
    let mut d = Solo::new(config(1), three());
    d.recv(chunk(2, 5, 0, u64::MAX, &[7; 16]));
    assert!(rejected(&d.take_events(), RejectReason::SnapshotTooLarge));
    assert_eq!(d.node.incoming_snapshot(), None);
    // At the bound it is taken, and a chunk running past its total is malformed.
    s.recv(chunk(2, 5, 0, 1024, &[7; 16]));
    assert_eq!(s.node.incoming_snapshot(), Some((10, 16, 1024)));
    s.take_events();
    s.recv(chunk(2, 5, 1020, 1024, &[7; 16]));
    assert!(rejected(
        &s.take_events(),
        RejectReason::MalformedSnapshotChunk
    ));
    assert_eq!(
        s.node.incoming_snapshot(),
        Some((10, 16, 1024)),
        "unchanged"
    );
}

/// A node does not take a snapshot its followers would refuse.
#[test]
fn compaction_past_max_snapshot_bytes_is_refused() {
    let mut cfg = config(1);
    cfg.max_snapshot_bytes = 4;
    let mut s = Solo::new(cfg, Membership::with_voters([1]));
    s.make_leader();
    s.step(Input::Propose(b"x".to_vec())).unwrap();
    let applied = s.node.log().applied();
    assert_eq!(
        s.step(Input::Compact {
            index: applied,
            data: vec![0; 5],
        }),
        Err(Error::SnapshotRefused(SnapshotRefusal::TooLarge))
    );
    s.step(Input::Compact {
        index: applied,
        data: vec![0; 4],
    })
    .unwrap();
    assert_eq!(s.node.log().snapshot_index(), applied);
}

/// Chunks extend one buffer only when they come from the same sender in the same term: two
/// leaders' streams of "the same" snapshot (same boundary, membership and total, but bytes
/// serialized differently) must not be stitched together.
#[test]
fn snapshot_chunks_from_another_sender_or_term_never_mix() {
    // Another sender in a later term, resuming at the offset the first one reached.
    let mut s = Solo::new(config(1), three());
    s.recv(chunk(2, 5, 0, 4, &[1, 1]));
    assert_eq!(s.node.incoming_snapshot(), Some((10, 2, 4)));
    s.recv(chunk(3, 6, 2, 4, &[2, 2]));
    assert_eq!(
        s.node.log().snapshot_index(),
        0,
        "not installed from two streams"
    );
    assert_eq!(
        s.node.incoming_snapshot(),
        Some((10, 0, 4)),
        "a fresh buffer"
    );
    let out = s.take_msgs();
    assert!(
        out.iter()
            .any(|m| m.to == 3 && matches!(m.body, Body::SnapshotResp { offset: 0, .. })),
        "node 3 is told to start from 0: {out:?}"
    );
    s.recv(chunk(3, 6, 0, 4, &[2, 2]));
    s.recv(chunk(3, 6, 2, 4, &[2, 2]));
    assert_eq!(s.node.snapshot().map(|x| x.data.clone()), Some(vec![2; 4]));

    // The same sender in a later term (re-elected after a restart, its snapshot taken again).
    let mut s = Solo::new(config(1), three());
    s.recv(chunk(2, 5, 0, 4, &[1, 1]));
    s.recv(chunk(2, 7, 2, 4, &[3, 3]));
    assert_eq!(s.node.log().snapshot_index(), 0);
    s.recv(chunk(2, 7, 0, 4, &[3, 3]));
    s.recv(chunk(2, 7, 2, 4, &[3, 3]));
    assert_eq!(s.node.snapshot().map(|x| x.data.clone()), Some(vec![3; 4]));
}

// ----- 2. pending reads ---------------------------------------------------------------------------

/// A leader of `three()` that has committed its no-op (so it serves reads).
fn read_ready_leader(max_pending_reads: usize) -> Solo {
    let mut cfg = config(1);
    cfg.max_pending_reads = max_pending_reads;
    read_ready_leader_with(cfg)
}

fn read_ready_leader_with(cfg: raft_core::Config) -> Solo {
    let mut s = Solo::new(cfg, three());
    s.make_leader();
    let (term, last) = (s.node.term(), s.node.log().last_index());
    s.recv(msg(
        2,
        1,
        term,
        Body::AppendResp {
            index: last,
            reject: false,
            hint_index: 0,
            hint_term: 0,
        },
    ));
    assert_eq!(s.node.log().committed(), last);
    s.take_msgs();
    s
}

/// ReadIndex requests wait for a heartbeat round; while no quorum answers they pile up, up to
/// `max_pending_reads` (then refused), and all are dropped when the leader steps down, whether
/// a higher term deposes it or its CheckQuorum round fails.
#[test]
fn pending_reads_are_bounded_and_dropped_when_the_leader_steps_down() {
    assert_eq!(config(1).max_pending_reads, 4096, "documented default");
    let mut s = read_ready_leader(3);
    for id in 1..=3 {
        s.step(Input::ReadIndex(id)).unwrap();
    }
    assert_eq!(s.node.pending_reads(), 3);
    assert_eq!(
        s.step(Input::ReadIndex(4)),
        Err(Error::TooManyPendingReads { pending: 3 })
    );
    // Deposed by a higher term: the reads are dropped, none served.
    let term = s.node.term();
    s.recv(msg(
        2,
        1,
        term + 1,
        Body::Heartbeat {
            commit: 0,
            read_ctx: 0,
        },
    ));
    assert_eq!(s.node.role(), Role::Follower);
    assert_eq!(s.node.pending_reads(), 0);

    // CheckQuorum: no answer for a whole round, the leader steps down and drops them.
    let mut s = read_ready_leader(3);
    s.step(Input::ReadIndex(1)).unwrap();
    s.step(Input::ReadIndex(2)).unwrap();
    assert_eq!(s.node.pending_reads(), 2);
    for _ in 0..2 * s.node.config().election_timeout_min {
        s.step(Input::Tick(1)).unwrap();
    }
    assert_ne!(s.node.role(), Role::Leader);
    assert_eq!(s.node.pending_reads(), 0);
    // Leading again, it takes reads again (the bound counts only what waits).
    let mut s = read_ready_leader(1);
    s.step(Input::ReadIndex(1)).unwrap();
    let ctx = match s.take_msgs().last().map(|m| m.body.clone()) {
        Some(Body::Heartbeat { read_ctx, .. }) => read_ctx,
        other => panic!("a heartbeat round: {other:?}"),
    };
    let term = s.node.term();
    s.recv(msg(2, 1, term, Body::HeartbeatResp { read_ctx: ctx }));
    assert_eq!(s.node.pending_reads(), 0, "served");
    s.step(Input::ReadIndex(2)).unwrap();
}

/// The heartbeats of a Ready, as (recipient, read context).
fn heartbeats(ready: &Ready) -> Vec<(u64, u64)> {
    ready
        .messages
        .iter()
        .filter_map(|m| match m.body {
            Body::Heartbeat { read_ctx, .. } => Some((m.to, read_ctx)),
            _ => None,
        })
        .collect()
}

/// With `share_read_rounds`, reads registered since the last `ready()` share one heartbeat
/// round, which that `ready()` sends: 1,000 reads are 2 heartbeats in a 3-node cluster, not
/// 2,000 (the default, kept for the simulator's runs), and one quorum answer serves them all.
/// A read registered after a round went out (here, a tick's) is confirmed only by a later
/// round, never by that one (§6.4).
#[test]
fn reads_since_the_last_ready_share_one_heartbeat_round() {
    let mut s = read_ready_leader(4096);
    for id in 0..1000 {
        s.node.step(Input::ReadIndex(id)).unwrap();
    }
    assert_eq!(
        heartbeats(&s.node.ready()).len(),
        2000,
        "default: a round per read"
    );
    let mut cfg = config(1);
    cfg.share_read_rounds = true;
    let mut s = read_ready_leader_with(cfg);
    let node = &mut s.node;
    for id in 0..1000 {
        node.step(Input::ReadIndex(id)).unwrap();
    }
    let ready = node.ready();
    node.storage_mut().persist(&ready);
    let round = heartbeats(&ready);
    assert_eq!(round.len(), 2, "one round: {round:?}");
    let ctx = round[0].1;
    assert!(ctx > 0 && round.iter().all(|&(_, c)| c == ctx));
    let term = node.term();
    node.step(Input::Message(msg(
        2,
        1,
        term,
        Body::HeartbeatResp { read_ctx: ctx },
    )))
    .unwrap();
    let ready = node.ready();
    assert_eq!(ready.reads.len(), 1000, "all served by one answer");

    // Read A; a heartbeat round goes out on a tick (carrying A's context); read B; the Ready
    // sends a new round for B. An answer to the tick's round serves A only.
    node.step(Input::ReadIndex(5000)).unwrap();
    node.step(Input::Tick(node.config().heartbeat_interval))
        .unwrap();
    node.step(Input::ReadIndex(5001)).unwrap();
    let ready = node.ready();
    let rounds = heartbeats(&ready);
    assert_eq!(rounds.len(), 4, "the tick's round and B's: {rounds:?}");
    let (first, second) = (rounds[0].1, rounds[3].1);
    assert!(second > first, "B's round has a context of its own");
    node.step(Input::Message(msg(
        2,
        1,
        term,
        Body::HeartbeatResp { read_ctx: first },
    )))
    .unwrap();
    let served: Vec<u64> = node.ready().reads.iter().map(|r| r.id).collect();
    assert_eq!(served, vec![5000]);
    node.step(Input::Message(msg(
        2,
        1,
        term,
        Body::HeartbeatResp { read_ctx: second },
    )))
    .unwrap();
    let served: Vec<u64> = node.ready().reads.iter().map(|r| r.id).collect();
    assert_eq!(served, vec![5001]);
}

// ----- 3. stored state that cannot be -----------------------------------------------------------

fn corruption_of(state: PersistentState) -> Option<Corruption> {
    match Node::restore(config(1), state) {
        Ok(_) => None,
        Err(Error::CorruptState(c)) => Some(c),
        Err(e) => panic!("not a corruption: {e}"),
    }
}

/// `Node::restore` / `Node::with_storage` refuse persisted state no node ever writes, naming
/// what is wrong, instead of starting a node that can never campaign (an empty configuration
/// with a snapshot) or that believes in term 0 or node 0.
#[test]
fn impossible_stored_state_is_refused_with_a_precise_corruption() {
    let base = || persisted(2, &[1, 2], &three());
    let with = |f: &dyn Fn(&mut PersistentState)| {
        let mut st = base();
        f(&mut st);
        st
    };
    let both = {
        let mut m = three();
        m.learners.insert(2);
        m
    };
    let conf_entry = |m: Membership| Entry {
        term: 2,
        index: 3,
        payload: Payload::Membership(Box::new(m)),
    };
    let cases: Vec<(&str, PersistentState, Option<Corruption>)> = vec![
        ("as written", base(), None),
        (
            "vote for a non-member",
            with(&|s| s.hard_state.vote = Some(99)),
            None,
        ),
        (
            "vote for node 0",
            with(&|s| s.hard_state.vote = Some(0)),
            Some(Corruption::VoteForNodeZero),
        ),
        (
            "entry of term 0",
            persisted(2, &[0, 1], &three()),
            Some(Corruption::EntryTermZero),
        ),
        (
            "snapshot data at index 0",
            with(&|s| s.snapshot_data = vec![1]),
            Some(Corruption::SnapshotWithoutBoundary),
        ),
        (
            "snapshot of term 0",
            PersistentState {
                hard_state: HardState {
                    term: 2,
                    vote: None,
                },
                membership: three(),
                snapshot_index: 5,
                snapshot_term: 0,
                ..Default::default()
            },
            Some(Corruption::SnapshotWithoutBoundary),
        ),
        (
            "snapshot without a configuration",
            PersistentState {
                hard_state: HardState {
                    term: 2,
                    vote: None,
                },
                membership: Membership::default(),
                snapshot_index: 5,
                snapshot_term: 1,
                ..Default::default()
            },
            Some(Corruption::ImpossibleMembership),
        ),
        (
            "node 0 a voter",
            with(&|s| s.membership = Membership::with_voters([0, 1])),
            Some(Corruption::ImpossibleMembership),
        ),
        (
            "a voter also a learner",
            with(&|s| s.membership = both.clone()),
            Some(Corruption::ImpossibleMembership),
        ),
        (
            "a membership entry without voters",
            with(&|s| s.entries.push(conf_entry(Membership::default()))),
            Some(Corruption::ImpossibleMembership),
        ),
        (
            "a possible membership entry",
            with(&|s| s.entries.push(conf_entry(Membership::with_voters([1, 2])))),
            None,
        ),
        (
            "a joining node (no configuration, no snapshot)",
            PersistentState::default(),
            None,
        ),
    ];
    for (name, state, want) in cases {
        assert_eq!(corruption_of(state), want, "{name}");
    }
}

/// The same rule ([`Membership::is_possible`]) for a membership entry inside an Append: it
/// would become the follower's configuration the moment it is appended.
#[test]
fn an_append_carrying_an_impossible_membership_is_refused() {
    let mut s = Solo::new(config(1), three());
    let entry = Entry {
        term: 1,
        index: 1,
        payload: Payload::Membership(Box::new(Membership::with_voters([0]))),
    };
    s.recv(append(2, 1, 1, (0, 0), vec![entry], 0));
    assert!(rejected(
        &s.take_events(),
        RejectReason::ImpossibleMembership
    ));
    assert_eq!(s.node.log().last_index(), 0, "nothing appended");
    assert_eq!(s.node.membership(), &three());
    assert_eq!(s.node.term(), 0);
}

// ----- 4. configuration bounds ------------------------------------------------------------------

/// Each bound of `Config::validate`, refused with the variant that names the field; the values
/// the simulator's lessons and scenarios use (one entry per message, heartbeat below the
/// election timeout) still pass.
#[test]
fn configuration_bounds_are_refused_by_name() {
    let check = |f: &dyn Fn(&mut raft_core::Config)| {
        let mut c = config(1);
        f(&mut c);
        c.validate()
    };
    let refused = |e| Err(Error::InvalidConfig(e));
    assert_eq!(
        check(&|c| c.max_msg_bytes = 0),
        refused(ConfigError::MaxMsgBytesZero)
    );
    assert_eq!(check(&|c| c.max_msg_bytes = 1), Ok(()));
    assert_eq!(
        check(&|c| c.election_timeout_max = MAX_ELECTION_TIMEOUT + 1),
        refused(ConfigError::ElectionTimeoutTooLong)
    );
    assert_eq!(
        check(&|c| c.election_timeout_max = u64::MAX),
        refused(ConfigError::ElectionTimeoutTooLong)
    );
    assert_eq!(
        check(&|c| c.election_timeout_max = MAX_ELECTION_TIMEOUT),
        Ok(())
    );
    assert_eq!(
        check(&|c| c.max_snapshot_bytes = 0),
        refused(ConfigError::MaxSnapshotBytesZero)
    );
    assert_eq!(
        check(&|c| c.max_pending_reads = 0),
        refused(ConfigError::MaxPendingReadsZero)
    );
    assert_eq!(
        check(&|c| c.max_committed_bytes_per_ready = 0),
        refused(ConfigError::MaxCommittedBytesPerReadyZero)
    );
    // The documented rule is "below election_timeout_min", and that is what is checked.
    assert_eq!(
        check(&|c| {
            c.heartbeat_interval = 1;
            c.election_timeout_min = 2;
            c.election_timeout_max = 3;
        }),
        Ok(())
    );
    // A node refuses to start with a refused configuration.
    let mut c = config(1);
    c.max_msg_bytes = 0;
    assert!(Node::new(c, three()).is_err());
}

// ----- 5. storage faults ------------------------------------------------------------------------

/// A storage that can be made to answer every read of an entry (or a term) with one error.
struct Faulty {
    inner: MemStorage,
    fail: Option<StorageError>,
}

impl Storage for Faulty {
    fn persist(&mut self, ready: &Ready) {
        self.inner.persist(ready)
    }
    fn hard_state(&self) -> HardState {
        self.inner.hard_state()
    }
    fn snapshot(&self) -> Result<Snapshot, StorageError> {
        self.inner.snapshot()
    }
    fn first_index(&self) -> Result<Index, StorageError> {
        self.inner.first_index()
    }
    fn last_index(&self) -> Result<Index, StorageError> {
        self.inner.last_index()
    }
    fn term(&self, i: Index) -> Result<Term, StorageError> {
        match self.fail {
            Some(e) => Err(e),
            None => self.inner.term(i),
        }
    }
    fn entries(
        &self,
        lo: Index,
        hi: Index,
        max: u64,
        out: &mut Vec<Entry>,
    ) -> Result<(), StorageError> {
        match self.fail {
            Some(e) => Err(e),
            None => self.inner.entries(lo, hi, max, out),
        }
    }
}

fn faults(events: &[Event]) -> Vec<(StorageError, Index)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::StorageFault { error, index } => Some((*error, *index)),
            _ => None,
        })
        .collect()
}

/// A single voter restarted over 300 stored entries (more than the 256 the node keeps in
/// memory), its storage answering reads with `fail`.
fn restarted_over_faulty(fail: Option<StorageError>) -> Node<Faulty> {
    let mut state = persisted(1, &[1; 300], &Membership::with_voters([1]));
    state.hard_state.vote = Some(1);
    let inner = MemStorage::from_state(state);
    let mut node = Node::with_storage(config(1), Faulty { inner, fail: None }).unwrap();
    node.storage_mut().fail = fail;
    node
}

/// A storage that lost committed entries the node must hand out (`Compacted`, `Unavailable`)
/// is reported as `Event::StorageFault`, once per failed read, and the node hands them out once
/// the storage answers again; one still loading (`NotReady`) is a quiet retry. Before, every
/// error was a silent retry forever.
#[test]
fn a_storage_that_lost_committed_entries_is_reported_once_per_read() {
    for (fail, reported) in [
        (StorageError::Compacted, true),
        (StorageError::Unavailable, true),
        (StorageError::NotReady, false),
    ] {
        let mut node = restarted_over_faulty(Some(fail));
        node.step(Input::Campaign).unwrap();
        assert_eq!(node.role(), Role::Leader);
        let ready = node.ready();
        node.storage_mut().persist(&ready);
        assert!(ready.committed.is_empty(), "{fail:?}: nothing readable");
        let want = if reported { vec![(fail, 1)] } else { vec![] };
        assert_eq!(faults(&ready.events), want, "{fail:?}");
        // Once per failed read: the next Ready reads again, and reports again.
        let ready = node.ready();
        assert_eq!(faults(&ready.events), want, "{fail:?}, again");
        node.storage_mut().fail = None;
        let ready = node.ready();
        assert!(faults(&ready.events).is_empty());
        let indexes: Vec<Index> = ready.committed.iter().map(|e| e.index).collect();
        assert_eq!(
            indexes,
            (1..=301).collect::<Vec<_>>(),
            "{fail:?}: handed out once it answers"
        );
    }
}

/// A leader that cannot read the entries a lagging follower needs reports it (each time it
/// tries: on every answer of that follower) instead of stalling it without a word.
#[test]
fn a_leader_whose_storage_lost_a_followers_entries_reports_it() {
    let mut state = persisted(1, &[1; 300], &three());
    state.hard_state.vote = Some(1);
    let mut cfg = config(1);
    cfg.pre_vote = false;
    let inner = MemStorage::from_state(state);
    let mut node = Node::with_storage(cfg, Faulty { inner, fail: None }).unwrap();
    node.step(Input::Campaign).unwrap();
    let term = node.term();
    node.step(Input::Message(msg(
        2,
        1,
        term,
        Body::VoteResp { granted: true },
    )))
    .unwrap();
    assert_eq!(node.role(), Role::Leader);
    let ready = node.ready();
    node.storage_mut().persist(&ready);
    // Node 3 holds nothing: the leader backs off to index 1, below what it keeps in memory.
    node.storage_mut().fail = Some(StorageError::Unavailable);
    let last = node.log().last_index();
    node.step(Input::Message(msg(
        3,
        1,
        term,
        Body::AppendResp {
            index: last - 1,
            reject: true,
            hint_index: 0,
            hint_term: 0,
        },
    )))
    .unwrap();
    let ready = node.ready();
    let f = faults(&ready.events);
    assert!(
        !f.is_empty() && f.iter().all(|&(e, _)| e == StorageError::Unavailable),
        "{f:?}"
    );
    assert!(
        !ready
            .messages
            .iter()
            .any(|m| m.to == 3 && matches!(m.body, Body::Append { .. })),
        "nothing sent to node 3"
    );
}

/// A follower that cannot read the entry an Append's consistency check names (§5.3) refuses
/// the Append, as before, and now says why when its storage lost the entry.
#[test]
fn a_follower_whose_storage_lost_an_entry_reports_it_and_refuses_the_append() {
    let mut state = persisted(1, &[1; 300], &three());
    state.hard_state.vote = Some(2);
    let inner = MemStorage::from_state(state);
    let mut node = Node::with_storage(config(1), Faulty { inner, fail: None }).unwrap();
    node.storage_mut().fail = Some(StorageError::Compacted);
    // Entry 10 is older than the 256 the node keeps in memory: read from storage.
    node.step(Input::Message(append(2, 1, 1, (10, 1), vec![], 10)))
        .unwrap();
    let ready = node.ready();
    assert_eq!(faults(&ready.events), vec![(StorageError::Compacted, 10)]);
    assert!(
        ready
            .messages
            .iter()
            .any(|m| matches!(m.body, Body::AppendResp { reject: true, .. })),
        "refused: {:?}",
        ready.messages
    );
    assert_eq!(node.log().committed(), 0, "nothing committed");
}

// ----- 6. what a restart hands out --------------------------------------------------------------

/// A single voter's stored log of `n` command entries of term 1 (`size` bytes each).
fn stored(n: Index, size: usize) -> PersistentState {
    PersistentState {
        hard_state: HardState {
            term: 1,
            vote: Some(1),
        },
        membership: Membership::with_voters([1]),
        entries: (1..=n)
            .map(|index| Entry {
                term: 1,
                index,
                payload: Payload::Command(vec![index as u8; size].into()),
            })
            .collect(),
        ..Default::default()
    }
}

/// With `Config::applied` the restarted node hands out only what the application does not
/// have; without it, everything since the snapshot comes back (documented).
#[test]
fn a_restart_with_applied_hands_out_only_later_entries() {
    let first_handed_out = |applied: Index| {
        let mut cfg = config(1);
        cfg.applied = applied;
        let mut node = Node::restore(cfg, stored(100, 8)).unwrap();
        assert_eq!(node.log().applied(), applied);
        node.step(Input::Campaign).unwrap();
        let ready = node.ready();
        let idx: Vec<Index> = ready.committed.iter().map(|e| e.index).collect();
        assert_eq!(idx.last(), Some(&101), "up to the new leader's no-op");
        idx[0]
    };
    assert_eq!(first_handed_out(0), 1);
    assert_eq!(first_handed_out(60), 61);
    assert_eq!(first_handed_out(100), 101);
    // Past the stored log: the application has what the log lost.
    let mut cfg = config(1);
    cfg.applied = 101;
    assert!(matches!(
        Node::restore(cfg, stored(100, 8)),
        Err(Error::CorruptState(Corruption::AppliedPastLog))
    ));
}

/// `max_committed_bytes_per_ready` splits a 50,000-entry catch-up (a restart: every entry
/// comes back, most of them read from storage) into Readies of at most that many bytes (or one
/// entry), in order, none lost and none twice. Before, all 50,001 came in one Ready.
#[test]
fn committed_entries_per_ready_are_capped_in_order_none_lost_none_twice() {
    const N: Index = 50_000;
    const CAP: u64 = 64 * 1024;
    let mut cfg = config(1);
    cfg.max_committed_bytes_per_ready = CAP;
    let mut node = Node::restore(cfg, stored(N, 100)).unwrap();
    node.step(Input::Campaign).unwrap();
    let mut seen: Vec<Index> = Vec::new();
    let mut readies = 0;
    for _ in 0..10_000 {
        let ready = node.ready();
        node.storage_mut().persist(&ready);
        if ready.committed.is_empty() {
            break;
        }
        readies += 1;
        let bytes: u64 = ready.committed.iter().map(Entry::size).sum();
        assert!(
            bytes <= CAP || ready.committed.len() == 1,
            "{bytes} bytes in one Ready"
        );
        seen.extend(ready.committed.iter().map(|e| e.index));
    }
    assert_eq!(seen, (1..=N + 1).collect::<Vec<_>>(), "in order, each once");
    // 116 bytes an entry: 564 per Ready.
    let per_ready = (CAP / 116) as usize;
    assert_eq!(
        readies,
        (N as usize + 1).div_ceil(per_ready),
        "{readies} Readies"
    );
    assert_eq!(node.log().applied(), node.log().committed());

    // An entry larger than the cap still goes, alone.
    let mut cfg = config(1);
    cfg.max_committed_bytes_per_ready = 10;
    let mut node = Node::restore(cfg, stored(3, 100)).unwrap();
    node.step(Input::Campaign).unwrap();
    for want in 1..=4 {
        let ready = node.ready();
        let idx: Vec<Index> = ready.committed.iter().map(|e| e.index).collect();
        assert_eq!(idx, vec![want]);
    }
}

// ----- has_ready: what a driver that skips empty Readies would miss -----------------------------
// Every harness driver (tests/common) checks on every Ready that `has_ready()` was true before a
// Ready that was not empty. These two cases are the ones where only one of its conditions holds.

/// Committed entries held back by `max_committed_bytes_per_ready` raise no new event: only the
/// gap between the applied and the committed index says there is more. A driver that calls
/// `ready()` only while `has_ready()` still gets every entry, in order.
#[test]
fn has_ready_counts_committed_entries_held_back_by_the_byte_cap() {
    let mut cfg = config(1);
    cfg.max_committed_bytes_per_ready = 10;
    let mut node = Node::restore(cfg, stored(3, 100)).unwrap();
    node.step(Input::Campaign).unwrap();
    let mut applied = Vec::new();
    let mut readies = 0;
    while node.has_ready() && readies < 100 {
        let ready = node.ready();
        node.storage_mut().persist(&ready);
        applied.extend(ready.committed.iter().map(|e| e.index));
        readies += 1;
    }
    assert_eq!(
        applied,
        vec![1, 2, 3, 4],
        "one entry a Ready, none left behind"
    );
    assert!(
        node.ready().is_empty(),
        "nothing was left when has_ready said no"
    );
}

/// With `share_read_rounds`, a ReadIndex on the leader sends nothing by itself: `ready()` sends
/// the shared heartbeat round. Until then `has_ready()` must say so, or the read never starts.
#[test]
fn has_ready_counts_a_shared_read_round_not_yet_sent() {
    let mut cfg = config(1);
    cfg.share_read_rounds = true;
    let mut s = read_ready_leader_with(cfg);
    let ready = s.node.ready();
    s.node.storage_mut().persist(&ready);
    assert!(!s.node.has_ready(), "handled: nothing to do");
    s.node.step(Input::ReadIndex(7)).unwrap();
    assert!(
        s.node.has_ready(),
        "the read's heartbeat round waits for ready()"
    );
    assert_eq!(
        heartbeats(&s.node.ready()).len(),
        2,
        "one round to both peers"
    );
    assert!(!s.node.has_ready());
}
