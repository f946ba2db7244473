//! Client sessions expire (dissertation §6.3): the table keeps at most `limit` sessions and
//! evicts the least recently used, counted in applied commands so that every replica evicts the
//! same one; a command from an expired session is refused, not applied again.
//!
//! (Before expiry existed, these tests' predecessors pinned down that the table kept every
//! client it had ever seen, and every snapshot grew with them: 10,000 clients, 10,000 sessions.)

use raft_core::session::{SessionCheck, Sessions, DEFAULT_SESSION_LIMIT};
use raft_sim::{Command, KvStore, Op};

#[test]
fn the_least_recently_used_session_is_evicted_at_the_limit() {
    let mut s: Sessions<u64> = Sessions::with_limit(3);
    assert_eq!(s.record(1, 1, 10), None);
    assert_eq!(s.record(2, 1, 20), None);
    assert_eq!(s.record(3, 1, 30), None);
    // Client 1 is used again: client 2 is now the least recently used.
    assert_eq!(s.record(1, 2, 11), None);
    assert_eq!(s.record(4, 1, 40), Some(2));
    assert_eq!(s.len(), 3);
    // Client 2's retry of its command 3 (say) is refused: its session is gone, so whether the
    // command ran is unknown.
    assert_eq!(s.check(2, 3), SessionCheck::Expired);
    assert_eq!(s.apply_once(2, 3, || unreachable!("never applied")), None);
    // Sessions still held answer duplicates as before.
    assert_eq!(s.check(1, 2), SessionCheck::Duplicate(11));
    assert_eq!(s.check(1, 1), SessionCheck::Stale);
    // A brand-new client starts at 1.
    assert_eq!(s.check(9, 1), SessionCheck::New);
}

// A live client (one command at a time, retrying until answered) keeps exactly-once while fewer
// than `limit` other clients are active between two of its commands, however many clients come
// and go overall.
#[test]
fn a_live_client_keeps_exactly_once_among_many_passing_clients() {
    let mut s: Sessions<u64> = Sessions::with_limit(8);
    let mut applied = 0;
    for seq in 1..=1_000u64 {
        // The live client's command, then a retry of it.
        s.apply_once(1, seq, || {
            applied += 1;
            seq
        });
        assert_eq!(
            s.apply_once(1, seq, || unreachable!("applied twice")),
            Some(seq)
        );
        // Five one-shot clients pass by between two of its commands.
        for k in 0..5 {
            s.record(1_000 + seq * 5 + k, 1, 0);
        }
        assert!(s.len() <= 8);
    }
    assert_eq!(applied, 1_000);
}

// Replicas must evict alike: a replica restored from a snapshot (sessions saved least recently
// used first and recorded again in that order) evicts exactly what the original evicts.
#[test]
fn sessions_saved_in_use_order_evict_alike() {
    let mut a: Sessions<u64> = Sessions::with_limit(4);
    for (c, seq) in [(1, 1), (2, 1), (3, 1), (1, 2), (4, 1), (2, 2)] {
        a.record(c, seq, c * 100 + seq);
    }
    let mut b: Sessions<u64> = Sessions::with_limit(4);
    for (c, seq, r) in a.iter_by_use() {
        b.record(c, seq, *r);
    }
    for (c, seq) in [(5, 1), (6, 1), (3, 2)] {
        assert_eq!(a.record(c, seq, 0), b.record(c, seq, 0), "client {c}");
    }
    assert!(a.iter().eq(b.iter()));
}

// The replicated store stays bounded and consistent: past the limit its session table (and so
// its snapshot) stops growing, and a replica restored from a snapshot has the same state digest.
#[test]
fn the_store_keeps_at_most_the_limit_of_sessions() {
    let put = |client: u64| Command {
        client,
        seq: 1,
        op: Op::Put {
            key: "k".into(),
            value: "v".into(),
        },
    };
    let mut kv = KvStore::default();
    let clients = DEFAULT_SESSION_LIMIT as u64 + 1_000;
    for client in 1..=clients {
        kv.apply(&put(client));
    }
    let full = kv.snapshot().len();
    for client in clients + 1..=clients + 1_000 {
        kv.apply(&put(client));
    }
    assert_eq!(kv.snapshot().len(), full, "the snapshot stopped growing");
    let restored = KvStore::restore(&kv.snapshot()).unwrap();
    assert_eq!(restored.digest(), kv.digest());
    // The oldest client's session expired: its next command is refused, not applied.
    let next = Command { seq: 2, ..put(1) };
    assert_eq!(kv.apply(&next), (None, false));
    // The newest client's retry is still a duplicate.
    let (reply, executed) = kv.apply(&put(clients + 1_000));
    assert!(!executed && reply.is_some());
}
