//! Client sessions (Raft §8, dissertation §6.3): each (client, sequence number) is applied exactly
//! once; a retry of the last command gets the recorded response; an older one is stale.

use std::collections::BTreeMap;

use proptest::prelude::*;
use raft_core::session::{SessionCheck, Sessions};

// Dissertation §6.3: "If it receives a command whose serial number has already been executed, it
// responds immediately without re-executing the request."
/// The table's memory follows its clients, not their commands (dissertation §6.3 keeps one
/// session per client): 100,000 commands of three clients leave at most 2 × 3 + 16 use
/// records, superseded ones included, and the sessions answer as they should.
#[test]
fn a_table_holds_records_for_its_clients_not_their_commands() {
    let mut t = Sessions::<u64>::new();
    let mut most = 0;
    for k in 0..100_000u64 {
        let client = k % 3 + 1;
        t.record(client, k / 3 + 1, k);
        most = most.max(t.records_held());
    }
    assert!(most <= 2 * 3 + 16, "{most} records for 3 sessions");
    assert!(t.records_held() >= 3, "every live session keeps its record");
    assert_eq!(t.check(1, 33_334), SessionCheck::Duplicate(99_999));
    assert_eq!(t.check(3, 33_333), SessionCheck::Duplicate(99_998));
    assert_eq!(t.check(2, 33_333), SessionCheck::Duplicate(99_997));
}

#[test]
fn duplicate_returns_recorded_response_without_reapplying() {
    let mut s: Sessions<String> = Sessions::new();
    let mut applied = 0;
    let mut apply = |v: &str| {
        applied += 1;
        v.to_string()
    };
    assert_eq!(s.apply_once(7, 1, || apply("first")), Some("first".into()));
    assert_eq!(s.apply_once(7, 1, || apply("again")), Some("first".into()));
    assert_eq!(s.apply_once(7, 1, || apply("again")), Some("first".into()));
    assert_eq!(applied, 1);
    assert_eq!(s.check(7, 1), SessionCheck::Duplicate("first".to_string()));
}

/// `response` reads the response a duplicate would get, in place: the one last recorded for a
/// held session, nothing for a client without one (never seen, or evicted at the limit).
#[test]
fn response_is_what_a_duplicate_would_get() {
    let mut s: Sessions<String> = Sessions::with_limit(2);
    assert_eq!(s.response(1), None);
    s.record(1, 1, "one".into());
    s.record(2, 1, "two".into());
    assert_eq!(s.response(1).map(String::as_str), Some("one"));
    s.record(1, 2, "one again".into());
    assert_eq!(s.response(1).map(String::as_str), Some("one again"));
    assert_eq!(
        s.check(1, 2),
        SessionCheck::Duplicate("one again".to_string())
    );
    assert_eq!(s.response(2).map(String::as_str), Some("two"));
    // A third client evicts the least recently used session (client 2's).
    assert_eq!(s.record(3, 1, "three".into()), Some(2));
    assert_eq!(s.response(2), None);
    assert_eq!(s.response(3).map(String::as_str), Some("three"));
    assert_eq!(s.response(4), None);
}

// A client's next command is new; its older commands are stale (their responses are gone).
#[test]
fn newer_is_applied_older_is_stale() {
    let mut s: Sessions<u64> = Sessions::new();
    assert_eq!(s.apply_once(1, 1, || 10), Some(10));
    assert_eq!(s.apply_once(1, 2, || 20), Some(20));
    assert_eq!(s.check(1, 1), SessionCheck::Stale);
    assert_eq!(s.apply_once(1, 1, || panic!("must not apply")), None);
    assert_eq!(s.check(1, 3), SessionCheck::New);
}

// Sessions are per client: the same sequence number from another client is a different command.
#[test]
fn clients_are_independent() {
    let mut s: Sessions<&str> = Sessions::new();
    assert!(s.is_empty());
    assert_eq!(s.apply_once(1, 1, || "a"), Some("a"));
    assert_eq!(s.apply_once(2, 1, || "b"), Some("b"));
    assert_eq!(s.apply_once(2, 2, || "c"), Some("c"));
    assert_eq!(s.apply_once(2, 1, || "d"), None, "client 2 is past 1");
    assert_eq!(s.apply_once(1, 1, || "x"), Some("a"));
    assert_eq!(s.len(), 2);
}

// Dissertation §6.3: a session starts with the client's first command (number 1). A later number
// from a client without a session means its session expired: refused, never applied again.
#[test]
fn a_client_without_a_session_starts_at_one() {
    let mut s: Sessions<&str> = Sessions::new();
    assert_eq!(s.check(4, 1), SessionCheck::New);
    assert_eq!(s.check(4, 2), SessionCheck::Expired);
    assert_eq!(s.apply_once(4, 2, || panic!("must not apply")), None);
    assert!(s.is_empty());
}

// Dissertation §6.3: every replica applies the same committed commands in the same order, so every
// replica's table answers identically: two tables fed the same sequence agree on every answer.
#[test]
fn replicas_fed_the_same_log_agree() {
    let log = [
        (1, 1),
        (2, 1),
        (1, 1),
        (1, 2),
        (2, 1),
        (1, 1),
        (3, 1),
        (3, 1),
    ];
    let run = || {
        let mut s: Sessions<u64> = Sessions::new();
        let mut counter = 0;
        log.iter()
            .map(|&(c, q)| {
                s.apply_once(c, q, || {
                    counter += 1;
                    counter
                })
            })
            .collect::<Vec<_>>()
    };
    let a = run();
    assert_eq!(a, run());
    assert_eq!(
        a,
        vec![
            Some(1),
            Some(2),
            Some(1),
            Some(3),
            Some(2),
            None,
            Some(4),
            Some(4)
        ]
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

    // Against a model that keeps every (client, seq) ever applied and its response (the table's
    // limit is far above the 4 clients here, so nothing expires): each pair is applied at most
    // once; a duplicate of the latest gets the recorded response; anything older than a
    // client's latest is refused, and so is a client's first command unless it is number 0 or
    // 1; and a command is applied exactly when it is newer than everything applied for its
    // client.
    #[test]
    fn exactly_once_against_a_model(cmds in proptest::collection::vec((0u64..4, 0u64..6), 0..60)) {
        let mut s: Sessions<(u64, u64, usize)> = Sessions::new();
        let mut history: BTreeMap<(u64, u64), (u64, u64, usize)> = BTreeMap::new();
        let mut latest: BTreeMap<u64, u64> = BTreeMap::new();
        for (k, &(client, seq)) in cmds.iter().enumerate() {
            let mut ran = false;
            let got = s.apply_once(client, seq, || {
                ran = true;
                (client, seq, k)
            });
            match latest.get(&client).copied() {
                // No session and not a first command: the session expired (or never was).
                None if seq > 1 => {
                    prop_assert!(!ran);
                    prop_assert_eq!(got, None);
                }
                Some(last) if seq < last => {
                    prop_assert!(!ran);
                    prop_assert_eq!(got, None);
                }
                Some(last) if seq == last => {
                    prop_assert!(!ran);
                    prop_assert_eq!(got, history.get(&(client, seq)).copied());
                }
                _ => {
                    prop_assert!(ran);
                    prop_assert!(!history.contains_key(&(client, seq)), "applied twice");
                    history.insert((client, seq), (client, seq, k));
                    latest.insert(client, seq);
                    prop_assert_eq!(got, Some((client, seq, k)));
                }
            }
        }
        prop_assert_eq!(s.len(), latest.len());
    }

    // Dissertation §6.3 (replicas must agree on when a session expires): the table evicts
    // exactly as a plain least-recently-used list does, whatever superseded entries it keeps
    // internally; the use order it reports rebuilds an equal table.
    #[test]
    fn eviction_matches_an_lru_list(
        limit in 1usize..5,
        cmds in proptest::collection::vec(0u64..8, 0..200),
    ) {
        let mut s: Sessions<usize> = Sessions::with_limit(limit);
        let mut lru: Vec<u64> = Vec::new();
        for (k, &client) in cmds.iter().enumerate() {
            let evicted = s.record(client, k as u64 + 1, k);
            lru.retain(|&c| c != client);
            lru.push(client);
            let want = (lru.len() > limit).then(|| lru.remove(0));
            prop_assert_eq!(evicted, want);
            let order: Vec<u64> = s.iter_by_use().map(|(c, _, _)| c).collect();
            prop_assert_eq!(&order, &lru);
        }
        let mut rebuilt: Sessions<usize> = Sessions::with_limit(limit);
        for (c, seq, &r) in s.iter_by_use() {
            rebuilt.record(c, seq, r);
        }
        let order: Vec<u64> = rebuilt.iter_by_use().map(|(c, _, _)| c).collect();
        prop_assert_eq!(order, lru);
        prop_assert_eq!(s.len(), rebuilt.len());
    }
}
