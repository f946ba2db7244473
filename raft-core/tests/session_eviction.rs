//! Whether the client session table (dissertation §6.3) ever forgets a client: it does not.
//!
//! The dissertation asks servers to expire sessions eventually, and all alike (each replica
//! must decide from the log, e.g. keep at most N sessions and drop the least recently used,
//! with times taken from the leader's entries), and to tell a client whose session expired
//! instead of executing its retry as a new command. `raft_core::session::Sessions` has no way
//! to drop an entry: every client that ever issued a command keeps its session, so the table
//! and every snapshot of the store grow with the number of clients ever seen. These tests pin
//! that behaviour down; they fail, on purpose, once sessions can expire.

use raft_core::session::{SessionCheck, Sessions};
use raft_core::sim::{Command, KvStore, Op};

const CLIENTS: u64 = 10_000;

#[test]
fn session_table_keeps_every_client_it_has_seen() {
    let mut s: Sessions<u64> = Sessions::new();
    for client in 1..=CLIENTS {
        s.record(client, 1, client);
    }
    // Many more commands from the last client: no earlier client is pushed out.
    for seq in 2..=CLIENTS {
        s.record(CLIENTS, seq, seq);
    }
    assert_eq!(s.len() as u64, CLIENTS);
    assert_eq!(s.check(1, 1), SessionCheck::Duplicate(1));
    assert_eq!(s.iter().next(), Some((1, 1, &1)));
}

/// The replicated store: a client that issued one command and went away still has its session
/// (so a retry arriving arbitrarily late is still answered, not executed), and the snapshot
/// grows by one session per client ever seen.
#[test]
fn store_snapshots_grow_with_every_client_ever_seen() {
    let put = |client: u64| Command {
        client,
        seq: 1,
        op: Op::Put {
            key: "k".into(),
            value: "v".into(),
        },
    };
    let mut kv = KvStore::default();
    kv.apply(&put(1));
    let one = kv.snapshot().len();
    for client in 2..=CLIENTS {
        kv.apply(&put(client));
    }
    let all = kv.snapshot().len();
    // One key and value either way; each session is client, seq, ok, and the reply's value.
    let per_session = (all - one) as u64 / (CLIENTS - 1);
    assert_eq!(
        per_session,
        8 + 8 + 1 + 1 + 8 + 1,
        "{one} bytes, then {all}"
    );
    let (reply, executed) = kv.apply(&put(1));
    assert!(!executed, "client 1's retry is still a duplicate");
    assert!(reply.is_some());
}
