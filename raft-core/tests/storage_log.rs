//! The storage-backed log (issue 19): a node keeps only its unstable entries and a bounded
//! cache in memory and reads older entries back through [`Storage`]; a storage that cannot
//! answer yet delays the node, it never makes it fail or panic.

mod common;

use common::*;
use raft_core::{
    Body, Entry, HardState, Input, MemStorage, Membership, Message, Node, Role, Storage,
    StorageError, LOG_CACHE_BYTES, LOG_CACHE_ENTRIES,
};

/// Most entries a node may hold in memory right after a Ready was handled: the cache, trimmed
/// back to `LOG_CACHE_ENTRIES` once it reaches twice that, plus the last Ready's entries, which
/// count as stable only from the next `ready()`.
fn memory_bound(last_ready: usize) -> usize {
    2 * LOG_CACHE_ENTRIES + last_ready
}

// Memory no longer grows with the log: after 1,200 entries each node holds at most the
// bounded cache, while its storage holds them all and old ones are still readable.
#[test]
fn nodes_hold_the_cache_not_the_log() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    for k in 0..1_200u32 {
        net.propose(1, &k.to_le_bytes()).unwrap();
        net.deliver();
        for id in [1, 2, 3] {
            let held = net.node(id).log().entries().len();
            assert!(held <= memory_bound(1), "S{id} holds {held} entries");
        }
    }
    for id in [1, 2, 3] {
        let n = net.node(id);
        let last = n.log().last_index();
        assert_eq!(last, 1_201, "S{id}: the no-op and 1,200 commands");
        assert_eq!(n.storage().state().entries.len(), 1_201);
        assert!(n.log().memory_start() > 1, "S{id}: old entries left memory");
        // Read back from storage, identical to what the leader appended.
        assert_eq!(n.log().entry(2), net.node(1).log().entry(2));
        assert_eq!(n.log().collect_entries().len(), 1_201);
    }
    net.check_logs().unwrap();
}

// Raft §5.3: a follower that missed entries is brought up to date by the leader, here from
// entries the leader no longer holds in memory (read back through its storage).
#[test]
fn a_lagging_follower_catches_up_from_the_leaders_storage() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    net.isolate(3);
    for k in 0..1_200u32 {
        net.propose(1, &k.to_le_bytes()).unwrap();
        net.deliver();
    }
    let leader = net.node(1).log();
    assert!(
        leader.memory_start() > net.node(3).log().last_index() + 1,
        "what S3 needs is only in S1's storage"
    );
    net.heal();
    net.run(400);
    assert_eq!(net.node(3).log().last_index(), 1_201);
    assert_eq!(
        net.node(3).log().collect_entries(),
        net.node(1).log().collect_entries()
    );
    net.check_logs().unwrap();
}

// The cache is bounded in bytes too (Config::log_cache_bytes): with 1 KiB commands and a
// 16 KiB bound, each node holds at most 2 × 16 KiB of stable entries (plus the entries of the
// last Ready, not stable yet), far fewer than the 2 × 256 the entry bound alone allows; the
// log is intact and old entries are read back from storage.
#[test]
fn the_cache_is_bounded_in_bytes_too() {
    const BOUND: u64 = 16 * 1024;
    let m = Membership::with_voters([1, 2, 3]);
    let mut net = Network::with_config(m, |id| {
        let mut c = config(id);
        c.log_cache_bytes = BOUND;
        c
    });
    net.elect(1);
    let command = [7u8; 1024];
    let entry_bytes = 16 + command.len() as u64;
    for _ in 0..300 {
        net.propose(1, &command).unwrap();
        net.deliver();
        for id in [1, 2, 3] {
            let log = net.node(id).log();
            assert!(
                log.memory_bytes() <= 2 * BOUND + entry_bytes,
                "S{id} holds {} bytes in memory",
                log.memory_bytes()
            );
            assert!(!log.entries().is_empty(), "S{id}: the last entry stays");
        }
    }
    for id in [1, 2, 3] {
        let log = net.node(id).log();
        assert_eq!(log.last_index(), 301);
        assert!(log.entries().len() < 2 * LOG_CACHE_ENTRIES);
        assert_eq!(log.collect_entries(), net.node(1).log().collect_entries());
    }
    net.check_logs().unwrap();
}

// The default keeps today's behaviour: no byte bound, 256 entries.
#[test]
fn the_cache_defaults_to_256_entries_and_no_byte_bound() {
    let c = config(1);
    assert_eq!(
        (c.log_cache_entries, c.log_cache_bytes),
        (LOG_CACHE_ENTRIES, LOG_CACHE_BYTES)
    );
    assert_eq!((LOG_CACHE_ENTRIES, LOG_CACHE_BYTES), (256, u64::MAX));
}

// A restarted node reads its log from storage: it holds the newest entries only, and every
// stored one is still there.
#[test]
fn a_restarted_node_reads_its_log_from_storage() {
    let mut net = Network::new(&[1, 2, 3]);
    net.elect(1);
    for k in 0..1_000u32 {
        net.propose(1, &k.to_le_bytes()).unwrap();
        net.deliver();
    }
    net.crash(2);
    net.restart(2);
    let n = net.node(2);
    assert_eq!(n.log().last_index(), 1_001);
    assert_eq!(n.log().entries().len(), LOG_CACHE_ENTRIES);
    assert_eq!(
        n.log().collect_entries(),
        net.node(1).log().collect_entries()
    );
}

/// Two nodes over [`Stalling`] storages, driven by hand: handle each Ready (persist into the
/// node's own storage, then queue its messages), deliver, repeat.
struct Pair {
    nodes: [Node<Stalling>; 2],
    queue: Vec<Message>,
    /// Messages to node 2 are dropped while false.
    link: bool,
}

impl Pair {
    fn new() -> Self {
        let m = Membership::with_voters([1, 2]);
        let node = |id| {
            let disk = Stalling {
                inner: MemStorage::new(m.clone()),
                stalled: false,
            };
            Node::with_storage(config(id), disk).unwrap()
        };
        Pair {
            nodes: [node(1), node(2)],
            queue: Vec::new(),
            link: true,
        }
    }

    fn settle(&mut self) {
        for _ in 0..50 {
            for n in &mut self.nodes {
                let mut ready = n.ready();
                n.storage_mut().persist(&ready);
                self.queue.append(&mut ready.messages);
                n.advance(ready);
            }
            if self.queue.is_empty() {
                return;
            }
            for m in std::mem::take(&mut self.queue) {
                if m.to == 2 && !self.link {
                    continue;
                }
                let _ = self.nodes[(m.to - 1) as usize].step(Input::Message(m));
            }
        }
    }

    fn heartbeat(&mut self) {
        let hb = self.nodes[0].config().heartbeat_interval;
        self.nodes[0].step(Input::Tick(hb)).unwrap();
        self.settle();
    }
}

// Crate doc, "Storage-backed log": while the leader's storage cannot answer, it sends the
// lagging follower nothing it would have to read (no panic, no bogus snapshot), and once the
// storage answers again the follower catches up (Raft §5.3).
#[test]
fn a_storage_that_is_not_ready_delays_replication_and_never_panics() {
    let mut p = Pair::new();
    p.nodes[0].step(Input::Campaign).unwrap();
    p.settle();
    assert_eq!(p.nodes[0].role(), Role::Leader);
    p.link = false;
    // With one of two voters cut off nothing commits; the leader's log still grows.
    for k in 0..1_000u32 {
        p.nodes[0]
            .step(Input::Propose(k.to_le_bytes().to_vec()))
            .unwrap();
        p.settle();
    }
    p.link = true;
    p.nodes[0].storage_mut().stalled = true;
    for _ in 0..5 {
        p.heartbeat();
    }
    let f = &p.nodes[1];
    assert!(
        f.log().last_index() < 1_001,
        "the follower cannot get entries the leader cannot read"
    );
    assert!(f.log().snapshot_index() == 0, "and no snapshot either");
    assert!(p
        .queue
        .iter()
        .all(|m| !matches!(m.body, Body::Snapshot { .. })));

    p.nodes[0].storage_mut().stalled = false;
    for _ in 0..60 {
        p.heartbeat();
    }
    assert_eq!(p.nodes[1].log().last_index(), 1_001);
    assert_eq!(p.nodes[0].log().committed(), 1_001);
    assert_eq!(
        p.nodes[1].log().collect_entries(),
        p.nodes[0].log().collect_entries()
    );
}

fn stalling_log(entries: u64) -> raft_core::RaftLog<Stalling> {
    let state = raft_core::PersistentState {
        hard_state: HardState {
            term: 1,
            vote: None,
        },
        entries: (1..=entries)
            .map(|index| Entry {
                term: 1,
                index,
                payload: raft_core::Payload::Noop,
            })
            .collect(),
        ..Default::default()
    };
    let disk = Stalling {
        inner: MemStorage::from_state(state),
        stalled: false,
    };
    raft_core::RaftLog::with_storage(disk).unwrap()
}

// Crate doc, "Storage-backed log": a read the storage cannot answer yet is reported as such
// (not as "compacted", which would send a snapshot, nor as "absent"), committed entries wait
// for it, and nothing is lost once it answers.
#[test]
fn reads_that_are_not_ready_wait_and_lose_nothing() {
    let mut log = stalling_log(1_000);
    assert_eq!(log.memory_start(), 1_001 - LOG_CACHE_ENTRIES as u64);
    log.commit_to(1_000);
    log.store_mut().stalled = true;
    // Old entries: not ready. New ones: from memory. Compacted or absent: None.
    assert_eq!(log.term_checked(10), Err(StorageError::NotReady));
    assert_eq!(log.term_checked(1_000), Ok(Some(1)));
    assert_eq!(log.term_checked(1_001), Ok(None));
    assert_eq!(
        log.slice_checked(10, 20, u64::MAX),
        Err(StorageError::NotReady)
    );
    assert!(log.entry(10).is_none());
    // The application gets nothing yet, and nothing is marked applied.
    assert!(log.take_committed().is_empty());
    assert_eq!(log.applied(), 0);
    log.store_mut().stalled = false;
    let applied = log.take_committed();
    assert_eq!(applied.len(), 1_000);
    assert!(applied.iter().zip(1..).all(|(e, i)| e.index == i));
    assert_eq!(log.applied(), 1_000);
}

/// Node `id` restarted over a [`Stalling`] disk holding `n` entries of term 1 (no-ops, but for
/// `first`, the payload of entry 1) under `membership`: only the newest few are in memory.
fn restarted_on_stalling_disk(
    id: u64,
    n: u64,
    membership: Membership,
    first: raft_core::Payload,
) -> Node<Stalling> {
    let state = raft_core::PersistentState {
        hard_state: HardState {
            term: 1,
            vote: Some(1),
        },
        membership,
        entries: (1..=n)
            .map(|index| Entry {
                term: 1,
                index,
                payload: if index == 1 {
                    first.clone()
                } else {
                    raft_core::Payload::Noop
                },
            })
            .collect(),
        ..Default::default()
    };
    let disk = Stalling {
        inner: MemStorage::from_state(state),
        stalled: false,
    };
    Node::with_storage(config(id), disk).unwrap()
}

// Figure 2, AppendEntries receiver, step 3: an existing entry is deleted only when it conflicts
// with a new one (same index, different term). An entry the follower holds but cannot read back
// yet is not a conflict: deleting it (and all after it) could drop entries this follower already
// acknowledged and a leader counted toward a commit (§5.4). Here a duplicate of an old Append
// arrives while the follower's storage is not ready: nothing is deleted, rewritten or
// acknowledged; once the storage answers, the same Append is acknowledged and the log is whole.
#[test]
fn an_entry_that_cannot_be_read_back_is_not_a_conflict() {
    const N: u64 = 1_000;
    let membership = Membership::with_voters([1, 2]);
    let mut follower =
        restarted_on_stalling_disk(2, N, membership.clone(), raft_core::Payload::Noop);
    let _ = follower.ready();
    assert!(
        follower.log().memory_start() > 5,
        "entry 1 is read from storage"
    );
    let stale_append = Message {
        from: 1,
        to: 2,
        term: 1,
        body: Body::Append {
            prev_index: 0,
            prev_term: 0,
            entries: (1..=5)
                .map(|index| Entry {
                    term: 1,
                    index,
                    payload: raft_core::Payload::Noop,
                })
                .collect::<Vec<_>>()
                .into(),
            commit: 0,
        },
    };
    follower.storage_mut().stalled = true;
    follower.step(Input::Message(stale_append.clone())).unwrap();
    let ready = follower.ready();
    assert_eq!(follower.log().last_index(), N, "nothing deleted");
    assert!(ready.entries.is_empty(), "nothing rewritten");
    assert!(
        ready.messages.is_empty(),
        "nothing acknowledged: {:?}",
        ready.messages
    );
    assert!(
        !ready
            .events
            .iter()
            .any(|e| matches!(e, raft_core::Event::Rejected { .. })),
        "not a broken leader: {:?}",
        ready.events
    );

    follower.storage_mut().stalled = false;
    follower.step(Input::Message(stale_append)).unwrap();
    let ready = follower.ready();
    assert_eq!(follower.log().last_index(), N);
    assert!(ready.entries.is_empty());
    assert!(
        matches!(
            ready.messages[..],
            [Message {
                body: Body::AppendResp {
                    index: 5,
                    reject: false,
                    ..
                },
                ..
            }]
        ),
        "{:?}",
        ready.messages
    );
}

// Figure 13, steps 6-7: a follower installing a leader's snapshot keeps the entries after the
// snapshot's last index if it holds that index with the same term, and discards its whole log
// otherwise. An entry it cannot read back yet is neither: the whole snapshot waits (the next
// chunk from the leader completes the install) and nothing is discarded or acknowledged.
#[test]
fn a_snapshot_boundary_that_cannot_be_read_back_discards_nothing() {
    const N: u64 = 1_000;
    let membership = Membership::with_voters([1, 2]);
    let mut follower =
        restarted_on_stalling_disk(2, N, membership.clone(), raft_core::Payload::Noop);
    let _ = follower.ready();
    assert!(
        follower.log().memory_start() > 500,
        "entry 500 is read from storage"
    );
    let snapshot = Message {
        from: 1,
        to: 2,
        term: 1,
        body: Body::Snapshot {
            index: 500,
            term: 1,
            membership: Box::new(membership),
            offset: 0,
            total: 3,
            data: b"abc".to_vec(),
        },
    };
    follower.storage_mut().stalled = true;
    follower.step(Input::Message(snapshot.clone())).unwrap();
    let ready = follower.ready();
    assert_eq!(follower.log().last_index(), N, "nothing discarded");
    assert_eq!(follower.log().snapshot_index(), 0, "not installed yet");
    assert!(ready.snapshot.is_none() && ready.messages.is_empty());

    follower.storage_mut().stalled = false;
    follower.step(Input::Message(snapshot)).unwrap();
    let ready = follower.ready();
    assert_eq!(follower.log().snapshot_index(), 500, "installed");
    assert_eq!(follower.log().last_index(), N, "the entries after it kept");
    assert!(ready.snapshot.is_some());
    assert!(matches!(
        ready.messages[..],
        [Message {
            body: Body::AppendResp {
                index: 500,
                reject: false,
                ..
            },
            ..
        }]
    ));
}

// Dissertation §4.1: a server uses the latest configuration in its log. The node keeps its
// membership entries in memory, so a storage that cannot answer never makes it fall back to an
// older configuration. Here the only membership entry (S1 alone) is old enough to be held only in
// storage, behind the base membership (S1 and S2); a compaction while the storage is not ready
// must snapshot the configuration in effect, and the node must stay a one-voter cluster.
#[test]
fn a_membership_entry_held_only_in_storage_is_never_replaced_by_an_older_one() {
    const N: u64 = 1_000;
    let mut node = restarted_on_stalling_disk(
        1,
        N,
        Membership::with_voters([1, 2]),
        raft_core::Payload::Membership(Box::new(Membership::with_voters([1]))),
    );
    assert_eq!(node.membership(), &Membership::with_voters([1]));
    node.step(Input::Campaign).unwrap();
    let mut guard = 0;
    while node.log().applied() < node.log().last_index() && guard < 100 {
        let ready = node.ready();
        node.storage_mut().persist(&ready);
        guard += 1;
    }
    assert_eq!(node.role(), Role::Leader);
    let last = node.log().last_index();
    assert_eq!(node.log().applied(), last);
    assert!(
        node.log().memory_start() > 1,
        "entry 1 is read from storage"
    );

    node.storage_mut().stalled = true;
    // An index held only in storage cannot be looked up now: a refusal that says so (not "not
    // in the log", which it is).
    assert_eq!(
        node.step(Input::Compact {
            index: 2,
            data: b"state".to_vec(),
        }),
        Err(raft_core::Error::SnapshotRefused(
            raft_core::SnapshotRefusal::StorageNotReady
        ))
    );
    node.step(Input::Compact {
        index: last - 1,
        data: b"state".to_vec(),
    })
    .unwrap();
    let snapshot = node.snapshot().expect("compacted");
    assert_eq!(
        snapshot.meta.membership,
        Membership::with_voters([1]),
        "the snapshot holds the configuration in effect"
    );
    assert_eq!(node.membership(), &Membership::with_voters([1]));
    // Still a one-voter cluster: a proposal commits at once.
    let i = node.step(Input::Propose(b"x".to_vec())).unwrap().unwrap();
    let _ = node.ready();
    assert_eq!(node.log().committed(), i);
}
